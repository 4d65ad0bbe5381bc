#include "api/api.hpp"

#include "api/auth_header.hpp"
#include "api/errors.hpp"
#include "api/json_body.hpp"
#include "api/router.hpp"
#include "api/validate.hpp"
#include "core/log.hpp"
#include "domain/credentials.hpp"
#include "domain/services.hpp"

#include <exception>
#include <expected>
#include <optional>
#include <string>
#include <utility>

namespace guestd::api {
namespace {

using core::errc;

// A refused authentication: the error, and whether a token the request carried was refused, which the 401's
// Bearer challenge tells (RFC 6750 §3.1).
struct refusal {
    core::error error;
    token_fault fault = token_fault::none;
};

std::unexpected<refusal> refuse(core::error err, token_fault fault = token_fault::none) {
    return std::unexpected(refusal{std::move(err), fault});
}

core::error unauthenticated(std::string message) { return {errc::unauthenticated, std::move(message), {}, {}, 0}; }

// The Paytronix partner credentials of a request: HTTP Basic, or client_id and client_secret in the JSON body (as
// real apps send them to the token and enrollment calls, with no Authorization header), or both, which must then
// name the same client with the same secret. nullopt when neither is there or they disagree; half a pair in the
// body counts as malformed.
std::expected<basic_credentials_pair, std::string> paytronix_credentials(const request& req,
                                                                           const boost::json::value* body) {
    auto header = basic_credentials(req.header_value("authorization"));
    std::optional<basic_credentials_pair> in_body;
    if (const auto* object = body != nullptr ? body->if_object() : nullptr) {
        const auto* id = object->if_contains("client_id");
        const auto* secret = object->if_contains("client_secret");
        if (id != nullptr || secret != nullptr) {
            if (id == nullptr || secret == nullptr || !id->is_string() || !secret->is_string() ||
                id->get_string().empty() || secret->get_string().empty())
                return std::unexpected("malformed client_id or client_secret");
            in_body = basic_credentials_pair{std::string(id->get_string()), std::string(secret->get_string())};
        }
    }
    if (header && in_body && (header->client_id != in_body->client_id || header->secret != in_body->secret))
        return std::unexpected("the Authorization header and the body name different credentials");
    if (header) return std::move(*header);
    if (in_body) return std::move(*in_body);
    return std::unexpected("missing or malformed credentials");
}

// Establishes who is calling, as ep.auth demands. Messages name what is missing, never the credentials.
// body: the request's JSON when it parsed (Paytronix credentials may travel there), else nullptr.
std::expected<caller, refusal> authenticate(auth_kind kind, const request& req, const domain::credentials& creds,
                                            const boost::json::value* body) {
    caller who;
    switch (kind) {
        case auth_kind::none: return who;
        case auth_kind::partner_bearer:
        case auth_kind::partner_bearer_and_guest_token: {
            // Check the partner and hotel tokens, and the guest token with them when the endpoint needs one: the
            // guest token's statement then reads the guest too, and vouches for a bearer remembered this second.
            const auto pair = bearer_credentials(req.header_value("authorization"));
            if (!pair) return refuse(unauthenticated("missing or malformed credentials"));
            const auto token = req.header_value("x-guest-token");
            if (kind == auth_kind::partner_bearer || !token || token->empty()) {
                auto partner = creds.authenticate_bearer(*pair);
                if (!partner) return refuse(std::move(partner.error()), token_fault::invalid_token);
                who.partner = partner->partner;
                who.merchant = partner->merchant;
                if (kind == auth_kind::partner_bearer) return who;
                return refuse(unauthenticated("missing guest token"));
            }
            auto signed_in = creds.authenticate_guest_call(*pair, *token);
            if (!signed_in) return refuse(std::move(signed_in.error()), token_fault::invalid_token);
            who.partner = signed_in->by.partner;
            who.merchant = signed_in->by.merchant;
            who.account = signed_in->session.account;
            who.guest = signed_in->session.guest;
            who.signed_in = std::move(signed_in->guest);
            return who;
        }
        case auth_kind::basic: {
            // Basic's challenge has no error parameter: the fault stays none
            const auto pair = paytronix_credentials(req, body);
            if (!pair) return refuse(unauthenticated(pair.error()));
            auto partner = creds.authenticate_basic(pair->client_id, pair->secret);
            if (!partner) return refuse(std::move(partner.error()));
            who.partner = partner->partner;
            who.b2b = partner->b2b;
            who.caller_reset_codes = partner->caller_reset_codes;
            who.merchants = partner->merchants;
            return who;
        }
    }
    return refuse({errc::internal, "internal error", "unknown auth kind", {}, 0});
}

void log_failure(const request& req, const endpoint& ep, std::string_view what) {
    core::log(core::log_level::error, "handler_failed",
              {{"request_id", req.request_id}, {"endpoint", ep.path}, {"what", what}});
}

}  // namespace

dispatcher::dispatcher(std::span<const endpoint> table, domain::services& services)
    : table_(table), services_(services) {}

route_result dispatcher::route(verb method, std::string_view path) const { return find_route(table_, method, path); }

response dispatcher::handle(const endpoint& ep, const request& req) const {
    const auto fail_with = [&](const core::error& err, token_fault fault = token_fault::none) {
        return error_response(ep.speaks, ep.errors, err, ep.auth, fault);
    };
    try {
        // Paytronix partner credentials may travel in the body: parse it before authenticating only there, so an
        // unauthenticated caller of the other endpoints costs no parsing
        std::optional<core::result<boost::json::value>> parsed;
        const auto parse = [&] {
            if (!parsed && ep.request_body != nullptr && is_json_content_type(req)) parsed = parse_json(req.body);
        };
        if (ep.auth == auth_kind::basic) parse();
        const boost::json::value* parsed_body = parsed && *parsed ? &**parsed : nullptr;

        // Authenticate the caller in one read transaction, which a read-only endpoint's handler shares
        std::optional<store::read_scope> reads(std::in_place, services_.db());
        const auto who = authenticate(ep.auth, req, services_.credentials(), parsed_body);
        if (!who) return fail_with(who.error().error, who.error().fault);
        if (!ep.read_only) reads.reset();

        // Check the query parameters
        auto query_errors = validate_query(req, ep.query);
        if (!query_errors.empty()) return fail_with(core::invalid("invalid request", std::move(query_errors)).error());

        // Read and validate the body
        boost::json::value body;
        if (ep.request_body != nullptr) {
            if (!is_json_content_type(req)) {
                return status_response(ep.speaks, ep.errors, 415, "Content-Type must be application/json");
            }
            parse();
            if (!*parsed) return fail_with(parsed->error());
            auto broken = validate(**parsed, *ep.request_body);
            if (!broken.empty()) return fail_with(core::invalid("invalid request", std::move(broken)).error());
            body = std::move(**parsed);
        }

        // Run the handler and shape its failure in the endpoint's dialect
        if (ep.handler == nullptr) {
            log_failure(req, ep, "endpoint has no handler");
            return fail_with(core::error{errc::internal, "internal error", {}, {}, 0});
        }
        auto out = ep.handler(call{req, *who, body, services_});
        if (out) return std::move(*out);
        if (out.error().code == errc::internal) {
            const core::error& err = out.error();
            log_failure(req, ep, err.detail.empty() ? err.message : err.detail);
        }
        return fail_with(out.error());
    } catch (const core::backend_error& e) {
        // A busy or failing backend: transient faults are worth a retry
        log_failure(req, ep, e.what());
        if (e.transient()) return fail_with(core::error{errc::unavailable, "service unavailable", {}, {}, 1});
        return fail_with(core::error{errc::internal, "internal error", {}, {}, 0});
    } catch (const std::exception& e) {
        log_failure(req, ep, e.what());
        return fail_with(core::error{errc::internal, "internal error", {}, {}, 0});
    } catch (...) {
        log_failure(req, ep, "unknown exception");
        return fail_with(core::error{errc::internal, "internal error", {}, {}, 0});
    }
}

response dispatcher::reject(std::string_view path, unsigned status, std::string_view message,
                            int retry_after_seconds) const {
    return status_response(dialect_of_path(path), error_style::fields, status, message, retry_after_seconds);
}

std::string_view dispatcher::label(const route_result& r) {
    if (const auto* ep = std::get_if<const endpoint*>(&r)) return (*ep)->path;
    return "unmatched";
}

}  // namespace guestd::api
