#include "domain/accounts.hpp"

#include "core/text.hpp"
#include "domain/secrets.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cctype>

namespace guestd::domain {
namespace {

const char* const wrong_password = "The password provided for the customer is incorrect.";

core::result<void> customer_not_found() { return core::fail(core::errc::not_found, "customer not found"); }

core::result<std::string> locked_for(core::unix_seconds remaining) {
    return core::exhausted("too many failed logins, retry later", static_cast<int>(std::max<core::unix_seconds>(1, remaining)));
}

}  // namespace

core::unix_seconds lock_policy::duration(int level) const {
    core::unix_seconds d = base;
    for (int i = 1; i < level && d < cap; ++i) d *= 2;
    return std::min(d, cap);
}

accounts::accounts(store::database& db, const core::clock& clock, const passwords& hasher, lock_policy locks)
    : db_(db), clock_(clock), hasher_(hasher), locks_(locks) {}

core::result<bool> accounts::exists(core::merchant_id m, std::string_view email) {
    auto uow = db_.begin(store::tx::read);
    const auto guest = uow->guests().find_by_email(m, email);
    if (!guest) return core::fail(core::errc::not_found, "customer not found");
    return uow->accounts().find_by_guest(m, guest->id).has_value();
}

core::result<void> accounts::set_password(core::merchant_id m, std::string_view email, std::string_view password,
                                          const actor& who) {
    // Check the policy and the guest before spending a hash on them.
    {
        auto uow = db_.begin(store::tx::read);
        const auto merchant = uow->merchants().find(m);
        if (!merchant) return customer_not_found();
        if (auto ok = check_password_policy(password, merchant->password_min_length); !ok) return ok;
        const auto guest = uow->guests().find_by_email(m, email);
        if (!guest) return customer_not_found();
        if (!uow->accounts().find_by_guest(m, guest->id) && !uow->guests().qualifies(m, guest->id))
            return customer_not_found();
    }
    const std::string phc = hasher_.hash(password);

    // Re-read inside the write transaction: the guest may have changed while we hashed.
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<void> {
        const auto guest = uow.guests().find_by_email(m, email);
        if (!guest) return customer_not_found();
        const auto now = clock_.now();
        if (const auto account = uow.accounts().find_by_guest(m, guest->id)) {
            uow.accounts().set_password(account->id, phc, now);
            const int revoked = uow.sessions().revoke_all(account->id, now);
            const int families = uow.oauth_tokens().revoke_all(account->id, now);
            audit(uow, m, who, audit_kind::password_set, "ok", guest->id, now,
                  {{"created", false}, {"sessions_revoked", revoked}, {"oauth_families_revoked", families}});
            uow.commit();
            return {};
        }
        if (!uow.guests().qualifies(m, guest->id)) return customer_not_found();

        // Draw card numbers until one is free; a clash among 10^14 numbers is rare, five in a row is a bug.
        store::account a{.merchant = m, .guest = guest->id, .username = guest->fields.email.value_or(std::string(email)),
                         .password_hash = phc, .created_at = now, .password_changed_at = now};
        for (int attempt = 0; attempt < 5; ++attempt) {
            a.printed_card_number = random_card_number();
            if (uow.accounts().insert(a)) {
                // Creating the account is the guest's loyalty enrolment: record the consent the partner collected.
                uow.consents().append({.merchant = m, .guest = guest->id, .at = now, .kind = "loyalty.granted",
                                        .partner = who.partner, .source_address = who.client_address});
                audit(uow, m, who, audit_kind::password_set, "ok", guest->id, now, {{"created", true}});
                uow.commit();
                return {};
            }
        }
        return core::fail(core::errc::internal, "internal error", "could not allocate a printed card number or username");
    });
}

core::result<std::string> accounts::login(const bearer_identity& by, std::string_view email,
                                          std::string_view password, const actor& who) {
    std::optional<store::account> account;
    {
        auto uow = db_.begin(store::tx::read);
        const auto guest = uow->guests().find_by_email(by.merchant, email);
        if (!guest) {
            hasher_.verify_dummy(password);
            return core::fail(core::errc::not_found, "customer not found");
        }
        account = uow->accounts().find_by_guest(by.merchant, guest->id);
    }
    if (!account) {
        hasher_.verify_dummy(password);
        return core::fail(core::errc::unauthenticated, wrong_password, "guest has no account");
    }
    std::string token;
    auto done = verify_and_record(by.merchant, *account, password,
                                  [&](store::unit_of_work& uow, const store::account& current, core::unix_seconds now) {
                                      token = random_token();
                                      uow.sessions().insert(store::session{
                                          .token_hash = digest(token), .merchant = by.merchant,
                                          .partner = by.partner, .account = current.id, .created_at = now,
                                          .expires_at = now + session_lifetime});
                                  },
                                  who);
    if (!done) return std::unexpected(std::move(done.error()));
    return token;
}

