#include "http/server.hpp"

#include "api/api.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "domain/passwords.hpp"
#include "domain/services.hpp"
#include "unit/http/test_client.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace guestd::http {
namespace {

using namespace std::chrono_literals;
using test::client;
using test::reply;

// The test endpoints touch no store: a database that refuses to be used.
class no_database final : public store::database {
public:
    std::unique_ptr<store::unit_of_work> start(store::tx) override {
        throw std::logic_error("the http tests use no database");
    }
    bool ping() override { return false; }
    void scrub() override {}
};

// Where the slow handlers wait, so a test decides when they finish.
class gate {
public:
    void reset() {
        std::lock_guard lock(mutex_);
        entered_ = 0;
        open_ = false;
    }
    void pass() {
        std::unique_lock lock(mutex_);
        ++entered_;
        changed_.notify_all();
        changed_.wait(lock, [this] { return open_; });
    }
    bool wait_entered(int n) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, 10s, [&] { return entered_ >= n; });
    }
    void release() {
        std::lock_guard lock(mutex_);
        open_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int entered_ = 0;
    bool open_ = false;
};

gate g_gate;

// Answers with what the api layer received, so tests can check the conversion from Beast's request.
core::result<api::response> echo(const api::call& c) {
    const auto x_test = c.req.header_value("x-test");
    boost::json::object o{{"method", api::to_string(c.req.method)},
                          {"path", c.req.path},
                          {"query", c.req.query_string},
                          {"client", c.req.client_address},
                          {"request_id", c.req.request_id},
                          {"body", c.req.body},
                          {"x_test", x_test ? *x_test : "-"}};
    return api::response{.status = 200, .body = boost::json::serialize(o), .headers = {{"etag", "\"v1\""}}};
}

core::result<api::response> slow(const api::call&) {
    g_gate.pass();
    return api::response{.status = 200, .body = R"({"slow":true})"};
}

const api::endpoint k_table[] = {
    {.method = api::verb::get, .path = "/api/test/echo", .speaks = api::dialect::experience, .handler = &echo},
    {.method = api::verb::post, .path = "/api/test/echo", .speaks = api::dialect::experience, .handler = &echo},
    {.method = api::verb::get, .path = "/api/test/slow", .speaks = api::dialect::experience, .handler = &slow},
    {.method = api::verb::get,
     .path = "/api/test/read",
     .speaks = api::dialect::experience,
     .handler = &echo,
     .read_only = true},
    {.method = api::verb::get,
     .path = "/api/test/slow-read",
     .speaks = api::dialect::experience,
     .handler = &slow,
     .read_only = true},
    {.method = api::verb::get,
     .path = "/api/test/live",
     .speaks = api::dialect::experience,
     .pool = api::pool_kind::io,
     .handler = &echo},
    {.method = api::verb::post,
     .path = "/api/test/hash",
     .speaks = api::dialect::experience,
     .pool = api::pool_kind::hashing,
     .handler = &slow},
};

domain::services& test_services() {
    static no_database db;
    static core::manual_clock clock;
    static domain::services services{db, clock, std::make_unique<domain::passwords>()};
    return services;
}

boost::json::object json_of(const reply& r) { return boost::json::parse(r.body).as_object(); }

double metric(const std::string& name) {
    const auto text = core::metrics::render();
    const auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? 0 : std::stod(text.substr(at + name.size() + 2));
}

