#include "http/server.hpp"

#include "api/api.hpp"
#include "core/bounded_pool.hpp"
#include "core/cpu_priority.hpp"
#include "domain/hash_memory.hpp"
#include "core/log.hpp"
#include "http/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

namespace guestd::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// How long a shutdown waits for in-flight requests before closing their connections anyway.
constexpr std::chrono::seconds k_shutdown_grace{10};
// How long the listener pauses after a failed accept (out of descriptors, say) before trying again.
constexpr std::chrono::milliseconds k_accept_backoff{100};
// Jobs the worker pool holds waiting before it sheds requests.
constexpr std::size_t k_worker_queue = 1024;

unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }

using loop_guard = asio::executor_work_guard<asio::io_context::executor_type>;

/// One event loop per I/O thread, each run by that thread alone (the concurrency hint 1 says so).
std::vector<std::unique_ptr<asio::io_context>> make_loops(unsigned count) {
    std::vector<std::unique_ptr<asio::io_context>> loops;
    for (unsigned i = 0; i < count; ++i) loops.push_back(std::make_unique<asio::io_context>(1));
    return loops;
}

[[noreturn]] void cannot_listen(std::string_view listen, std::string_view why) {
    throw std::runtime_error("cannot listen on \"" + std::string(listen) + "\": " + std::string(why));
}

/// The endpoint to bind for "HOST:PORT" ("[::1]:8080" for IPv6, ":8080" for every interface).
tcp::endpoint resolve_listen(asio::io_context& ioc, std::string_view listen) {
    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos) cannot_listen(listen, "expected HOST:PORT");
    std::string_view host = listen.substr(0, colon);
    const std::string_view port_text = listen.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
        cannot_listen(listen, "the port must be a number from 0 to 65535");

    error_code rec;
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(host.empty() ? std::string_view("0.0.0.0") : host, port_text,
                                          tcp::resolver::passive | tcp::resolver::numeric_service, rec);
    if (rec || results.empty()) cannot_listen(listen, rec ? rec.message() : "the host does not resolve");
    return results.begin()->endpoint();
}

std::string to_string(const tcp::endpoint& ep) {
    const auto address = ep.address().to_string();
    const auto port = std::to_string(ep.port());
    return ep.address().is_v6() ? "[" + address + "]:" + port : address + ":" + port;
}

/// The co_spawn completion that logs what escaped a coroutine instead of letting it end the I/O thread.
auto log_failure(std::string_view what) {
    return [what](const std::exception_ptr& e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            core::log(core::log_level::error, "coroutine_failed", {{"coroutine", what}, {"what", ex.what()}});
        } catch (...) {
            core::log(core::log_level::error, "coroutine_failed", {{"coroutine", what}, {"what", "unknown"}});
        }
    };
}

}  // namespace

struct server::impl {
    impl(const core::serve_config& config, api::dispatcher& api);

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> serve(std::shared_ptr<detail::connection> conn);
    void begin_shutdown();
    void forget(const std::shared_ptr<detail::connection>& conn);
    void stop_loops();
    static void run_io(asio::io_context& loop);

    core::serve_config config_;
    // Each I/O thread runs an event loop of its own, and a connection lives on one loop from accept to close, as
    // in nginx's workers: its handlers never move between threads, and the threads share no queue or lock. The
    // control work (acceptor, signals, shutdown) has a loop of its own, run by the thread that calls run(), so a
    // request that keeps its I/O thread busy never delays accepting the next connection.
    asio::io_context control_loop_{1};
    std::vector<std::unique_ptr<asio::io_context>> loops_;
    std::vector<loop_guard> keep_running_;  // until shutdown begins, a loop without connections keeps waiting
    asio::io_context::executor_type control_;
    std::size_t next_loop_ = 0;  // where the next connection goes, round robin; used on the control loop only
    tcp::acceptor acceptor_;
    asio::signal_set signals_;
    asio::steady_timer grace_timer_;
    std::string local_endpoint_;

    std::mutex mutex_;
    std::unordered_set<std::shared_ptr<detail::connection>> connections_;  // open ones, guarded by mutex_
    bool stopping_ = false;                                                // guarded by mutex_

    core::bounded_pool workers_;
    core::bounded_pool hashing_;
    trusted_proxies proxies_;
    detail::session_context context_;
};

server::impl::impl(const core::serve_config& config, api::dispatcher& api)
    : config_(config),
      loops_(make_loops(config.io_threads != 0 ? config.io_threads : cores())),
      control_(control_loop_.get_executor()),
      acceptor_(control_),
      signals_(control_),
      grace_timer_(control_),
      // Requests' threads ask for short slices, the hashing threads for a lower priority: a login flood then
      // takes the CPU the other requests leave over (src/core/cpu_priority.hpp). The hashing threads also keep
      // argon2id's memory mapped between hashes (src/domain/hash_memory.hpp).
      workers_(config.threads != 0 ? config.threads : std::max(4u, 2 * cores()), k_worker_queue,
               "guestd_worker_queue_depth", [] { (void)core::request_short_slices(); }),
      hashing_(config.hash_threads != 0 ? config.hash_threads : cores(), config.hash_queue,
               "guestd_hash_queue_depth", [] {
                   core::lower_thread_priority();
                   domain::keep_hash_memory_on_this_thread();
               }),
      proxies_(trusted_proxies::parse(config.trusted_proxies)),
      context_{config_, api, workers_, hashing_, proxies_} {
    // Bind and listen now, so a busy port fails at start-up rather than in run().
    for (const auto& loop : loops_) keep_running_.push_back(asio::make_work_guard(*loop));
    const auto endpoint = resolve_listen(control_loop_, config.listen);
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) cannot_listen(config.listen, ec.message());
    local_endpoint_ = to_string(acceptor_.local_endpoint());

    // Catch SIGINT and SIGTERM from now on; a signal before run() is kept until run() waits for it.
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
}

