// A PostgreSQL failover under write load (issue #14): two guestd nodes behind haproxy on a pg_auto_failover
// formation (a monitor, a primary and its synchronous standby; scripts/pg-failover-cluster.sh), reached through one
// multi-host URL with target_session_attrs=read-write. The primary's agent and postmaster are killed twice; after
// each failover every write answered 2xx is on the new primary, every reset answered 2xx has its email in the
// outbox, no request got a 500, and the nodes serve again within a bound. Also: a COMMIT whose wait for the
// synchronous standby was cancelled is not acknowledged. ctest gives the suite the formation (fixture pg_failover).
#include "integration/paytronix_fixture.hpp"
#include "multinode/haproxy.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace guestd::itest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr std::string_view password = "correct horse battery staple";

// How long the nodes may take to serve again after the primary is killed: the monitor's detection (about 4 s with
// the test's timeouts), its wait for the old primary to demote (5 s), the promotion, haproxy's checks seeing a node
// ready again, all on a busy 2-core machine running other suites. An availability bound, not a measurement.
constexpr auto serve_again_bound = 60s;

/// What `command` printed on stdout, and its exit status (-1 when it could not run).
struct command_result {
    int status = -1;
    std::string out;
};

command_result run_command(const std::string& command) {
    command_result result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) result.out.append(buf, n);
    const int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

/// The formation the fixture started, driven through scripts/pg-failover-cluster.sh.
class formation {
public:
    explicit formation(std::string state_dir) : state_dir_(std::move(state_dir)) {}

    /// The primary's name and port ("node1", 40123), or nothing while no node is primary.
    std::optional<std::pair<std::string, int>> primary() const { return node_of(run("primary")); }

    /// Waits until one node is primary and the other its synchronous standby; the primary, or nothing.
    std::optional<std::pair<std::string, int>> wait_healthy(int seconds) const {
        return node_of(run("wait-healthy", std::to_string(seconds)));
    }

    /// SIGKILL of the node's pg_autoctl agent, its postmaster and backends (one process group).
    bool kill(const std::string& node) const { return run("kill", node).status == 0; }

    /// Starts the node's agent again: it rejoins as the standby of the new primary.
    bool start(const std::string& node) const { return run("run", node).status == 0; }

    std::string state() const { return run("state").out; }

private:
    command_result run(const std::string& command, const std::string& arg = {}) const {
        return run_command("'" + std::string(FAILOVER_CLUSTER_SCRIPT) + "' " + command + " '" + state_dir_ + "' " + arg +
                           " 2>/dev/null");
    }

    static std::optional<std::pair<std::string, int>> node_of(const command_result& r) {
        std::istringstream in(r.out);
        std::string name;
        int port = 0;
        if (r.status != 0 || !(in >> name >> port)) return std::nullopt;
        return std::pair{name, port};
    }

    std::string state_dir_;
};

/// A libpq connection to one node alone, for checking what it holds.
class node_connection {
public:
    explicit node_connection(const std::string& url) : conn_(PQconnectdb(url.c_str())) {}
    ~node_connection() { PQfinish(conn_); }
    node_connection(const node_connection&) = delete;
    node_connection& operator=(const node_connection&) = delete;

    bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
    std::string error() const { return PQerrorMessage(conn_); }

    /// Runs a statement that returns no rows; records a test failure on error.
    void exec(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        if (PQresultStatus(r) != PGRES_COMMAND_OK) ADD_FAILURE() << sql << ": " << PQerrorMessage(conn_);
        PQclear(r);
    }

    /// The first column of every row (empty, with a test failure, on error).
    std::vector<std::string> column(const std::string& sql) {
        std::vector<std::string> out;
        PGresult* r = PQexec(conn_, sql.c_str());
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            ADD_FAILURE() << sql << ": " << PQerrorMessage(conn_);
        } else {
            for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
        }
        PQclear(r);
        return out;
    }

private:
    PGconn* conn_;
};

/// The database name and role of a postgresql:// URL (the path after the host list, the user before '@').
std::string database_of(const std::string& url) {
    const auto hosts = url.find("://") + 3;
    const auto slash = url.find('/', hosts);
    const auto query = url.find('?', slash);
    return url.substr(slash + 1, query == std::string::npos ? std::string::npos : query - slash - 1);
}