bool refuses_connections(const std::string& endpoint) {
    for (int i = 0; i < 500; ++i) {
        try {
            client probe(endpoint);
        } catch (const std::runtime_error&) {
            return true;
        }
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

class Server : public ::testing::Test {
protected:
    void SetUp() override {
        core::set_log_level(core::log_level::warn);
        g_gate.reset();
        config_.listen = "127.0.0.1:0";
        config_.io_threads = 2;
        config_.threads = 2;
        config_.hash_threads = 1;
        config_.hash_queue = 1;
        config_.body_limit = 1024;
        config_.header_limit = 1024;
        config_.header_timeout_ms = 500;
        config_.idle_timeout_ms = 10'000;
    }

    void TearDown() override {
        g_gate.release();
        if (runner_.joinable()) stop_and_wait();
        core::set_log_level(core::log_level::info);
    }

    void start() {
        server_ = std::make_unique<server>(config_, api_);
        endpoint_ = server_->local_endpoint();
        runner_ = std::thread([this] { server_->run(); });
    }

    void stop_and_wait() {
        server_->stop();
        runner_.join();
    }

    core::serve_config config_;
    api::dispatcher api_{k_table, test_services()};
    std::unique_ptr<server> server_;
    std::string endpoint_;
    std::thread runner_;
};

TEST_F(Server, ResolvesPortZeroToTheBoundPort) {
    start();
    EXPECT_EQ(endpoint_.rfind("127.0.0.1:", 0), 0u);
    EXPECT_NE(endpoint_, "127.0.0.1:0");
}

TEST_F(Server, RefusesToStartOnAPortInUse) {
    start();
    auto taken = config_;
    taken.listen = endpoint_;
    try {
        server second(taken, api_);
        FAIL() << "a second server bound " << endpoint_;
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(endpoint_), std::string::npos) << e.what();
    }
}

TEST_F(Server, RefusesAMalformedListenAddress) {
    config_.listen = "127.0.0.1:http";
    EXPECT_THROW((server{config_, api_}), std::runtime_error);
    config_.listen = "no-port";
    EXPECT_THROW((server{config_, api_}), std::runtime_error);
}

TEST_F(Server, AnswersAGetThroughTheDispatcher) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("GET /api/test/echo?x=1&code=a%20b HTTP/1.1\r\nHost: t\r\nX-Test: yes\r\n"
                       "X-Request-Id: trace-42\r\n\r\n"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    const auto body = json_of(*r);
    EXPECT_EQ(body.at("method").as_string(), "GET");
    EXPECT_EQ(body.at("path").as_string(), "/api/test/echo");
    EXPECT_EQ(body.at("query").as_string(), "x=1&code=a%20b");
    EXPECT_EQ(body.at("client").as_string(), "127.0.0.1");
    EXPECT_EQ(body.at("request_id").as_string(), "trace-42");
    EXPECT_EQ(body.at("x_test").as_string(), "yes");
    EXPECT_EQ(r->header("x-request-id"), "trace-42");
    EXPECT_EQ(r->header("content-type"), "application/json");
    EXPECT_EQ(r->header("cache-control"), "no-store");
    EXPECT_EQ(r->header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r->header("etag"), "\"v1\"");
    EXPECT_EQ(r->header("content-length"), std::to_string(r->body.size()));
}

TEST_F(Server, ReplacesAnUnusableRequestIdWithAFreshOne) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("GET /api/test/echo HTTP/1.1\r\nHost: t\r\nX-Request-Id: no/slashes\r\n\r\n"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    const auto id = r->header("x-request-id");
    EXPECT_EQ(id.size(), 16u);
    EXPECT_EQ(json_of(*r).at("request_id").as_string(), id);
}

TEST_F(Server, ServesSeveralRequestsOnOneKeepAliveConnection) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("GET /api/test/echo?n=1 HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto first = c.read_reply();
    ASSERT_TRUE(first);
    EXPECT_EQ(json_of(*first).at("query").as_string(), "n=1");
    EXPECT_NE(first->header("connection"), "close");

    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
    const auto second = c.read_reply();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->status, 200);
    EXPECT_EQ(json_of(*second).at("body").as_string(), "hello");
}

TEST_F(Server, AnswersPipelinedRequestsInOrder) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("GET /api/test/echo?n=1 HTTP/1.1\r\nHost: t\r\n\r\n"
                       "GET /api/test/echo?n=2 HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto first = c.read_reply();
    const auto second = c.read_reply();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(json_of(*first).at("query").as_string(), "n=1");
    EXPECT_EQ(json_of(*second).at("query").as_string(), "n=2");
}

