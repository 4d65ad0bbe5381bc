// Several nodes behind haproxy (issue #5) as one node sees it: `--trusted-proxy` takes the client address from
// X-Forwarded-For only when the peer is a trusted proxy (the audit trail and the per-address throttles then see
// the guest), and `--db-pool` caps the node's database connections (checked in pg_stat_activity on PostgreSQL).
#include "integration/harness.hpp"
#include "integration/operations_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr const char* kGuest = "proxy.guest@example.com";
constexpr const char* kPassword = "correct horse battery staple";

TEST(ServeOptions, ABadPoolSizeOrProxyRangeIsACommandLineError) {
    temp_dir dir;
    const auto db = (dir.path() / "guestd.db").string();
    for (const char* pool : {"1", "1001", "-3", "lots", ""}) {
        const auto run = run_guestd({"serve", "--db", db, "--listen", "127.0.0.1:0", "--db-pool", pool});
        EXPECT_EQ(run.exit_code, 2) << "--db-pool " << pool << ": " << run.err;
        EXPECT_NE(run.err.find("--db-pool"), std::string::npos) << run.err;
        EXPECT_EQ(run.out, "");
    }
    for (const char* range : {"10.0.0.0/33", "fd00::/200", "haproxy.internal", "10.0.0.1:80"}) {
        const auto run = run_guestd({"serve", "--db", db, "--listen", "127.0.0.1:0", "--trusted-proxy", range});
        EXPECT_EQ(run.exit_code, 2) << "--trusted-proxy " << range << ": " << run.err;
        EXPECT_NE(run.err.find("--trusted-proxy"), std::string::npos) << run.err;
    }
    // Nothing was served, so nothing was created.
    EXPECT_FALSE(std::filesystem::exists(db));
}

TEST(ServeOptions, HelpNamesBothOptions) {
    const auto run = run_guestd({"serve", "--help"});
    EXPECT_EQ(run.exit_code, 0);
    EXPECT_NE(run.out.find("--db-pool"), std::string::npos);
    EXPECT_NE(run.out.find("--trusted-proxy"), std::string::npos);
}

class TrustedProxy : public operations_test {
protected:
    std::vector<std::string> server_args() const override {
        auto args = operations_test::server_args();
        if (trust_) args.insert(args.end(), {"--trusted-proxy", "127.0.0.0/8", "--trusted-proxy", "::1"});
        return args;
    }

    http_response login_from(std::string_view forwarded_for, std::string_view request_id) {
        return post("/api/xp-guest-account/login", json::object{{"email", kGuest}, {"password", kPassword}},
                    {{"X-Request-Id", std::string(request_id)}, {"X-Forwarded-For", std::string(forwarded_for)}});
    }

    /// The client address audited for the request with that id ("" and a failure when not exactly one event).
    std::string audited_address(std::string_view request_id) {
        std::vector<json::object> found;
        for (const auto& e : audit({"--email", kGuest}))
            if (string_at(e, "request_id") == request_id) found.push_back(e);
        EXPECT_EQ(found.size(), 1u) << request_id;
        return found.size() == 1 ? string_at(found[0], "client_address") : "";
    }

    /// Looks up an unknown code on the hosted page from forwarded_for until it answers 429; the look-ups it took
    /// (0 when it never did within 200).
    int lookups_until_throttled(std::string_view forwarded_for) {
        for (int i = 1; i <= 200; ++i) {
            const auto r = client_->send({.method = "GET",
                                          .target = "/reset-password?code=nosuchcode" + std::to_string(i),
                                          .headers = {{"X-Forwarded-For", std::string(forwarded_for)}}});
            if (r.status == 429) return i;
            if (r.status == 0) return 0;
        }
        return 0;
    }

    http_response lookup_from(std::string_view forwarded_for) {
        return client_->send({.method = "GET", .target = "/reset-password?code=another",
                              .headers = {{"X-Forwarded-For", std::string(forwarded_for)}}});
    }

    bool trust_ = true;
};

TEST_F(TrustedProxy, TheAuditTrailRecordsTheForwardedAddress) {
    make_account(kGuest, kPassword);
    ASSERT_EQ(login_from("203.0.113.7", "proxy-login-1").status, 200);
    // A chain: the rightmost untrusted hop wins, whatever the client wrote on the left.
    ASSERT_EQ(login_from("198.51.100.1, 203.0.113.8, 127.0.0.9", "proxy-login-2").status, 200);
    ASSERT_EQ(login_from("2001:db8::7", "proxy-login-3").status, 200);
    // Garbage: the peer.
    ASSERT_EQ(login_from("203.0.113.7:1234, <script>", "proxy-login-4").status, 200);
    EXPECT_EQ(audited_address("proxy-login-1"), "203.0.113.7");
    EXPECT_EQ(audited_address("proxy-login-2"), "203.0.113.8");
    EXPECT_EQ(audited_address("proxy-login-3"), "2001:db8::7");
    EXPECT_EQ(audited_address("proxy-login-4"), "127.0.0.1");
}

