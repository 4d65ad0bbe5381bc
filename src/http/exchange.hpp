// The bookkeeping of one HTTP exchange that needs no socket: request ids, splitting the target, and the access-log
// line and metrics written when the answer is out. The session uses it; tests check it without Asio.
#pragma once

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace guestd::http {

/// The client's X-Request-Id when it is 1-64 characters of [A-Za-z0-9_-], else a fresh random 16-hex-digit id.
std::string request_id_for(std::optional<std::string_view> incoming);

/// Splits a request target into the path and the raw query string (after '?', without it).
std::pair<std::string_view, std::string_view> split_target(std::string_view target);

/// The method label for metrics: GET, POST, PUT and DELETE keep their name, anything else is "OTHER", so clients
/// cannot grow the set of series.
std::string_view method_label(std::string_view method);

/// One answered request, as the access log and the metrics see it.
struct exchange_record {
    std::string request_id;
    std::string method;                // as the client sent it; "" when the request line was unreadable
    std::string path;                  // without the query string, which may hold reset codes
    std::string endpoint = "unmatched";  // the endpoint table's path pattern
    std::string client;                // remote IP address
    unsigned status = 0;
    double duration_ms = 0;
    std::size_t bytes_in = 0;
    std::size_t bytes_out = 0;
};

/// The access-log fields of r: ids, sizes and timings only, never headers, bodies or the query string.
boost::json::object access_log_fields(const exchange_record& r);

/// Counts the exchange in the metrics. Called before the answer is written, so a client that reads the answer
/// and then asks /metrics always finds its request counted.
void count(const exchange_record& r);

/// Writes the access-log line (after the answer, when bytes_out is known).
void log_access(const exchange_record& r);

}  // namespace guestd::http
