// The Paytronix Guest Service reads: guest/userInformation.json and guest/accountInformation.json, for the
// token's own guest (authentication=oauth) or any guest of the merchant (authentication=b2b). Handlers translate
// the query into one domain::accounts lookup and the guest into Paytronix field names.
#pragma once

#include "api/endpoint.hpp"

namespace guestd::api::paytronix {

/// GET guest/userInformation.json: result, fields (Paytronix names, blank fields omitted), accountIds,
/// primaryCardNumbers, addresses. oauth needs scope user_read; b2b a partner with b2b rights and exactly one of
/// username, printedCardNumber, accountId; an unknown guest is 200 with user_info.not_found.
core::result<response> user_information(const call& c);

/// GET guest/accountInformation.json (oauth with scope account_read, or b2b): result, accountStatus,
/// registrationStatus, primaryCard, printedCardNumber. An unknown guest is 200 with account_info.not_found.
core::result<response> account_information(const call& c);

}  // namespace guestd::api::paytronix
