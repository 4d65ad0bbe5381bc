#include "core/clock.hpp"

#include <ctime>

namespace guestd::core {

std::string format_iso8601(unix_seconds t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace guestd::core
