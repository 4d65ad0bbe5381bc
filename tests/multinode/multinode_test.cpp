// Two guestd nodes on one PostgreSQL database behind haproxy (issue #5): what one node does, the other sees at once
// (tokens, failed-login counts and locks, reset codes), both mail workers deliver each email exactly once to one
// SMTP server, and a node killed (SIGKILL) in the middle of a write load loses no acknowledged write while clients
// going through haproxy carry on. Runs only on PostgreSQL: ctest gives it the `pg` fixture's cluster.
#include "integration/paytronix_fixture.hpp"
#include "integration/smtp_sink.hpp"
#include "multinode/haproxy.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace guestd::itest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view jane = "jane.roe@example.com";
constexpr std::string_view password = "correct horse battery staple";
constexpr std::string_view new_password = "plum orchard under snow 42";
constexpr const char* wrong_password = R"({"message": "The password provided for the customer is incorrect."})";

enum class node { a, b, proxy };

/// Runs fn(0) ... fn(n - 1) on n threads at once and joins them.
void parallel(int n, const std::function<void(int)>& fn) {
    std::vector<std::thread> threads;
    threads.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) threads.emplace_back(fn, i);
    for (auto& t : threads) t.join();
}

std::string host_port(const std::string& base_url) {
    constexpr std::string_view scheme = "http://";
    return base_url.starts_with(scheme) ? base_url.substr(scheme.size()) : base_url;
}

/// paytronix_test with two nodes: node A (the fixture's server_) and node B on the same PostgreSQL database, both
/// delivering mail to one aiosmtpd, both linking to haproxy's address, and haproxy in front of them.
class MultiNode : public paytronix_test {
protected:
    void SetUp() override {
        if (!on_postgres()) GTEST_SKIP() << "several nodes need PostgreSQL: set GUESTD_ITEST_PG_URL_FILE (ctest does)";
        paytronix_test::SetUp();  // the world, the SMTP sink and node A
        if (HasFatalFailure()) return;
        try {
            node_b_ = std::make_unique<server_process>(db_, dir_->path() / "node-b", server_args());
            proxy_ = std::make_unique<haproxy_process>(
                dir_->path(), std::vector<std::string>{host_port(server_->base_url()), host_port(node_b_->base_url())},
                proxy_port_);
        } catch (const std::exception& e) {
            GTEST_FAIL() << e.what();
        }
        // Start every test with both nodes in service.
        ASSERT_TRUE(proxy_->wait_for_status("a", "UP")) << "haproxy never saw node A up";
        ASSERT_TRUE(proxy_->wait_for_status("b", "UP")) << "haproxy never saw node B up";
    }

    void TearDown() override {
        paytronix_test::TearDown();  // node A
        if (node_b_) {
            node_b_->stop();
            if (HasFailure()) std::cerr << "---- node B stderr ----\n" << tail(node_b_->stderr_text()) << "\n";
        }
        if (proxy_) {
            if (HasFailure()) std::cerr << "---- haproxy stderr ----\n" << tail(proxy_->stderr_text()) << "\n";
            proxy_.reset();
        }
        if (sink_) {
            sink_->stop();
            if (HasFailure()) std::cerr << "---- smtp sink stderr ----\n" << tail(sink_->stderr_text()) << "\n";
        }
    }

    void before_server() override {
        sink_ = std::make_unique<smtp_sink>(inbox(), dir_->path() / "smtp-sink");
        proxy_port_ = free_loopback_port();
    }

    std::vector<std::string> server_args() const override {
        return {"--smtp",       sink_->url(),
                "--mail-poll-ms", "50",
                "--mail-from",  "Guestd Tests <no-reply@guestd.test>",
                "--public-url", proxy_url()};
    }

    std::filesystem::path inbox() const override { return dir_->path() / "received"; }

    std::string proxy_url() const { return "http://127.0.0.1:" + std::to_string(proxy_port_); }

    std::string url_of(node n) const {
        switch (n) {
            case node::a: return server_->base_url();
            case node::b: return node_b_->base_url();
            case node::proxy: return proxy_->base_url();
        }
        return {};
    }