TEST_F(Server, ReadsAChunkedBody) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json_of(*r).at("body").as_string(), "abcde");
}

TEST_F(Server, SendsContinueToAClientThatExpectsIt) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"));
    const auto interim = c.read_reply();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100);
    ASSERT_TRUE(c.send("ok"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json_of(*r).at("body").as_string(), "ok");
}

TEST_F(Server, AnswersAnUnknownPathThroughTheRouter) {
    start();
    const auto r = test::get(endpoint_, "/api/test/nowhere");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    EXPECT_FALSE(r->header("x-request-id").empty());
}

TEST_F(Server, RejectsABodyOverTheLimitWith413) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2000\r\n\r\n" +
                       std::string(2000, 'x')));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(json_of(*r).contains("message"));
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.closed_within(5s));
}

// A client that writes its whole upload before it reads (curl does, when it misses the early answer) must still
// get the 413: closing with its bytes unread would reset the connection and throw the answer away.
TEST_F(Server, AnswersAnOversizedUploadToAClientThatSendsItAllBeforeReading) {
    start();
    client c(endpoint_);
    const std::size_t size = std::size_t{8} << 20;
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(size) +
                       "\r\n\r\n" + std::string(size, 'x')));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(c.closed_within(5s));
}

// A client on a slow machine or a slow link may take longer to send its upload than the server takes to answer it:
// the server keeps draining while the bytes keep coming, so the client sends it all and then reads the 413. This
// client pauses between pieces, so its upload lasts longer than a fixed time to drain would allow.
TEST_F(Server, KeepsDrainingAnOversizedUploadWhileTheClientKeepsSending) {
    start();
    client c(endpoint_);
    const std::size_t piece = std::size_t{64} << 10;
    const int pieces = 100;
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                       std::to_string(piece * pieces) + "\r\n\r\n"));
    for (int i = 0; i < pieces; ++i) {
        ASSERT_TRUE(c.send(std::string(piece, 'x'))) << "cut off after " << i << " of " << pieces << " pieces";
        std::this_thread::sleep_for(25ms);
    }
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(c.closed_within(5s));
}

// The request's timeout holds however the bytes arrive: a client that always has bytes in flight leaves no read
// waiting for the timer to cancel. Chunk extensions keep this request going without a body to grow, and the body
// limit is out of reach, so only the timeout can end it.
TEST_F(Server, EndsARequestAtItsTimeoutWhileItsBytesKeepComing) {
    config_.header_timeout_ms = 300;
    config_.body_limit = std::size_t{1} << 40;
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
    std::string chunks;
    while (chunks.size() < (std::size_t{64} << 10)) chunks += "1;" + std::string(900, 'e') + "\r\nx\r\n";
    // Send until the server answers, or far more than it could take in before its timeout.
    std::size_t sent = 0;
    const std::size_t give_up = std::size_t{1} << 30;
    while (sent < give_up && !c.readable_within(0ms) && c.send(chunks)) sent += chunks.size();
    const auto r = c.read_reply();
    ASSERT_TRUE(r) << "no answer after " << sent << " bytes";
    EXPECT_EQ(r->status, 408);
    EXPECT_TRUE(c.closed_within(5s));
}

// Beast appends trailer fields to the head's fields; the server drops them, so a trailer cannot pose as a header.
TEST_F(Server, DropsTrailerFieldsRatherThanTakingThemForHeaders) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "2\r\nok\r\n0\r\nX-Test: from the trailer\r\n\r\n"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(json_of(*r).at("body").as_string(), "ok");
    EXPECT_EQ(json_of(*r).at("x_test").as_string(), "-");
}

TEST_F(Server, RejectsAChunkedBodyThatGrowsOverTheLimitWith413) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "400\r\n" + std::string(0x400, 'x') + "\r\n400\r\n" + std::string(0x400, 'x') + "\r\n0\r\n\r\n"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
}