core::result<void> accounts::login_account(core::merchant_id m, std::string_view username, std::string_view password,
                                           const login_issuer& issue, const actor& who) {
    std::optional<store::account> account;
    {
        auto uow = db_.begin(store::tx::read);
        account = uow->accounts().find_by_username(m, username);
        if (!account) {
            // The username defaults to the email, but a renamed account still signs in with its email.
            if (const auto guest = uow->guests().find_by_email(m, username))
                account = uow->accounts().find_by_guest(m, guest->id);
        }
    }
    if (!account) {
        hasher_.verify_dummy(password);
        return core::fail(core::errc::unauthenticated, wrong_password, "unknown user or no account");
    }
    return verify_and_record(m, *account, password, issue, who);
}

core::result<void> accounts::verify_and_record(core::merchant_id m, const store::account& account,
                                               std::string_view password, const login_issuer& issue,
                                               const actor& who) {
    if (const auto now = clock_.now(); account.locked_until > now) {
        store::write(db_, [&](store::unit_of_work& uow) {
            audit(uow, m, who, audit_kind::login, "refused", account.guest, now, {{"reason", "locked"}});
            uow.commit();
        });
        return std::unexpected(locked_for(account.locked_until - now).error());
    }

    // Verify outside any transaction: the hash is the slow part.
    const bool ok = hasher_.verify(account.password_hash, password);
    std::optional<std::string> upgraded;
    if (ok && hasher_.needs_rehash(account.password_hash)) upgraded = hasher_.hash(password);

    // Record the outcome against the account as it is now: another node may have counted failures meanwhile.
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<void> {
        const auto now = clock_.now();
        const auto current = uow.accounts().find(m, account.id);
        if (!current) return core::fail(core::errc::unauthenticated, wrong_password, "account vanished");
        if (current->locked_until > now) {
            audit(uow, m, who, audit_kind::login, "refused", current->guest, now, {{"reason", "locked"}});
            uow.commit();
            return std::unexpected(locked_for(current->locked_until - now).error());
        }
        if (!ok || current->password_hash != account.password_hash) {
            int failures = current->failed_logins + 1;
            int level = current->lock_level;
            core::unix_seconds until = current->locked_until;
            audit(uow, m, who, audit_kind::login, "failed", current->guest, now,
                  {{"reason", "wrong password"}, {"consecutive_failures", failures}});
            if (failures >= locks_.threshold) {
                ++level;
                until = now + locks_.duration(level);
                failures = 0;
                audit(uow, m, who, audit_kind::account_locked, "ok", current->guest, now,
                      {{"seconds", until - now}, {"level", level}});
            }
            uow.accounts().set_lock_state(current->id, failures, level, until);
            uow.commit();
            return core::fail(core::errc::unauthenticated, wrong_password);
        }
        uow.accounts().record_login(current->id, now, upgraded);
        issue(uow, *current, now);
        audit(uow, m, who, audit_kind::login, "ok", current->guest, now, {{"rehashed", upgraded.has_value()}});
        uow.commit();
        return {};
    });
}

core::result<store::guest> accounts::profile(core::merchant_id m, core::guest_id g) {
    auto uow = db_.begin(store::tx::read);
    auto guest = uow->guests().find(m, g);
    if (!guest) return core::fail(core::errc::not_found, "customer not found");
    return std::move(*guest);
}

