// Time as the domain sees it: Unix seconds from an injectable clock, so tests can move time forward.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace guestd::core {

/// Seconds since the Unix epoch, UTC.
using unix_seconds = std::int64_t;

/// The source of "now". The system clock in production; tests use a manual_clock.
class clock {
public:
    virtual ~clock() = default;
    virtual unix_seconds now() const = 0;
};

class system_clock final : public clock {
public:
    unix_seconds now() const override {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    }
};

/// A clock tests set by hand.
class manual_clock final : public clock {
public:
    explicit manual_clock(unix_seconds start = 1'700'000'000) : now_(start) {}
    unix_seconds now() const override { return now_.load(); }
    void advance(unix_seconds by) { now_ += by; }
    void set(unix_seconds to) { now_ = to; }

private:
    std::atomic<unix_seconds> now_;
};

/// "2024-01-01T00:00:00Z" for logs and JSON.
std::string format_iso8601(unix_seconds t);

}  // namespace guestd::core