    /// Sends the fixture's calls (login, guest_info, request_reset...) to that node from now on.
    void use(node n) { client_ = std::make_unique<http_client>(url_of(n)); }

    static std::string tail(std::string s) { return s.size() > 4000 ? "..." + s.substr(s.size() - 4000) : s; }

    /// `guestd audit --merchant 1234 --email email --kind kind`: the events, parsed.
    std::vector<json::object> audit_events(std::string_view email, std::string_view kind) {
        const run_result run = run_guestd({"audit", "--merchant", "1234", "--email", std::string(email), "--kind",
                                           std::string(kind), "--db", db_.string()});
        EXPECT_EQ(run.exit_code, 0) << run.err;
        std::vector<json::object> events;
        std::stringstream in(run.out);
        for (std::string line; std::getline(in, line);) {
            if (line.empty()) continue;
            const json::value v = parse_json(line);
            if (v.is_object()) events.push_back(v.as_object());
        }
        return events;
    }

    /// A Paytronix reset request for email, sent on its own client (safe to call from several threads).
    http_response reset_on(node n, std::string_view email) {
        http_client c(url_of(n));
        return c.send({.method = "POST",
                       .target = "/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json",
                       .headers = {{"Authorization", basic(acme_)}},
                       .body = json::serialize(json::object{{"merchantId", 1234}, {"email", email}})});
    }

    /// A login sent on its own client (safe to call from several threads).
    http_response login_on(node n, std::string_view email, std::string_view pass) {
        http_client c(url_of(n));
        return c.send({.method = "POST",
                       .target = "/api/xp-guest-account/login",
                       .headers = {{"Authorization", default_auth()}},
                       .body = json::serialize(json::object{{"email", email}, {"password", pass}})});
    }

    std::unique_ptr<smtp_sink> sink_;
    std::unique_ptr<server_process> node_b_;
    std::unique_ptr<haproxy_process> proxy_;
    int proxy_port_ = 0;
};

TEST_F(MultiNode, ATokenIssuedThroughNodeAWorksThroughNodeB) {
    use(node::a);
    make_account(john, password);
    const std::string token = login(john, password);
    ASSERT_FALSE(token.empty());

    // Node B knows the token at once, and what it writes node A reads.
    use(node::b);
    const http_response info = guest_info(token);
    ASSERT_TRUE(has_status(info, 200));
    EXPECT_EQ(info.json().at("email"), json::value(john));
    ASSERT_TRUE(has_status(put_guest_info(token, {{"city", "Lyon"}}), 200));
    use(node::a);
    EXPECT_EQ(guest_info(token).json().at("city"), json::value("Lyon"));
    EXPECT_TRUE(has_status(guest_reservations(token), 200));

    // Through haproxy, whichever node answers.
    use(node::proxy);
    for (int i = 0; i < 6; ++i) EXPECT_TRUE(has_status(guest_info(token), 200)) << "read " << i << " through haproxy";

    // A password set through B revokes the token on A.
    use(node::b);
    set_password(john, new_password);
    use(node::a);
    EXPECT_TRUE(is_unauthorized(guest_info(token)));
    EXPECT_TRUE(is_json(login_call(john, password), 401, wrong_password));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
}

TEST_F(MultiNode, FailuresCountedOnNodeALockTheAccountOnNodeB) {
    use(node::a);
    make_account(john, password);
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(is_json(login_call(john, "not the password"), 401, wrong_password)) << "failure " << i + 1;
    }
    // The tenth failure on A armed the lock: B refuses even the right password.
    use(node::b);
    const http_response refused = login_call(john, password);
    EXPECT_TRUE(is_json(refused, 429, R"({"message": "too many failed logins, retry later"})"));
    const std::string retry_after = refused.header("retry-after").value_or("");
    EXPECT_FALSE(retry_after.empty());
    if (!retry_after.empty()) {
        EXPECT_GT(std::stoi(retry_after), 0);
    }
    use(node::a);
    EXPECT_EQ(login_call(john, password).status, 429);
    EXPECT_EQ(audit_events(john, "account.locked").size(), 1u);
}

