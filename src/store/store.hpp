// The storage contract: one narrow interface per aggregate, every method scoped by merchant, reached through a
// unit of work that rolls back unless committed. Backends (sqlite/, later postgres/) implement it; the contract
// suite in tests/contract/ holds every backend to the same behaviour.
//
// Failures: expected outcomes (not found, duplicate) are return values; backend faults throw core::backend_error.
#pragma once

#include "core/error.hpp"
#include "core/metrics.hpp"
#include "store/records.hpp"

#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guestd::store {

class merchant_store {
public:
    virtual ~merchant_store() = default;
    /// Adds a merchant with the hash of its hotel token; already_exists when the id is taken.
    virtual core::result<void> insert(const merchant& m, const secret_hash& hotel_token_hash) = 0;
    virtual std::optional<merchant> find(core::merchant_id id) = 0;
    /// The merchant whose current hotel token has this digest, or whose previous one has it and is still in its
    /// rotation overlap (previous_valid_until after the store clock's now).
    virtual std::optional<merchant> find_by_hotel_token(const secret_hash& hotel_token_hash) = 0;
    virtual std::vector<merchant> list() = 0;
    /// Replaces the merchant's hotel token digest; the old one keeps working until old_valid_until (0: stops at
    /// once). false when the merchant does not exist.
    virtual bool set_hotel_token(core::merchant_id id, const secret_hash& hotel_token_hash,
                                 unix_seconds old_valid_until = 0) = 0;
    /// Writes m's settings (password_min_length, reset_*, mail_from); false when the merchant does not exist.
    virtual bool update_settings(const merchant& m) = 0;
    /// Inserts or replaces the merchant's template for (kind, language).
    virtual void set_template(core::merchant_id id, const mail_template& t) = 0;
    /// Removes it; false when there was none.
    virtual bool remove_template(core::merchant_id id, std::string_view kind, std::string_view language) = 0;
    virtual std::optional<mail_template> find_template(core::merchant_id id, std::string_view kind,
                                                       std::string_view language) = 0;
    virtual std::vector<mail_template> templates(core::merchant_id id) = 0;
};

class partner_store {
public:
    virtual ~partner_store() = default;
    /// Adds a partner and its merchant grants; returns the new id. The merchants must exist.
    virtual core::partner_id insert(const partner& p, const secret_hash& partner_token_hash) = 0;
    virtual std::optional<partner> find(core::partner_id id) = 0;
    /// The partner whose current token has this digest, or whose previous one has it within its overlap.
    virtual std::optional<partner> find_by_token(const secret_hash& partner_token_hash) = 0;
    /// With previous_client_secret_hash / previous_valid_until filled for the caller to check.
    virtual std::optional<partner> find_by_client_id(std::string_view client_id) = 0;
    /// New token and client secret digests; the old ones keep working until old_valid_until. false when unknown.
    virtual bool rotate(core::partner_id id, const secret_hash& token_hash, const secret_hash& client_secret_hash,
                        unix_seconds old_valid_until) = 0;
    /// Disables (or re-enables) the partner; every lookup still returns it, with disabled set. false when unknown.
    virtual bool set_disabled(core::partner_id id, bool disabled) = 0;
    /// Grants or withdraws the right to send caller-chosen reset codes. false when unknown.
    virtual bool set_caller_reset_codes(core::partner_id id, bool granted) = 0;
    virtual std::vector<partner> list() = 0;
    /// A number that moves whenever a partner, a merchant or a grant between them changes, whoever changes it
    /// (another process, another node): what a partner and hotel token pair names holds as long as it is equal.
    virtual std::int64_t credentials_generation() = 0;
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
    /// Writes g's profile, identity document, badges, Paytronix fields and custom fields, bumps version, sets
    /// updated_at; a changed email clears email_verified. already_exists when the email is taken by another guest
    /// of the merchant.
    virtual core::result<void> update(const guest& g) = 0;
    /// As update, but the custom fields stay as stored (a profile edit), and g's version and updated_at become
    /// the stored ones, so the caller need not read the guest again.
    virtual core::result<void> update_profile(guest& g) = 0;
    /// Points a PMS customer reference at a guest (creating or moving the alias).
    virtual void set_reference(core::merchant_id m, std::string_view reference, core::guest_id g) = 0;
    /// True when the guest has a non-cancelled reservation or an email-list membership.
    virtual bool qualifies(core::merchant_id m, core::guest_id g) = 0;
    /// Deletes the guest and everything that is theirs: references, custom fields, account, sessions, resets,
    /// reservations (and their custom fields), list memberships, consent events. Audit events stay (they name
    /// the guest only by id). false when unknown.
    virtual bool erase(core::merchant_id m, core::guest_id g) = 0;
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
    /// Case-insensitive (ASCII) match on the username.
    virtual std::optional<account> find_by_username(core::merchant_id m, std::string_view username) = 0;
    /// Exact match on the 16 digits.
    virtual std::optional<account> find_by_card(core::merchant_id m, std::string_view printed_card_number) = 0;
};

