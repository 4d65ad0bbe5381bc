// The bodies of the Paytronix Guest Management dialect as schemas (validated before a handler runs, and
// published in docs/openapi.yaml).
#pragma once

#include "api/schema.hpp"

namespace guestd::api::paytronix::schemas {

extern const schema user_identity;     // identifiers and verification fields
extern const schema reset_request;     // generateAndSend... and send... bodies
extern const schema reset_answer;      // {result, email | fields | errorCode, errorMessage}
extern const schema complete_request;  // {merchantId, resetCode, newPassword}
extern const schema complete_answer;   // {result} | failure
extern const schema token_request;     // oauth/requestGuestToken.json: grant_type password | refresh_token
extern const schema token_answer;      // {result, access_token, token_type, expires_in, refresh_token, scope, ...}
extern const schema user_information;     // guest/userInformation.json: {result, fields, accountIds, ...} | failure
extern const schema account_information;  // guest/accountInformation.json: {result, accountStatus, ...} | failure

}  // namespace guestd::api::paytronix::schemas
