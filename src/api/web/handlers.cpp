#include "api/web/handlers.hpp"

#include "api/actor.hpp"

#include "api/web/page.hpp"
#include "core/log.hpp"
#include "domain/recovery.hpp"
#include "domain/services.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// Status codes: 200 for the form and for every page that reports the code's state (success, expired, used,
// unknown), as the page itself is the answer; 400 when a submission is refused and the form comes back (passwords
// differ, the policy refuses the password) or the body is not a form we can read; 415 for another content type;
// 429 and 503 with Retry-After when the guest must come back later. Every answer is HTML with the page's security
// headers: nothing reaches the dialect's JSON error shape, which a browser would show as raw text.

namespace guestd::api::web {
namespace {

using code_kind = domain::code_state::kind;

response outcome_page(unsigned status, outcome what, std::string_view merchant_name = {}, int retry_after = 0) {
    response r = page_response(status, render_outcome(what, merchant_name, retry_after));
    if (retry_after > 0) r.headers.push_back({"Retry-After", std::to_string(retry_after)});
    return r;
}

/// The merchant of a link or a form: a positive decimal id, nothing else.
std::optional<core::merchant_id> merchant_of(std::string_view text) {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || id <= 0) return std::nullopt;
    return core::merchant_id{id};
}

response form_page(unsigned status, core::merchant_id merchant, std::string code, const domain::code_state& state,
                   std::string error = {}) {
    return page_response(status, render_form({.merchant = merchant,
                                              .code = std::move(code),
                                              .merchant_name = state.merchant_name,
                                              .password_min_length = state.password_min_length,
                                              .error = std::move(error)}));
}

/// The page for a code that cannot be used (expired, used, unknown); valid codes are the caller's business.
response state_page(const domain::code_state& state) {
    switch (state.state) {
        case code_kind::expired: return outcome_page(200, outcome::expired, state.merchant_name);
        case code_kind::used: return outcome_page(200, outcome::used, state.merchant_name);
        case code_kind::valid:
        case code_kind::unknown: break;
    }
    return outcome_page(200, outcome::unknown);
}

/// A backend fault: logged without the code or password, and shown as a page rather than JSON.
response backend_fault_page(const call& c, const core::backend_error& e) {
    core::log(core::log_level::error, "handler_failed",
              {{"request_id", c.req.request_id}, {"endpoint", "/reset-password"}, {"what", e.what()}});
    if (e.transient()) return outcome_page(503, outcome::unavailable, {}, 1);
    return outcome_page(500, outcome::unavailable);
}

/// The page after complete() refused: the form again for a policy refusal, otherwise the code's outcome. The
/// page, which only the holder of the emailed link reaches, says which (the API answers them all alike).
response refusal_page(const call& c, const core::error& err, core::merchant_id merchant, std::string code,
                      const domain::code_state& state) {
    switch (err.code) {
        case core::errc::invalid_argument: {
            if (state.state != code_kind::valid) return state_page(state);
            std::string reason = err.fields.empty() ? err.message : err.fields.front().reason;
            return form_page(400, merchant, std::move(code), state, "The new password " + reason + ".");
        }
        case core::errc::not_found: return outcome_page(200, outcome::unknown);
        case core::errc::failed_precondition: {
            // The code was spent or replaced since the page looked at it: look again to say which.
            const domain::code_state now = c.services.recovery().inspect(merchant, code);
            if (now.state == code_kind::used) return outcome_page(200, outcome::used, state.merchant_name);
            return outcome_page(200, outcome::expired, state.merchant_name);
        }
        case core::errc::resource_exhausted:
            return outcome_page(429, outcome::too_many_attempts, state.merchant_name,
                                err.retry_after_seconds > 0 ? err.retry_after_seconds : 60);
        case core::errc::unavailable:
            return outcome_page(503, outcome::unavailable, state.merchant_name,
                                err.retry_after_seconds > 0 ? err.retry_after_seconds : 1);
        case core::errc::unauthenticated:
        case core::errc::permission_denied:
        case core::errc::already_exists:
        case core::errc::internal: break;
    }
    core::log(core::log_level::error, "handler_failed",
              {{"request_id", c.req.request_id},
               {"endpoint", "/reset-password"},
               {"what", err.detail.empty() ? err.message : err.detail}});
    return outcome_page(500, outcome::unavailable);
}

}  // namespace

core::result<response> reset_page(const call& c) {
    try {
        // Without a code there is nothing to reset
        const auto code = c.req.query("code");
        if (!code || code->empty()) return outcome_page(200, outcome::unknown);

        // Bound how fast one address may probe codes, whatever merchant it names, then show the form only for a
        // code that can still be used, looked up within the link's merchant alone
        if (const int wait = c.services.recovery().throttle_lookup(c.req.client_address); wait > 0)
            return outcome_page(429, outcome::too_many_attempts, {}, wait);
        const auto merchant = merchant_of(c.req.query("merchant").value_or(""));
        if (!merchant) return outcome_page(200, outcome::unknown);
        const domain::code_state state = c.services.recovery().inspect(*merchant, *code);
        if (state.state != code_kind::valid) return state_page(state);
        return form_page(200, *merchant, *code, state);
    } catch (const core::backend_error& e) {
        return backend_fault_page(c, e);
    }
}

core::result<response> reset_submit(const call& c) {
    try {
        // Read the form
        if (!is_form_content_type(c.req.header_value("content-type").value_or(""))) {
            return outcome_page(415, outcome::unreadable_form);
        }
        auto fields = parse_form(c.req.body);
        if (!fields) return outcome_page(400, outcome::unreadable_form);
        std::string code = (*fields)["code"];
        const auto merchant = merchant_of((*fields)["merchant"]);
        const std::string& password = (*fields)["password"];
        const std::string& confirm = (*fields)["password_confirm"];
        if (code.empty()) return outcome_page(200, outcome::unknown);

        // Learn the merchant's name and policy, to render whatever comes next (a code is looked up within the
        // form's merchant alone)
        auto& recovery = c.services.recovery();
        if (const int wait = recovery.throttle_lookup(c.req.client_address); wait > 0)
            return outcome_page(429, outcome::too_many_attempts, {}, wait);
        if (!merchant) return outcome_page(200, outcome::unknown);
        const domain::code_state state = recovery.inspect(*merchant, code);

        // Passwords that differ change nothing: the form again, or the code's outcome when it cannot be used
        if (password != confirm) {
            if (state.state != code_kind::valid) return state_page(state);
            return form_page(400, *merchant, std::move(code), state,
                             "The two passwords do not match. Type the same one twice.");
        }

        // Complete the reset; the domain counts the attempt and has the last word on the code and the policy
        const auto done = recovery.complete(*merchant, code, password, c.req.client_address, actor_of(c));
        if (!done) return refusal_page(c, done.error(), *merchant, std::move(code), state);
        return outcome_page(200, outcome::success, state.merchant_name);
    } catch (const core::backend_error& e) {
        return backend_fault_page(c, e);
    }
}

core::result<response> reset_stylesheet(const call&) {
    return page_response(200, std::string(stylesheet()), "text/css; charset=utf-8");
}

}  // namespace guestd::api::web