core::result<store::guest> accounts::update_profile(core::merchant_id m, core::guest_id g,
                                                    const std::vector<profile_change>& changes,
                                                    std::optional<std::int64_t> if_match, const actor& who) {
    std::vector<core::field_error> refused;
    for (const auto& [field, value] : changes)
        if (!value && !field->clearable) refused.push_back({std::string(field->name), "cannot be empty"});
    if (!refused.empty()) return core::invalid("invalid request", std::move(refused));

    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<store::guest> {
        auto guest = uow.guests().find(m, g);
        if (!guest) return core::fail(core::errc::not_found, "customer not found");
        if (if_match && *if_match != guest->version)
            return core::fail(core::errc::failed_precondition, "the guest was changed since; fetch it again");

        const auto old_email = guest->fields.email;
        for (const auto& [field, value] : changes) guest->fields.*(field->member) = value;
        // The profile only: the custom fields are not the guest's to edit, and stay as stored.
        if (auto r = uow.guests().update_profile(*guest); !r)
            return core::fail(core::errc::already_exists, "email already used by another guest");

        // A username that was the old email follows the email.
        const auto& new_email = guest->fields.email;
        if (new_email && old_email && *new_email != *old_email) {
            if (const auto account = uow.accounts().find_by_guest(m, g); account && core::iequals(account->username, *old_email))
                uow.accounts().set_username(account->id, *new_email);
        }
        boost::json::array fields;
        for (const auto& change : changes) fields.push_back(boost::json::value(change.first->name));
        audit(uow, m, who, audit_kind::profile_changed, "ok", g, clock_.now(), {{"fields", std::move(fields)}});
        uow.commit();
        return std::move(*guest);  // with the version and update time just stored
    });
}

core::result<std::vector<reservation_view>> accounts::reservations(core::merchant_id m, core::guest_id g) {
    auto uow = db_.begin(store::tx::read);
    const auto merchant = uow->merchants().find(m);
    if (!merchant) return core::fail(core::errc::not_found, "customer not found");
    std::vector<reservation_view> out;
    for (auto& r : uow->reservations().list_active(m, g)) out.push_back({std::move(r), merchant->name});
    return out;
}

namespace {

core::result<account_holder> holder_of(store::unit_of_work& uow, core::merchant_id m,
                                       std::optional<store::account> account) {
    if (!account) return core::fail(core::errc::not_found, "The user was not found");
    auto guest = uow.guests().find(m, account->guest);
    if (!guest) return core::fail(core::errc::not_found, "The user was not found");
    return account_holder{.guest = std::move(*guest), .account = std::move(*account)};
}

}  // namespace

core::result<account_holder> accounts::holder(core::merchant_id m, core::account_id a) {
    auto uow = db_.begin(store::tx::read);
    return holder_of(*uow, m, uow->accounts().find(m, a));
}

core::result<account_holder> accounts::holder(core::merchant_id m, identifier_kind kind, std::string_view value) {
    auto uow = db_.begin(store::tx::read);
    return holder_of(*uow, m, find_account(*uow, m, kind, value));
}

core::result<guest_view> accounts::show(core::merchant_id m, std::string_view email) {
    auto uow = db_.begin(store::tx::read);
    auto guest = uow->guests().find_by_email(m, email);
    if (!guest) return core::fail(core::errc::not_found, "customer not found");
    guest_view view{.guest = std::move(*guest)};
    view.account = uow->accounts().find_by_guest(m, view.guest.id);
    view.reservation_count = uow->reservations().count(m, view.guest.id);
    return view;
}

}  // namespace guestd::domain

namespace guestd::domain {

core::result<std::vector<store::session>> accounts::sessions(core::merchant_id m, std::string_view email) {
    auto uow = db_.begin(store::tx::read);
    const auto guest = uow->guests().find_by_email(m, email);
    if (!guest) return core::fail(core::errc::not_found, "customer not found");
    const auto account = uow->accounts().find_by_guest(m, guest->id);
    if (!account) return core::fail(core::errc::not_found, "the guest has no account");
    return uow->sessions().list_for_account(account->id);
}

core::result<int> accounts::revoke_sessions(core::merchant_id m, std::string_view email, const actor& who) {
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<int> {
        const auto guest = uow.guests().find_by_email(m, email);
        if (!guest) return core::fail(core::errc::not_found, "customer not found");
        const auto account = uow.accounts().find_by_guest(m, guest->id);
        if (!account) return core::fail(core::errc::not_found, "the guest has no account");
        const auto now = clock_.now();
        const int revoked = uow.sessions().revoke_all(account->id, now);
        const int families = uow.oauth_tokens().revoke_all(account->id, now);
        audit(uow, m, who, audit_kind::sessions_revoked, "ok", guest->id, now,
              {{"count", revoked}, {"oauth_families", families}});
        uow.commit();
        return revoked;
    });
}

}  // namespace guestd::domain
