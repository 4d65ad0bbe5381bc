// The Paytronix OAuth service: oauth/requestGuestToken.json (password and refresh_token grants), and the oauth
// authentication every guest call of the dialect (userInformation, editAccount, ...) makes with access_token.
#pragma once

#include "api/endpoint.hpp"
#include "domain/credentials.hpp"
#include "domain/oauth.hpp"

#include <expected>

namespace guestd::api::paytronix {

/// POST oauth/requestGuestToken.json. Success: 200 with the tokens. Wrong credentials: 401 could_not_authenticate;
/// a bad refresh token: 401 oauth.invalid_grant; a locked account: 429 oauth.account_locked with Retry-After;
/// missing fields or an unknown scope: 400; a merchant the partner is not granted: 403. Never a 2xx failure: the
/// apps take any 2xx for a login.
core::result<response> request_guest_token(const call& c);

/// The guest an oauth-authenticated call acts for: `access_token` from the JSON body, else from the query, checked
/// against merchant m, the calling partner and the scope the call needs. On refusal the answer to send as is:
/// 401 oauth.invalid_token for an unknown, expired, revoked or foreign token (the apps then refresh), 403
/// oauth.insufficient_scope when the token's scope lacks need.
std::expected<domain::guest_session, response> oauth_guest(const call& c, core::merchant_id m,
                                                           domain::oauth_scope need);

}  // namespace guestd::api::paytronix
