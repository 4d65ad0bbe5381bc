// The implementations of the per-aggregate store interfaces, written once for SQLite and PostgreSQL: class
// templates over a Backend (store/<backend>/backend.hpp) that supplies the connection and statement types and the
// few hooks where the databases differ. Each store runs the shared queries (queries.hpp) on the connection of the
// unit of work that owns it, inside that unit's transaction; the clock stamps created_at / updated_at.
// Each backend instantiates them once, explicitly, in its backend.cpp (stores_impl.hpp holds the definitions):
// no virtual call per statement, and each backend library owns its copy.
#pragma once

#include "core/clock.hpp"
#include "store/sql/queries.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <utility>

namespace guestd::store::sql {

template <class Backend>
class merchant_store final : public store::merchant_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    merchant_store(connection& c, const core::clock& clock) : conn_(c), clock_(clock) {}
    core::result<void> insert(const merchant& m, const secret_hash& hotel_token_hash) override;
    std::optional<merchant> find(core::merchant_id id) override;
    std::optional<merchant> find_by_hotel_token(const secret_hash& hotel_token_hash) override;
    std::vector<merchant> list() override;
    bool set_hotel_token(core::merchant_id id, const secret_hash& hotel_token_hash,
                         unix_seconds old_valid_until) override;
    bool update_settings(const merchant& m) override;
    void set_template(core::merchant_id id, const mail_template& t) override;
    bool remove_template(core::merchant_id id, std::string_view kind, std::string_view language) override;
    std::optional<mail_template> find_template(core::merchant_id id, std::string_view kind,
                                               std::string_view language) override;
    std::vector<mail_template> templates(core::merchant_id id) override;

private:
    connection& conn_;
    const core::clock& clock_;
};

template <class Backend>
class partner_store final : public store::partner_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    partner_store(connection& c, const core::clock& clock) : conn_(c), clock_(clock) {}
    core::partner_id insert(const partner& p, const secret_hash& partner_token_hash) override;
    std::optional<partner> find(core::partner_id id) override;
    std::optional<partner> find_by_token(const secret_hash& partner_token_hash) override;
    std::optional<partner> find_by_client_id(std::string_view client_id) override;
    bool rotate(core::partner_id id, const secret_hash& token_hash, const secret_hash& client_secret_hash,
                unix_seconds old_valid_until) override;
    bool set_disabled(core::partner_id id, bool disabled) override;
    bool set_caller_reset_codes(core::partner_id id, bool granted) override;
    std::vector<partner> list() override;
    std::int64_t credentials_generation() override;

private:
    template <class... Args>
    std::optional<partner> find_with(const query& q, const Args&... args);
    void read_merchants(partner& p);

    connection& conn_;
    const core::clock& clock_;
};

template <class Backend>
class guest_store final : public store::guest_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    /// In a tx::write unit (mode), the finders lock the rows they return until the unit ends.
    guest_store(connection& c, const core::clock& clock, tx mode) : conn_(c), clock_(clock), mode_(mode) {}
    std::optional<guest> find(core::merchant_id m, core::guest_id id) override;
    std::optional<guest> find_by_email(core::merchant_id m, std::string_view email) override;
    std::optional<guest> find_by_reference(core::merchant_id m, std::string_view reference) override;
    core::result<core::guest_id> insert(const guest& g) override;
    core::result<void> update(const guest& g) override;
    core::result<void> update_profile(guest& g) override;
    void set_reference(core::merchant_id m, std::string_view reference, core::guest_id g) override;
    bool qualifies(core::merchant_id m, core::guest_id g) override;
    bool erase(core::merchant_id m, core::guest_id g) override;

private:
    template <class... Args>
    std::optional<guest> find_with(const query& q, const Args&... args);
    void write_custom_fields(core::guest_id g, const std::vector<custom_field>& fields);
    /// Writes g's row (all but the custom fields); its new version and updated_at.
    core::result<std::pair<std::int64_t, unix_seconds>> write_row(const guest& g);
    /// q, or its row-locking form in a write unit: what a write unit reads, it may write next.
    const query& finder(const query& q) { return mode_ == tx::write ? Backend::for_update(conn_, q) : q; }

    connection& conn_;
    const core::clock& clock_;
    tx mode_;
};

