// The api surface the http layer drives: route a request to its endpoint, run it (auth, body validation,
// handler, error mapping), or shape a transport-level rejection (413, 431, 503, ...) in the dialect of the path.
// Everything here is blocking and free of Asio; http/ decides which pool runs handle().
#pragma once

#include "api/endpoint.hpp"
#include "api/message.hpp"

#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace guestd::api {

/// The result of routing: the endpoint, or a finished response (404 unknown path, 405 wrong method with Allow).
using route_result = std::variant<const endpoint*, response>;

class dispatcher {
public:
    dispatcher(std::span<const endpoint> table, domain::services& services);

    /// Finds the endpoint for method and path (path segments in braces match any segment).
    route_result route(verb method, std::string_view path) const;

    /// Runs ep for req: authenticates, parses and validates the body, calls the handler and maps any error to
    /// the dialect's shape. Never throws: a handler exception becomes a 500 (or 503 for a transient backend
    /// error) logged with the request id.
    response handle(const endpoint& ep, const request& req) const;

    /// A rejection decided before a handler ran (status 400, 408, 413, 431, 503 ...), shaped in the dialect of
    /// `path`. retry_after_seconds > 0 adds Retry-After.
    response reject(std::string_view path, unsigned status, std::string_view message,
                    int retry_after_seconds = 0) const;

    /// The endpoint label for metrics and logs: the table's path pattern ("/rest/{release}/...") or "unmatched".
    static std::string_view label(const route_result& r);

    std::span<const endpoint> table() const { return table_; }

private:
    std::span<const endpoint> table_;
    domain::services& services_;
};

}  // namespace guestd::api