TEST_F(MultiNode, FailuresSentToBothNodesAtOnceAreEachCountedOnce) {
    use(node::a);
    make_account(jane, password, "BK-2001");
    // Ten wrong passwords at once, five through each node: the count is the database's, so all ten count, once
    // each, and the tenth arms the lock exactly once.
    std::vector<long> statuses(10);
    parallel(10, [&](int i) { statuses[static_cast<std::size_t>(i)] = login_on(i % 2 ? node::b : node::a, jane, "nope").status; });
    for (const long s : statuses) EXPECT_EQ(s, 401);

    std::multiset<std::int64_t> counts;
    for (const auto& e : audit_events(jane, "login")) {
        const auto* detail = e.if_contains("detail");
        const auto* n = detail != nullptr && detail->is_object() ? detail->as_object().if_contains("consecutive_failures")
                                                                 : nullptr;
        if (n != nullptr && n->is_int64()) counts.insert(n->as_int64());
    }
    EXPECT_EQ(counts, (std::multiset<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    EXPECT_EQ(audit_events(jane, "account.locked").size(), 1u);
    EXPECT_EQ(login_on(node::a, jane, password).status, 429);
    EXPECT_EQ(login_on(node::b, jane, password).status, 429);
}

TEST_F(MultiNode, AResetRequestedOnNodeACompletesOnNodeB) {
    use(node::a);
    make_account(john, password);
    const std::string token = login(john, password);
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));

    // The email links to haproxy's address, whichever node sent it.
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].envelope_to, std::vector<std::string>{std::string(john)});
    const std::string link = reset_link(mails[0]);
    EXPECT_TRUE(link.starts_with(proxy_url() + "/reset-password?merchant=1234&code=")) << link;
    const std::string code = code_of(link);

    use(node::b);
    EXPECT_TRUE(is_completed(complete_reset(code, new_password)));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
    use(node::a);
    EXPECT_TRUE(is_json(login_call(john, password), 401, wrong_password));
    EXPECT_TRUE(is_unauthorized(guest_info(token)));
    EXPECT_TRUE(is_failure(complete_reset(code, "another fine passphrase"), 200, "guestmanagement.invalid_reset_code"));

    // The same through the hosted page behind haproxy, for a reset requested on B.
    make_account(jane, password, "BK-2001");
    use(node::b);
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", jane}}), jane));
    const auto more = wait_for_mails(3);  // john's "password changed" notice, then jane's reset
    ASSERT_EQ(more.size(), 3u);
    const mail_message* for_jane = nullptr;
    for (const auto& m : more) {
        if (m.envelope_to == std::vector<std::string>{std::string(jane)}) for_jane = &m;
    }
    ASSERT_NE(for_jane, nullptr);
    const std::string jane_link = reset_link(*for_jane);
    use(node::proxy);
    const http_response page = open_page(jane_link);
    ASSERT_TRUE(has_status(page, 200));
    EXPECT_NE(page.body.find("<form"), std::string::npos) << page.body;
    EXPECT_TRUE(has_status(submit_page(code_of(jane_link), new_password, new_password), 200));
    use(node::a);
    EXPECT_TRUE(has_status(login_call(jane, new_password), 200));

    // Both notices arrive, and nothing arrives twice.
    EXPECT_EQ(wait_for_mails(4).size(), 4u);
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(read_mails(inbox()).size(), 4u);
}

