// Operating guestd: health, readiness, metrics and the OpenAPI document; the headers every response carries;
// and the server's stderr log (one access line per request, never a secret).
#include "integration/experience_fixture.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view john = "john.doe@example.com";

class Operations : public experience_test {};
class ServerLog : public experience_test {};

TEST_F(Operations, HealthAndReadinessAnswerOk) {
    EXPECT_TRUE(is_json(get("/healthz"), 200, R"({"status": "ok"})"));
    EXPECT_TRUE(is_json(get("/readyz"), 200, R"({"status": "ready"})"));
    EXPECT_TRUE(is_json(get("/healthz", {{"Authorization", ""}}), 200, R"({"status": "ok"})"))
        << "operational endpoints need no credentials";
}

TEST_F(Operations, MetricsExposeRequestCountsAndQueueDepths) {
    ASSERT_TRUE(is_json(account_exists("nobody@example.com"), 404, R"({"message": "customer not found"})"));
    const http_response r = get("/metrics", {{"Authorization", ""}});
    ASSERT_TRUE(has_status(r, 200));
    EXPECT_NE(r.body.find("guestd_http_requests_total"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("guestd_hash_queue_depth"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("status=\"404\""), std::string::npos) << "the 404 above is counted: " << r.body;
}

TEST_F(Operations, OpenApiDocumentIsServed) {
    const http_response r = get("/openapi.yaml", {{"Authorization", ""}});
    ASSERT_TRUE(has_status(r, 200));
    // YAML may quote the version: `openapi: 3.1.0` and `openapi: "3.1.0"` are the same document.
    EXPECT_THAT(r.body.substr(0, 200), ::testing::ContainsRegex(R"(^openapi: ["']?3\.1\.[0-9]+["']?)"
                                                                "\n"));
    EXPECT_NE(r.body.find("/api/xp-guest-account/guest-informations"), std::string::npos);
}

TEST_F(Operations, EveryResponseCarriesRequestIdAndNoStore) {
    const http_response ok = account_exists("nobody@example.com");
    const http_response echoed = get("/api/xp-guest-account/account-exists?email=a%40b.co",
                                     {{"X-Request-Id", "itest-request-42"}});
    const http_response unauthorized = get("/api/xp-guest-account/account-exists?email=a%40b.co",
                                           {{"Authorization", ""}, {"X-Request-Id", "itest-request-43"}});
    const http_response unknown = get("/no/such/path");
    EXPECT_EQ(echoed.header("X-Request-Id"), std::optional<std::string>("itest-request-42"));
    EXPECT_EQ(unauthorized.header("X-Request-Id"), std::optional<std::string>("itest-request-43"));
    for (const http_response* r : {&ok, &echoed, &unauthorized, &unknown}) {
        SCOPED_TRACE("status " + std::to_string(r->status));
        EXPECT_FALSE(r->header("X-Request-Id").value_or("").empty());
        EXPECT_NE(r->header("Cache-Control").value_or("").find("no-store"), std::string::npos);
    }
    EXPECT_NE(ok.header("X-Request-Id"), unknown.header("X-Request-Id")) << "guestd makes one id per request";
}

/// The access-log lines of a server's stderr: JSON objects with method, path and status.
std::vector<json::object> access_lines(const std::string& log) {
    std::vector<json::object> lines;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        json::value v;
        try {
            v = parse_json(line);
        } catch (const std::exception&) {
            ADD_FAILURE() << "stderr line is not JSON: " << line;
            continue;
        }
        if (!v.is_object()) {
            ADD_FAILURE() << "stderr line is not a JSON object: " << line;
            continue;
        }
        const json::object& o = v.as_object();
        if (o.contains("method") && o.contains("path") && o.contains("status")) lines.push_back(o);
    }
    return lines;
}

std::string without_query(std::string_view target) { return std::string(target.substr(0, target.find('?'))); }

/// The fields of the "listening" line a server logs once it accepts connections.
json::object listening_line(const std::string& log) {
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
        boost::system::error_code ec;
        const json::value v = json::parse(line, ec);
        if (!ec && v.is_object() && v.as_object().contains("event") && v.at("event") == "listening")
            return v.as_object();
    }
    ADD_FAILURE() << "no listening line in: " << log;
    return {};
}

