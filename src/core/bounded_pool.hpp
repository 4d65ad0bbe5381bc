// A fixed set of threads with a bounded queue. try_post() refuses at once when the queue is full, which is how
// guestd sheds load (503 + Retry-After) instead of queueing without bound.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace guestd::core {

class bounded_pool {
public:
    /// threads workers; at most capacity jobs waiting (running ones not counted). gauge names the queue-depth
    /// metric kept up to date ("" for none). Each thread runs on_start (when set) before its first job: how it
    /// asks the scheduler for its priority.
    bounded_pool(unsigned threads, std::size_t capacity, std::string gauge = {},
                 std::function<void()> on_start = {});
    ~bounded_pool();
    bounded_pool(const bounded_pool&) = delete;
    bounded_pool& operator=(const bounded_pool&) = delete;

    /// Queues job; false (and job untouched) when the queue is full or the pool is stopping.
    bool try_post(std::function<void()>& job);
    /// Jobs waiting now.
    std::size_t queued() const;
    /// True when try_post() would refuse now (the queue is full or the pool stopping): a caller can shed at once.
    bool saturated() const;
    /// Finishes the queued jobs, then joins the threads. Idempotent.
    void stop();

private:
    void run();

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> threads_;
    std::size_t capacity_;
    std::string gauge_;
    bool stopping_ = false;
};

}  // namespace guestd::core