/// One kind of write the load sends, again and again, each request retried as it was until it gets a 2xx.
enum class load_kind { booking, registration, login, profile };
constexpr std::array<load_kind, 4> load_kinds{load_kind::booking, load_kind::registration, load_kind::login,
                                              load_kind::profile};

const char* name_of(load_kind k) {
    switch (k) {
        case load_kind::booking: return "booking pushes";
        case load_kind::registration: return "registrations + reset requests";
        case load_kind::login: return "logins";
        case load_kind::profile: return "profile updates";
    }
    return "";
}

/// What the load threads saw, shared with the test under a mutex.
struct load_log {
    std::mutex mutex;
    std::vector<std::string> bookings;          // references answered 2xx
    std::vector<std::string> registrations;     // emails whose first password was answered 2xx
    std::vector<std::string> resets;            // emails whose reset request was answered 2xx
    std::vector<std::string> tokens;            // guest tokens of logins answered 2xx
    int profile_acked = -1;                     // the last city number answered 2xx
    std::map<load_kind, steady::time_point> last_ack;
    std::map<load_kind, int> acked;
    int unavailable_from_guestd = 0;            // 503 with guestd's JSON body and Retry-After
    int unavailable_from_haproxy = 0;           // 503 from haproxy with every node out (its http-error body)
    std::vector<std::string> wrong;             // anything else that was not a 2xx: status, body
};

class Failover : public paytronix_test {
protected:
    void SetUp() override {
        const char* state = std::getenv("GUESTD_FAILOVER_STATE_DIR");
        if (!on_postgres() || state == nullptr || *state == '\0') {
            GTEST_SKIP() << "needs the pg_auto_failover formation: ctest starts it (fixture pg_failover)";
        }
        formation_ = std::make_unique<formation>(state);
        paytronix_test::SetUp();  // the world and node A, on the formation's primary through the multi-host URL
        if (HasFatalFailure()) return;
        try {
            node_b_ = std::make_unique<server_process>(db_, dir_->path() / "node-b", server_args());
            proxy_ = std::make_unique<haproxy_process>(
                dir_->path(), std::vector<std::string>{host_port(server_->base_url()), host_port(node_b_->base_url())},
                proxy_port_);
        } catch (const std::exception& e) {
            GTEST_FAIL() << e.what();
        }
        ASSERT_TRUE(proxy_->wait_for_status("a", "UP")) << "haproxy never saw node A up";
        ASSERT_TRUE(proxy_->wait_for_status("b", "UP")) << "haproxy never saw node B up";
    }

    void TearDown() override {
        paytronix_test::TearDown();
        if (node_b_) {
            node_b_->stop();
            if (HasFailure()) std::cerr << "---- node B stderr ----\n" << tail(node_b_->stderr_text()) << "\n";
        }
        if (proxy_ && HasFailure()) std::cerr << "---- haproxy stderr ----\n" << tail(proxy_->stderr_text()) << "\n";
        proxy_.reset();
        if (formation_ && HasFailure()) std::cerr << "---- formation ----\n" << formation_->state() << "\n";
    }

    void before_server() override { proxy_port_ = free_loopback_port(); }

    std::vector<std::string> server_args() const override {
        auto args = paytronix_test::server_args();
        args.insert(args.end(), {"--public-url", "http://127.0.0.1:" + std::to_string(proxy_port_)});
        return args;
    }

    static std::string host_port(const std::string& base_url) { return base_url.substr(std::string("http://").size()); }
    static std::string tail(std::string s) { return s.size() > 4000 ? "..." + s.substr(s.size() - 4000) : s; }

    /// The test database on one node alone (not through the host list).
    std::string node_url(int port) const {
        return "postgresql://guestd@127.0.0.1:" + std::to_string(port) + "/" + database_of(db_.string());
    }