TEST_F(Server, RejectsHeadersOverTheLimitWith431) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("GET /api/test/echo HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431);
    EXPECT_TRUE(c.closed_within(5s));
}

TEST_F(Server, RejectsConflictingContentLengthAndTransferEncodingWith400) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/test/echo HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(json_of(*r).contains("message"));
    EXPECT_TRUE(c.closed_within(5s)) << "the smuggled request must not be served";
}

TEST_F(Server, RejectsATransferEncodingThatIsNotChunkedWith400) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("POST /api/test/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(c.closed_within(5s));
}

TEST_F(Server, RejectsAMalformedRequestLineWith400) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("GET /api/test/echo HTTP/9\r\n\r\n"));
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
}

TEST_F(Server, RejectsAMethodItNeverServesWith405AndKeepsTheConnection) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("PATCH /api/test/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}"));
    const auto patch = c.read_reply();
    ASSERT_TRUE(patch);
    EXPECT_EQ(patch->status, 405);
    EXPECT_EQ(json_of(*patch).at("message").as_string(), "method not allowed");

    // A HEAD answer carries no body bytes, or this next answer would be garbled.
    ASSERT_TRUE(c.send("HEAD /api/test/echo HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto head = c.read_reply(true);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 405);

    ASSERT_TRUE(c.send("GET /api/test/echo HTTP/1.1\r\nHost: t\r\n\r\n"));
    const auto get = c.read_reply();
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 200);
}

TEST_F(Server, ShedsHashingWith503WhenItsPoolIsFullWhileWorkersStillAnswer) {
    start();
    const std::string hash = "POST /api/test/hash HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n";
    // Occupy the one hashing thread, then its one queue slot.
    client running(endpoint_);
    ASSERT_TRUE(running.send(hash));
    ASSERT_TRUE(g_gate.wait_entered(1));
    client queued(endpoint_);
    ASSERT_TRUE(queued.send(hash));
    for (int i = 0; i < 500 && metric("guestd_hash_queue_depth") < 1; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(metric("guestd_hash_queue_depth"), 1);

    // The next hashing request is shed at once...
    const double shed_before = metric("guestd_shed_total");
    client shed(endpoint_);
    ASSERT_TRUE(shed.send(hash));
    const auto busy = shed.read_reply();
    ASSERT_TRUE(busy);
    EXPECT_EQ(busy->status, 503);
    EXPECT_EQ(busy->header("retry-after"), "1");
    EXPECT_EQ(metric("guestd_shed_total"), shed_before + 1);

    // ...while a request for the workers is still answered.
    const auto read = test::get(endpoint_, "/api/test/echo");
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 200);

    // Once hashing moves again, the waiting requests finish.
    g_gate.release();
    const auto first = running.read_reply();
    const auto second = queued.read_reply();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(second->status, 200);
}

/// Holds both workers (the fixture's config_.threads is 2) with /api/test/slow requests until the gate opens.
class held_workers {
public:
    explicit held_workers(const std::string& endpoint) : first_(endpoint), second_(endpoint) {}

    void hold() {
        const std::string slow = "GET /api/test/slow HTTP/1.1\r\nHost: t\r\n\r\n";
        ASSERT_TRUE(first_.send(slow));
        ASSERT_TRUE(second_.send(slow));
        ASSERT_TRUE(g_gate.wait_entered(2));
    }

    /// Opens the gate; both held requests are then answered.
    void release_and_expect_answers() {
        g_gate.release();
        const auto a = first_.read_reply();
        const auto b = second_.read_reply();
        ASSERT_TRUE(a && b);
        EXPECT_EQ(a->status, 200);
        EXPECT_EQ(b->status, 200);
    }

private:
    client first_;
    client second_;
};

