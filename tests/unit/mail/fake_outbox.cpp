#include "unit/mail/fake_outbox.hpp"

#include <algorithm>
#include <stdexcept>

namespace guestd::testing {

// The outbox of one transaction: works on a copy of the messages that commit() puts back.
class fake_outbox_store final : public store::outbox_store {
public:
    fake_outbox_store(fake_outbox_database& db, std::map<std::int64_t, store::outbox_message> messages)
        : db_(db), messages_(std::move(messages)) {}

    std::int64_t enqueue(const store::outbox_message& m) override {
        auto copy = m;
        {
            std::lock_guard lock(db_.state_mutex_);
            copy.id = db_.next_id_++;
        }
        copy.status = "pending";
        messages_[copy.id] = copy;
        return copy.id;
    }

    std::vector<store::outbox_message> claim(store::unix_seconds now, store::unix_seconds lease_until,
                                             int limit) override {
        std::vector<store::outbox_message> out;
        for (auto& [id, m] : messages_) {
            if (static_cast<int>(out.size()) >= limit) break;
            if (m.status != "pending" || m.next_attempt_at > now) continue;
            out.push_back(m);
            m.next_attempt_at = lease_until;
        }
        return out;
    }

    void mark_sent(std::int64_t id, store::unix_seconds now) override {
        auto& m = messages_.at(id);
        m.status = "sent";
        m.sent_at = now;
    }

    void mark_failed(std::int64_t id, store::unix_seconds next_attempt_at, std::string_view error) override {
        auto& m = messages_.at(id);
        ++m.attempts;
        m.next_attempt_at = next_attempt_at;
        m.last_error = error;
    }

    void mark_dead(std::int64_t id, std::string_view error) override {
        auto& m = messages_.at(id);
        ++m.attempts;
        m.status = "dead";
        m.last_error = error;
    }

    std::vector<store::outbox_message> list(std::optional<std::string_view>, int) override {
        throw std::logic_error("not used by the worker");
    }

    std::optional<store::outbox_message> find(std::int64_t id) override {
        const auto it = messages_.find(id);
        if (it == messages_.end()) return std::nullopt;
        return it->second;
    }

    bool retry(std::int64_t, store::unix_seconds) override { throw std::logic_error("not used by the worker"); }
    int erase_recipient(core::merchant_id, std::string_view) override { throw std::logic_error("not used by the worker"); }

    int backlog() override {
        {
            std::lock_guard lock(db_.state_mutex_);
            ++db_.rounds_;
        }
        db_.rounds_cv_.notify_all();
        return static_cast<int>(std::count_if(messages_.begin(), messages_.end(),
                                              [](const auto& kv) { return kv.second.status == "pending"; }));
    }

    std::map<std::int64_t, store::outbox_message>& messages() { return messages_; }

private:
    fake_outbox_database& db_;
    std::map<std::int64_t, store::outbox_message> messages_;
};

class fake_unit_of_work final : public store::unit_of_work {
public:
    explicit fake_unit_of_work(fake_outbox_database& db)
        : db_(db), lock_(db.tx_mutex_), outbox_(db, snapshot(db)) {}

    store::merchant_store& merchants() override { throw std::logic_error("not used by the worker"); }
    store::partner_store& partners() override { throw std::logic_error("not used by the worker"); }
    store::guest_store& guests() override { throw std::logic_error("not used by the worker"); }
    store::account_store& accounts() override { throw std::logic_error("not used by the worker"); }
    store::session_store& sessions() override { throw std::logic_error("not used by the worker"); }
    store::oauth_token_store& oauth_tokens() override { throw std::logic_error("not used by the worker"); }
    store::reservation_store& reservations() override { throw std::logic_error("not used by the worker"); }
    store::email_list_store& email_lists() override { throw std::logic_error("not used by the worker"); }
    store::reset_store& resets() override { throw std::logic_error("not used by the worker"); }
    store::throttle_store& throttles() override { throw std::logic_error("not used by the worker"); }
    store::outbox_store& outbox() override { return outbox_; }
    store::audit_store& audit() override { throw std::logic_error("not used by the worker"); }
    store::consent_store& consents() override { throw std::logic_error("not used by the worker"); }

    void commit() override {
        std::lock_guard lock(db_.state_mutex_);
        db_.messages_ = outbox_.messages();
    }

private:
    static std::map<std::int64_t, store::outbox_message> snapshot(fake_outbox_database& db) {
        std::lock_guard lock(db.state_mutex_);
        return db.messages_;
    }

    fake_outbox_database& db_;
    std::unique_lock<std::mutex> lock_;
    fake_outbox_store outbox_;
};

std::unique_ptr<store::unit_of_work> fake_outbox_database::start(store::tx) {
    {
        std::lock_guard lock(state_mutex_);
        if (fail_in_ > 0 && --fail_in_ == 0) throw core::backend_error("disk I/O error (injected)", true);
    }
    return std::make_unique<fake_unit_of_work>(*this);
}

void fake_outbox_database::fail_begin(int n) {
    std::lock_guard lock(state_mutex_);
    fail_in_ = n;
}

bool fake_outbox_database::wait_for_rounds(int n, std::chrono::seconds deadline) {
    std::unique_lock lock(state_mutex_);
    return rounds_cv_.wait_for(lock, deadline, [&] { return rounds_ >= n; });
}

}  // namespace guestd::testing
