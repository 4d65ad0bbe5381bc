// The storage contract: one narrow interface per aggregate, every method scoped by merchant, reached through a
// unit of work that rolls back unless committed. Backends (sqlite/, later postgres/) implement it; the contract
// suite in tests/contract/ holds every backend to the same behaviour.
//
// Failures: expected outcomes (not found, duplicate) are return values; backend faults throw core::backend_error.
#pragma once

#include "core/error.hpp"
#include "store/records.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::store {

class merchant_store {
public:
    virtual ~merchant_store() = default;
    /// Adds a merchant with the hash of its hotel token; already_exists when the id is taken.
    virtual core::result<void> insert(const merchant& m, const secret_hash& hotel_token_hash) = 0;
    virtual std::optional<merchant> find(core::merchant_id id) = 0;
    virtual std::optional<merchant> find_by_hotel_token(const secret_hash& hotel_token_hash) = 0;
    virtual std::vector<merchant> list() = 0;
    /// Replaces the merchant's hotel token digest; false when the merchant does not exist.
    virtual bool set_hotel_token(core::merchant_id id, const secret_hash& hotel_token_hash) = 0;
};

class partner_store {
public:
    virtual ~partner_store() = default;
    /// Adds a partner and its merchant grants; returns the new id. The merchants must exist.
    virtual core::partner_id insert(const partner& p, const secret_hash& partner_token_hash) = 0;
    virtual std::optional<partner> find(core::partner_id id) = 0;
    virtual std::optional<partner> find_by_token(const secret_hash& partner_token_hash) = 0;
    virtual std::optional<partner> find_by_client_id(std::string_view client_id) = 0;
};

class guest_store {
public:
    virtual ~guest_store() = default;
    virtual std::optional<guest> find(core::merchant_id m, core::guest_id id) = 0;
    /// Case-insensitive (ASCII) match on the email.
    virtual std::optional<guest> find_by_email(core::merchant_id m, std::string_view email) = 0;
    /// The guest a PMS customer reference is an alias of.
    virtual std::optional<guest> find_by_reference(core::merchant_id m, std::string_view reference) = 0;
    /// Inserts g (id, version, timestamps are assigned) with its custom fields; already_exists when the email
    /// is taken by another guest of the merchant.
    virtual core::result<core::guest_id> insert(const guest& g) = 0;
    /// Writes g's profile, identity document, badges and custom fields, bumps version, sets updated_at;
    /// already_exists when the email is taken by another guest of the merchant.
    virtual core::result<void> update(const guest& g) = 0;
    /// Points a PMS customer reference at a guest (creating or moving the alias).
    virtual void set_reference(core::merchant_id m, std::string_view reference, core::guest_id g) = 0;
    /// True when the guest has a non-cancelled reservation or an email-list membership.
    virtual bool qualifies(core::merchant_id m, core::guest_id g) = 0;
};

class account_store {
public:
    virtual ~account_store() = default;
    virtual std::optional<account> find(core::merchant_id m, core::account_id id) = 0;
    virtual std::optional<account> find_by_guest(core::merchant_id m, core::guest_id g) = 0;
    /// Inserts a (id and created_at assigned). already_exists when the printed card number or the username is
    /// taken (the caller draws another card number and tries again).
    virtual core::result<core::account_id> insert(const account& a) = 0;
    /// Sets the password hash and clears the failure count and the lock.
    virtual void set_password(core::account_id id, std::string_view password_hash, unix_seconds now) = 0;
    /// Writes failed_logins, lock_level and locked_until as the domain computed them.
    virtual void set_lock_state(core::account_id id, int failed_logins, int lock_level, unix_seconds locked_until) = 0;
    /// Records a successful login: clears failures and lock, sets last_login_at, and replaces the hash when
    /// new_hash is given (parameters upgraded).
    virtual void record_login(core::account_id id, unix_seconds now, const std::optional<std::string>& new_hash) = 0;
    virtual void set_username(core::account_id id, std::string_view username) = 0;
};

class session_store {
public:
    virtual ~session_store() = default;
    virtual void insert(const session& s) = 0;
    virtual std::optional<session> find(const secret_hash& token_hash) = 0;
    /// Revokes every live session of the account; returns how many.
    virtual int revoke_all(core::account_id account, unix_seconds now) = 0;
};

class reservation_store {
public:
    virtual ~reservation_store() = default;
    virtual std::optional<reservation> find(core::merchant_id m, std::string_view reference) = 0;
    /// Inserts or fully replaces the reservation with r.reference; returns true when it was created.
    virtual bool upsert(const reservation& r) = 0;
    /// Non-cancelled reservations of the guest, newest arrival first.
    virtual std::vector<reservation> list_active(core::merchant_id m, core::guest_id g) = 0;
    /// All reservations of the guest, cancelled ones included.
    virtual int count(core::merchant_id m, core::guest_id g) = 0;
};

class email_list_store {
public:
    virtual ~email_list_store() = default;
    /// Adds the guest to the list; false when already a member.
    virtual bool add(core::merchant_id m, std::string_view list, core::guest_id g, unix_seconds now) = 0;
    /// Removes the guest from the list; false when not a member.
    virtual bool remove(core::merchant_id m, std::string_view list, core::guest_id g) = 0;
    virtual std::vector<std::string> lists_of(core::merchant_id m, core::guest_id g) = 0;
};

/// One transaction. Destroying it without commit() rolls back.
class unit_of_work {
public:
    virtual ~unit_of_work() = default;
    virtual merchant_store& merchants() = 0;
    virtual partner_store& partners() = 0;
    virtual guest_store& guests() = 0;
    virtual account_store& accounts() = 0;
    virtual session_store& sessions() = 0;
    virtual reservation_store& reservations() = 0;
    virtual email_list_store& email_lists() = 0;
    /// Makes every write durable before returning (a 2xx may follow).
    virtual void commit() = 0;
};

enum class tx { read, write };

/// A database: hands out units of work; safe to use from many threads at once.
class database {
public:
    virtual ~database() = default;
    /// Starts a transaction. tx::write takes the write lock up front so it never fails to upgrade.
    virtual std::unique_ptr<unit_of_work> begin(tx mode) = 0;
    /// True when the database answers a trivial query.
    virtual bool ping() = 0;
};

}  // namespace guestd::store