    /// Sends req through haproxy until it gets a 2xx or the deadline passes, recording every other answer;
    /// the 2xx response, or status 0.
    http_response send_until_acked(http_client& c, const http_request& req, load_log& log) {
        const auto deadline = steady::now() + 120s;
        for (;;) {
            http_response r = c.send(req);
            if (r.status >= 200 && r.status < 300) return r;
            {
                std::lock_guard lock(log.mutex);
                const bool from_guestd = r.header("x-request-id").has_value();
                if (r.status == 503 && from_guestd && r.header("retry-after").has_value()) {
                    ++log.unavailable_from_guestd;
                } else if (r.status == 503 && !from_guestd && r.header("retry-after").has_value()) {
                    ++log.unavailable_from_haproxy;
                } else {
                    log.wrong.push_back(req.target + ": " + std::to_string(r.status) + " " + r.error + " " +
                                        r.body.substr(0, 200));
                }
            }
            if (steady::now() >= deadline || stop_) return {};
            std::this_thread::sleep_for(200ms);
        }
    }

    /// The load: one thread per kind, through haproxy, until stop_.
    void load(load_kind kind, load_log& log) {
        http_client c(proxy_->base_url());
        const header_list auth{{"Authorization", default_auth()}};
        const auto acked = [&](const std::function<void()>& record) {
            std::lock_guard lock(log.mutex);
            record();
            log.last_ack[kind] = steady::now();
            ++log.acked[kind];
        };
        for (int i = 0; !stop_; ++i) {
            switch (kind) {
                case load_kind::booking: {
                    const std::string ref = "FO-B-" + std::to_string(i);
                    http_request req{.method = "POST", .target = "/api/xp-store-bookings/bookings", .headers = auth,
                                     .body = json::serialize(json::object{{"bookings", json::array{booking(ref, "load@example.com")}}})};
                    if (send_until_acked(c, req, log).status != 0) acked([&] { log.bookings.push_back(ref); });
                    break;
                }
                case load_kind::registration: {
                    // A new guest (pushed), its account (the first password), then a reset request: its email.
                    const std::string email = "reg" + std::to_string(i) + "@example.com";
                    http_request push{.method = "POST", .target = "/api/xp-store-bookings/bookings", .headers = auth,
                                      .body = json::serialize(json::object{{"bookings", json::array{booking("FO-R-" + std::to_string(i), email)}}})};
                    if (send_until_acked(c, push, log).status == 0) break;
                    http_request reg{.method = "POST", .target = "/api/xp-guest-account/update-password", .headers = auth,
                                     .body = json::serialize(json::object{{"email", email}, {"password", password}})};
                    if (send_until_acked(c, reg, log).status == 0) break;
                    acked([&] { log.registrations.push_back(email); });
                    http_request reset{.method = "POST",
                                       .target = "/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json",
                                       .headers = {{"Authorization", basic(acme_)}},
                                       .body = json::serialize(json::object{{"merchantId", 1234}, {"email", email}})};
                    if (send_until_acked(c, reset, log).status != 0) acked([&] { log.resets.push_back(email); });
                    break;
                }
                case load_kind::login: {
                    http_request req{.method = "POST", .target = "/api/xp-guest-account/login", .headers = auth,
                                     .body = json::serialize(json::object{{"email", "login@example.com"}, {"password", password}})};
                    const http_response r = send_until_acked(c, req, log);
                    if (r.status == 0) break;
                    const json::value body = r.json();
                    const auto* token = body.is_object() ? body.as_object().if_contains("token") : nullptr;
                    if (token != nullptr && token->is_string()) {
                        acked([&] { log.tokens.emplace_back(token->as_string()); });
                    } else {
                        std::lock_guard lock(log.mutex);
                        log.wrong.push_back("login answered 2xx without a token: " + r.body);
                    }
                    break;
                }
                case load_kind::profile: {
                    http_request req{.method = "PUT", .target = "/api/xp-guest-account/guest-informations",
                                     .headers = {{"Authorization", default_auth()}, {"x-guest-token", profile_token_}},
                                     .body = json::serialize(json::object{{"city", "City-" + std::to_string(i)}})};
                    if (send_until_acked(c, req, log).status != 0) acked([&] { log.profile_acked = i; });
                    break;
                }
            }
            // Leave the CPU to the servers between writes: this is a correctness test, not a benchmark.
            std::this_thread::sleep_for(20ms);
        }
    }

