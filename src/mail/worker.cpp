#include "mail/worker.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"

#include <algorithm>
#include <exception>
#include <random>
#include <string_view>
#include <vector>

namespace guestd::mail {
namespace {

// Jitter only spreads retries out; it needs no cryptographic randomness.
std::mt19937_64& random_engine() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return engine;
}

// The part of an address after '@': enough for an operator to spot a failing provider, without the person.
std::string_view domain_of(std::string_view address) {
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) return {};
    auto domain = address.substr(at + 1);
    if (const auto close = domain.find('>'); close != std::string_view::npos) domain = domain.substr(0, close);
    return domain;
}

boost::json::object fields_of(const store::outbox_message& m) {
    return {{"outbox_id", m.id},
            {"merchant", m.merchant.value},
            {"message_id", m.message_id},
            {"recipient_domain", domain_of(m.recipient)},
            {"attempt", m.attempts + 1}};
}

}  // namespace

core::unix_seconds backoff(const worker_options& o, int attempts) {
    // Double from first_retry per attempt, stopping at max_backoff (and before the shift could overflow).
    core::unix_seconds base = std::max<core::unix_seconds>(o.first_retry, 0);
    for (int i = 1; i < attempts && base < o.max_backoff; ++i) base *= 2;
    base = std::min(base, o.max_backoff);
    if (base <= 0) return 0;

    // Take a random 50-100% of it, so messages that failed together do not all come back together.
    std::uniform_int_distribution<core::unix_seconds> jitter(base - base / 2, base);
    return jitter(random_engine());
}

worker::worker(store::database& db, const core::clock& clock, transport& t, worker_options options)
    : db_(db), clock_(clock), transport_(t), options_(options) {}

worker::~worker() { stop(); }

void worker::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { loop(); });
}

void worker::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void worker::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    cv_.notify_all();
}

int worker::run_once() {
    int attempted = 0;
    try {
        // Lease a batch of due messages in a short transaction, so no other worker takes them meanwhile.
        std::vector<store::outbox_message> batch;
        core::unix_seconds lease_end = 0;
        {
            const auto now = clock_.now();
            lease_end = now + options_.lease;
            auto uow = db_.begin(store::tx::write);
            batch = uow->outbox().claim(now, lease_end, options_.batch);
            uow->commit();
        }

        for (const auto& m : batch) {
            // Finish the message in hand and leave the rest leased: they come back when the lease ends.
            {
                std::lock_guard lock(mutex_);
                if (stopping_) break;
            }
            // A slow mail server can eat the lease: once another worker (another node) may claim the rest, or
            // may before this send ends, leave them to it rather than send them twice. The first one always goes.
            if (&m != &batch.front() && clock_.now() + options_.longest_send > lease_end) break;

            // Deliver it outside any transaction: the database is never held while a server is slow.
            std::optional<delivery_error> failure;
            try {
                failure = transport_.send(m);
            } catch (const std::exception& e) {
                failure = delivery_error{std::string("transport failed: ") + e.what(), false};
            }
            ++attempted;

            // Record the outcome. A crash before this commit sends the message again after the lease: twice,
            // never lost.
            const auto now = clock_.now();
            auto fields = fields_of(m);
            auto uow = db_.begin(store::tx::write);
            if (!failure) {
                uow->outbox().mark_sent(m.id, now);
                uow->commit();
                core::metrics::add_counter("guestd_mail_sent_total");
                core::log(core::log_level::info, "mail_sent", std::move(fields));
                continue;
            }
            core::metrics::add_counter("guestd_mail_delivery_failures_total");
            fields["error"] = failure->message;
            if (failure->permanent || now - m.created_at >= options_.give_up_after) {
                uow->outbox().mark_dead(m.id, failure->message);
                uow->commit();
                fields["permanent"] = failure->permanent;
                core::log(core::log_level::error, "mail_dead", std::move(fields));
            } else {
                const auto next = now + backoff(options_, m.attempts + 1);
                uow->outbox().mark_failed(m.id, next, failure->message);
                uow->commit();
                fields["next_attempt_at"] = core::format_iso8601(next);
                core::log(core::log_level::warn, "mail_retry", std::move(fields));
            }
        }

        // Publish the backlog: what is still pending, leased messages included.
        auto uow = db_.begin(store::tx::read);
        core::metrics::set_gauge("guestd_outbox_backlog", uow->outbox().backlog());
    } catch (const core::backend_error& e) {
        // The store is unwell: what was claimed comes back after its lease; the next round tries again.
        core::log(core::log_level::error, "outbox_store_failed",
                  {{"error", e.what()}, {"transient", e.transient()}, {"attempted", attempted}});
    } catch (const std::exception& e) {
        // Anything else is a bug, but it must not end delivery for good: log it and try again next round.
        core::log(core::log_level::error, "mail_worker_failed", {{"error", e.what()}, {"attempted", attempted}});
    }
    return attempted;
}

void worker::loop() {
    core::log(core::log_level::info, "mail_worker_started", {{"transport", transport_.describe()}});
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        // Keep going while rounds come back full: more may be due right now.
        while (run_once() >= options_.batch) {
            std::lock_guard check(mutex_);
            if (stopping_) break;
        }
        lock.lock();
        cv_.wait_for(lock, options_.poll, [this] { return stopping_ || woken_; });
        woken_ = false;
    }
    core::log(core::log_level::info, "mail_worker_stopped", {});
}

}  // namespace guestd::mail
