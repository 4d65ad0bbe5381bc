#include "http/session.hpp"

#include "api/api.hpp"
#include "core/bounded_pool.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/client_address.hpp"
#include "http/exchange.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <exception>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace guestd::http::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using std::chrono::milliseconds;

// Every I/O step reports its error as a value: a closed or misbehaving client is expected, not exceptional.
constexpr auto as_result = asio::as_tuple(asio::use_awaitable);

// How much the wait for a new request's first byte asks for at once.
constexpr std::size_t k_read_chunk = 4096;
// After an error answer, we keep draining what the client still sends, so that closing does not reset the
// connection before the client has read the answer. A client may write its whole upload before it reads (curl does
// when it misses the early answer), so the byte bound is well above any body a client would send to an endpoint
// here (batches are limited to 2 MiB). Draining goes on as long as the client keeps sending, so that a slow machine
// or a slow link does not cut an upload off halfway: a pause of k_linger_pause ends it, and k_linger_time bounds it
// whatever the client does, so a client that trickles cannot hold the connection. Draining is a read into a
// scratch buffer: 64 MiB costs a few milliseconds of CPU.
constexpr milliseconds k_linger_pause{2000};
constexpr milliseconds k_linger_time{10'000};
constexpr std::size_t k_linger_bytes = std::size_t{64} << 20;
constexpr std::size_t k_linger_chunk = std::size_t{64} << 10;
// The longest a client may take to accept an answer.
constexpr milliseconds k_write_timeout{10'000};

std::optional<api::verb> to_verb(bhttp::verb v) {
    switch (v) {
        case bhttp::verb::get: return api::verb::get;
        case bhttp::verb::post: return api::verb::post;
        case bhttp::verb::put: return api::verb::put;
        case bhttp::verb::delete_: return api::verb::del;
        default: return std::nullopt;
    }
}

std::optional<std::string_view> header_of(const bhttp::fields& fields, std::string_view name) {
    const auto it = fields.find(name);
    if (it == fields.end()) return std::nullopt;
    return it->value();
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

/// The status answering a failed read, or 0 when there is nobody to answer (the client left, or the server
/// aborted the connection).
unsigned status_for_read_error(const error_code& ec, bool timed_out, bool head_read) {
    if (timed_out) return 408;
    if (ec == bhttp::error::body_limit) return 413;
    if (ec == bhttp::error::header_limit) return 431;
    // The bytes waiting to be parsed outgrew the connection's buffer: a head (Beast's header_limit usually stops it
    // first), or, in a chunked body, a chunk-size line with its extensions or the trailer section.
    if (ec == bhttp::error::buffer_overflow) return head_read ? 413 : 431;
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return 0;
    // Any other parse error is a malformed request: bad syntax, bad chunking, conflicting lengths.
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) return 400;
    return 0;
}

std::string_view message_for(unsigned status) {
    switch (status) {
        case 408: return "request timeout";
        case 413: return "request body too large";
        case 431: return "request header fields too large";
        default: return "malformed request";
    }
}

using request_parser = bhttp::request_parser<bhttp::string_body>;

/// Whether a head Beast accepted breaks a rule it leaves to the server, so the request is refused (400) and the
/// connection closed: a Transfer-Encoding must end in chunked, or the body's length is unknowable; one Content-Length
/// at most, with one value, because a proxy in front may have read another (RFC 9112 §6.3 lets a server refuse
/// duplicates, and guestd refuses equal ones too); exactly one Host in HTTP/1.1, at most one before (RFC 9112 §3.2).
bool malformed_head(const bhttp::request<bhttp::string_body>& head, bool chunked) {
    if (head.count(bhttp::field::transfer_encoding) > 0 && !chunked) return true;
    const auto [first_length, end_length] = head.equal_range(bhttp::field::content_length);
    if (first_length != end_length &&
        (std::next(first_length) != end_length || first_length->value().find(',') != std::string_view::npos))
        return true;
    const auto hosts = head.count(bhttp::field::host);
    return hosts > 1 || (hosts == 0 && head.version() >= 11);
}

/// Reads and parses the next part of a request: Beast returns once the parser has taken a step (the head, a chunk
/// header, some body bytes). Refuses to start once the request's timer has fired: its cancel() stops only a read
/// that waits, and a client that always has bytes in flight never leaves one waiting, so the deadline is also
/// looked at between parts. The buffer's bound keeps a part from reading more than a head's worth of bytes without
/// the parser taking a step.
asio::awaitable<std::tuple<error_code, std::size_t>> read_part(tcp::socket& socket, beast::flat_buffer& buffer,
                                                               request_parser& parser, bool timed_out) {
    if (timed_out) co_return std::tuple{error_code{asio::error::timed_out}, std::size_t{0}};
    co_return co_await bhttp::async_read_some(socket, buffer, parser, as_result);
}

/// Runs work on pool and resumes the caller on its own executor with the answer, or with nullopt at once when the
/// pool's queue is full.
template <class CompletionToken>
auto async_run_on(core::bounded_pool& pool, std::function<api::response()> work, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, void(std::optional<api::response>)>(
        [&pool](auto handler, std::function<api::response()> job_work) {
            using handler_type = decltype(handler);
            // Keep the caller's io_context running while the job is away.
            auto guard = asio::make_work_guard(asio::get_associated_executor(handler));
            struct pending {
                handler_type handler;
                decltype(guard) work_guard;
                std::function<api::response()> work;
                void complete(std::optional<api::response> result) {
                    asio::post(asio::append(std::move(handler), std::move(result)));
                    work_guard.reset();
                }
            };
            auto op = std::make_shared<pending>(std::move(handler), std::move(guard), std::move(job_work));
            std::function<void()> job = [op] { op->complete(op->work()); };
            // A full queue sheds the request; the caller answers 503.
            if (!pool.try_post(job)) op->complete(std::nullopt);
        },
        token, std::move(work));
}

/// The api request for a parsed Beast request; moves its body out.
api::request to_api_request(bhttp::request<bhttp::string_body>& req, api::verb method, std::string_view path,
                            std::string_view query, const std::string& client, const std::string& request_id) {
    api::request out;
    out.method = method;
    out.path = path;
    out.query_string = query;
    out.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
    for (const auto& field : req) out.headers.push_back({lower(field.name_string()), std::string(field.value())});
    out.body = std::move(req.body());
    out.client_address = client;
    out.request_id = request_id;
    return out;
}

}  // namespace

connection::connection(tcp::socket socket, const session_context& context)
    : socket_(std::move(socket)), timer_(socket_.get_executor()), context_(context) {
    error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    if (!ec) client_ = remote.address().to_string();
}

asio::awaitable<void> connection::run() {
    try {
        // The bytes read but not parsed yet: at most a head's worth. Beast keeps a part of a request whole in the
        // buffer until it ends (the head, a chunk-size line with its extensions, the trailer section), so this bound
        // is what keeps a line that never ends from taking the memory.
        beast::flat_buffer buffer(context_.config.header_limit);
        for (bool first = true;; first = false) {
            // Wait for the first byte of the next request (unless the client already pipelined it); an idle
            // connection closes without a word on timeout or shutdown. A new connection gets only the header
            // timeout: keep-alive idleness is granted to clients that made a request.
            if (buffer.size() == 0) {
                if (closing_) break;
                idle_ = true;
                arm(milliseconds{first ? context_.config.header_timeout_ms : context_.config.idle_timeout_ms});
                auto [ec, n] = co_await socket_.async_read_some(
                    buffer.prepare(std::min(k_read_chunk, buffer.max_size())), as_result);
                idle_ = false;
                disarm();
                if (ec) break;
                buffer.commit(n);
            }
            // Serve the request; stop when the connection cannot or should not be reused.
            if (!co_await serve(buffer)) break;
        }
    } catch (const std::exception& e) {
        core::log(core::log_level::error, "connection_failed", {{"client", client_}, {"what", e.what()}});
    }
    // Close: send FIN, then let the socket go.
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
    timer_.cancel();
}

asio::awaitable<bool> connection::serve(beast::flat_buffer& buffer) {
    const auto started = clock_type::now();
    exchange_record rec;
    rec.client = client_;

    // A fresh parser holds this request's limits.
    request_parser parser;
    const std::size_t header_limit = context_.config.header_limit;
    parser.header_limit(
        static_cast<std::uint32_t>(std::min<std::size_t>(header_limit, std::numeric_limits<std::uint32_t>::max())));
    // Beast checks Content-Length against the limit as the head completes, so start from the largest limit any
    // endpoint allows and narrow it once the head says which endpoint this is.
    std::size_t body_limit = context_.config.body_limit;
    for (const auto& ep : context_.api.table()) body_limit = std::max(body_limit, ep.body_limit);
    parser.body_limit(body_limit);

    // Read the head, with one timeout for the whole request, head and body. Count all of the head against the
    // limit: Beast applies header_limit to the bytes it has not parsed yet, and the fields it parsed from an earlier
    // read may no longer count, so whether a head passed depended on where the reads split it.
    arm(milliseconds{context_.config.header_timeout_ms});
    error_code ec;
    std::size_t head_bytes = 0;
    while (!ec && !parser.is_header_done()) {
        std::size_t n = 0;
        std::tie(ec, n) = co_await read_part(socket_, buffer, parser, timed_out_);
        head_bytes += n;
        if (!ec && head_bytes > header_limit) ec = bhttp::error::header_limit;
    }
    rec.bytes_in = head_bytes;
    bool malformed = false;
    if (!ec) {
        auto& head = parser.get();
        malformed = malformed_head(head, parser.chunked());
        // An endpoint that takes batches may allow a larger body than the default.
        body_limit = context_.config.body_limit;
        if (const auto verb = to_verb(head.method())) {
            const auto routed = context_.api.route(*verb, split_target(head.target()).first);
            if (const auto* ep = std::get_if<const api::endpoint*>(&routed); ep && (*ep)->body_limit > 0)
                body_limit = (*ep)->body_limit;
        }
        parser.body_limit(body_limit);
        if (const auto length = parser.content_length(); length && *length > body_limit) ec = bhttp::error::body_limit;
        // Tell a client that waits for it to send the body.
        const auto expect = header_of(head, "Expect");
        if (!ec && !malformed && !parser.is_done() && head.version() >= 11 && expect &&
            beast::iequals(*expect, "100-continue")) {
            bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, head.version()};
            auto [wec, wrote] = co_await bhttp::async_write(socket_, proceed, as_result);
            rec.bytes_out += wrote;
            ec = wec;
        }
        // Read the body within the same timeout. Count it as it comes on the wire: Beast's body_limit counts the
        // data of a chunked body only, not its chunk-size lines, their extensions or its trailer section.
        const auto head_fields = std::distance(head.begin(), head.end());
        std::size_t body_bytes = 0;
        while (!malformed && !ec && !parser.is_done()) {
            std::size_t n = 0;
            std::tie(ec, n) = co_await read_part(socket_, buffer, parser, timed_out_);
            body_bytes += n;
            if (!ec && body_bytes > body_limit) ec = bhttp::error::body_limit;
        }
        rec.bytes_in += body_bytes;
        // Drop the trailer fields, which Beast appends to the head's: there a trailer could pose as a header the head
        // did not carry (an Authorization, or an X-Forwarded-For behind a proxy). guestd reads none (RFC 9110 §6.5.1).
        for (auto it = std::next(head.begin(), head_fields); it != head.end();) it = head.erase(it);
    }
    const bool timed_out = timed_out_;
    disarm();

    auto& req = parser.get();
    const bool head_read = parser.is_header_done();
    std::optional<api::verb> method;
    if (head_read) {
        rec.method = req.method_string();
        rec.path = split_target(req.target()).first;
        method = to_verb(req.method());
    }
    rec.request_id = request_id_for(head_read ? header_of(req, "X-Request-Id") : std::nullopt);

    // Answer a request that could not be read in full, then close: the stream is out of step.
    if (ec || malformed) {
        const unsigned status = malformed ? 400 : status_for_read_error(ec, timed_out, head_read);
        if (status == 0) co_return false;
        if (method) rec.endpoint = api::dispatcher::label(context_.api.route(*method, rec.path));
        co_await respond(context_.api.reject(rec.path, status, message_for(status)), head_read ? req.version() : 11,
                         false, head_read && req.method() == bhttp::verb::head, rec, started);
        co_await linger();
        co_return false;
    }

    // Route the request; methods guestd never serves get 405 straight away.
    api::response res;
    if (!method) {
        res = context_.api.reject(rec.path, 405, "method not allowed");
    } else {
        const auto [path, query] = split_target(req.target());
        // The one place the client address is decided: the peer, or X-Forwarded-For from a trusted proxy.
        std::vector<std::string_view> forwarded_for;
        const auto [first_xff, end_xff] = req.equal_range("X-Forwarded-For");
        for (auto it = first_xff; it != end_xff; ++it) forwarded_for.emplace_back(it->value());
        rec.client = context_.proxies.client_of(client_, forwarded_for);
        auto request = to_api_request(req, *method, path, query, rec.client, rec.request_id);
        auto routed = context_.api.route(*method, request.path);
        rec.endpoint = api::dispatcher::label(routed);
        if (auto* decided = std::get_if<api::response>(&routed)) {
            res = std::move(*decided);
        } else {
            // Run the handler: one that never blocks right here, and a read-only one too when the store's reads
            // are local (config.inline_reads); hashing on its bounded pool, everything else on the workers.
            const api::endpoint& ep = *std::get<const api::endpoint*>(routed);
            const bool here = ep.pool == api::pool_kind::io ||
                              (ep.read_only && ep.pool == api::pool_kind::worker && context_.config.inline_reads);
            auto& pool = ep.pool == api::pool_kind::hashing ? context_.hashing : context_.workers;
            auto work = [this, &ep, &request]() -> api::response {
                try {
                    return context_.api.handle(ep, request);
                } catch (const std::exception& e) {
                    core::log(core::log_level::error, "handler_failed",
                              {{"request_id", request.request_id}, {"what", e.what()}});
                } catch (...) {
                    core::log(core::log_level::error, "handler_failed",
                              {{"request_id", request.request_id}, {"what", "unknown exception"}});
                }
                return context_.api.reject(request.path, 500, "internal error");
            };
            std::optional<api::response> answer;
            if (here) {
                answer = work();
            } else if (!pool.saturated()) {
                answer = co_await async_run_on(pool, std::move(work), asio::use_awaitable);
            }  // else shed now, without a trip through the I/O thread's queue (async_run_on sheds a late race)
            if (answer) {
                res = std::move(*answer);
            } else {
                // Shed the request at once rather than queue it without bound.
                core::metrics::add_counter("guestd_shed_total");
                res = context_.api.reject(rec.path, 503, "server busy, retry later", 1);
            }
        }
    }

    // Answer; keep the connection only if the client wants to and the server is not shutting down.
    const bool keep_alive = req.keep_alive() && !closing_;
    const bool written = co_await respond(std::move(res), req.version(), keep_alive,
                                          req.method() == bhttp::verb::head, rec, started);
    co_return written && keep_alive;
}

