#include "core/log.hpp"

#include "core/clock.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

namespace guestd::core {
namespace {

std::atomic<log_level> g_level{log_level::info};
std::mutex g_mutex;

const char* name(log_level level) {
    switch (level) {
        case log_level::debug: return "debug";
        case log_level::info: return "info";
        case log_level::warn: return "warn";
        case log_level::error: return "error";
    }
    return "info";
}

std::string timestamp() {
    using namespace std::chrono;
    const auto now = std::chrono::system_clock::now();
    const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::string s = format_iso8601(duration_cast<seconds>(now.time_since_epoch()).count());
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms));
    s.replace(s.size() - 1, 1, frac);
    return s;
}

}  // namespace

void set_log_level(log_level level) { g_level = level; }

bool log_enabled(log_level level) { return level >= g_level.load(std::memory_order_relaxed); }

void log(log_level level, std::string_view event, boost::json::object fields) {
    if (!log_enabled(level)) return;
    boost::json::object line;
    line["ts"] = timestamp();
    line["level"] = name(level);
    line["event"] = event;
    for (auto& kv : fields) line[kv.key()] = std::move(kv.value());
    std::string text = boost::json::serialize(line);
    text.push_back('\n');
    std::lock_guard lock(g_mutex);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace guestd::core
