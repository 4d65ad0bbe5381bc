// guestd's hosted reset-password page: a small accessible HTML form (no JavaScript needed, no external assets)
// that completes a reset with the code from the email. Strict security headers on every answer.
#pragma once

#include "api/endpoint.hpp"

namespace guestd::api::web {

/// GET /reset-password?merchant=...&code=...: the form, or the code's outcome (expired, used, unknown) without a
/// form. A code is looked up only within the link's merchant.
core::result<response> reset_page(const call& c);
/// POST /reset-password (application/x-www-form-urlencoded: merchant, code, password, password_confirm): completes
/// the reset and shows the outcome, or the form again with the reason.
core::result<response> reset_submit(const call& c);
/// GET /reset-password.css: the page's stylesheet (CSP allows only 'self' styles).
core::result<response> reset_stylesheet(const call& c);

}  // namespace guestd::api::web
