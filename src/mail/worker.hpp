// The delivery worker: one thread that claims due outbox messages (leased, so two workers or nodes never take
// the same one at once), hands them to the transport, and records the outcome. Transient failures are retried
// with exponential backoff and jitter; after `give_up_after` the message is dead and visible in
// `guestd outbox list`. The API never waits for it.
#pragma once

#include "core/clock.hpp"
#include "mail/transport.hpp"
#include "store/store.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace guestd::mail {

struct worker_options {
    std::chrono::milliseconds poll{1000};   // how often to look for due messages without a wake()
    int batch = 20;                         // messages claimed at once
    core::unix_seconds lease = 120;         // a claimed message is not claimed again for this long
    core::unix_seconds longest_send = 60;   // no send starts with less lease left: the SMTP timeout is 30 s
    core::unix_seconds first_retry = 8;     // the first retry comes within this (jitter takes 50-100% of it)
    core::unix_seconds max_backoff = 3600;  // retries never wait longer than this
    core::unix_seconds give_up_after = 24 * 3600;  // from the message's creation; then it is dead
};

/// The delay before retry number `attempts` (1 = the first retry): first_retry * 2^(attempts-1), capped at
/// max_backoff, times a random factor in [0.5, 1].
core::unix_seconds backoff(const worker_options& o, int attempts);

class worker {
public:
    worker(store::database& db, const core::clock& clock, transport& t, worker_options options = {});
    ~worker();  // stops
    worker(const worker&) = delete;
    worker& operator=(const worker&) = delete;

    void start();
    /// Finishes the message in hand, then joins. Idempotent.
    void stop();
    /// Looks for due messages now instead of at the next poll (called after a transaction queued mail).
    void wake();
    /// Delivers what is due now, on the caller's thread; returns how many were attempted. For tests and CLI.
    int run_once();

private:
    void loop();

    store::database& db_;
    const core::clock& clock_;
    transport& transport_;
    worker_options options_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    bool woken_ = false;
    std::thread thread_;
};

}  // namespace guestd::mail