    /// Checks that the node at port is a primary holding every write log had acknowledged when called.
    void expect_acknowledged_writes_on(int port, load_log& log, const std::string& when) {
        std::vector<std::string> bookings, registrations, resets;
        int profile = -1;
        {
            std::lock_guard lock(log.mutex);
            bookings = log.bookings;
            registrations = log.registrations;
            resets = log.resets;
            profile = log.profile_acked;
        }
        node_connection node(node_url(port));
        ASSERT_TRUE(node.ok()) << when << ": " << node.error();
        ASSERT_EQ(node.column("SELECT pg_is_in_recovery()::text"), std::vector<std::string>{"false"}) << when;

        // Read what is there after taking the snapshot: the load goes on, so the node may hold more, never less.
        const auto set_of = [&](const std::string& sql) {
            const auto rows = node.column(sql);
            return std::set<std::string>(rows.begin(), rows.end());
        };
        const auto stored_refs = set_of("SELECT reference FROM reservations WHERE merchant_id = 1234");
        const auto accounts = set_of("SELECT g.email FROM accounts a JOIN guests g ON g.id = a.guest_id");
        const auto outbox = set_of("SELECT recipient FROM outbox");
        const auto city = node.column("SELECT city FROM guests WHERE email_norm = 'profile@example.com'");

        int missing = 0;
        for (const auto& ref : bookings) {
            if (!stored_refs.contains(ref) && ++missing <= 5) ADD_FAILURE() << when << ": acknowledged booking " << ref << " is missing";
        }
        for (const auto& email : registrations) {
            if (!accounts.contains(email) && ++missing <= 10) ADD_FAILURE() << when << ": acknowledged account " << email << " is missing";
        }
        for (const auto& email : resets) {
            const bool queued = std::ranges::any_of(outbox, [&](const std::string& r) { return r.find(email) != std::string::npos; });
            if (!queued && ++missing <= 15) ADD_FAILURE() << when << ": the reset email acknowledged to " << email << " is not in the outbox";
        }
        EXPECT_EQ(missing, 0) << when << ": acknowledged writes missing on the new primary";
        ASSERT_EQ(city.size(), 1u) << when;
        const int stored_city = city[0].starts_with("City-") ? std::stoi(city[0].substr(5)) : -1;
        EXPECT_GE(stored_city, profile) << when << ": the profile update answered 2xx for City-" << profile << " is lost";
        std::cout << when << ": the new primary holds all " << bookings.size() << " acknowledged bookings, "
                  << registrations.size() << " accounts, " << resets.size() << " reset emails, City-" << profile
                  << " or later\n";
    }

    std::unique_ptr<formation> formation_;
    std::unique_ptr<server_process> node_b_;
    std::unique_ptr<haproxy_process> proxy_;
    int proxy_port_ = 0;
    std::string profile_token_;
    std::atomic<bool> stop_{false};
};

