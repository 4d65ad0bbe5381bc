#include "api/errors.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace guestd::api {
namespace {

using core::errc;

// What a client reads when the code came without a message of its own.
std::string_view default_message(errc code) noexcept {
    switch (code) {
        case errc::invalid_argument: return "invalid request";
        case errc::unauthenticated: return "unauthenticated";
        case errc::permission_denied: return "permission denied";
        case errc::not_found: return "not found";
        case errc::already_exists: return "already exists";
        case errc::failed_precondition: return "precondition failed";
        case errc::resource_exhausted: return "too many requests";
        case errc::unavailable: return "service unavailable";
        case errc::internal: return "internal error";
    }
    return "internal error";
}

// The client-facing message: never the text of an internal error.
std::string public_message(const core::error& err) {
    if (err.code == errc::internal || err.message.empty()) return std::string(default_message(err.code));
    return err.message;
}

unsigned experience_status(errc code) noexcept {
    switch (code) {
        case errc::invalid_argument: return 400;
        case errc::unauthenticated: return 401;
        case errc::permission_denied: return 403;
        case errc::not_found: return 404;
        case errc::already_exists: return 409;
        case errc::failed_precondition: return 412;
        case errc::resource_exhausted: return 429;
        case errc::unavailable: return 503;
        case errc::internal: return 500;
    }
    return 500;
}

struct paytronix_outcome {
    unsigned status;
    std::string_view code;
};

paytronix_outcome paytronix_mapping(errc code) noexcept {
    switch (code) {
        case errc::invalid_argument: return {400, "guestmanagement.invalid_request"};
        case errc::unauthenticated: return {401, "guestmanagement.authentication_failed"};
        case errc::permission_denied: return {200, "guestmanagement.permission_denied"};
        case errc::not_found: return {200, "guestmanagement.user_not_found"};
        case errc::already_exists: return {200, "guestmanagement.conflict"};
        case errc::failed_precondition: return {200, "guestmanagement.failed_precondition"};
        case errc::resource_exhausted: return {200, "guestmanagement.rate_limited"};
        case errc::unavailable: return {503, "guestmanagement.unavailable"};
        case errc::internal: return {500, "guestmanagement.system_error"};
    }
    return {500, "guestmanagement.system_error"};
}

// Paytronix codes for statuses decided outside any errc (unknown route, limits, timeouts).
std::string_view paytronix_code_for_status(unsigned status) noexcept {
    switch (status) {
        case 401: return "guestmanagement.authentication_failed";
        case 403: return "guestmanagement.permission_denied";
        case 404: return "guestmanagement.unknown_endpoint";
        case 405: return "guestmanagement.method_not_allowed";
        case 408: return "guestmanagement.request_timeout";
        case 409: return "guestmanagement.conflict";
        case 412: return "guestmanagement.failed_precondition";
        case 413: return "guestmanagement.request_too_large";
        case 415: return "guestmanagement.unsupported_media_type";
        case 429: return "guestmanagement.rate_limited";
        case 431: return "guestmanagement.headers_too_large";
        case 503: return "guestmanagement.unavailable";
        default: return status >= 500 ? "guestmanagement.system_error" : "guestmanagement.invalid_request";
    }
}

// Retry-After on throttling and unavailability; a 503 always tells the client to come back (default 1 s).
void add_retry_after(response& r, int seconds) {
    if (r.status == 503) seconds = std::max(seconds, 1);
    if (seconds > 0) r.headers.push_back({"retry-after", std::to_string(seconds)});
}

// Every 401 says how to authenticate (RFC 9110 §11.6.1).
void add_challenge(response& r, dialect d, auth_kind kind, token_fault fault) {
    if (r.status == 401) r.headers.push_back({"www-authenticate", www_authenticate(d, kind, fault)});
}

int retry_seconds(const core::error& err) noexcept {
    return err.code == errc::resource_exhausted || err.code == errc::unavailable ? err.retry_after_seconds : 0;
}

boost::json::object field_map(const std::vector<core::field_error>& fields) {
    boost::json::object errors;
    for (const auto& f : fields) {
        if (!errors.contains(f.field)) errors[f.field] = f.reason;
    }
    return errors;
}

// "bookings[3].customer.email" -> {3, "customer.email"}; a path that does not open with an array index keeps
// its whole text and no index.
struct batch_field {
    std::optional<std::int64_t> index;
    std::string field;
};

batch_field split_batch_path(std::string_view path) {
    const std::size_t open = path.find_first_of(".[");
    if (open == std::string_view::npos || path[open] != '[') return {std::nullopt, std::string(path)};
    const std::size_t close = path.find(']', open);
    if (close == std::string_view::npos) return {std::nullopt, std::string(path)};
    std::int64_t index = 0;
    const char* first = path.data() + open + 1;
    const char* last = path.data() + close;
    const auto [end, ec] = std::from_chars(first, last, index);
    if (ec != std::errc{} || end != last || first == last) return {std::nullopt, std::string(path)};
    std::string_view rest = path.substr(close + 1);
    if (!rest.empty() && rest.front() == '.') rest.remove_prefix(1);
    return {index, std::string(rest)};
}

// Paytronix has no field map: the broken rules follow the message ("invalid request: email must be ...").
std::string with_fields(std::string message, const std::vector<core::field_error>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        message += i == 0 ? ": " : "; ";
        message += fields[i].field.empty() ? "body" : fields[i].field;
        message += ' ';
        message += fields[i].reason;
    }
    return message;
}