TEST_F(MultiNode, WithBothNodesDeliveringEachEmailArrivesExactlyOnce) {
    // N guests with accounts; one reset each, requested through both nodes at once, so both mail workers are
    // awake and polling every 50 ms while the outbox fills.
    constexpr int n = 24;
    std::vector<std::string> emails;
    json::array bookings;
    for (int i = 0; i < n; ++i) {
        emails.push_back("guest" + std::to_string(i) + "@example.com");
        bookings.push_back(booking("BK-M" + std::to_string(i), emails.back()));
    }
    use(node::a);
    ASSERT_TRUE(is_batch_success(push_bookings(bookings), n, 0));
    parallel(2, [&](int t) {
        http_client c(url_of(t == 0 ? node::a : node::b));
        for (auto i = static_cast<std::size_t>(t); i < emails.size(); i += 2) {
            const http_response r =
                c.send({.method = "POST",
                        .target = "/api/xp-guest-account/update-password",
                        .headers = {{"Authorization", default_auth()}},
                        .body = json::serialize(json::object{{"email", emails[i]}, {"password", password}})});
            EXPECT_EQ(r.status, 200) << emails[i] << ": " << r.body;
        }
    });
    std::vector<http_response> answers(n);
    parallel(2, [&](int t) {
        for (auto i = static_cast<std::size_t>(t); i < emails.size(); i += 2)
            answers[i] = reset_on(t == 0 ? node::a : node::b, emails[i]);
    });
    for (std::size_t i = 0; i < emails.size(); ++i) EXPECT_TRUE(is_reset_success(answers[i], emails[i]));

    // Every email arrives; then, after a quiet second (twenty polls of each worker), no other.
    ASSERT_EQ(wait_for_mails(n, 60s).size(), static_cast<std::size_t>(n));
    std::this_thread::sleep_for(1s);
    const auto mails = read_mails(inbox());
    EXPECT_EQ(mails.size(), static_cast<std::size_t>(n));

    std::set<std::string> message_ids;
    std::set<std::string> codes;
    std::map<std::string, int> per_recipient;
    for (const auto& m : mails) {
        message_ids.insert(m.header("message-id").value_or(""));
        codes.insert(code_of(reset_link(m)));
        for (const auto& r : m.envelope_to) ++per_recipient[r];
    }
    EXPECT_EQ(message_ids.size(), mails.size()) << "a Message-ID arrived twice";
    EXPECT_FALSE(message_ids.contains(""));
    EXPECT_EQ(codes.size(), mails.size()) << "a reset code arrived twice";
    for (const auto& e : emails) EXPECT_EQ(per_recipient[e], 1) << e;
    EXPECT_EQ(per_recipient.size(), emails.size());
    EXPECT_EQ(outbox("sent").size(), static_cast<std::size_t>(n));
    EXPECT_TRUE(outbox("pending").empty()) << json::serialize(outbox("pending"));

    // Who sent what is up to the race between the workers; say it, without asserting it.
    const auto sent_by = [](const std::string& log) {
        int count = 0;
        for (auto at = log.find("\"mail_sent\""); at != std::string::npos; at = log.find("\"mail_sent\"", at + 1)) ++count;
        return count;
    };
    std::cout << "node A sent " << sent_by(server_->stderr_text()) << " email(s), node B "
              << sent_by(node_b_->stderr_text()) << "\n";
}

/// What one load thread did: the writes acknowledged (2xx) before and after the kill, and every failed attempt.
struct load_record {
    std::vector<std::string> acked;  // booking references, or "<email> <password>" for password changes
    std::atomic<int> acked_after_kill{0};
    std::vector<std::string> failures;  // "status error" of each failed attempt
    int gave_up = 0;                    // requests that never succeeded
};

