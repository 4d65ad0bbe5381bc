#include "http/exchange.hpp"

#include "core/log.hpp"
#include "core/metrics.hpp"

#include <cmath>
#include <array>
#include <cstdint>
#include <random>

namespace guestd::http {
namespace {

constexpr std::size_t k_max_request_id = 64;
constexpr std::size_t k_max_logged_method = 32;

bool is_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string random_request_id() {
    // Request ids only correlate log lines, they guard nothing, so a seeded PRNG per thread is enough.
    thread_local std::mt19937_64 engine{std::random_device{}()};
    constexpr std::string_view digits = "0123456789abcdef";
    std::uint64_t bits = engine();
    std::string id(16, '0');
    for (auto& c : id) {
        c = digits[bits & 0xf];
        bits >>= 4;
    }
    return id;
}

}  // namespace

std::string request_id_for(std::optional<std::string_view> incoming) {
    if (incoming && !incoming->empty() && incoming->size() <= k_max_request_id) {
        bool ok = true;
        for (char c : *incoming) ok = ok && is_id_char(c);
        if (ok) return std::string(*incoming);
    }
    return random_request_id();
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
    const auto q = target.find('?');
    if (q == std::string_view::npos) return {target, {}};
    return {target.substr(0, q), target.substr(q + 1)};
}

std::string_view method_label(std::string_view method) {
    for (std::string_view known : {"GET", "POST", "PUT", "DELETE"})
        if (method == known) return known;
    return "OTHER";
}

boost::json::object access_log_fields(const exchange_record& r) {
    return {
        {"request_id", r.request_id},
        {"method", std::string_view(r.method).substr(0, k_max_logged_method)},
        // Cut at '?' once more: whatever filled in path, a query string never reaches the log.
        {"path", split_target(r.path).first},
        {"endpoint", r.endpoint},
        {"status", r.status},
        // Microsecond precision; Boost.JSON would print the raw double as 4.43391E-1.
        {"duration_ms", std::round(r.duration_ms * 1000.0) / 1000.0},
        {"bytes_in", r.bytes_in},
        {"bytes_out", r.bytes_out},
        {"client", r.client},
    };
}

void count(const exchange_record& r) {
    core::metrics::observe_request(method_label(r.method), r.endpoint, r.status, r.duration_ms / 1000.0);
}

void log_access(const exchange_record& r) {
    if (core::log_enabled(core::log_level::info)) core::log(core::log_level::info, "request", access_log_fields(r));
}

}  // namespace guestd::http