TEST_F(Server, RunsAReadOnlyRequestOnItsIOThreadWhileEveryWorkerIsBusy) {
    config_.inline_reads = true;  // what app::serve sets for SQLite
    start();
    held_workers workers(endpoint_);
    ASSERT_NO_FATAL_FAILURE(workers.hold());

    // A read-only endpoint is still answered: no worker takes part in it, and nothing waits in their queue.
    const auto read = test::get(endpoint_, "/api/test/read?x=1");
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 200);
    EXPECT_EQ(json_of(*read).at("query"), "x=1");
    EXPECT_EQ(metric("guestd_worker_queue_depth"), 0);

    workers.release_and_expect_answers();
}

TEST_F(Server, HandsAReadOnlyRequestToTheWorkersWhenReadsAreNotInline) {
    config_.inline_reads = false;  // what app::serve sets for PostgreSQL: a read is a network round trip
    start();
    held_workers workers(endpoint_);
    ASSERT_NO_FATAL_FAILURE(workers.hold());

    // The read waits in the workers' queue behind the two held requests, and is answered once they finish.
    client reader(endpoint_);
    ASSERT_TRUE(reader.send("GET /api/test/read HTTP/1.1\r\nHost: t\r\n\r\n"));
    for (int i = 0; i < 500 && metric("guestd_worker_queue_depth") < 1; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(metric("guestd_worker_queue_depth"), 1);
    workers.release_and_expect_answers();
    const auto read = reader.read_reply();
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 200);
}

TEST_F(Server, RunsAnIOPoolRequestOnItsIOThreadWhileEveryWorkerIsBusyWhateverTheStore) {
    config_.inline_reads = false;  // even where reads go to the workers (PostgreSQL)
    start();
    held_workers workers(endpoint_);
    ASSERT_NO_FATAL_FAILURE(workers.hold());

    // Liveness-like endpoints are answered at once: nothing waits in the workers' queue, nothing is shed.
    const double shed_before = metric("guestd_shed_total");
    const auto live = test::get(endpoint_, "/api/test/live");
    ASSERT_TRUE(live);
    EXPECT_EQ(live->status, 200);
    EXPECT_EQ(metric("guestd_worker_queue_depth"), 0);
    EXPECT_EQ(metric("guestd_shed_total"), shed_before);

    workers.release_and_expect_answers();
}

