#include "domain/oauth.hpp"

#include "domain/secrets.hpp"

#include <array>
#include <utility>

namespace guestd::domain {
namespace {

constexpr std::array<std::pair<std::string_view, oauth_scope>, 4> scope_names{{
    {"user_read", oauth_scope::user_read},
    {"user_write", oauth_scope::user_write},
    {"account_read", oauth_scope::account_read},
    {"account_write", oauth_scope::account_write},
}};

// The longest token we look up: ours are 43 characters; anything much longer is not ours.
constexpr std::size_t max_token_length = 256;

core::error bad_grant(std::string why) {
    return {core::errc::unauthenticated, "invalid, expired or revoked refresh token", std::move(why), {}, 0};
}

core::error bad_token(std::string why) {
    return {core::errc::unauthenticated, "invalid or expired access token", std::move(why), {}, 0};
}

}  // namespace

std::string scope_set::text() const {
    std::string out;
    for (const auto& [name, s] : scope_names) {
        if (!has(s)) continue;
        if (!out.empty()) out += ' ';
        out += name;
    }
    return out;
}

core::result<scope_set> scope_set::parse(std::optional<std::string_view> text) {
    unsigned bits = 0;
    std::string_view rest = text.value_or("");
    while (!rest.empty()) {
        const std::size_t space = rest.find(' ');
        const std::string_view word = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
        if (word.empty()) continue;
        bool known = false;
        for (const auto& [name, s] : scope_names) {
            if (word == name) {
                bits |= static_cast<unsigned>(s);
                known = true;
            }
        }
        if (!known) return core::invalid("unknown scope", {{"scope", "unknown scope " + std::string(word.substr(0, 64))}});
    }
    return bits == 0 ? all() : scope_set{bits};
}

oauth::oauth(store::database& db, const core::clock& clock, accounts& accounts)
    : db_(db), clock_(clock), accounts_(accounts) {}

token_grant oauth::issue(store::unit_of_work& uow, const store::oauth_family& family, std::string username,
                         core::unix_seconds now) {
    token_grant out{.access_token = random_token(), .refresh_token = random_token(),
                    .expires_in = access_token_lifetime, .scope = family.scope, .username = std::move(username)};
    uow.oauth_tokens().insert_token({.token_hash = digest(out.access_token), .family = family.id,
                                     .kind = store::oauth_token_kind::access, .created_at = now,
                                     .expires_at = now + access_token_lifetime});
    uow.oauth_tokens().insert_token({.token_hash = digest(out.refresh_token), .family = family.id,
                                     .kind = store::oauth_token_kind::refresh, .created_at = now,
                                     .expires_at = family.expires_at});
    return out;
}

core::result<token_grant> oauth::password_grant(const oauth_client& by, std::string_view username,
                                                std::string_view password, scope_set scope, const actor& who) {
    token_grant out;
    // The family and its first pair are written in the unit of work that records the login.
    auto done = accounts_.login_account(
        by.merchant, username, password,
        [&](store::unit_of_work& uow, const store::account& account, core::unix_seconds now) {
            store::oauth_family family{.merchant = by.merchant, .partner = by.partner, .account = account.id,
                                       .scope = scope.text(), .created_at = now,
                                       .expires_at = now + refresh_family_lifetime};
            family.id = uow.oauth_tokens().insert_family(family);
            out = issue(uow, family, account.username, now);
        },
        who);
    if (!done) return std::unexpected(std::move(done.error()));
    return out;
}

core::result<token_grant> oauth::refresh_grant(const oauth_client& by, std::string_view refresh_token,
                                               std::optional<scope_set> scope, const actor& who) {
    if (refresh_token.empty() || refresh_token.size() > max_token_length) return std::unexpected(bad_grant("malformed"));
    const auto hash = digest(refresh_token);

    // Look the token up in the write unit that rotates it: on PostgreSQL the token and its family stay locked, so
    // a concurrent exchange or revocation waits for this one and then sees what it did.
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<token_grant> {
        const auto now = clock_.now();
        const auto grant = uow.oauth_tokens().find(hash);
        if (!grant || grant->token.kind != store::oauth_token_kind::refresh) return std::unexpected(bad_grant("unknown"));
        const auto& family = grant->family;
        if (family.merchant != by.merchant || family.partner != by.partner)
            return std::unexpected(bad_grant("issued to another caller"));
        if (family.revoked_at) return std::unexpected(bad_grant("revoked"));

        // A spent token presented again: it was stolen or replayed, so end the family (RFC 9700 §4.14). The
        // conditional spend settles a race with a concurrent exchange: exactly one of them wins, the other is reuse.
        if (grant->token.spent_at || !uow.oauth_tokens().spend_refresh(hash, now)) {
            uow.oauth_tokens().revoke_family(family.id, now);
            const auto account = uow.accounts().find(family.merchant, family.account);
            audit(uow, family.merchant, who, audit_kind::oauth_family_revoked, "ok",
                  account ? std::optional(account->guest) : std::nullopt, now,
                  {{"reason", "refresh token reused"}, {"family", family.id}});
            uow.commit();
            return std::unexpected(bad_grant("reused"));
        }
        if (grant->token.expires_at <= now || family.expires_at <= now) return std::unexpected(bad_grant("expired"));
        const scope_set granted = scope_set::parse(family.scope).value_or(scope_set::all());
        if (scope && !scope->within(granted))
            return core::invalid("scope exceeds the grant", {{"scope", "wider than the scope first granted"}});
        const auto account = uow.accounts().find(family.merchant, family.account);
        if (!account) return std::unexpected(bad_grant("account gone"));

        // A narrower scope applies to this pair only; the family keeps what the guest granted.
        auto out = issue(uow, family, account->username, now);
        if (scope) out.scope = scope->text();
        uow.commit();
        return out;
    });
}

core::result<guest_session> oauth::authenticate(std::string_view access_token, const oauth_client& by,
                                                oauth_scope need) const {
    if (access_token.empty() || access_token.size() > max_token_length) return std::unexpected(bad_token("malformed"));
    auto uow = db_.begin(store::tx::read);
    const auto grant = uow->oauth_tokens().find(digest(access_token));
    if (!grant || grant->token.kind != store::oauth_token_kind::access) return std::unexpected(bad_token("unknown"));
    const auto& family = grant->family;
    if (family.revoked_at) return std::unexpected(bad_token("revoked"));
    if (grant->token.expires_at <= clock_.now()) return std::unexpected(bad_token("expired"));
    if (family.merchant != by.merchant || family.partner != by.partner)
        return std::unexpected(bad_token("issued to another caller"));
    if (!scope_set::parse(family.scope).value_or(scope_set::none()).has(need))
        return core::fail(core::errc::permission_denied, "the token's scope does not allow this call");
    const auto account = uow->accounts().find(family.merchant, family.account);
    if (!account) return std::unexpected(bad_token("account gone"));
    return guest_session{account->id, account->guest};
}

}  // namespace guestd::domain
