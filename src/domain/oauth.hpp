// Paytronix OAuth guest tokens (oauth/requestGuestToken.json): the password and refresh_token grants, and the
// check every oauth-authenticated Paytronix call makes of an access token. Tokens are opaque and random, stored
// only as digests, bound to merchant, partner and account; a password change or reset revokes them (accounts,
// recovery). Free of HTTP and SQL.
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "domain/accounts.hpp"
#include "domain/audit.hpp"
#include "domain/credentials.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace guestd::domain {

inline constexpr core::unix_seconds access_token_lifetime = 30 * 60;
/// A refresh token family ends this long after its login, however often it rotates.
inline constexpr core::unix_seconds refresh_family_lifetime = 30 * 24 * 3600;

/// The Paytronix guest scopes.
enum class oauth_scope : unsigned { user_read = 1, user_write = 2, account_read = 4, account_write = 8 };

/// A set of scopes.
class scope_set {
public:
    static constexpr scope_set all() { return scope_set{15}; }
    static constexpr scope_set none() { return scope_set{0}; }
    constexpr bool has(oauth_scope s) const { return (bits_ & static_cast<unsigned>(s)) != 0; }
    constexpr bool within(scope_set other) const { return (bits_ & ~other.bits_) == 0; }
    constexpr bool empty() const { return bits_ == 0; }
    /// Space separated, in the order user_read user_write account_read account_write.
    std::string text() const;
    /// Space separated scope names in any order, repeats allowed; absent or blank: all four.
    /// invalid_argument naming the first unknown scope.
    static core::result<scope_set> parse(std::optional<std::string_view> text);

private:
    constexpr explicit scope_set(unsigned bits) : bits_(bits) {}
    unsigned bits_;
};

/// The partner asking, for the merchant named in the request.
struct oauth_client {
    core::partner_id partner{0};
    core::merchant_id merchant{0};
};

/// What requestGuestToken answers on success.
struct token_grant {
    std::string access_token;
    std::string refresh_token;
    core::unix_seconds expires_in = access_token_lifetime;
    std::string scope;
    std::string username;
};

class oauth {
public:
    oauth(store::database& db, const core::clock& clock, accounts& accounts);

    /// grant_type=password: a new family. unauthenticated for wrong credentials (unknown user, no account, wrong
    /// password); resource_exhausted while the account is locked (the Experience login's counter).
    core::result<token_grant> password_grant(const oauth_client& by, std::string_view username,
                                             std::string_view password, scope_set scope, const actor& who = {});

    /// grant_type=refresh_token: spends the refresh token and issues a new pair in its family. A spent token used
    /// again revokes the whole family (RFC 9700 §4.14). unauthenticated for an unknown, spent, expired or revoked
    /// token, or one issued to another merchant or partner; invalid_argument when scope asks for more than the
    /// family was granted (nothing spent).
    core::result<token_grant> refresh_grant(const oauth_client& by, std::string_view refresh_token,
                                            std::optional<scope_set> scope, const actor& who = {});

    /// The guest an access token acts for. unauthenticated when the token is unknown, not an access token,
    /// expired, revoked, or issued to another merchant or partner; permission_denied when its scope lacks need.
    core::result<guest_session> authenticate(std::string_view access_token, const oauth_client& by,
                                             oauth_scope need) const;

private:
    /// Inserts a fresh access and refresh token of family into uow.
    token_grant issue(store::unit_of_work& uow, const store::oauth_family& family, std::string username,
                      core::unix_seconds now);

    store::database& db_;
    const core::clock& clock_;
    accounts& accounts_;
};

}  // namespace guestd::domain
