// The Paytronix Guest Management dialect: reset requests by exactly one identifier and guestd's completion
// extension. Handlers translate the body into one domain::recovery call and the answer into `result` bodies.
#pragma once

#include "api/endpoint.hpp"

#include <optional>

namespace guestd::api::paytronix {

/// The body's merchantId, when the calling partner is granted that merchant.
std::optional<core::merchant_id> granted_merchant(const call& c);

core::result<response> generate_and_send_reset_code(const call& c);
core::result<response> send_reset_code(const call& c);
core::result<response> complete_reset(const call& c);

}  // namespace guestd::api::paytronix
