// A transport for the worker's tests: records every message handed to it (thread-safe, so several workers can
// share one) and answers with scripted failures, by recipient.
#pragma once

#include "mail/transport.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace guestd::testing {

class recording_transport final : public mail::transport {
public:
    std::optional<mail::delivery_error> send(const store::outbox_message& m) override {
        std::lock_guard lock(mutex_);
        attempts_.push_back(m);
        cv_.notify_all();
        if (auto it = failures_.find(m.recipient); it != failures_.end() && it->second.remaining != 0) {
            if (it->second.remaining > 0) --it->second.remaining;
            return it->second.error;
        }
        return std::nullopt;
    }

    std::string describe() const override { return "recording:"; }

    /// Fails the next `times` sends to recipient (-1: every one) with error.
    void fail(const std::string& recipient, mail::delivery_error error, int times = -1) {
        std::lock_guard lock(mutex_);
        failures_[recipient] = {std::move(error), times};
    }

    std::vector<store::outbox_message> attempts() const {
        std::lock_guard lock(mutex_);
        return attempts_;
    }

    /// Waits until at least n sends were attempted, or the deadline; true when they were.
    bool wait_for_attempts(std::size_t n, std::chrono::seconds deadline) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, deadline, [&] { return attempts_.size() >= n; });
    }

private:
    struct scripted {
        mail::delivery_error error;
        int remaining = 0;
    };

    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<store::outbox_message> attempts_;
    std::map<std::string, scripted> failures_;
};

}  // namespace guestd::testing