class session_store {
public:
    virtual ~session_store() = default;
    virtual void insert(const session& s) = 0;
    virtual std::optional<session> find(const secret_hash& token_hash) = 0;
    /// The session of that token with its account's guest (custom fields included) and the credentials
    /// generation, in one statement; none when the token, its account or its guest is unknown. It checks nothing
    /// else: revocation, expiry and the caller are the domain's to check.
    virtual std::optional<signed_in> find_signed_in(const secret_hash& token_hash) = 0;
    /// Revokes every live session of the account; returns how many.
    virtual int revoke_all(core::account_id account, unix_seconds now) = 0;
    /// Every session of the account, newest first (the digest is there; callers must not show it).
    virtual std::vector<session> list_for_account(core::account_id account) = 0;
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
    /// All reservations of the guest, cancelled ones included, newest arrival first.
    virtual std::vector<reservation> list_all(core::merchant_id m, core::guest_id g) = 0;
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

class reset_store {
public:
    virtual ~reset_store() = default;
    /// Voids the account's live resets (voided_at = r.created_at) and inserts r (id assigned). already_exists
    /// when a reset of r.merchant has the same code digest (a caller-chosen code used twice); another merchant's
    /// reset with that digest is no conflict.
    virtual core::result<std::int64_t> replace(const reset& r) = 0;
    /// The reset of merchant m with that code digest, in any state; another merchant's is never found.
    virtual std::optional<reset> find_by_code(core::merchant_id m, const secret_hash& code_hash) = 0;
    /// Marks it used; false when it was already used or voided (a concurrent completion won).
    virtual bool mark_used(std::int64_t id, unix_seconds now) = 0;
    /// Voids every live reset of the account; returns how many.
    virtual int void_all(core::account_id account, unix_seconds now) = 0;
    /// How many resets were created for the account at or after `since` (the hourly email cap).
    virtual int count_since(core::account_id account, unix_seconds since) = 0;
    /// Every reset of the account, newest first.
    virtual std::vector<reset> list_for_account(core::account_id account) = 0;
};

/// Fixed-window counters shared by every node: rate limits keyed by what they limit ("complete:<address>").
class throttle_store {
public:
    virtual ~throttle_store() = default;
    /// Counts one hit for key in the window [start, start + window) that holds now, where start is now rounded
    /// down to a multiple of window; returns the hits in that window, this one included.
    virtual int hit(std::string_view key, unix_seconds now, unix_seconds window) = 0;
    /// The hits in the current window, without counting one.
    virtual int hits(std::string_view key, unix_seconds now, unix_seconds window) = 0;
};

class outbox_store {
public:
    virtual ~outbox_store() = default;
    /// Queues m (id assigned, status pending, due at m.next_attempt_at).
    virtual std::int64_t enqueue(const outbox_message& m) = 0;
    /// Up to limit pending messages due at or before now, oldest first, each leased: its next_attempt_at moves to
    /// lease_until so no other worker (or node) takes it until the lease ends.
    virtual std::vector<outbox_message> claim(unix_seconds now, unix_seconds lease_until, int limit) = 0;
    virtual void mark_sent(std::int64_t id, unix_seconds now) = 0;
    /// Counts a failed attempt and schedules the next one.
    virtual void mark_failed(std::int64_t id, unix_seconds next_attempt_at, std::string_view error) = 0;
    /// Counts a failed attempt and gives up: status dead.
    virtual void mark_dead(std::int64_t id, std::string_view error) = 0;
    /// Messages, newest first, all or of one status.
    virtual std::vector<outbox_message> list(std::optional<std::string_view> status, int limit) = 0;
    virtual std::optional<outbox_message> find(std::int64_t id) = 0;
    /// Makes a dead or pending message due now with a fresh attempt count; false when unknown or already sent.
    virtual bool retry(std::int64_t id, unix_seconds now) = 0;
    /// Pending messages.
    virtual int backlog() = 0;
    /// Deletes every message of the merchant to that recipient (case-insensitive), whatever its status; returns
    /// how many (an erasure leaves no copy of the person's email behind).
    virtual int erase_recipient(core::merchant_id m, std::string_view recipient) = 0;
};

class audit_store {
public:
    virtual ~audit_store() = default;
    /// Appends e (id assigned; at as given).
    virtual void append(const audit_event& e) = 0;
    /// Events of the merchant, oldest first, filtered by guest, time (at >= since) and kind when given.
    virtual std::vector<audit_event> list(core::merchant_id m, std::optional<core::guest_id> g,
                                          std::optional<unix_seconds> since, std::optional<std::string_view> kind,
                                          int limit) = 0;
    /// Deletes the merchant's events older than before; returns how many (retention).
    virtual int purge_before(core::merchant_id m, unix_seconds before) = 0;
};

class consent_store {
public:
    virtual ~consent_store() = default;
    virtual void append(const consent_event& e) = 0;
    /// The guest's events, oldest first.
    virtual std::vector<consent_event> list_for_guest(core::merchant_id m, core::guest_id g) = 0;
};
/// Paytronix OAuth guest tokens: families (one per password login) and their access and refresh tokens.
class oauth_token_store {
public:
    virtual ~oauth_token_store() = default;
    /// Inserts f (its id assigned) and returns the id.
    virtual std::int64_t insert_family(const oauth_family& f) = 0;
    virtual void insert_token(const oauth_token& t) = 0;
    /// The token with that digest and its family. In a tx::write unit on PostgreSQL both rows stay locked until
    /// the unit ends, so a rotation and a revocation of the family take turns.
    virtual std::optional<oauth_grant> find(const secret_hash& token_hash) = 0;
    /// Marks the refresh token spent at now, only if it was not: true for exactly one caller, however many
    /// exchange it at once (one conditional UPDATE, never read-then-write).
    virtual bool spend_refresh(const secret_hash& token_hash, unix_seconds now) = 0;
    /// Revokes the family unless it already is; whether this call revoked it.
    virtual bool revoke_family(std::int64_t family, unix_seconds now) = 0;
    /// Revokes every unrevoked family of the account (a password change or reset); returns how many.
    virtual int revoke_all(core::account_id account, unix_seconds now) = 0;
    /// Every family of the account, newest first.
    virtual std::vector<oauth_family> families_of(core::account_id account) = 0;
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
    virtual oauth_token_store& oauth_tokens() = 0;
    virtual reservation_store& reservations() = 0;
    virtual email_list_store& email_lists() = 0;
    virtual reset_store& resets() = 0;
    virtual throttle_store& throttles() = 0;
    virtual outbox_store& outbox() = 0;
    virtual audit_store& audit() = 0;
    virtual consent_store& consents() = 0;
    /// Makes every write durable before returning (a 2xx may follow).
    virtual void commit() = 0;
};

/// What a unit of work does:
/// - read: reads in one snapshot (on PostgreSQL, a REPEATABLE READ transaction);
/// - write: reads and writes, committed at once or not at all;
/// - statement: exactly one read statement, which is its own snapshot: on PostgreSQL it runs without BEGIN and
///   COMMIT, so it costs one round trip; a second statement on the unit throws. It never joins a read_scope.
enum class tx { read, write, statement };

/// A write unit of work lost a race the database detected (on PostgreSQL, a deadlock or a serialization
/// failure): rolled back, and safe to run again from the start. store::write() does that.
class write_conflict : public core::backend_error {
public:
    explicit write_conflict(std::string what) : core::backend_error(std::move(what), true) {}
};

/// A database: hands out units of work; safe to use from many threads at once.
class database {
public:
    virtual ~database() = default;
    /// Starts a transaction. tx::write on SQLite takes the write lock up front so it never fails to upgrade; on
    /// PostgreSQL its finders lock the guest and account rows they return (store::write retries a lost race).
    /// While a read_scope of this database is open on the calling thread, tx::read joins the scope's transaction.
    std::unique_ptr<unit_of_work> begin(tx mode);
    /// True when the database answers a trivial query.
    virtual bool ping() = 0;
    /// Makes deleted rows unrecoverable from the database's files (after an erasure): SQLite overwrites freed
    /// pages (secure_delete) and truncates the WAL after checkpointing it.
    virtual void scrub() = 0;

protected:
    /// The backend's part of begin(): always a new transaction.
    virtual std::unique_ptr<unit_of_work> start(tx mode) = 0;
};

/// While it lives, every begin(tx::read) on db from this thread joins one read transaction: a request's reads
/// (its authentication and its handler) see one snapshot and pay for one BEGIN/COMMIT. That transaction starts
/// at the first such begin() and ends when the scope and every unit of work that joined it are gone (they
/// share it; their commit() does nothing). A begin(tx::write) inside the scope never joins: it is a transaction
/// of its own, and it ends the sharing, so the reads after it start anew and see what it wrote. A scope opened
/// while another is open on the thread does nothing.
class read_scope {
public:
    explicit read_scope(database& db);
    ~read_scope();
    read_scope(const read_scope&) = delete;
    read_scope& operator=(const read_scope&) = delete;

private:
    bool owner_;
};

namespace detail {

/// The thread's open read_scope: its database, and its transaction once a read started it.
struct ambient_read {
    database* db = nullptr;
    std::shared_ptr<unit_of_work> shared;
};
inline thread_local ambient_read ambient;

/// A unit of work joined to the scope's transaction: the stores are the transaction's, commit() does nothing.
class joined_unit_of_work final : public unit_of_work {
public:
    explicit joined_unit_of_work(std::shared_ptr<unit_of_work> tx) : tx_(std::move(tx)) {}
    merchant_store& merchants() override { return tx_->merchants(); }
    partner_store& partners() override { return tx_->partners(); }
    guest_store& guests() override { return tx_->guests(); }
    account_store& accounts() override { return tx_->accounts(); }
    session_store& sessions() override { return tx_->sessions(); }
    oauth_token_store& oauth_tokens() override { return tx_->oauth_tokens(); }
    reservation_store& reservations() override { return tx_->reservations(); }
    email_list_store& email_lists() override { return tx_->email_lists(); }
    reset_store& resets() override { return tx_->resets(); }
    throttle_store& throttles() override { return tx_->throttles(); }
    outbox_store& outbox() override { return tx_->outbox(); }
    audit_store& audit() override { return tx_->audit(); }
    consent_store& consents() override { return tx_->consents(); }
    void commit() override {}

private:
    std::shared_ptr<unit_of_work> tx_;
};

}  // namespace detail

inline std::unique_ptr<unit_of_work> database::begin(tx mode) {
    auto& scope = detail::ambient;
    if (scope.db != this || mode == tx::statement) return start(mode);
    if (mode == tx::write) {
        // Drop the scope's hold first: with no joined unit alive, its connection goes back before the write takes one.
        scope.shared.reset();
        return start(mode);
    }
    if (!scope.shared) scope.shared = start(tx::read);
    return std::make_unique<detail::joined_unit_of_work>(scope.shared);
}

inline read_scope::read_scope(database& db) : owner_(detail::ambient.db == nullptr) {
    if (owner_) detail::ambient.db = &db;
}

inline read_scope::~read_scope() {
    if (owner_) {
        detail::ambient.shared.reset();
        detail::ambient.db = nullptr;
    }
}

/// How many times store::write() runs a unit of work that keeps losing races before it lets the error through.
inline constexpr int write_attempts = 4;

namespace detail {

/// Waits before a unit of work runs again for the nth time (n >= 2): a random time in [d, 2d], d = 25 ms doubling
/// with each attempt. Right after a deadlock the unit that won is still taking its locks; a retry at once would
/// take the rows it has yet to reach and deadlock with it again (two PMS batches naming the same guests in
/// opposite orders did, three times in a row).
inline void back_off_before(int attempt) {
    thread_local std::minstd_rand jitter{std::random_device{}()};
    const int d = 25 << (attempt - 2);
    std::uniform_int_distribution<int> pick(d, 2 * d);
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(jitter)));
}

}  // namespace detail

/// Runs work(uow) in a tx::write unit of work and returns what it returns; work commits (or not) itself. When the
/// database answers write_conflict, the unit is rolled back and work runs again on a new one after a short random
/// wait, write_attempts times at most, each retry counted in guestd_db_retries_total. work must therefore do
/// nothing outside the database that it cannot do twice (it may hash, read and write the store; it must not send
/// mail or answer).
template <class Work>
auto write(database& db, Work&& work) -> decltype(work(std::declval<unit_of_work&>())) {
    for (int attempt = 1;; ++attempt) {
        try {
            auto uow = db.begin(tx::write);
            return work(*uow);
        } catch (const write_conflict&) {
            if (attempt >= write_attempts) throw;
            core::metrics::add_counter("guestd_db_retries_total");
        }
        detail::back_off_before(attempt + 1);
    }
}

}  // namespace guestd::store
