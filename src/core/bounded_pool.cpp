#include "core/bounded_pool.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"

#include <exception>
#include <utility>

namespace guestd::core {

bounded_pool::bounded_pool(unsigned threads, std::size_t capacity, std::string gauge,
                           std::function<void()> on_start)
    : capacity_(capacity), gauge_(std::move(gauge)) {
    if (!gauge_.empty()) metrics::set_gauge(gauge_, 0);
    if (threads == 0) threads = 1;
    threads_.reserve(threads);
    try {
        for (unsigned i = 0; i < threads; ++i) {
            threads_.emplace_back([this, on_start] {
                if (on_start) on_start();
                run();
            });
        }
    } catch (...) {
        // Join the threads already started: the destructor does not run for a half-built pool.
        stop();
        throw;
    }
}

bounded_pool::~bounded_pool() { stop(); }

bool bounded_pool::try_post(std::function<void()>& job) {
    {
        std::lock_guard lock(mutex_);
        // Refuse rather than queue without bound: the caller sheds the request.
        if (stopping_ || jobs_.size() >= capacity_) return false;
        jobs_.push_back(std::move(job));
        // Publish under the lock so concurrent posts and pops cannot leave a stale depth behind.
        if (!gauge_.empty()) metrics::set_gauge(gauge_, static_cast<double>(jobs_.size()));
    }
    ready_.notify_one();
    return true;
}

std::size_t bounded_pool::queued() const {
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

bool bounded_pool::saturated() const {
    std::lock_guard lock(mutex_);
    return stopping_ || jobs_.size() >= capacity_;
}

void bounded_pool::stop() {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        // Take the threads so a second stop() (or the destructor) finds nothing left to join.
        threads.swap(threads_);
    }
    ready_.notify_all();
    for (auto& t : threads) t.join();
}

void bounded_pool::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            // Wait for work; once stopping, keep going until the queue is drained.
            ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
            if (!gauge_.empty()) metrics::set_gauge(gauge_, static_cast<double>(jobs_.size()));
        }
        // Run the job; an escaping exception must not take the whole process down with the thread.
        try {
            job();
        } catch (const std::exception& e) {
            log(log_level::error, "pool_job_failed", {{"pool", gauge_}, {"what", e.what()}});
        } catch (...) {
            log(log_level::error, "pool_job_failed", {{"pool", gauge_}, {"what", "unknown exception"}});
        }
    }
}

}  // namespace guestd::core
