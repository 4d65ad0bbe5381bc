// guestd's HTTP/1.1 server: listens on config.listen, reads requests with size limits and timeouts, runs each on
// the worker or the hashing pool through the api dispatcher, and shuts down gracefully. app/ owns one; Beast and
// Asio stay behind the pimpl, so including this header costs nothing.
#pragma once

#include "core/config.hpp"

#include <memory>
#include <string>

namespace guestd::api {
class dispatcher;
}

namespace guestd::http {

class server {
public:
    /// Binds config.listen (HOST:PORT, port 0 = any free port); throws std::runtime_error with a clear message if
    /// it cannot.
    server(const core::serve_config& config, api::dispatcher& api);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// "HOST:PORT" actually bound (so port 0 resolves).
    std::string local_endpoint() const;

    /// Serves until stop() or SIGINT/SIGTERM: then stops accepting, lets in-flight requests finish (idle keep-alive
    /// connections are closed), stops the pools, and returns. Call once.
    void run();

    /// Thread-safe; may be called from any thread (SIGINT and SIGTERM are handled by run() itself), before or
    /// during run().
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace guestd::http
