// core::error -> the wire error of each dialect, in one place: status, body, Retry-After and the
// WWW-Authenticate challenge of every 401. The dispatcher maps every handler, auth and validation failure through
// here, and http/ shapes its transport rejections (413, 431, 408, ...) with status_response(). Each mapper is a
// switch over core::errc with no default, so a new code that nobody mapped is a compiler warning.
#pragma once

#include "api/endpoint.hpp"
#include "api/message.hpp"
#include "api/schema.hpp"
#include "core/error.hpp"

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace guestd::api {

/// A response with status and body serialized as application/json.
response json_response(unsigned status, const boost::json::value& body);

/// What a 401's challenge says about the token the request carried (RFC 6750 §3.1): none when it carried no
/// credentials of the scheme, or when the failure was about something else (a guest's wrong password);
/// invalid_token when a token it carried was refused (unknown, expired, revoked or malformed).
enum class token_fault { none, invalid_token };

/// The realm every challenge names.
inline constexpr std::string_view auth_realm = "guestd";

/// The WWW-Authenticate value of a 401 (RFC 9110 §11.6.1) from an endpoint authenticated by `kind`:
/// `Basic realm="guestd", charset="UTF-8"` for HTTP Basic (RFC 7617), `Bearer realm="guestd"` for the bearer
/// schemes (RFC 6750), plus `, error="invalid_token"` for a refused token; an endpoint without authentication
/// takes its dialect's scheme (Basic for paytronix, Bearer otherwise). Every 401 built here carries it.
std::string www_authenticate(dialect d, auth_kind kind, token_fault fault = token_fault::none);

/// Experience, ops and web: {"message": ...} plus "errors": {field: reason} when err names fields.
/// Status: invalid_argument 400, unauthenticated 401, permission_denied 403, not_found 404, already_exists 409,
/// failed_precondition 412, resource_exhausted 429, unavailable 503, internal 500. 429 and 503 carry Retry-After
/// (503 at least 1 second); 401 carries the Bearer challenge. An internal error always reads "internal error"; its
/// detail is for the log only.
response experience_error(const core::error& err);

/// Experience PMS push (error_style::batch): {"success": false, "message": ..., "errors": [{"index": i,
/// "field": f, "reason": r}]} with the statuses of experience_error(). A field path "bookings[3].customer.email"
/// becomes index 3 and field "customer.email"; a path without a leading array index has no "index".
response batch_error(const core::error& err);

/// Paytronix: {"result": "failure", "errorCode": ..., "errorMessage": ...}. invalid_argument 400
/// guestmanagement.invalid_request, unauthenticated 401 guestmanagement.authentication_failed, permission_denied
/// 200 guestmanagement.permission_denied, not_found 200 guestmanagement.user_not_found, already_exists 200
/// guestmanagement.conflict, failed_precondition 200 guestmanagement.failed_precondition, resource_exhausted 200
/// guestmanagement.rate_limited (with Retry-After), unavailable 503 guestmanagement.unavailable, internal 500
/// guestmanagement.system_error; 401 carries the Basic challenge. Field errors are appended to errorMessage
/// ("invalid request: email must be an email address").
///
/// Explicit codes: when err.detail starts with "code:", the text after it up to the first space (or the end)
/// replaces errorCode, so a handler can answer e.g. guestmanagement.reset_code_expired while keeping the status of
/// its errc: `core::fail(errc::failed_precondition, "reset code expired", "code:guestmanagement.reset_code_expired")`.
response paytronix_error(const core::error& err);

/// The mapper for an endpoint's dialect and error style (batch applies to the experience dialect only); a 401
/// carries www_authenticate(d, kind, fault), so pass the endpoint's auth kind.
response error_response(dialect d, error_style style, const core::error& err, auth_kind kind = auth_kind::none,
                        token_fault fault = token_fault::none);

/// The dialect's error body for a status that no errc produces (405, 408, 413, 415, 431) or for a rejection decided
/// before any handler ran. retry_after_seconds > 0 adds Retry-After; a 503 always has one (default 1); a 401 the
/// dialect's challenge.
response status_response(dialect d, error_style style, unsigned status, std::string_view message,
                         int retry_after_seconds = 0);

/// The dialect of a path, for responses decided before an endpoint is known: /rest/ and /guestmanagement/ are
/// paytronix, /api/ experience, anything else ops.
dialect dialect_of_path(std::string_view path) noexcept;

/// The error bodies as schemas, named "ExperienceError", "PmsBatchError" and "PaytronixFailure" in OpenAPI.
extern const schema experience_error_schema;
extern const schema batch_error_schema;
extern const schema paytronix_failure_schema;

/// The error body schema of a dialect and style.
const schema& error_schema(dialect d, error_style style) noexcept;

}  // namespace guestd::api