asio::awaitable<bool> connection::respond(api::response res, unsigned version, bool keep_alive, bool head,
                                          exchange_record& rec, clock_type::time_point started) {
    // Build the Beast response: the handler's headers, then the ones every answer carries.
    bhttp::response<bhttp::string_body> out;
    out.version(version);
    out.result(res.status);
    for (const auto& h : res.headers) {
        // A header that could split the response is a bug upstream: drop it rather than send it.
        if (h.name.empty() || has_line_break(h.name) || has_line_break(h.value)) {
            core::log(core::log_level::error, "header_dropped", {{"request_id", rec.request_id}, {"name", h.name}});
            continue;
        }
        out.insert(h.name, h.value);
    }
    if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
    if (out.find(bhttp::field::cache_control) == out.end()) out.set(bhttp::field::cache_control, "no-store");
    out.set("X-Content-Type-Options", "nosniff");
    out.set("X-Request-Id", rec.request_id);
    out.keep_alive(keep_alive);
    // 1xx, 204 and 304 carry no body; HEAD gets the length a GET would have, without the bytes.
    const bool bodiless = res.status < 200 || res.status == 204 || res.status == 304;
    if (!bodiless) out.body() = std::move(res.body);
    out.prepare_payload();
    if (head) out.body().clear();

    // Count the exchange before the client can read the answer, so what it asks of /metrics next includes it.
    rec.status = res.status;
    rec.duration_ms = std::chrono::duration<double, std::milli>(clock_type::now() - started).count();
    count(rec);

    // Write it within the write timeout.
    arm(k_write_timeout);
    auto [ec, wrote] = co_await bhttp::async_write(socket_, out, as_result);
    disarm();

    // Log the exchange, whether or not the client stayed to read the answer.
    rec.bytes_out += wrote;
    log_access(rec);
    co_return !ec;
}