TEST_F(Failover, TwoFailoversUnderWriteLoadLoseNoAcknowledgedWriteAndServeAgain) {
    const auto first = formation_->wait_healthy(120);
    ASSERT_TRUE(first) << "the formation is not healthy:\n" << formation_->state();

    // The guests the load writes to: one for bookings, one that logs in, one whose profile changes.
    client_ = std::make_unique<http_client>(proxy_->base_url());
    ASSERT_TRUE(is_batch_success(push_bookings({booking("FO-0", "load@example.com"), booking("FO-L", "login@example.com")}),
                                 2, 0));
    set_password("login@example.com", password);
    profile_token_ = guest_with_token("profile@example.com", password, "FO-P");
    ASSERT_FALSE(profile_token_.empty());

    load_log log;
    std::vector<std::thread> threads;
    for (const load_kind k : load_kinds) threads.emplace_back([this, k, &log] { load(k, log); });
    const auto acked_count = [&](load_kind k) {
        std::lock_guard lock(log.mutex);
        return log.acked[k];
    };
    const auto wait_until = [](const std::function<bool()>& done, std::chrono::seconds timeout) {
        const auto deadline = steady::now() + timeout;
        while (!done()) {
            if (steady::now() >= deadline) return false;
            std::this_thread::sleep_for(50ms);
        }
        return true;
    };

    for (int round = 1; round <= 2 && !HasFatalFailure(); ++round) {
        const std::string when = "failover " + std::to_string(round);

        // The old primary (if any) is back as the synchronous standby; once every kind of write has been
        // acknowledged again since, everything acknowledged before is on the standby too (a synchronous commit
        // waits until the standby has flushed the WAL up to it, so all earlier WAL as well).
        const auto healthy = formation_->wait_healthy(180);
        ASSERT_TRUE(healthy) << when << ": the formation did not become healthy:\n" << formation_->state();
        const std::string primary = healthy->first;
        std::map<load_kind, int> before;
        for (const load_kind k : load_kinds) before[k] = acked_count(k);
        ASSERT_TRUE(wait_until([&] {
            return std::ranges::all_of(load_kinds, [&](load_kind k) { return acked_count(k) >= before[k] + 2; });
        }, 60s)) << when << ": the load is not flowing";

        // Kill the primary's agent and postmaster at once, so that the monitor fails over.
        const auto killed_at = steady::now();
        ASSERT_TRUE(formation_->kill(primary)) << when;
        std::map<load_kind, int> at_kill;
        int unavailable_before = 0;
        {
            std::lock_guard lock(log.mutex);
            at_kill = log.acked;
            unavailable_before = log.unavailable_from_guestd + log.unavailable_from_haproxy;
        }

        // The monitor promotes the standby.
        std::optional<std::pair<std::string, int>> promoted;
        ASSERT_TRUE(wait_until([&] {
            promoted = formation_->primary();
            return promoted && promoted->first != primary;
        }, 90s)) << when << ": no other node became primary:\n" << formation_->state();
        const auto promoted_after = steady::now() - killed_at;

        // Every kind of write is answered 2xx again, through haproxy, within the bound.
        const bool served = wait_until([&] {
            return std::ranges::all_of(load_kinds, [&](load_kind k) { return acked_count(k) > at_kill[k]; });
        }, std::chrono::duration_cast<std::chrono::seconds>(serve_again_bound));
        const auto served_after = steady::now() - killed_at;
        EXPECT_TRUE(served) << when << ": the nodes did not serve every kind of write again within "
                            << serve_again_bound.count() << " s";
        int unavailable = 0;
        {
            std::lock_guard lock(log.mutex);
            unavailable = log.unavailable_from_guestd + log.unavailable_from_haproxy - unavailable_before;
        }
        const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
        std::cout << when << ": " << primary << " killed, " << promoted->first << " primary after "
                  << ms(promoted_after) << " ms, every kind of write answered 2xx again after " << ms(served_after)
                  << " ms; " << unavailable << " answers 503 meanwhile\n";

        // Every write acknowledged so far is on the new primary.
        expect_acknowledged_writes_on(promoted->second, log, when);

        // The old primary rejoins as the standby of the new one (pg_rewind, then streaming).
        ASSERT_TRUE(formation_->start(primary)) << when << ": could not start " << primary << "'s agent again";
    }

    // Stop the load; check the last writes and every token a login was answered with.
    stop_ = true;
    for (auto& t : threads) t.join();
    const auto final_primary = formation_->wait_healthy(180);
    ASSERT_TRUE(final_primary) << "the old primary did not rejoin:\n" << formation_->state();
    expect_acknowledged_writes_on(final_primary->second, log, "at the end");
    std::vector<std::string> tokens;
    {
        std::lock_guard lock(log.mutex);
        tokens = log.tokens;
    }
    int revoked = 0;
    for (const auto& token : tokens) {
        if (guest_info(token).status != 200 && ++revoked <= 5) ADD_FAILURE() << "a token a login was answered with does not work";
    }
    EXPECT_EQ(revoked, 0);

    // Nothing but 2xx and 503 (with Retry-After) came back, ever.
    std::lock_guard lock(log.mutex);
    for (const auto& w : log.wrong) ADD_FAILURE() << "neither 2xx nor 503 + Retry-After: " << w;
    std::cout << "acknowledged:";
    for (const load_kind k : load_kinds) std::cout << " " << log.acked[k] << " " << name_of(k) << ";";
    std::cout << " 503: " << log.unavailable_from_guestd << " from guestd, " << log.unavailable_from_haproxy
              << " from haproxy with both nodes out\n";
}