TEST_F(MultiNode, SigkillOfNodeAMidWriteLoadLosesNoAcknowledgedWrite) {
    constexpr std::string_view load_guest = "load@example.com";
    const std::vector<std::string> pw_guests{"pw0@example.com", "pw1@example.com", "pw2@example.com"};
    use(node::a);
    make_account(load_guest, password, "LOAD-0");
    for (std::size_t i = 0; i < pw_guests.size(); ++i) make_account(pw_guests[i], password, "PW-" + std::to_string(i));

    // Three clients through haproxy: two push bookings with distinct references, one changes passwords. A failed
    // request is retried as it was (the client's own retry) until it succeeds.
    constexpr int threads = 3;
    std::vector<load_record> records(threads);
    std::atomic<bool> killed{false};
    std::atomic<bool> stop{false};
    std::atomic<int> acked{0};
    std::atomic<int> acked_after_kill{0};
    std::vector<std::thread> load;
    for (int t = 0; t < threads; ++t) {
        load.emplace_back([&, t] {
            http_client c(proxy_->base_url());
            load_record& rec = records[static_cast<std::size_t>(t)];
            for (int i = 1; !stop; ++i) {
                http_request req{.method = "POST", .headers = {{"Authorization", default_auth()}}};
                std::string what;
                if (t < 2) {
                    what = "LOAD-" + std::to_string(t) + "-" + std::to_string(i);
                    req.target = "/api/xp-store-bookings/bookings";
                    req.body = json::serialize(json::object{{"bookings", json::array{booking(what, load_guest)}}});
                } else {
                    const std::string& email = pw_guests[static_cast<std::size_t>(i) % pw_guests.size()];
                    const std::string pass = "load passphrase " + std::to_string(i);
                    what = email + " " + pass;
                    req.target = "/api/xp-guest-account/update-password";
                    req.body = json::serialize(json::object{{"email", email}, {"password", pass}});
                }
                bool done = false;
                for (int attempt = 0; attempt < 20 && !done; ++attempt) {
                    const http_response r = c.send(req);
                    if (r.status >= 200 && r.status < 300) {
                        done = true;
                    } else {
                        rec.failures.push_back(std::to_string(r.status) + " " + r.error);
                        std::this_thread::sleep_for(100ms);
                    }
                }
                if (!done) {
                    ++rec.gave_up;
                    continue;
                }
                rec.acked.push_back(what);
                ++acked;
                if (killed) {
                    ++rec.acked_after_kill;
                    ++acked_after_kill;
                }
            }
        });
    }
    const auto wait_until = [&](const std::function<bool()>& done) {
        const auto deadline = std::chrono::steady_clock::now() + 90s;
        while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
        return done();
    };

    // Kill node A once the load is flowing, and keep going until every client has carried on for a while.
    const bool flowing = wait_until([&] { return acked >= 30; });
    EXPECT_TRUE(flowing) << "the load never got going";
    EXPECT_EQ(server_->stop(SIGKILL), 128 + SIGKILL);
    killed = true;
    const bool carried_on = wait_until([&] {
        if (acked_after_kill < 30) return false;
        for (const auto& r : records)
            if (r.acked_after_kill < 3) return false;
        return true;
    });
    stop = true;
    for (auto& t : load) t.join();
    EXPECT_TRUE(carried_on) << "clients through haproxy did not carry on after the kill";
    EXPECT_TRUE(proxy_->wait_for_status("a", "DOWN")) << "haproxy did not take node A out";

    // Failures: only requests node A held when it died, each answered by haproxy (no transport error, nothing from
    // guestd), and each client's retry succeeded.
    int failures = 0;
    for (int t = 0; t < threads; ++t) {
        const auto& rec = records[static_cast<std::size_t>(t)];
        EXPECT_EQ(rec.gave_up, 0) << "client " << t;
        failures += static_cast<int>(rec.failures.size());
        for (const auto& f : rec.failures) {
            EXPECT_TRUE(f.starts_with("502 ") || f.starts_with("503 ") || f.starts_with("504 "))
                << "client " << t << " got " << f;
        }
    }
    EXPECT_LE(failures, 2 * threads) << "more failed requests than requests in flight on node A";
    std::cout << "acknowledged " << acked << " writes, " << acked_after_kill << " after the kill; " << failures
              << " failed attempt(s), each retried with success\n";

    // Every acknowledged write is there, read through node B.
    use(node::b);
    const std::string token = login(load_guest, password);
    ASSERT_FALSE(token.empty());
    const http_response list = guest_reservations(token);
    ASSERT_TRUE(has_status(list, 200));
    std::set<std::string> stored;
    const json::value listed = list.json();
    ASSERT_TRUE(listed.is_array()) << list.body;
    for (const auto& r : listed.as_array()) stored.insert(std::string(r.at("reference").as_string()));
    std::map<std::string, std::string> last_password;
    for (int t = 0; t < threads; ++t) {
        for (const auto& w : records[static_cast<std::size_t>(t)].acked) {
            if (t < 2) {
                EXPECT_TRUE(stored.contains(w)) << "acknowledged booking " << w << " is missing";
            } else {
                const auto space = w.find(' ');
                last_password[w.substr(0, space)] = w.substr(space + 1);
            }
        }
    }
    EXPECT_FALSE(last_password.empty());
    for (const auto& [email, pass] : last_password) {
        EXPECT_TRUE(has_status(login_call(email, pass), 200)) << "the last acknowledged password of " << email;
    }

    // And haproxy keeps serving with node A gone.
    use(node::proxy);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(has_status(guest_reservations(token), 200));
}

}  // namespace
}  // namespace guestd::itest
