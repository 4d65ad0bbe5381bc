#include "api/paytronix/oauth.hpp"

#include "api/actor.hpp"
#include "api/errors.hpp"
#include "api/paytronix/handlers.hpp"
#include "domain/services.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace guestd::api::paytronix {
namespace {

namespace json = boost::json;

response failure(unsigned status, std::string_view code, std::string_view message) {
    auto r = json_response(status,
                           json::object{{"result", "failure"}, {"errorCode", code}, {"errorMessage", message}});
    if (status == 401) {
        // Basic for a partner's fault; the token's own challenge when a token was refused
        const bool token = code != "could_not_authenticate";
        r.headers.push_back({"www-authenticate", www_authenticate(dialect::paytronix, auth_kind::basic,
                                                                  token ? token_fault::invalid_token : token_fault::none)});
    }
    return r;
}

std::optional<std::string_view> string_field(const json::object& body, std::string_view name) {
    const auto* v = body.if_contains(name);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string_view(v->get_string());
}

response granted(const domain::token_grant& g) {
    return json_response(200, json::object{{"result", "success"},
                                           {"access_token", g.access_token},
                                           {"token_type", "bearer"},
                                           {"expires_in", g.expires_in},
                                           {"refresh_token", g.refresh_token},
                                           {"scope", g.scope},
                                           {"username", g.username}});
}

}  // namespace

core::result<response> request_guest_token(const call& c) {
    const auto& body = c.body.as_object();
    const auto merchant = granted_merchant(c);
    if (!merchant) return failure(403, "oauth.permission_denied", "merchant not available to this client");
    const domain::oauth_client by{.partner = *c.who.partner, .merchant = *merchant};
    const bool password_grant = body.at("grant_type").as_string() == "password";

    // The scope asked for: checked before anything is looked up or spent.
    const auto asked = string_field(body, "scope");
    const auto scope = domain::scope_set::parse(asked);
    if (!scope) return failure(400, "oauth.invalid_scope", scope.error().fields.front().reason);

    core::result<domain::token_grant> out;
    if (password_grant) {
        const auto username = string_field(body, "username");
        const auto password = string_field(body, "password");
        if (!username || username->empty() || !password || password->empty())
            return failure(400, "oauth.invalid_request", "grant_type password needs username and password");
        out = c.services.oauth().password_grant(by, *username, *password, *scope, actor_of(c));
    } else {
        const auto token = string_field(body, "refresh_token");
        if (!token || token->empty())
            return failure(400, "oauth.invalid_request", "grant_type refresh_token needs refresh_token");
        out = c.services.oauth().refresh_grant(by, *token, asked ? std::optional(*scope) : std::nullopt,
                                               actor_of(c));
    }
    if (out) return granted(*out);

    // The domain's refusals, each a non-2xx answer with the failure body.
    const auto& err = out.error();
    switch (err.code) {
        case core::errc::unauthenticated:
            if (password_grant) return failure(401, "could_not_authenticate", "wrong username or password");
            return failure(401, "oauth.invalid_grant", "invalid, expired or revoked refresh token");
        case core::errc::invalid_argument: return failure(400, "oauth.invalid_scope", "scope exceeds the grant");
        case core::errc::resource_exhausted: {
            auto r = failure(429, "oauth.account_locked", "too many failed logins, retry later");
            r.headers.push_back({"retry-after", std::to_string(std::max(1, err.retry_after_seconds))});
            return r;
        }
        case core::errc::permission_denied:
        case core::errc::not_found:
        case core::errc::already_exists:
        case core::errc::failed_precondition:
        case core::errc::unavailable:
        case core::errc::internal: break;
    }
    return std::unexpected(err);
}

std::expected<domain::guest_session, response> oauth_guest(const call& c, core::merchant_id m,
                                                           domain::oauth_scope need) {
    std::optional<std::string> token;
    if (const auto* body = c.body.if_object()) {
        if (auto v = string_field(*body, "access_token")) token = std::string(*v);
    }
    if (!token) token = c.req.query("access_token");
    const auto refused = [] { return failure(401, "oauth.invalid_token", "invalid or expired access token"); };
    if (!token || token->empty() || !c.who.partner) return std::unexpected(refused());

    auto session = c.services.oauth().authenticate(*token, {.partner = *c.who.partner, .merchant = m}, need);
    if (session) return *session;
    if (session.error().code == core::errc::permission_denied)
        return std::unexpected(failure(403, "oauth.insufficient_scope", "the token's scope does not allow this call"));
    return std::unexpected(refused());
}

}  // namespace guestd::api::paytronix