TEST(ServerStartup, RunsReadsOnItsIOThreadsOnSqliteUnlessThePoolIsCapped) {
    const temp_dir dir;
    const test_database db(dir.path());
    const std::vector<std::string> threads = {"--threads", "4", "--hash-threads", "2", "--io-threads", "2"};
    {
        // The default pool: two connections per request thread and one per I/O thread on SQLite.
        server_process server(db.arg(), dir.path() / "default", threads);
        const json::object line = listening_line(server.stderr_text());
        EXPECT_EQ(line.at("inline_reads"), !on_postgres()) << "PostgreSQL's reads are network round trips";
        EXPECT_EQ(line.at("db_pool"), on_postgres() ? 8 : 2 * (4 + 2) + 2 + 2);
    }
    {
        // A pool capped below that: an I/O thread could wait for a connection, so reads go to the workers.
        auto capped = threads;
        capped.insert(capped.end(), {"--db-pool", "4"});
        server_process server(db.arg(), dir.path() / "capped", capped);
        const json::object line = listening_line(server.stderr_text());
        EXPECT_EQ(line.at("inline_reads"), false);
        EXPECT_EQ(line.at("db_pool"), 4);
    }
}

TEST_F(ServerLog, LogsOneAccessLinePerRequestAndNoSecret) {
    const std::string password = "correct horse battery staple";
    const std::string wrong = "incorrect donkey battery clip";
    const std::string changed = "yet another long passphrase";
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    set_password(john, password);
    EXPECT_TRUE(has_status(login_call(john, wrong), 401));
    const std::string token = login(john, password);
    EXPECT_TRUE(has_status(guest_info(token), 200));
    EXPECT_TRUE(has_status(guest_reservations(token), 200));
    EXPECT_TRUE(has_status(put_guest_info(token, json::object{{"city", "Lyon"}}), 200));
    EXPECT_TRUE(is_unauthorized(guest_info("garbage-token")));
    set_password(john, changed);
    EXPECT_TRUE(is_unauthorized(guest_info(token)));
    EXPECT_TRUE(has_status(get("/healthz"), 200));

    ASSERT_EQ(server_->stop(), 0);
    const std::string log = server_->stderr_text() + server_->stdout_text();

    // No secret reaches the log.
    for (const auto& [what, secret] : std::map<std::string, std::string>{{"password", password},
                                                                         {"wrong password", wrong},
                                                                         {"new password", changed},
                                                                         {"guest token", token},
                                                                         {"partner token", acme_.token},
                                                                         {"hotel token", hotel_a_.hotel_token}}) {
        ASSERT_FALSE(secret.empty()) << what;
        EXPECT_EQ(log.find(secret), std::string::npos) << "the " << what << " appears in the server's log";
    }

    // One access line per request, with the method, path and status it had.
    const std::vector<json::object> lines = access_lines(server_->stderr_text());
    const auto& sent = client_->history();
    EXPECT_EQ(lines.size(), sent.size());
    std::multiset<std::tuple<std::string, std::string, long>> expected;
    for (const auto& e : sent) expected.emplace(e.method, without_query(e.target), e.status);
    std::multiset<std::tuple<std::string, std::string, long>> logged;
    std::set<std::string> request_ids;
    for (const auto& o : lines) {
        for (const char* key : {"request_id", "method", "path", "endpoint", "status", "duration_ms"}) {
            EXPECT_TRUE(o.contains(key)) << key << " missing in " << json::serialize(o);
        }
        if (o.contains("request_id") && o.at("request_id").is_string()) {
            request_ids.emplace(o.at("request_id").as_string());
        }
        if (o.at("method").is_string() && o.at("path").is_string() && o.at("status").is_number()) {
            logged.emplace(std::string(o.at("method").as_string()), without_query(o.at("path").as_string()),
                           o.at("status").to_number<long>());
        }
    }
    EXPECT_EQ(logged, expected);
    EXPECT_EQ(request_ids.size(), lines.size()) << "each access line has its own request id";
}

}  // namespace
}  // namespace guestd::itest
