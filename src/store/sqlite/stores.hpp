// The SQLite implementations of the per-aggregate store interfaces. Each one runs named queries on the
// connection of the unit of work that owns it, inside that unit's transaction; the clock stamps
// created_at / updated_at.
#pragma once

#include "core/clock.hpp"
#include "store/sqlite/connection.hpp"
#include "store/store.hpp"

namespace guestd::store::sqlite {

class merchant_store final : public store::merchant_store {
public:
    merchant_store(connection& c, const core::clock& clock) : conn_(c), clock_(clock) {}
    core::result<void> insert(const merchant& m, const secret_hash& hotel_token_hash) override;
    std::optional<merchant> find(core::merchant_id id) override;
    std::optional<merchant> find_by_hotel_token(const secret_hash& hotel_token_hash) override;
    std::vector<merchant> list() override;
    bool set_hotel_token(core::merchant_id id, const secret_hash& hotel_token_hash) override;

private:
    connection& conn_;
    const core::clock& clock_;
};

class partner_store final : public store::partner_store {
public:
    partner_store(connection& c, const core::clock& clock) : conn_(c), clock_(clock) {}
    core::partner_id insert(const partner& p, const secret_hash& partner_token_hash) override;
    std::optional<partner> find(core::partner_id id) override;
    std::optional<partner> find_by_token(const secret_hash& partner_token_hash) override;
    std::optional<partner> find_by_client_id(std::string_view client_id) override;

private:
    template <class... Args>
    std::optional<partner> find_with(const query& q, const Args&... args);

    connection& conn_;
    const core::clock& clock_;
};

class guest_store final : public store::guest_store {
public:
    guest_store(connection& c, const core::clock& clock) : conn_(c), clock_(clock) {}
    std::optional<guest> find(core::merchant_id m, core::guest_id id) override;
    std::optional<guest> find_by_email(core::merchant_id m, std::string_view email) override;
    std::optional<guest> find_by_reference(core::merchant_id m, std::string_view reference) override;
    core::result<core::guest_id> insert(const guest& g) override;
    core::result<void> update(const guest& g) override;
    void set_reference(core::merchant_id m, std::string_view reference, core::guest_id g) override;
    bool qualifies(core::merchant_id m, core::guest_id g) override;

private:
    template <class... Args>
    std::optional<guest> find_with(const query& q, const Args&... args);
    void write_custom_fields(core::guest_id g, const std::vector<custom_field>& fields);

    connection& conn_;
    const core::clock& clock_;
};

class account_store final : public store::account_store {
public:
    account_store(connection& c, const core::clock& clock) : conn_(c), clock_(clock) {}
    std::optional<account> find(core::merchant_id m, core::account_id id) override;
    std::optional<account> find_by_guest(core::merchant_id m, core::guest_id g) override;
    core::result<core::account_id> insert(const account& a) override;
    void set_password(core::account_id id, std::string_view password_hash, unix_seconds now) override;
    void set_lock_state(core::account_id id, int failed_logins, int lock_level, unix_seconds locked_until) override;
    void record_login(core::account_id id, unix_seconds now, const std::optional<std::string>& new_hash) override;
    void set_username(core::account_id id, std::string_view username) override;

private:
    template <class... Args>
    std::optional<account> find_with(const query& q, const Args&... args);

    connection& conn_;
    const core::clock& clock_;
};

class session_store final : public store::session_store {
public:
    explicit session_store(connection& c) : conn_(c) {}
    void insert(const session& s) override;
    std::optional<session> find(const secret_hash& token_hash) override;
    int revoke_all(core::account_id account, unix_seconds now) override;

private:
    connection& conn_;
};

class reservation_store final : public store::reservation_store {
public:
    reservation_store(connection& c, const core::clock& clock) : conn_(c), clock_(clock) {}
    std::optional<reservation> find(core::merchant_id m, std::string_view reference) override;
    bool upsert(const reservation& r) override;
    std::vector<reservation> list_active(core::merchant_id m, core::guest_id g) override;
    int count(core::merchant_id m, core::guest_id g) override;

private:
    std::vector<custom_field> custom_fields_of(std::int64_t reservation);

    connection& conn_;
    const core::clock& clock_;
};

class email_list_store final : public store::email_list_store {
public:
    explicit email_list_store(connection& c) : conn_(c) {}
    bool add(core::merchant_id m, std::string_view list, core::guest_id g, unix_seconds now) override;
    bool remove(core::merchant_id m, std::string_view list, core::guest_id g) override;
    std::vector<std::string> lists_of(core::merchant_id m, core::guest_id g) override;

private:
    connection& conn_;
};

}  // namespace guestd::store::sqlite