TEST_F(TrustedProxy, WithoutTheSettingTheHeaderIsIgnored) {
    trust_ = false;
    restart_guestd();
    make_account(kGuest, kPassword);
    ASSERT_EQ(login_from("203.0.113.7", "proxy-untrusted-1").status, 200);
    EXPECT_EQ(audited_address("proxy-untrusted-1"), "127.0.0.1");
    // One budget for everybody: once it is spent, another forwarded address is throttled too.
    EXPECT_GT(lookups_until_throttled("203.0.113.20"), 1);
    EXPECT_EQ(lookup_from("203.0.113.21").status, 429);
}

TEST_F(TrustedProxy, EachForwardedAddressHasItsOwnThrottleBudget) {
    const int first = lookups_until_throttled("203.0.113.30");
    ASSERT_GT(first, 1) << "the hosted page should throttle code look-ups per address";
    EXPECT_EQ(lookup_from("203.0.113.30").status, 429);
    // Another guest behind the same proxy still has a whole budget; so does the proxy itself.
    EXPECT_EQ(lookup_from("203.0.113.31").status, 200);
    EXPECT_EQ(lookups_until_throttled("203.0.113.31"), first - 1);
    EXPECT_EQ(client_->send({.method = "GET", .target = "/reset-password?code=x"}).status, 200);
}

/// The PostgreSQL database a URL names (its path, without the query).
std::string database_name(const std::string& url) {
    auto name = url.substr(url.rfind('/') + 1);
    return name.substr(0, name.find('?'));
}

/// Connections to dbname that guestd opened (application_name guestd), from conn's point of view.
int guestd_connections(PGconn* conn, const std::string& dbname) {
    const char* params[] = {dbname.c_str()};
    PGresult* r = PQexecParams(conn,
                               "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND "
                               "application_name = 'guestd'",
                               1, nullptr, params, nullptr, nullptr, 0);
    const int n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::stoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
}

TEST(DbPool, ANodeOpensAtMostTheConfiguredConnections) {
    if (!on_postgres()) GTEST_SKIP() << "counts PostgreSQL connections (integration.proxy.postgres)";
    temp_dir dir;
    test_database database(dir.path());
    const auto hotel = add_merchant(database.arg(), 1234, "Hotel Test");
    // Eight request workers, but three connections: a ninth request must wait for one of the three.
    server_process server(database.arg(), dir.path() / "server",
                          {"--db-pool", "3", "--threads", "8", "--hash-threads", "1", "--mail-spool",
                           (dir.path() / "spool").string()});
    const std::string dbname = database_name(database.arg());

    PGconn* conn = PQconnectdb((database.arg() + (database.arg().find('?') == std::string::npos ? "?" : "&") +
                                "application_name=proxy_test").c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    std::unique_ptr<PGconn, decltype(&PQfinish)> guard(conn, &PQfinish);

    // Hold every table a token check reads, so each request keeps its connection while it waits for the lock.
    PQclear(PQexec(conn, "BEGIN; LOCK TABLE merchants, partners, partner_merchants IN ACCESS EXCLUSIVE MODE"));
    std::vector<std::thread> clients;
    for (int i = 0; i < 8; ++i) {
        clients.emplace_back([&server, &hotel] {
            http_client c(server.base_url());
            c.send({.method = "GET", .target = "/api/xp-guest-account/account-exists?email=nobody%40example.com",
                    .headers = {{"Authorization", "Bearer nosuchpartner:" + hotel.hotel_token}}});
        });
    }
    // The pool fills up to three while the lock holds (at most 5 s: guestd's lock timeout), and never past it.
    int most = 0;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < until) {
        most = std::max(most, guestd_connections(conn, dbname));
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    PQclear(PQexec(conn, "COMMIT"));
    for (auto& t : clients) t.join();
    most = std::max(most, guestd_connections(conn, dbname));
    EXPECT_EQ(most, 3) << "guestd --db-pool 3 should open exactly three connections under load";
    EXPECT_EQ(guestd_connections(conn, dbname), 3) << "the pool keeps its connections";
    EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace guestd::itest
