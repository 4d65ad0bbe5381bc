// The guest's side of the Guests Personal Space: does an account exist, set a password (creating the account),
// log in for a token, read and update the profile, list reservations. Free of HTTP and SQL.
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "domain/audit.hpp"
#include "domain/credentials.hpp"
#include "domain/passwords.hpp"
#include "domain/profile_fields.hpp"
#include "domain/recovery.hpp"
#include "store/store.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guestd::domain {

/// Lock policy: `threshold` consecutive failures arm the lock for `base` seconds, doubling each time it is
/// re-armed, up to `cap`.
struct lock_policy {
    int threshold = 10;
    core::unix_seconds base = 60;
    core::unix_seconds cap = 3600;
    /// How long the lock lasts when armed for the level-th time (1-based).
    core::unix_seconds duration(int level) const;
};

/// One field of a PUT guest-informations: the field and its new value (nullopt = JSON null).
using profile_change = std::pair<const profile_field*, store::opt_string>;

/// A guest with their loyalty account: what Paytronix guest/userInformation.json and accountInformation.json read.
struct account_holder {
    store::guest guest;
    store::account account;
};

/// What GET guest-informations shows, plus the account facts the CLI adds.
struct guest_view {
    store::guest guest;
    std::optional<store::account> account;
    int reservation_count = 0;
};

struct reservation_view {
    store::reservation reservation;
    std::string hotel_name;
};

inline constexpr core::unix_seconds session_lifetime = 30 * 24 * 3600;

/// Issues a dialect's token for a login that succeeded, in the write unit of work that records the login, so the
/// token exists exactly when the login is recorded (one commit).
using login_issuer = std::function<void(store::unit_of_work& uow, const store::account& account,
                                        core::unix_seconds now)>;

class accounts {
public:
    accounts(store::database& db, const core::clock& clock, const passwords& hasher, lock_policy locks = {});

    /// True when the guest has an account, false when not yet; not_found for an unknown email.
    core::result<bool> exists(core::merchant_id m, std::string_view email);

    /// Creates the account or replaces its password, revoking every session. not_found for an unknown guest, or
    /// one with no account that no longer qualifies; invalid_argument when the password breaks the policy.
    core::result<void> set_password(core::merchant_id m, std::string_view email, std::string_view password,
                                    const actor& who = {});

    /// Checks the password and issues a guest token for (merchant, partner). not_found for an unknown email;
    /// unauthenticated for a wrong password or no account; resource_exhausted while locked.
    core::result<std::string> login(const bearer_identity& by, std::string_view email, std::string_view password,
                                    const actor& who = {});

    /// The Paytronix login (oauth password grant): the account by username, or else by its guest's email, its
    /// password checked as login() checks it (the same failure counter and lock, across dialects), and issue run
    /// in the unit of work that records the success. unauthenticated for an unknown user, a guest without an
    /// account or a wrong password (one answer: the caller learns nothing about who exists); resource_exhausted
    /// while locked.
    core::result<void> login_account(core::merchant_id m, std::string_view username, std::string_view password,
                                     const login_issuer& issue, const actor& who = {});

    /// The guest behind a session.
    core::result<store::guest> profile(core::merchant_id m, core::guest_id g);

    /// Applies every change or none. failed_precondition when if_match names another version; already_exists
    /// when the new email belongs to another guest; invalid_argument when a non-clearable field is nulled.
    core::result<store::guest> update_profile(core::merchant_id m, core::guest_id g,
                                              const std::vector<profile_change>& changes,
                                              std::optional<std::int64_t> if_match, const actor& who = {});

    /// Non-cancelled reservations, newest arrival first, with the merchant's name.
    core::result<std::vector<reservation_view>> reservations(core::merchant_id m, core::guest_id g);

    /// The account and its guest (an oauth caller's own). not_found when either is gone.
    core::result<account_holder> holder(core::merchant_id m, core::account_id a);

    /// The account a b2b caller names by username, account id or printed card number, and its guest. not_found
    /// when no account of merchant m matches.
    core::result<account_holder> holder(core::merchant_id m, identifier_kind kind, std::string_view value);

    /// The guest by email with its account and reservation count (the CLI's `guest show`).
    core::result<guest_view> show(core::merchant_id m, std::string_view email);

    /// The sessions of the guest's account, newest first. not_found without guest or account.
    core::result<std::vector<store::session>> sessions(core::merchant_id m, std::string_view email);

    /// Revokes every live session of the guest's account; returns how many.
    core::result<int> revoke_sessions(core::merchant_id m, std::string_view email, const actor& who = {});

private:
    /// Checks the password of account (read before hashing), records a failure toward the lock or the success,
    /// and runs issue on success: the one place the lock counter moves.
    core::result<void> verify_and_record(core::merchant_id m, const store::account& account,
                                         std::string_view password, const login_issuer& issue, const actor& who);

    store::database& db_;
    const core::clock& clock_;
    const passwords& hasher_;
    lock_policy locks_;
};

}  // namespace guestd::domain