// Each I/O thread runs its own loop and connections are dealt out among them, with accepting on a loop of its own:
// a request that holds one I/O thread (a read on it) delays neither the next connection nor the other loop's.
TEST_F(Server, ServesOtherConnectionsWhileARequestHoldsOneIOThread) {
    config_.inline_reads = true;
    start();
    client held(endpoint_);
    ASSERT_TRUE(held.send("GET /api/test/slow-read HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(g_gate.wait_entered(1));

    const auto other = test::get(endpoint_, "/api/test/read?x=2");
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, 200);
    EXPECT_EQ(json_of(*other).at("query"), "x=2");

    g_gate.release();
    const auto answer = held.read_reply();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
}

TEST_F(Server, StopLetsAnInFlightRequestFinishBeforeRunReturns) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("GET /api/test/slow HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(g_gate.wait_entered(1));

    // Once new connections are refused, the shutdown has reached the busy connection too.
    server_->stop();
    EXPECT_TRUE(refuses_connections(endpoint_));
    g_gate.release();
    const auto r = c.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(c.closed_within(5s));
    runner_.join();
}

TEST_F(Server, StopClosesIdleKeepAliveConnections) {
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("GET /api/test/echo HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(c.read_reply());

    server_->stop();
    EXPECT_TRUE(c.closed_within(5s));
    runner_.join();
}

TEST_F(Server, StopsOnSigterm) {
    start();
    ASSERT_TRUE(test::get(endpoint_, "/api/test/echo"));
    std::raise(SIGTERM);
    runner_.join();
}

TEST_F(Server, CutsOffASlowlorisAfterTheHeaderTimeoutWhileServingOthers) {
    config_.header_timeout_ms = 300;
    start();
    client slow_client(endpoint_);
    ASSERT_TRUE(slow_client.send("GET /api/test/echo HTTP/1.1\r\nHost: t\r\n"));

    // Trickle a header a byte at a time, far longer than the header timeout allows, serving another client
    // meanwhile, until the server gives up on the slow one.
    const std::string trickle = "X-Slow: " + std::string(200, 'a');
    std::size_t sent = 0;
    bool other_served = false;
    for (; sent < trickle.size(); ++sent) {
        if (slow_client.readable_within(50ms)) break;
        if (!slow_client.send(trickle.substr(sent, 1))) break;
        if (sent == 2) {
            const auto other = test::get(endpoint_, "/api/test/echo");
            other_served = other && other->status == 200;
        }
    }
    EXPECT_TRUE(other_served);
    ASSERT_LT(sent, trickle.size()) << "the slow client was never cut off";
    const auto r = slow_client.read_reply();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 408);
    EXPECT_TRUE(slow_client.closed_within(5s));
}

TEST_F(Server, ClosesAKeepAliveConnectionAfterTheIdleTimeoutWithoutAWord) {
    config_.idle_timeout_ms = 200;
    start();
    client c(endpoint_);
    ASSERT_TRUE(c.send("GET /api/test/echo HTTP/1.1\r\nHost: t\r\n\r\n"));
    ASSERT_TRUE(c.read_reply());
    EXPECT_TRUE(c.closed_within(5s));
    EXPECT_EQ(c.unread(), "");
}

TEST_F(Server, ClosesAConnectionThatSendsNothingAfterTheHeaderTimeoutWithoutAWord) {
    config_.header_timeout_ms = 200;
    config_.idle_timeout_ms = 60'000;
    start();
    client c(endpoint_);
    EXPECT_TRUE(c.closed_within(5s));
    EXPECT_EQ(c.unread(), "");
}

TEST_F(Server, WritesOneAccessLogLinePerRequestWithoutTheQueryString) {
    core::set_log_level(core::log_level::info);
    ::testing::internal::CaptureStderr();
    start();
    const auto r = test::get(endpoint_, "/api/test/echo?code=SECRET-RESET-CODE");
    stop_and_wait();
    const std::string log = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(r);

    std::size_t lines = 0;
    boost::json::object line;
    for (std::size_t pos = 0, end; (end = log.find('\n', pos)) != std::string::npos; pos = end + 1) {
        auto parsed = boost::json::parse(log.substr(pos, end - pos)).as_object();
        if (parsed.at("event").as_string() != "request") continue;
        ++lines;
        line = parsed;
    }
    ASSERT_EQ(lines, 1u) << log;
    EXPECT_EQ(log.find("SECRET-RESET-CODE"), std::string::npos) << log;
    EXPECT_EQ(line.at("path").as_string(), "/api/test/echo");
    EXPECT_EQ(line.at("method").as_string(), "GET");
    EXPECT_EQ(line.at("endpoint").as_string(), "/api/test/echo");
    EXPECT_EQ(line.at("status").to_number<int>(), 200);
    EXPECT_EQ(line.at("request_id").as_string(), r->header("x-request-id"));
    EXPECT_EQ(line.at("client").as_string(), "127.0.0.1");
    EXPECT_GT(line.at("bytes_in").to_number<int>(), 0);
    EXPECT_EQ(line.at("bytes_out").to_number<std::size_t>() > r->body.size(), true);
    EXPECT_TRUE(line.at("duration_ms").is_double());
}

TEST_F(Server, CountsEveryAnswerInTheMetrics) {
    start();
    ASSERT_TRUE(test::get(endpoint_, "/api/test/echo"));
    ASSERT_TRUE(test::get(endpoint_, "/api/test/nowhere"));
    stop_and_wait();  // an answer is counted once written, so wait for the server to finish
    const auto text = core::metrics::render();
    EXPECT_NE(text.find(R"(guestd_http_requests_total{method="GET",endpoint="/api/test/echo",status="200"})"),
              std::string::npos);
    EXPECT_NE(text.find(R"(guestd_http_requests_total{method="GET",endpoint="unmatched",status="404"})"),
              std::string::npos);
}

}  // namespace
}  // namespace guestd::http