template <class Backend>
class account_store final : public store::account_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    /// In a tx::write unit (mode), the finders lock the rows they return until the unit ends.
    account_store(connection& c, const core::clock& clock, tx mode) : conn_(c), clock_(clock), mode_(mode) {}
    std::optional<account> find(core::merchant_id m, core::account_id id) override;
    std::optional<account> find_by_guest(core::merchant_id m, core::guest_id g) override;
    core::result<core::account_id> insert(const account& a) override;
    void set_password(core::account_id id, std::string_view password_hash, unix_seconds now) override;
    void set_lock_state(core::account_id id, int failed_logins, int lock_level, unix_seconds locked_until) override;
    void record_login(core::account_id id, unix_seconds now, const std::optional<std::string>& new_hash) override;
    void set_username(core::account_id id, std::string_view username) override;
    std::optional<account> find_by_username(core::merchant_id m, std::string_view username) override;
    std::optional<account> find_by_card(core::merchant_id m, std::string_view printed_card_number) override;

private:
    template <class... Args>
    std::optional<account> find_with(const query& q, const Args&... args);
    /// As guest_store::finder.
    const query& finder(const query& q) { return mode_ == tx::write ? Backend::for_update(conn_, q) : q; }

    connection& conn_;
    const core::clock& clock_;
    tx mode_;
};

template <class Backend>
class session_store final : public store::session_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    explicit session_store(connection& c) : conn_(c) {}
    void insert(const session& s) override;
    std::optional<session> find(const secret_hash& token_hash) override;
    std::optional<signed_in> find_signed_in(const secret_hash& token_hash) override;
    int revoke_all(core::account_id account, unix_seconds now) override;
    std::vector<session> list_for_account(core::account_id account) override;

private:
    connection& conn_;
};

template <class Backend>
class oauth_token_store final : public store::oauth_token_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    oauth_token_store(connection& c, tx mode) : conn_(c), mode_(mode) {}
    std::int64_t insert_family(const oauth_family& f) override;
    void insert_token(const oauth_token& t) override;
    std::optional<oauth_grant> find(const secret_hash& token_hash) override;
    bool spend_refresh(const secret_hash& token_hash, unix_seconds now) override;
    bool revoke_family(std::int64_t family, unix_seconds now) override;
    int revoke_all(core::account_id account, unix_seconds now) override;
    std::vector<oauth_family> families_of(core::account_id account) override;

private:
    connection& conn_;
    tx mode_;
};

template <class Backend>
class reservation_store final : public store::reservation_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    reservation_store(connection& c, const core::clock& clock) : conn_(c), clock_(clock) {}
    std::optional<reservation> find(core::merchant_id m, std::string_view reference) override;
    bool upsert(const reservation& r) override;
    std::vector<reservation> list_active(core::merchant_id m, core::guest_id g) override;
    int count(core::merchant_id m, core::guest_id g) override;
    std::vector<reservation> list_all(core::merchant_id m, core::guest_id g) override;

private:
    std::vector<custom_field> custom_fields_of(std::int64_t reservation);
    std::vector<reservation> list_with(const query& q, core::merchant_id m, core::guest_id g);

    connection& conn_;
    const core::clock& clock_;
};

template <class Backend>
class email_list_store final : public store::email_list_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    explicit email_list_store(connection& c) : conn_(c) {}
    bool add(core::merchant_id m, std::string_view list, core::guest_id g, unix_seconds now) override;
    bool remove(core::merchant_id m, std::string_view list, core::guest_id g) override;
    std::vector<std::string> lists_of(core::merchant_id m, core::guest_id g) override;

private:
    connection& conn_;
};

template <class Backend>
class reset_store final : public store::reset_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    explicit reset_store(connection& c) : conn_(c) {}
    core::result<std::int64_t> replace(const reset& r) override;
    std::optional<reset> find_by_code(core::merchant_id m, const secret_hash& code_hash) override;
    bool mark_used(std::int64_t id, unix_seconds now) override;
    int void_all(core::account_id account, unix_seconds now) override;
    int count_since(core::account_id account, unix_seconds since) override;
    std::vector<reset> list_for_account(core::account_id account) override;

private:
    connection& conn_;
};

