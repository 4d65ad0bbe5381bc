// A store::database decorator for tests: every unit of work it hands out notes each call (begin, every store
// method, commit) in one log before forwarding it to the real database, so a test can compare the store work two
// code paths do. Used by the recovery tests to hold the anonymous reset to "the same work whatever is found".
#pragma once

#include "store/store.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guestd::testing {

/// One store of a recorded unit of work: notes "<store>.<method>", then forwards the call.
template <class Store>
class recorded : public Store {
public:
    recorded(std::string name, Store& inner, std::vector<std::string>& log)
        : name_(std::move(name)), inner_(inner), log_(log) {}

protected:
    Store& note(std::string_view method) {
        log_.push_back(name_ + "." + std::string(method));
        return inner_;
    }

private:
    std::string name_;
    Store& inner_;
    std::vector<std::string>& log_;
};

class recorded_merchants final : public recorded<store::merchant_store> {
public:
    using recorded::recorded;

    core::result<void> insert(const store::merchant& m, const store::secret_hash& hotel_token_hash) override {
        return note("insert").insert(m, hotel_token_hash);
    }
    std::optional<store::merchant> find(core::merchant_id id) override { return note("find").find(id); }
    std::optional<store::merchant> find_by_hotel_token(const store::secret_hash& hotel_token_hash) override {
        return note("find_by_hotel_token").find_by_hotel_token(hotel_token_hash);
    }
    std::vector<store::merchant> list() override { return note("list").list(); }
    bool set_hotel_token(core::merchant_id id, const store::secret_hash& hotel_token_hash,
                         store::unix_seconds old_valid_until) override {
        return note("set_hotel_token").set_hotel_token(id, hotel_token_hash, old_valid_until);
    }
    bool update_settings(const store::merchant& m) override { return note("update_settings").update_settings(m); }
    void set_template(core::merchant_id id, const store::mail_template& t) override {
        return note("set_template").set_template(id, t);
    }
    bool remove_template(core::merchant_id id, std::string_view kind, std::string_view language) override {
        return note("remove_template").remove_template(id, kind, language);
    }
    std::optional<store::mail_template> find_template(core::merchant_id id, std::string_view kind,
                                                      std::string_view language) override {
        return note("find_template").find_template(id, kind, language);
    }
    std::vector<store::mail_template> templates(core::merchant_id id) override {
        return note("templates").templates(id);
    }
};

class recorded_partners final : public recorded<store::partner_store> {
public:
    using recorded::recorded;

    core::partner_id insert(const store::partner& p, const store::secret_hash& partner_token_hash) override {
        return note("insert").insert(p, partner_token_hash);
    }
    std::optional<store::partner> find(core::partner_id id) override { return note("find").find(id); }
    std::optional<store::partner> find_by_token(const store::secret_hash& partner_token_hash) override {
        return note("find_by_token").find_by_token(partner_token_hash);
    }
    std::optional<store::partner> find_by_client_id(std::string_view client_id) override {
        return note("find_by_client_id").find_by_client_id(client_id);
    }
    bool rotate(core::partner_id id, const store::secret_hash& token_hash, const store::secret_hash& client_secret_hash,
                store::unix_seconds old_valid_until) override {
        return note("rotate").rotate(id, token_hash, client_secret_hash, old_valid_until);
    }
    bool set_disabled(core::partner_id id, bool disabled) override {
        return note("set_disabled").set_disabled(id, disabled);
    }
    bool set_caller_reset_codes(core::partner_id id, bool granted) override {
        return note("set_caller_reset_codes").set_caller_reset_codes(id, granted);
    }
    std::vector<store::partner> list() override { return note("list").list(); }
    std::int64_t credentials_generation() override { return note("credentials_generation").credentials_generation(); }
};

class recorded_guests final : public recorded<store::guest_store> {
public:
    using recorded::recorded;

    std::optional<store::guest> find(core::merchant_id m, core::guest_id id) override {
        return note("find").find(m, id);
    }
    std::optional<store::guest> find_by_email(core::merchant_id m, std::string_view email) override {
        return note("find_by_email").find_by_email(m, email);
    }
    std::optional<store::guest> find_by_reference(core::merchant_id m, std::string_view reference) override {
        return note("find_by_reference").find_by_reference(m, reference);
    }
    core::result<core::guest_id> insert(const store::guest& g) override { return note("insert").insert(g); }
    core::result<void> update(const store::guest& g) override { return note("update").update(g); }
    core::result<void> update_profile(store::guest& g) override { return note("update_profile").update_profile(g); }
    void set_reference(core::merchant_id m, std::string_view reference, core::guest_id g) override {
        return note("set_reference").set_reference(m, reference, g);
    }
    bool qualifies(core::merchant_id m, core::guest_id g) override { return note("qualifies").qualifies(m, g); }
    bool erase(core::merchant_id m, core::guest_id g) override { return note("erase").erase(m, g); }
};

class recorded_accounts final : public recorded<store::account_store> {
public:
    using recorded::recorded;