boost::json::object paytronix_body(std::string_view code, std::string_view message) {
    return {{"result", "failure"}, {"errorCode", code}, {"errorMessage", message}};
}

}  // namespace

response json_response(unsigned status, const boost::json::value& body) {
    response r;
    r.status = status;
    r.body = boost::json::serialize(body);
    return r;
}

namespace {

// The mappers without the challenge, which error_response() adds for the endpoint's scheme.
response experience_shape(const core::error& err) {
    boost::json::object body{{"message", public_message(err)}};
    if (!err.fields.empty() && err.code != errc::internal) body["errors"] = field_map(err.fields);
    response r = json_response(experience_status(err.code), body);
    add_retry_after(r, retry_seconds(err));
    return r;
}

response batch_shape(const core::error& err) {
    boost::json::object body{{"success", false}, {"message", public_message(err)}};
    if (!err.fields.empty() && err.code != errc::internal) {
        boost::json::array errors;
        for (const auto& f : err.fields) {
            const batch_field split = split_batch_path(f.field);
            boost::json::object item;
            if (split.index) item["index"] = *split.index;
            item["field"] = split.field;
            item["reason"] = f.reason;
            errors.push_back(std::move(item));
        }
        body["errors"] = std::move(errors);
    }
    response r = json_response(experience_status(err.code), body);
    add_retry_after(r, retry_seconds(err));
    return r;
}

response paytronix_shape(const core::error& err) {
    const paytronix_outcome out = paytronix_mapping(err.code);
    // Let the handler name a more precise code than its errc gives
    std::string_view code = out.code;
    if (std::string_view detail = err.detail; detail.starts_with("code:")) {
        detail.remove_prefix(5);
        detail = detail.substr(0, detail.find(' '));
        if (!detail.empty()) code = detail;
    }
    std::string message = public_message(err);
    if (err.code != errc::internal) message = with_fields(std::move(message), err.fields);
    response r = json_response(out.status, paytronix_body(code, message));
    add_retry_after(r, retry_seconds(err));
    return r;
}

response shape(dialect d, error_style style, const core::error& err) {
    switch (d) {
        case dialect::experience: return style == error_style::batch ? batch_shape(err) : experience_shape(err);
        case dialect::paytronix: return paytronix_shape(err);
        case dialect::ops: return experience_shape(err);
        case dialect::web: return experience_shape(err);
    }
    return experience_shape(err);
}

}  // namespace

std::string www_authenticate(dialect d, auth_kind kind, token_fault fault) {
    bool basic = false;
    switch (kind) {
        case auth_kind::none: basic = d == dialect::paytronix; break;
        case auth_kind::partner_bearer:
        case auth_kind::partner_bearer_and_guest_token: basic = false; break;
        case auth_kind::basic: basic = true; break;
    }
    const std::string realm = "realm=\"" + std::string(auth_realm) + "\"";
    // Basic has no error parameter; RFC 7617 names the charset its credentials are read in
    if (basic) return "Basic " + realm + ", charset=\"UTF-8\"";
    if (fault == token_fault::invalid_token) return "Bearer " + realm + ", error=\"invalid_token\"";
    return "Bearer " + realm;
}