/// guestd on a plain PostgreSQL server of its own (scripts/pg-test-cluster.sh) whose sessions commit synchronously
/// to a standby that never comes: every COMMIT waits, as one does on a primary whose synchronous standby is slow.
class SynchronousCommit : public experience_test {
protected:
    void SetUp() override {
        if (!on_postgres()) GTEST_SKIP() << "needs PostgreSQL";
        cluster_dir_ = std::make_unique<temp_dir>();
        const auto started = run_command("'" + std::string(PG_TEST_CLUSTER_SCRIPT) + "' start '" +
                                         cluster_dir_->path().string() + "/pg'");
        ASSERT_EQ(started.status, 0) << "the PostgreSQL server did not start";
        server_url_ = started.out.substr(0, started.out.find('\n'));

        // guestd's sessions ask for synchronous commits (the server runs with synchronous_commit off).
        const auto url_file = cluster_dir_->path() / "guestd-url";
        {
            std::ofstream out(url_file);
            out << server_url_ << "?options=-c%20synchronous_commit%3Don\n";
        }
        const char* previous = std::getenv("GUESTD_ITEST_PG_URL_FILE");
        const std::string saved = previous != nullptr ? previous : "";
        ::setenv("GUESTD_ITEST_PG_URL_FILE", url_file.c_str(), 1);
        experience_test::SetUp();
        ::setenv("GUESTD_ITEST_PG_URL_FILE", saved.c_str(), 1);
    }

    void TearDown() override {
        experience_test::TearDown();
        if (!cluster_dir_) return;
        {
            node_connection admin(server_url_);
            if (admin.ok()) {
                admin.exec("ALTER SYSTEM RESET synchronous_standby_names");
                (void)admin.column("SELECT pg_reload_conf()::text");
            }
        }
        server_.reset();
        database_.reset();
        (void)run_command("'" + std::string(PG_TEST_CLUSTER_SCRIPT) + "' stop '" + cluster_dir_->path().string() + "/pg'");
    }

    /// Makes every synchronous COMMIT wait for a standby named "absent", or (empty) for none.
    void synchronous_standby(const std::string& name) {
        node_connection admin(server_url_);
        ASSERT_TRUE(admin.ok()) << admin.error();
        admin.exec("ALTER SYSTEM SET synchronous_standby_names = '" + name + "'");
        (void)admin.column("SELECT pg_reload_conf()::text");
    }

    std::unique_ptr<temp_dir> cluster_dir_;
    std::string server_url_;
};

TEST_F(SynchronousCommit, ACommitWhoseWaitForTheStandbyWasCancelledIsAnswered503) {
    synchronous_standby("absent");

    // A booking push commits, and waits for the standby.
    http_response answer;
    std::thread push([&] {
        http_client c(server_->base_url());
        answer = c.send({.method = "POST", .target = "/api/xp-store-bookings/bookings",
                         .headers = {{"Authorization", default_auth()}},
                         .body = json::serialize(json::object{{"bookings", json::array{booking("SC-1", "sync@example.com")}}})});
    });

    // Cancel that wait, as pg_cancel_backend or a cancel request would: PostgreSQL then answers the COMMIT with
    // success and a warning, the transaction committed here but not on any standby.
    node_connection admin(server_url_);
    ASSERT_TRUE(admin.ok()) << admin.error();
    std::vector<std::string> cancelled;
    const auto deadline = steady::now() + 30s;
    while (cancelled.empty() && steady::now() < deadline) {
        std::this_thread::sleep_for(50ms);
        cancelled = admin.column("SELECT pg_cancel_backend(pid)::text FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
    }
    EXPECT_EQ(cancelled, std::vector<std::string>{"true"}) << "no COMMIT waited for the standby";
    push.join();

    // guestd does not acknowledge it: the outcome is unknown to the client, who retries.
    EXPECT_TRUE(is_json(answer, 503, R"({"success": false, "message": "service unavailable"})"));
    EXPECT_TRUE(answer.header("retry-after").has_value());

    // It had committed locally: the retry, once the standby is there (here: no longer required), updates it.
    synchronous_standby("");
    EXPECT_TRUE(is_batch_success(push_bookings({booking("SC-1", "sync@example.com")}), 0, 1));
}

}  // namespace
}  // namespace guestd::itest
