#include "core/log.hpp"

#include "core/clock.hpp"

#include <boost/json/serialize.hpp>
#include <boost/locale/utf.hpp>

#include <algorithm>
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

/// json with every byte that is not part of a well-formed UTF-8 sequence written as \ufffd, so that strict JSON
/// readers accept the line. Boost.JSON escapes quotes, backslashes and control characters but copies other bytes
/// as they are, and a client chooses the bytes of a request path. Such bytes can only sit inside strings (outside
/// them the serializer writes ASCII), where the escape is valid.
std::string with_valid_utf8(std::string json) {
    using utf8 = boost::locale::utf::utf_traits<char>;
    if (std::all_of(json.begin(), json.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
        return json;
    std::string out;
    out.reserve(json.size());
    for (auto at = json.cbegin(); at != json.cend();) {
        auto next = at;
        const auto code_point = utf8::decode(next, json.cend());
        if (code_point == boost::locale::utf::illegal || code_point == boost::locale::utf::incomplete) {
            out += "\\ufffd";
            ++at;
        } else {
            out.append(at, next);
            at = next;
        }
    }
    return out;
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
    std::string text = with_valid_utf8(boost::json::serialize(line));
    text.push_back('\n');
    std::lock_guard lock(g_mutex);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace guestd::core