    std::optional<store::account> find(core::merchant_id m, core::account_id id) override {
        return note("find").find(m, id);
    }
    std::optional<store::account> find_by_guest(core::merchant_id m, core::guest_id g) override {
        return note("find_by_guest").find_by_guest(m, g);
    }
    core::result<core::account_id> insert(const store::account& a) override { return note("insert").insert(a); }
    void set_password(core::account_id id, std::string_view password_hash, store::unix_seconds now) override {
        return note("set_password").set_password(id, password_hash, now);
    }
    void set_lock_state(core::account_id id, int failed_logins, int lock_level,
                        store::unix_seconds locked_until) override {
        return note("set_lock_state").set_lock_state(id, failed_logins, lock_level, locked_until);
    }
    void record_login(core::account_id id, store::unix_seconds now,
                      const std::optional<std::string>& new_hash) override {
        return note("record_login").record_login(id, now, new_hash);
    }
    void set_username(core::account_id id, std::string_view username) override {
        return note("set_username").set_username(id, username);
    }
    std::optional<store::account> find_by_username(core::merchant_id m, std::string_view username) override {
        return note("find_by_username").find_by_username(m, username);
    }
    std::optional<store::account> find_by_card(core::merchant_id m, std::string_view printed_card_number) override {
        return note("find_by_card").find_by_card(m, printed_card_number);
    }
};

class recorded_sessions final : public recorded<store::session_store> {
public:
    using recorded::recorded;

    void insert(const store::session& s) override { return note("insert").insert(s); }
    std::optional<store::session> find(const store::secret_hash& token_hash) override {
        return note("find").find(token_hash);
    }
    std::optional<store::signed_in> find_signed_in(const store::secret_hash& token_hash) override {
        return note("find_signed_in").find_signed_in(token_hash);
    }
    int revoke_all(core::account_id account, store::unix_seconds now) override {
        return note("revoke_all").revoke_all(account, now);
    }
    std::vector<store::session> list_for_account(core::account_id account) override {
        return note("list_for_account").list_for_account(account);
    }
};

class recorded_oauth_tokens final : public recorded<store::oauth_token_store> {
public:
    using recorded::recorded;

    std::int64_t insert_family(const store::oauth_family& f) override {
        return note("insert_family").insert_family(f);
    }
    void insert_token(const store::oauth_token& t) override { return note("insert_token").insert_token(t); }
    std::optional<store::oauth_grant> find(const store::secret_hash& token_hash) override {
        return note("find").find(token_hash);
    }
    bool spend_refresh(const store::secret_hash& token_hash, store::unix_seconds now) override {
        return note("spend_refresh").spend_refresh(token_hash, now);
    }
    bool revoke_family(std::int64_t family, store::unix_seconds now) override {
        return note("revoke_family").revoke_family(family, now);
    }
    int revoke_all(core::account_id account, store::unix_seconds now) override {
        return note("revoke_all").revoke_all(account, now);
    }
    std::vector<store::oauth_family> families_of(core::account_id account) override {
        return note("families_of").families_of(account);
    }
};

class recorded_reservations final : public recorded<store::reservation_store> {
public:
    using recorded::recorded;

    std::optional<store::reservation> find(core::merchant_id m, std::string_view reference) override {
        return note("find").find(m, reference);
    }
    bool upsert(const store::reservation& r) override { return note("upsert").upsert(r); }
    std::vector<store::reservation> list_active(core::merchant_id m, core::guest_id g) override {
        return note("list_active").list_active(m, g);
    }
    int count(core::merchant_id m, core::guest_id g) override { return note("count").count(m, g); }
    std::vector<store::reservation> list_all(core::merchant_id m, core::guest_id g) override {
        return note("list_all").list_all(m, g);
    }
};

class recorded_email_lists final : public recorded<store::email_list_store> {
public:
    using recorded::recorded;

    bool add(core::merchant_id m, std::string_view list, core::guest_id g, store::unix_seconds now) override {
        return note("add").add(m, list, g, now);
    }
    bool remove(core::merchant_id m, std::string_view list, core::guest_id g) override {
        return note("remove").remove(m, list, g);
    }
    std::vector<std::string> lists_of(core::merchant_id m, core::guest_id g) override {
        return note("lists_of").lists_of(m, g);
    }
};

class recorded_resets final : public recorded<store::reset_store> {
public:
    using recorded::recorded;

    core::result<std::int64_t> replace(const store::reset& r) override { return note("replace").replace(r); }
    std::optional<store::reset> find_by_code(core::merchant_id m, const store::secret_hash& code_hash) override {
        return note("find_by_code").find_by_code(m, code_hash);
    }
    bool mark_used(std::int64_t id, store::unix_seconds now) override { return note("mark_used").mark_used(id, now); }
    int void_all(core::account_id account, store::unix_seconds now) override {
        return note("void_all").void_all(account, now);
    }
    int count_since(core::account_id account, store::unix_seconds since) override {
        return note("count_since").count_since(account, since);
    }
    std::vector<store::reset> list_for_account(core::account_id account) override {
        return note("list_for_account").list_for_account(account);
    }
};

