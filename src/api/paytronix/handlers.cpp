#include "api/paytronix/handlers.hpp"

#include "api/actor.hpp"
#include "api/errors.hpp"
#include "domain/recovery.hpp"
#include "domain/services.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <utility>

namespace guestd::api::paytronix {
namespace {

namespace json = boost::json;
using domain::identifier_kind;

constexpr std::pair<std::string_view, identifier_kind> identifier_names[] = {
    {"username", identifier_kind::username},
    {"accountId", identifier_kind::account_id},
    {"printedCardNumber", identifier_kind::printed_card_number},
    {"email", identifier_kind::email},
};

constexpr std::string_view verification_names[] = {"firstName", "lastName",    "postalCode", "phone",
                                                    "mobilePhone", "dateOfBirth", "email"};

response failure(std::string_view code, std::string_view message) {
    return json_response(200, json::object{{"result", "failure"}, {"errorCode", code}, {"errorMessage", message}});
}

/// A string or number as text (accountId 1000001, printedCardNumber "6012 ...").
std::optional<std::string> text_of(const json::value* v) {
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    return std::nullopt;
}

/// The value of `name` inside userIdentity, else flat in the body.
std::optional<std::string> field(const json::object& body, std::string_view name) {
    if (const auto* identity = body.if_contains("userIdentity"); identity && identity->is_object())
        if (auto v = text_of(identity->get_object().if_contains(name))) return v;
    return text_of(body.if_contains(name));
}

core::result<response> request_reset(const call& c, bool caller_code_allowed) {
    const auto& body = c.body.as_object();
    const auto merchant = granted_merchant(c);
    if (!merchant) return failure("guestmanagement.permission_denied", "merchant not available to this client");
    const auto* auth = body.if_contains("authentication");
    const bool b2b = auth != nullptr && auth->is_string() && auth->get_string() == "b2b";
    if (b2b && !c.who.b2b) return failure("guestmanagement.b2b_not_allowed", "this client has no b2b rights");

    domain::reset_request r{.merchant = *merchant, .b2b = b2b, .client_address = c.req.client_address,
                            .who = actor_of(c)};
    for (const auto& [name, kind] : identifier_names)
        if (auto v = field(body, name)) r.identifiers.emplace_back(kind, std::move(*v));
    for (auto name : verification_names)
        if (auto v = field(body, name)) r.verification.emplace(std::string(name), std::move(*v));

    // A code the caller chose lets it complete the reset without the guest's mailbox: only partners the operator
    // granted that right may send one (asked before anything is looked up, so the answer is the same for all).
    if (caller_code_allowed) r.caller_code = text_of(body.if_contains("resetCode"));
    if (r.caller_code && !c.who.caller_reset_codes)
        return failure("guestmanagement.caller_reset_code_not_allowed", "this client may not choose its own resetCode");

    const auto answer = c.services.recovery().request(r);
    switch (answer.result) {
        case domain::reset_answer::kind::success:
            return json_response(200, json::object{{"result", "success"}, {"email", answer.email}});
        case domain::reset_answer::kind::more_info: {
            json::array fields;
            for (const auto& f : answer.fields) fields.push_back(json::value(f));
            return json_response(200, json::object{{"result", "more_info"}, {"fields", std::move(fields)}});
        }
        case domain::reset_answer::kind::failure: return failure(answer.error_code, answer.error_message);
    }
    return failure("guestmanagement.system_error", "internal error");
}

}  // namespace

std::optional<core::merchant_id> granted_merchant(const call& c) {
    const core::merchant_id m{c.body.as_object().at("merchantId").to_number<std::int64_t>()};
    const auto& grants = c.who.merchants;
    if (std::find(grants.begin(), grants.end(), m) == grants.end()) return std::nullopt;
    return m;
}

core::result<response> generate_and_send_reset_code(const call& c) { return request_reset(c, false); }

core::result<response> send_reset_code(const call& c) { return request_reset(c, true); }

core::result<response> complete_reset(const call& c) {
    const auto& body = c.body.as_object();
    const auto merchant = granted_merchant(c);
    if (!merchant) return failure("guestmanagement.permission_denied", "merchant not available to this client");
    auto done = c.services.recovery().complete(*merchant, body.at("resetCode").as_string(),
                                               body.at("newPassword").as_string(), c.req.client_address, actor_of(c));
    if (done) return json_response(200, json::object{{"result", "success"}});

    // The domain's outcomes are answers, not transport errors: 200 with the failure body and its code. An unknown,
    // an expired and a used code get one answer: which of them it was would tell that a code, so an account,
    // exists (the hosted page, which only the emailed link reaches, says which).
    auto& err = done.error();
    switch (err.code) {
        case core::errc::invalid_argument: {
            std::string message = err.message;
            for (const auto& f : err.fields) message += ": " + f.field + " " + f.reason;
            return failure("guestmanagement.password_policy", message);
        }
        case core::errc::not_found:
        case core::errc::failed_precondition:
            return failure("guestmanagement.invalid_reset_code", "unknown, expired or used reset code");
        case core::errc::resource_exhausted: {
            auto r = failure("guestmanagement.too_many_attempts", err.message);
            if (err.retry_after_seconds > 0)
                r.headers.push_back({"retry-after", std::to_string(err.retry_after_seconds)});
            return r;
        }
        case core::errc::unauthenticated:
        case core::errc::permission_denied:
        case core::errc::already_exists:
        case core::errc::unavailable:
        case core::errc::internal: break;
    }
    return std::unexpected(err);
}

}  // namespace guestd::api::paytronix
