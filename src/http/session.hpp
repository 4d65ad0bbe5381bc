// One client connection of the server (internal to src/http): a coroutine that reads requests with size limits
// and timeouts, runs each through the api dispatcher (on the hashing pool, on the worker pool, or right on its I/O
// thread for /healthz and /metrics and, on SQLite, for read-only endpoints), and writes the answers until the
// client leaves, a timeout fires or the server shuts down.
#pragma once

#include "core/config.hpp"
#include "http/client_address.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace guestd::api {
class dispatcher;
struct response;
}  // namespace guestd::api

namespace guestd::core {
class bounded_pool;
}

namespace guestd::http {
struct exchange_record;
}

namespace guestd::http::detail {

/// What every connection shares; the server owns all of it and outlives its connections.
struct session_context {
    const core::serve_config& config;
    const api::dispatcher& api;
    core::bounded_pool& workers;
    core::bounded_pool& hashing;
    const trusted_proxies& proxies;  // whose X-Forwarded-For names the client
};

class connection : public std::enable_shared_from_this<connection> {
public:
    /// socket's executor must run one handler at a time (one I/O thread's loop, or a strand): run(), shut_down()
    /// and abort() all execute on it.
    connection(boost::asio::ip::tcp::socket socket, const session_context& context);

    /// Serves requests until the client leaves, a timeout fires or shut_down() takes effect; never throws.
    boost::asio::awaitable<void> run();

    /// Asks the connection to finish: an idle one closes now, a busy one after its current answer.
    void shut_down();

    /// Closes the socket at once (the shutdown grace period ran out, or the I/O threads are gone).
    void abort();

    boost::asio::any_io_executor executor() { return socket_.get_executor(); }

private:
    using clock_type = std::chrono::steady_clock;

    boost::asio::awaitable<bool> serve(boost::beast::flat_buffer& buffer);
    boost::asio::awaitable<bool> respond(api::response res, unsigned version, bool keep_alive, bool head,
                                         exchange_record& rec, clock_type::time_point started);
    boost::asio::awaitable<void> linger();
    void arm(std::chrono::milliseconds timeout);
    void disarm();

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer timer_;
    const session_context& context_;
    std::string client_;
    std::uint64_t generation_ = 0;  // which arm() the timer belongs to
    bool timed_out_ = false;        // the armed timeout fired and cancelled the socket's operations
    bool idle_ = false;             // waiting for the first byte of a request
    bool closing_ = false;          // the server is shutting down: answer the current request, then close
};

}  // namespace guestd::http::detail