class recorded_throttles final : public recorded<store::throttle_store> {
public:
    using recorded::recorded;

    int hit(std::string_view key, store::unix_seconds now, store::unix_seconds window) override {
        return note("hit").hit(key, now, window);
    }
    int hits(std::string_view key, store::unix_seconds now, store::unix_seconds window) override {
        return note("hits").hits(key, now, window);
    }
};

class recorded_outbox final : public recorded<store::outbox_store> {
public:
    using recorded::recorded;

    std::int64_t enqueue(const store::outbox_message& m) override { return note("enqueue").enqueue(m); }
    std::vector<store::outbox_message> claim(store::unix_seconds now, store::unix_seconds lease_until,
                                             int limit) override {
        return note("claim").claim(now, lease_until, limit);
    }
    void mark_sent(std::int64_t id, store::unix_seconds now) override { return note("mark_sent").mark_sent(id, now); }
    void mark_failed(std::int64_t id, store::unix_seconds next_attempt_at, std::string_view error) override {
        return note("mark_failed").mark_failed(id, next_attempt_at, error);
    }
    void mark_dead(std::int64_t id, std::string_view error) override { return note("mark_dead").mark_dead(id, error); }
    std::vector<store::outbox_message> list(std::optional<std::string_view> status, int limit) override {
        return note("list").list(status, limit);
    }
    std::optional<store::outbox_message> find(std::int64_t id) override { return note("find").find(id); }
    bool retry(std::int64_t id, store::unix_seconds now) override { return note("retry").retry(id, now); }
    int backlog() override { return note("backlog").backlog(); }
    int erase_recipient(core::merchant_id m, std::string_view recipient) override {
        return note("erase_recipient").erase_recipient(m, recipient);
    }
};

class recorded_audit final : public recorded<store::audit_store> {
public:
    using recorded::recorded;

    void append(const store::audit_event& e) override { return note("append").append(e); }
    std::vector<store::audit_event> list(core::merchant_id m, std::optional<core::guest_id> g,
                                         std::optional<store::unix_seconds> since, std::optional<std::string_view> kind,
                                         int limit) override {
        return note("list").list(m, g, since, kind, limit);
    }
    int purge_before(core::merchant_id m, store::unix_seconds before) override {
        return note("purge_before").purge_before(m, before);
    }
};

class recorded_consents final : public recorded<store::consent_store> {
public:
    using recorded::recorded;

    void append(const store::consent_event& e) override { return note("append").append(e); }
    std::vector<store::consent_event> list_for_guest(core::merchant_id m, core::guest_id g) override {
        return note("list_for_guest").list_for_guest(m, g);
    }
};

/// A unit of work whose every store call and commit are noted.
class recorded_unit_of_work final : public store::unit_of_work {
public:
    recorded_unit_of_work(std::unique_ptr<store::unit_of_work> inner, std::vector<std::string>& log)
        : inner_(std::move(inner)), log_(log) {}

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
    void commit() override {
        log_.emplace_back("commit");
        inner_->commit();
    }

private:
    std::unique_ptr<store::unit_of_work> inner_;
    std::vector<std::string>& log_;
    recorded_merchants merchants_{"merchants", inner_->merchants(), log_};
    recorded_partners partners_{"partners", inner_->partners(), log_};
    recorded_guests guests_{"guests", inner_->guests(), log_};
    recorded_accounts accounts_{"accounts", inner_->accounts(), log_};
    recorded_sessions sessions_{"sessions", inner_->sessions(), log_};
    recorded_oauth_tokens oauth_tokens_{"oauth_tokens", inner_->oauth_tokens(), log_};
    recorded_reservations reservations_{"reservations", inner_->reservations(), log_};
    recorded_email_lists email_lists_{"email_lists", inner_->email_lists(), log_};
    recorded_resets resets_{"resets", inner_->resets(), log_};
    recorded_throttles throttles_{"throttles", inner_->throttles(), log_};
    recorded_outbox outbox_{"outbox", inner_->outbox(), log_};
    recorded_audit audit_{"audit", inner_->audit(), log_};
    recorded_consents consents_{"consents", inner_->consents(), log_};
};

/// Wraps a real database; log() is every begin, store call and commit since the last clear, in order.
class recording_database final : public store::database {
public:
    explicit recording_database(store::database& inner) : inner_(inner) {}
    bool ping() override { return inner_.ping(); }
    void scrub() override { inner_.scrub(); }
    const std::vector<std::string>& log() const { return log_; }
    void clear() { log_.clear(); }

protected:
    std::unique_ptr<store::unit_of_work> start(store::tx mode) override {
        log_.emplace_back(mode == store::tx::write ? "begin write" : mode == store::tx::read ? "begin read" : "begin statement");
        return std::make_unique<recorded_unit_of_work>(inner_.begin(mode), log_);
    }

private:
    store::database& inner_;
    std::vector<std::string> log_;
};

}  // namespace guestd::testing
