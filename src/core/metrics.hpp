// Process-wide metrics in Prometheus text format: requests by endpoint and status, a latency histogram, and
// gauges such as the hashing queue depth. Thread-safe; cheap enough for every request.
#pragma once

#include <string>
#include <string_view>

namespace guestd::core::metrics {

/// Counts one finished request: endpoint is the table's path pattern, seconds its latency.
void observe_request(std::string_view method, std::string_view endpoint, unsigned status, double seconds);

/// Sets a gauge, e.g. set_gauge("guestd_hash_queue_depth", 3).
void set_gauge(std::string_view name, double value);

/// Adds to a counter without labels, e.g. add_counter("guestd_hash_rejected_total").
void add_counter(std::string_view name, double by = 1);

/// Everything, in the Prometheus text exposition format 0.0.4.
std::string render();

}  // namespace guestd::core::metrics