response experience_error(const core::error& err) {
    return error_response(dialect::experience, error_style::fields, err);
}

response batch_error(const core::error& err) { return error_response(dialect::experience, error_style::batch, err); }

response paytronix_error(const core::error& err) {
    return error_response(dialect::paytronix, error_style::fields, err);
}

response error_response(dialect d, error_style style, const core::error& err, auth_kind kind, token_fault fault) {
    response r = shape(d, style, err);
    add_challenge(r, d, kind, fault);
    return r;
}

response status_response(dialect d, error_style style, unsigned status, std::string_view message,
                         int retry_after_seconds) {
    boost::json::object body;
    switch (d) {
        case dialect::experience:
            if (style == error_style::batch) body["success"] = false;
            body["message"] = message;
            break;
        case dialect::paytronix: body = paytronix_body(paytronix_code_for_status(status), message); break;
        case dialect::ops:
        case dialect::web: body["message"] = message; break;
    }
    response r = json_response(status, body);
    add_retry_after(r, retry_after_seconds);
    add_challenge(r, d, auth_kind::none, token_fault::none);
    return r;
}

dialect dialect_of_path(std::string_view path) noexcept {
    if (path.starts_with("/rest/") || path.starts_with("/api/rest/") || path.starts_with("/guestmanagement/") ||
        path.starts_with("/oauth/"))
        return dialect::paytronix;
    if (path.starts_with("/api/")) return dialect::experience;
    return dialect::ops;
}

namespace {

const schema field_errors_schema{
    .name = "FieldErrors",
    .additional_properties = true,
    .string_values = true,
    .description = "The reason each invalid field was rejected, by field path (\"customer.email\").",
};

const schema batch_error_item_schema{
    .name = "PmsBatchErrorItem",
    .properties = {{.name = "index", .type = json_type::integer,
                    .description = "Position of the item in the pushed batch (absent for batch-level errors)."},
                   {.name = "field", .required = true, .description = "Field path inside the item."},
                   {.name = "reason", .required = true}},
};

}  // namespace

const schema experience_error_schema{
    .name = "ExperienceError",
    .properties = {{.name = "message", .required = true},
                   {.name = "errors", .type = json_type::object, .object = &field_errors_schema}},
    .description = "The Experience error body; \"errors\" is present for validation failures.",
    .example = R"({"message": "invalid request", "errors": {"email": "must be an email address"}})",
};

const schema batch_error_schema{
    .name = "PmsBatchError",
    .properties = {{.name = "success", .type = json_type::boolean, .required = true},
                   {.name = "message", .required = true},
                   {.name = "errors", .type = json_type::array, .items = &batch_error_item_schema}},
    .description = "The PMS push error body: the batch is atomic, so one bad item rejects it all.",
    .example = R"({"success": false, "message": "invalid request", )"
               R"("errors": [{"index": 3, "field": "customer.email", "reason": "must be an email address"}]})",
};

const schema paytronix_failure_schema{
    .name = "PaytronixFailure",
    .properties = {{.name = "result", .required = true, .allowed = {"failure"}},
                   {.name = "errorCode", .required = true, .description = "<service>.<reason>"},
                   {.name = "errorMessage", .required = true}},
    .description = "The Paytronix failure envelope.",
    .example = R"({"result": "failure", "errorCode": "guestmanagement.invalid_request", )"
               R"("errorMessage": "invalid request: merchantId must be an integer"})",
};

const schema& error_schema(dialect d, error_style style) noexcept {
    switch (d) {
        case dialect::experience: return style == error_style::batch ? batch_error_schema : experience_error_schema;
        case dialect::paytronix: return paytronix_failure_schema;
        case dialect::ops: return experience_error_schema;
        case dialect::web: return experience_error_schema;
    }
    return experience_error_schema;
}

}  // namespace guestd::api