asio::awaitable<void> connection::linger() {
    // Stop sending, then drain and discard what the client still sends: until it stops (its FIN, or a pause), up to
    // a byte bound and a time bound.
    error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    const auto deadline = clock_type::now() + k_linger_time;
    std::vector<char> sink(k_linger_chunk);
    for (std::size_t drained = 0; drained < k_linger_bytes;) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock_type::now());
        if (left <= milliseconds{0}) break;
        arm(std::min(k_linger_pause, left));
        auto [rec, n] = co_await socket_.async_read_some(asio::buffer(sink), as_result);
        disarm();
        if (rec) break;
        drained += n;
    }
}

void connection::shut_down() {
    closing_ = true;
    // An idle connection has nothing in flight: close it now. A busy one says "Connection: close" with its answer.
    if (idle_) {
        error_code ignored;
        socket_.cancel(ignored);
    }
}

void connection::abort() {
    closing_ = true;
    error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
}

void connection::arm(milliseconds timeout) {
    // Unlike beast::tcp_stream's timeouts, which close the socket, this only cancels the pending operation, so the
    // session can still answer 408.
    const auto generation = ++generation_;
    timed_out_ = false;
    timer_.expires_after(timeout);
    timer_.async_wait([weak = weak_from_this(), generation](const error_code& ec) {
        auto self = weak.lock();
        if (ec || !self || self->generation_ != generation) return;
        self->timed_out_ = true;
        error_code ignored;
        self->socket_.cancel(ignored);
    });
}

void connection::disarm() {
    ++generation_;
    timer_.cancel();
}

}  // namespace guestd::http::detail