template <class Backend>
class throttle_store final : public store::throttle_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    explicit throttle_store(connection& c) : conn_(c) {}
    int hit(std::string_view key, unix_seconds now, unix_seconds window) override;
    int hits(std::string_view key, unix_seconds now, unix_seconds window) override;

private:
    connection& conn_;
};

/// claim() updates the messages it returns: call it in a tx::write unit of work.
template <class Backend>
class outbox_store final : public store::outbox_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    outbox_store(connection& c, const core::clock& clock) : conn_(c), clock_(clock) {}
    std::int64_t enqueue(const outbox_message& m) override;
    std::vector<outbox_message> claim(unix_seconds now, unix_seconds lease_until, int limit) override;
    void mark_sent(std::int64_t id, unix_seconds now) override;
    void mark_failed(std::int64_t id, unix_seconds next_attempt_at, std::string_view error) override;
    void mark_dead(std::int64_t id, std::string_view error) override;
    std::vector<outbox_message> list(std::optional<std::string_view> status, int limit) override;
    std::optional<outbox_message> find(std::int64_t id) override;
    bool retry(std::int64_t id, unix_seconds now) override;
    int backlog() override;
    int erase_recipient(core::merchant_id m, std::string_view recipient) override;

private:
    connection& conn_;
    const core::clock& clock_;
};

template <class Backend>
class audit_store final : public store::audit_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    explicit audit_store(connection& c) : conn_(c) {}
    void append(const audit_event& e) override;
    std::vector<audit_event> list(core::merchant_id m, std::optional<core::guest_id> g,
                                  std::optional<unix_seconds> since, std::optional<std::string_view> kind,
                                  int limit) override;
    int purge_before(core::merchant_id m, unix_seconds before) override;

private:
    connection& conn_;
};

template <class Backend>
class consent_store final : public store::consent_store {
public:
    using connection = typename Backend::connection;
    using statement = typename Backend::statement;
    using blob = typename Backend::blob;

    explicit consent_store(connection& c) : conn_(c) {}
    void append(const consent_event& e) override;
    std::vector<consent_event> list_for_guest(core::merchant_id m, core::guest_id g) override;

private:
    connection& conn_;
};

/// The stores of one unit of work, all on its connection. A backend's unit of work derives from it and adds
/// what differs: the lease on its connection, commit() and rolling back.
template <class Backend>
class unit_of_work_stores : public store::unit_of_work {
public:
    unit_of_work_stores(typename Backend::connection& c, const core::clock& clock, tx mode)
        : merchants_(c, clock),
          partners_(c, clock),
          guests_(c, clock, mode),
          accounts_(c, clock, mode),
          sessions_(c),
          oauth_tokens_(c, mode),
          reservations_(c, clock),
          email_lists_(c),
          resets_(c),
          throttles_(c),
          outbox_(c, clock),
          audit_(c),
          consents_(c) {}

    store::merchant_store& merchants() override { return merchants_; }
    store::partner_store& partners() override { return partners_; }
    store::guest_store& guests() override { return guests_; }
    store::account_store& accounts() override { return accounts_; }
    store::session_store& sessions() override { return sessions_; }
    store::oauth_token_store& oauth_tokens() override { return oauth_tokens_; }
    store::reservation_store& reservations() override { return reservations_; }
    store::email_list_store& email_lists() override { return email_lists_; }
    store::reset_store& resets() override { return resets_; }
    store::throttle_store& throttles() override { return throttles_; }
    store::outbox_store& outbox() override { return outbox_; }
    store::audit_store& audit() override { return audit_; }
    store::consent_store& consents() override { return consents_; }

private:
    sql::merchant_store<Backend> merchants_;
    sql::partner_store<Backend> partners_;
    sql::guest_store<Backend> guests_;
    sql::account_store<Backend> accounts_;
    sql::session_store<Backend> sessions_;
    sql::oauth_token_store<Backend> oauth_tokens_;
    sql::reservation_store<Backend> reservations_;
    sql::email_list_store<Backend> email_lists_;
    sql::reset_store<Backend> resets_;
    sql::throttle_store<Backend> throttles_;
    sql::outbox_store<Backend> outbox_;
    sql::audit_store<Backend> audit_;
    sql::consent_store<Backend> consents_;
};

}  // namespace guestd::store::sql
