#include "core/metrics.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <tuple>

namespace guestd::core::metrics {
namespace {

// Upper bounds of the latency histogram, in seconds: from half a millisecond (a cached read) to ten seconds (a
// stuck backend), roughly 2.5x apart.
constexpr std::array<double, 14> k_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                           0.1,    0.25,  0.5,    1,     2.5,   5,     10};

struct histogram {
    std::array<std::uint64_t, k_buckets.size()> in_bucket{};  // not cumulative; render() sums them up
    double sum = 0;
    std::uint64_t count = 0;
};

// method, endpoint, status
using request_key = std::tuple<std::string, std::string, unsigned>;

struct registry {
    std::mutex mutex;
    std::map<request_key, std::uint64_t, std::less<>> requests;
    std::map<std::string, histogram, std::less<>> durations;
    std::map<std::string, double, std::less<>> gauges;
    std::map<std::string, double, std::less<>> counters;
};

// Never destroyed, so pools stopping during static destruction can still set their gauges.
registry& the_registry() {
    static auto* r = new registry;
    return *r;
}

struct help_entry {
    std::string_view name;
    std::string_view text;
};

// HELP texts of the gauges and counters guestd sets; a name missing here gets a generic one.
constexpr std::array k_help{
    help_entry{"guestd_hash_queue_depth", "Password-hashing jobs waiting for a hashing thread."},
    help_entry{"guestd_worker_queue_depth", "Request handlers waiting for a worker thread."},
    help_entry{"guestd_shed_total", "Requests answered 503 at once because a pool queue was full."},
    help_entry{"guestd_outbox_backlog", "Emails waiting in the outbox for delivery."},
    help_entry{"guestd_mail_sent_total", "Emails the delivery worker handed over successfully."},
    help_entry{"guestd_mail_delivery_failures_total", "Failed delivery attempts (retried or dead)."},
    help_entry{"guestd_db_retries_total", "Write units of work run again after a deadlock or serialization failure."},
};

std::string_view help_for(std::string_view name, std::string_view fallback) {
    for (const auto& h : k_help)
        if (h.name == name) return h.text;
    return fallback;
}

void append_number(std::string& out, double v, std::chars_format format = std::chars_format{}) {
    if (std::isnan(v)) {
        out += "NaN";
    } else if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
    } else {
        char buf[32];
        // Shortest round-trip form; bucket bounds ask for fixed notation so they read "0.0005", not "5e-04".
        const auto r = format == std::chars_format{} ? std::to_chars(buf, buf + sizeof buf, v)
                                                     : std::to_chars(buf, buf + sizeof buf, v, format);
        out.append(buf, r.ptr);
    }
}

void append_number(std::string& out, std::uint64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// Metric names come from our own code, but a stray character must not corrupt the whole exposition.
void append_name(std::string& out, std::string_view name) {
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == ':';
        out.push_back(ok ? c : '_');
    }
}

void append_label_value(std::string& out, std::string_view value) {
    out.push_back('"');
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out.push_back(c);
    }
    out.push_back('"');
}

void append_family(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
    out += "# HELP ";
    append_name(out, name);
    out.push_back(' ');
    out += help;
    out += "\n# TYPE ";
    append_name(out, name);
    out.push_back(' ');
    out += type;
    out.push_back('\n');
}

}  // namespace

void observe_request(std::string_view method, std::string_view endpoint, unsigned status, double seconds) {
    if (!(seconds >= 0)) seconds = 0;  // a clock step backwards (or NaN) must not poison the sum
    auto& r = the_registry();
    std::lock_guard lock(r.mutex);

    // Count the request under its labels.
    const auto key = std::tuple<std::string_view, std::string_view, unsigned>{method, endpoint, status};
    if (auto it = r.requests.find(key); it != r.requests.end()) ++it->second;
    else r.requests.emplace(request_key{method, endpoint, status}, 1);

    // Record its latency in the endpoint's histogram.
    auto it = r.durations.find(endpoint);
    if (it == r.durations.end()) it = r.durations.emplace(std::string(endpoint), histogram{}).first;
    auto& h = it->second;
    for (std::size_t i = 0; i < k_buckets.size(); ++i) {
        if (seconds <= k_buckets[i]) {
            ++h.in_bucket[i];
            break;
        }
    }
    h.sum += seconds;
    ++h.count;
}

void set_gauge(std::string_view name, double value) {
    auto& r = the_registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.gauges.find(name); it != r.gauges.end()) it->second = value;
    else r.gauges.emplace(std::string(name), value);
}

void add_counter(std::string_view name, double by) {
    if (!(by >= 0)) return;  // counters only go up
    auto& r = the_registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.counters.find(name); it != r.counters.end()) it->second += by;
    else r.counters.emplace(std::string(name), by);
}

std::string render() {
    auto& r = the_registry();
    std::string out;
    std::lock_guard lock(r.mutex);

    // Requests by method, endpoint and status.
    append_family(out, "guestd_http_requests_total", "HTTP requests answered, by method, endpoint and status.",
                  "counter");
    for (const auto& [key, count] : r.requests) {
        const auto& [method, endpoint, status] = key;
        out += "guestd_http_requests_total{method=";
        append_label_value(out, method);
        out += ",endpoint=";
        append_label_value(out, endpoint);
        out += ",status=\"";
        append_number(out, std::uint64_t{status});
        out += "\"} ";
        append_number(out, count);
        out.push_back('\n');
    }

    // Latency by endpoint, with cumulative buckets as Prometheus expects.
    append_family(out, "guestd_http_request_duration_seconds", "Time from reading a request to answering it.",
                  "histogram");
    for (const auto& [endpoint, h] : r.durations) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i <= k_buckets.size(); ++i) {
            out += "guestd_http_request_duration_seconds_bucket{endpoint=";
            append_label_value(out, endpoint);
            out += ",le=\"";
            if (i < k_buckets.size()) {
                cumulative += h.in_bucket[i];
                append_number(out, k_buckets[i], std::chars_format::fixed);
            } else {
                cumulative = h.count;
                out += "+Inf";
            }
            out += "\"} ";
            append_number(out, cumulative);
            out.push_back('\n');
        }
        out += "guestd_http_request_duration_seconds_sum{endpoint=";
        append_label_value(out, endpoint);
        out += "} ";
        append_number(out, h.sum);
        out += "\nguestd_http_request_duration_seconds_count{endpoint=";
        append_label_value(out, endpoint);
        out += "} ";
        append_number(out, h.count);
        out.push_back('\n');
    }

    // Gauges and plain counters, one family each.
    for (const auto& [name, value] : r.gauges) {
        append_family(out, name, help_for(name, "A guestd gauge."), "gauge");
        append_name(out, name);
        out.push_back(' ');
        append_number(out, value);
        out.push_back('\n');
    }
    for (const auto& [name, value] : r.counters) {
        append_family(out, name, help_for(name, "A guestd counter."), "counter");
        append_name(out, name);
        out.push_back(' ');
        append_number(out, value);
        out.push_back('\n');
    }
    return out;
}

}  // namespace guestd::core::metrics