asio::awaitable<void> server::impl::accept_loop() {
    for (;;) {
        // Accept the next client onto the next loop.
        auto& loop = *loops_[next_loop_];
        next_loop_ = (next_loop_ + 1) % loops_.size();
        auto [ec, socket] = co_await acceptor_.async_accept(loop.get_executor(), asio::as_tuple(asio::use_awaitable));
        if (!acceptor_.is_open()) co_return;
        if (ec) {
            // Out of descriptors and the like: say so, pause, and keep accepting.
            core::log(core::log_level::warn, "accept_failed", {{"error", ec.message()}});
            asio::steady_timer pause(control_, k_accept_backoff);
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }

        // Register the connection, unless shutdown has begun, and serve it.
        auto conn = std::make_shared<detail::connection>(std::move(socket), context_);
        {
            std::lock_guard lock(mutex_);
            if (stopping_) continue;
            connections_.insert(conn);
        }
        asio::co_spawn(conn->executor(), serve(conn), log_failure("connection"));
    }
}

asio::awaitable<void> server::impl::serve(std::shared_ptr<detail::connection> conn) {
    co_await conn->run();
    forget(conn);
}

void server::impl::forget(const std::shared_ptr<detail::connection>& conn) {
    bool last = false;
    {
        std::lock_guard lock(mutex_);
        connections_.erase(conn);
        last = stopping_ && connections_.empty();
    }
    // The last connection is gone: no need to wait out the grace period.
    if (last) asio::post(control_, [this] { grace_timer_.cancel(); });
}

void server::impl::begin_shutdown() {
    std::vector<std::shared_ptr<detail::connection>> open;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        open.assign(connections_.begin(), connections_.end());
    }

    // Close idle connections now; busy ones close after their current answer.
    for (auto& conn : open) asio::dispatch(conn->executor(), [conn] { conn->shut_down(); });

    // Stop accepting and stop watching for signals; each loop returns once its last connection is gone.
    error_code ignored;
    acceptor_.close(ignored);
    signals_.cancel(ignored);
    keep_running_.clear();
    if (open.empty()) return;

    // Bound the wait: past the grace period, run() stops the I/O threads and closes what is left.
    grace_timer_.expires_after(k_shutdown_grace);
    grace_timer_.async_wait([this](const error_code& ec) {
        if (ec) return;
        core::log(core::log_level::warn, "shutdown_grace_expired", {});
        stop_loops();
    });
}

void server::impl::stop_loops() {
    control_loop_.stop();
    for (const auto& loop : loops_) loop->stop();
}

void server::impl::run_io(asio::io_context& loop) {
    (void)core::request_short_slices();
    // A handler that throws must not end the I/O thread: log it and go on.
    for (;;) {
        try {
            loop.run();
            return;
        } catch (const std::exception& e) {
            core::log(core::log_level::error, "io_handler_failed", {{"what", e.what()}});
        }
    }
}

server::server(const core::serve_config& config, api::dispatcher& api)
    : impl_(std::make_unique<impl>(config, api)) {}

server::~server() = default;

std::string server::local_endpoint() const { return impl_->local_endpoint_; }

void server::run() {
    auto& s = *impl_;

    // Accept connections, and shut down on SIGINT or SIGTERM.
    asio::co_spawn(s.control_, s.accept_loop(), log_failure("accept_loop"));
    s.signals_.async_wait([&s](const error_code& ec, int signal) {
        if (ec) return;
        core::log(core::log_level::info, "shutdown_requested", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
        s.begin_shutdown();
    });

    // Run the I/O threads, and the control loop on this one, until the shutdown has let every connection go.
    std::vector<std::thread> threads;
    threads.reserve(s.loops_.size());
    for (const auto& loop : s.loops_) threads.emplace_back([&loop = *loop] { impl::run_io(loop); });
    impl::run_io(s.control_loop_);
    for (auto& t : threads) t.join();

    // Close what the grace period left open (no I/O thread runs any more), then finish the pools' jobs.
    std::vector<std::shared_ptr<detail::connection>> left;
    {
        std::lock_guard lock(s.mutex_);
        left.assign(s.connections_.begin(), s.connections_.end());
    }
    for (auto& conn : left) conn->abort();
    s.workers_.stop();
    s.hashing_.stop();
    s.signals_.clear();
}

void server::stop() {
    auto& s = *impl_;
    asio::post(s.control_, [&s] { s.begin_shutdown(); });
}

}  // namespace guestd::http
