// Crash safety (issue #6): guestd under a concurrent write load (registrations, password changes, logins, profile
// updates, booking pushes and password-reset requests) is killed with SIGKILL at random moments, at least 20
// times. After each restart, with the load paused, every write that was acknowledged with a 2xx must be there
// (read back through the API), the SQLite file must pass `PRAGMA integrity_check`, and every reset email that a
// 2xx promised must reach the mail spool (the outbox row shares the reset's transaction; the restarted worker
// delivers it). A write that got no answer (the kill came first) may or may not have landed: the check accepts
// either, then carries on from what it found.
//
// The moments are drawn from a seeded RNG; the seed is printed and GUESTD_CRASH_SEED replays a run.
#include "integration/paytronix_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace guestd::itest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int k_min_kills = 20;       // the issue asks for at least 20
constexpr int k_max_kills = 24;       // more while the run is quick, none past k_extra_budget
constexpr auto k_extra_budget = std::chrono::seconds(60);
constexpr std::size_t k_writers = 3;  // concurrent clients (the machine has 2 cores)
constexpr int k_max_guests = 5;       // per writer: bounds the verification's password hashing
constexpr int k_resets_per_guest = 3; // the hourly cap: a 4th anonymous request answers 2xx without an email

/// What the test knows about one guest: what a 2xx confirmed, and at most one write still in doubt (sent, no
/// answer before the kill). Each guest belongs to one writer thread, which is the only one to touch it during a
/// load phase; the main thread reads and resolves it between phases.
struct guest {
    std::string email;
    bool booked = false;                      // the registration booking was acknowledged
    bool registered = false;                  // an update-password was acknowledged
    std::string password;                     // the last acknowledged password
    std::optional<std::string> doubt_password;
    std::string mobile;                       // the last acknowledged mobile ("" none yet)
    std::optional<std::string> doubt_mobile;
    std::string token;                        // a session token from an acknowledged login, "" when revoked
    std::vector<std::string> bookings;        // acknowledged booking references
    int resets_acked = 0;                     // anonymous reset requests answered success
    int resets_sent = 0;                      // including unanswered ones (the cap counts what landed)

    bool in_doubt() const { return doubt_password || doubt_mobile; }
};

/// Whether the response acknowledged the write.
bool acked(const http_response& r) { return r.status >= 200 && r.status < 300; }

/// Whether the connection was refused: the server was already dead and nothing was sent.
bool refused(const http_response& r) {
    return r.status == 0 && r.error == "Couldn't connect to server";  // curl_easy_strerror(CURLE_COULDNT_CONNECT)
}

/// Whether the request may have reached a handler: no answer (other than a refused connection), or a server
/// error. A definite 4xx did not write.
bool unanswered(const http_response& r) { return (r.status == 0 && !refused(r)) || r.status >= 500; }

/// Records a failure for an answer no write should get (a refused connection is not one).
void unexpected(const http_response& r, std::string_view what) {
    if (!refused(r)) ADD_FAILURE() << what << ": " << r.status << " " << r.error << " " << r.body;
}

class CrashSafety : public paytronix_test {
protected:
    /// The seed: $GUESTD_CRASH_SEED, or a fresh random one.
    static std::uint64_t seed() {
        if (const char* s = std::getenv("GUESTD_CRASH_SEED"); s != nullptr && *s != '\0')
            return std::strtoull(s, nullptr, 10);
        return std::random_device{}();
    }

    std::string partner_auth() const { return default_auth(); }

    /// `PRAGMA integrity_check` through the sqlite3 shell (a reader beside the server, as WAL allows).
    std::string integrity_check() const {
        const std::string command = "sqlite3 '" + db_.string() + "' 'PRAGMA integrity_check;' 2>&1";
        std::string out;
        if (FILE* p = ::popen(command.c_str(), "r")) {
            char buf[4096];
            while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
            ::pclose(p);
        }
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        return out;
    }

    /// Starts a server on the same database and spool after a kill.
    void start_again(int cycle) {
        server_ = std::make_unique<server_process>(db_, dir_->path() / ("crash-server-" + std::to_string(cycle)),
                                                   server_args(), std::chrono::seconds(30));
        client_ = std::make_unique<http_client>(server_->base_url());
    }

    /// One writer's load phase: random writes on its own guests until stop is set.
    void write_load(std::size_t writer, std::uint64_t phase_seed, const std::string& base_url, std::vector<guest>& mine,
                    const std::atomic<bool>& stop, int& serial) {
        std::mt19937_64 rng(phase_seed);
        http_client c(base_url);
        const header_list auth = {{"Authorization", partner_auth()}};
        auto post = [&](const std::string& target, const json::value& body, header_list headers) {
            return c.send({"POST", target, std::move(headers), json::serialize(body)});
        };
        while (!stop.load()) {
            // Pick a guest that is not in doubt, or start a new one.
            std::vector<guest*> usable;
            for (auto& g : mine)
                if (!g.in_doubt()) usable.push_back(&g);
            const bool room = static_cast<int>(mine.size()) < k_max_guests;
            if (usable.empty() && !room) return;  // everything in doubt: wait for the restart
            const int op = static_cast<int>(rng() % 6);
            if ((op == 0 && room) || usable.empty()) {
                // Registration, part one: the PMS push that makes the guest known.
                guest g;
                g.email = "w" + std::to_string(writer) + "-" + std::to_string(serial++) + "-" +
                          std::to_string(rng() % 100000) + "@crash.example";
                const std::string ref = "REG-" + g.email;
                const auto r = post("/api/xp-store-bookings/bookings",
                                    json::object{{"bookings", json::array{booking(ref, g.email)}}}, auth);
                if (acked(r)) {
                    g.booked = true;
                    g.bookings.push_back(ref);
                    mine.push_back(std::move(g));
                } else if (!unanswered(r)) {
                    unexpected(r, "registration booking");
                }
                continue;
            }
            guest& g = *usable[rng() % usable.size()];
            switch (op) {
                case 0:
                case 1: {
                    // Registration, part two, or a password change: update-password with a fresh password.
                    const std::string pw = "Crash " + std::to_string(rng()) + " staple";
                    const auto r = post("/api/xp-guest-account/update-password",
                                        json::object{{"email", g.email}, {"password", pw}}, auth);
                    if (acked(r)) {
                        g.registered = true;
                        g.password = pw;
                        g.token.clear();  // setting a password revokes every session
                    } else if (unanswered(r)) {
                        g.doubt_password = pw;
                    } else {
                        unexpected(r, "update-password");
                    }
                    break;
                }
                case 2: {
                    // Login (a session is a write too), or a profile update with the session.
                    if (!g.registered) break;
                    if (g.token.empty()) {
                        const auto r = post("/api/xp-guest-account/login",
                                            json::object{{"email", g.email}, {"password", g.password}}, auth);
                        if (acked(r)) {
                            g.token = std::string(r.json().at("token").as_string());
                        } else if (!unanswered(r)) {
                            unexpected(r, "login");
                        }
                        break;
                    }
                    const std::string mobile = "+3361" + std::to_string(10000000 + rng() % 89999999);
                    header_list h = auth;
                    h.emplace_back("x-guest-token", g.token);
                    const auto r = c.send({"PUT", "/api/xp-guest-account/guest-informations", h,
                                           json::serialize(json::object{{"mobile", mobile}})});
                    if (acked(r)) {
                        g.mobile = mobile;
                    } else if (unanswered(r)) {
                        g.doubt_mobile = mobile;
                    } else {
                        unexpected(r, "guest-informations PUT");
                    }
                    break;
                }
                case 3:
                case 4: {
                    // A booking push for this guest (the customer carries no mobile: PMS pushes keep it).
                    const std::string ref = "BK-" + std::to_string(writer) + "-" + std::to_string(serial++);
                    const auto r = post("/api/xp-store-bookings/bookings",
                                        json::object{{"bookings", json::array{booking(ref, g.email)}}}, auth);
                    if (acked(r)) {
                        g.bookings.push_back(ref);
                    } else if (!unanswered(r)) {
                        unexpected(r, "booking push");
                    }
                    break;
                }
                case 5: {
                    // An anonymous reset request: a 2xx promises an email (within the hourly cap).
                    if (!g.registered || g.resets_sent >= k_resets_per_guest) break;
                    ++g.resets_sent;
                    const auto r = post("/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json",
                                        json::object{{"authentication", "anonymous"}, {"merchantId", 1234},
                                                     {"email", g.email}},
                                        {{"Authorization", basic(acme_)}});
                    if (acked(r)) {
                        ++g.resets_acked;
                    } else if (!unanswered(r)) {
                        unexpected(r, "reset request");
                    }
                    break;
                }
                default: break;
            }
        }
    }

    /// Checks one guest against the restarted server and resolves its doubts from what it finds.
    void verify(guest& g, http_client& c, int cycle) {
        SCOPED_TRACE("guest " + g.email + " after restart " + std::to_string(cycle));
        const header_list auth = {{"Authorization", partner_auth()}};
        const std::string exists_target = "/api/xp-guest-account/account-exists?email=" + url_encode(g.email);
        const auto exists = c.send({"GET", exists_target, auth, std::nullopt});
        ASSERT_EQ(exists.status, 200) << "an acknowledged booking made this guest known: " << exists.body;
        auto try_login = [&](const std::string& pw) -> std::optional<std::string> {
            const auto r = c.send({"POST", "/api/xp-guest-account/login", auth,
                                   json::serialize(json::object{{"email", g.email}, {"password", pw}})});
            if (r.status == 200) return std::string(r.json().at("token").as_string());
            EXPECT_EQ(r.status, 401) << r.body;
            return std::nullopt;
        };
        // The password: the acknowledged one, or the one in doubt if it landed.
        std::optional<std::string> token;
        if (g.doubt_password) {
            token = try_login(*g.doubt_password);
            ++(token ? doubts_landed_ : doubts_lost_);
            if (token) {
                g.registered = true;
                g.password = *g.doubt_password;
                g.token.clear();
            }
            g.doubt_password.reset();
        }
        if (!token && g.registered) {
            token = try_login(g.password);
            EXPECT_TRUE(token.has_value()) << "the acknowledged password must still log in";
        }
        if (!g.registered) {
            EXPECT_EQ(exists.json(), json::parse(R"({"account-exists": false})"));
            return;
        }
        EXPECT_EQ(exists.json(), json::parse(R"({"account-exists": true})"));
        if (!token) return;
        // An acknowledged session still holds (unless a password set since revoked it).
        if (!g.token.empty()) {
            header_list h = auth;
            h.emplace_back("x-guest-token", g.token);
            EXPECT_EQ(c.send({"GET", "/api/xp-guest-account/guest-informations", h, std::nullopt}).status, 200)
                << "an acknowledged login's token must survive the crash";
        }
        g.token = *token;
        header_list h = auth;
        h.emplace_back("x-guest-token", g.token);
        // The profile: the acknowledged mobile, or the one in doubt.
        const auto info = c.send({"GET", "/api/xp-guest-account/guest-informations", h, std::nullopt});
        ASSERT_EQ(info.status, 200) << info.body;
        const json::value body = info.json();  // a named copy: the mobile below refers into it
        const json::value& mobile = body.at("mobile");
        const std::string seen = mobile.is_string() ? std::string(mobile.as_string()) : std::string();
        if (g.doubt_mobile) ++(seen == *g.doubt_mobile ? doubts_landed_ : doubts_lost_);
        if (g.doubt_mobile && seen == *g.doubt_mobile) {
            g.mobile = seen;
        } else {
            EXPECT_EQ(seen, g.mobile) << "the acknowledged profile update must be there";
        }
        g.doubt_mobile.reset();
        // The bookings: every acknowledged reference is among the reservations.
        const auto res = c.send({"GET", "/api/xp-guest-account/guest-reservations", h, std::nullopt});
        ASSERT_EQ(res.status, 200) << res.body;
        std::vector<std::string> refs;
        const json::value list = res.json();
        ASSERT_TRUE(list.is_array()) << res.body;
        for (const auto& r : list.as_array()) refs.emplace_back(r.at("reference").as_string());
        for (const auto& ref : g.bookings)
            EXPECT_NE(std::find(refs.begin(), refs.end(), ref), refs.end()) << "acknowledged booking " << ref;
    }

    /// The address in a recipient ("Name <a@b>" or "a@b").
    static std::string address_of(const std::string& to) {
        const auto lt = to.find('<');
        const auto gt = to.find('>');
        return lt != std::string::npos && gt != std::string::npos && gt > lt ? to.substr(lt + 1, gt - lt - 1) : to;
    }

    /// How many reset emails a 2xx promised to each guest so far.
    std::map<std::string, int> promised_resets() const {
        std::map<std::string, int> need;
        for (const auto& per_writer : guests_)
            for (const auto& g : per_writer)
                if (g.resets_acked > 0) need[g.email] = g.resets_acked;
        return need;
    }

    std::vector<std::vector<guest>> guests_{k_writers};
    int doubts_landed_ = 0;  // unanswered writes found committed after the restart
    int doubts_lost_ = 0;    // unanswered writes found not committed

    /// How many spooled emails are addressed to each recipient.
    std::map<std::string, int> mails_by_recipient() const {
        std::map<std::string, int> out;
        for (const auto& m : read_mails(inbox())) {
            ++out[address_of(m.header("To").value_or(""))];
        }
        return out;
    }
};

TEST_F(CrashSafety, AcknowledgedWritesAndPromisedEmailsSurviveSigkill) {
    const std::uint64_t s = seed();
    std::cout << "crash seed: " << s << " (GUESTD_CRASH_SEED=" << s << " replays it)" << std::endl;
    RecordProperty("seed", std::to_string(s));
    std::mt19937_64 rng(s);

    std::vector<int> serials(k_writers, 0);
    int kills = 0;
    // At least k_min_kills; a few more while the run is quick (a sanitizer build or a busy machine gets just the
    // minimum, within the test's 240 s).
    const auto started = std::chrono::steady_clock::now();
    for (int cycle = 1;
         cycle <= k_min_kills || (cycle <= k_max_kills && std::chrono::steady_clock::now() - started < k_extra_budget);
         ++cycle) {
        // Load: the writers hammer the server; the kill comes at a random moment, mid-request as often as not.
        std::atomic<bool> stop{false};
        std::vector<std::thread> writers;
        const std::string base = server_->base_url();
        for (std::size_t w = 0; w < k_writers; ++w)
            writers.emplace_back([&, w, ps = rng()] { write_load(w, ps, base, guests_[w], stop, serials[w]); });
        const auto moment = std::chrono::milliseconds(50 + rng() % 1200);
        std::this_thread::sleep_for(moment);
        const int code = server_->stop(SIGKILL);
        ++kills;
        EXPECT_EQ(code, 128 + SIGKILL) << "the server should die of the SIGKILL (cycle " << cycle << ")";
        stop = true;
        for (auto& t : writers) t.join();

        // Every reset a 2xx promised has its outbox row (written in the reset's transaction), pending or sent.
        const auto need = promised_resets();
        std::map<std::string, int> queued;
        std::vector<std::int64_t> pending;
        const json::value rows = cli_json({"outbox", "list", "--limit", "100000"});
        if (rows.is_array())
            for (const auto& row : rows.as_array()) {
                ++queued[address_of(std::string(row.at("recipient").as_string()))];
                if (row.at("status") == "pending") pending.push_back(row.at("id").as_int64());
            }
        for (const auto& [email, n] : need)
            EXPECT_GE(queued[email], n) << "reset emails promised to " << email << " missing from the outbox";
        // A message the dead worker had claimed waits out its lease (two minutes) before the next worker takes it:
        // make every pending one due now, as an operator would with `guestd outbox retry`, so the check below
        // sees the restarted worker deliver them without waiting that long.
        for (const auto id : pending) (void)cli_json({"outbox", "retry", std::to_string(id)});

        // Restart (guestd itself recovers the file the kill left behind: the outbox listing above opened it first
        // through guestd's own store code), check the file is sound, then everything acknowledged so far, load
        // paused.
        start_again(cycle);
        if (!on_postgres()) {
            EXPECT_EQ(integrity_check(), "ok") << "after kill " << cycle;
        }
        http_client c(server_->base_url());
        for (auto& per_writer : guests_)
            for (auto& g : per_writer) verify(g, c, cycle);

        // Every reset a 2xx promised is delivered, by the old worker or the restarted one.
        int promised = 0;
        for (const auto& [email, n] : need) promised += n;
        const bool delivered = eventually(
            [&] {
                const auto have = mails_by_recipient();
                for (const auto& [email, n] : need) {
                    const auto it = have.find(email);
                    if (it == have.end() || it->second < n) return false;
                }
                return true;
            },
            30s);
        EXPECT_TRUE(delivered) << promised << " reset emails were promised by a 2xx; some never reached the spool";
        if (HasFailure()) {
            std::cout << "failed after kill " << cycle << " with seed " << s << std::endl;
            break;
        }
    }

    // The run did real work of every kind.
    int registered = 0, bookings = 0, profiles = 0, resets = 0;
    for (const auto& per_writer : guests_)
        for (const auto& g : per_writer) {
            registered += g.registered ? 1 : 0;
            bookings += static_cast<int>(g.bookings.size());
            profiles += g.mobile.empty() ? 0 : 1;
            resets += g.resets_acked;
        }
    std::cout << kills << " kills; " << registered << " accounts, " << bookings << " bookings, " << profiles
              << " profiles updated, " << resets << " reset emails promised and delivered; unanswered writes: "
              << doubts_landed_ << " had landed, " << doubts_lost_ << " had not" << std::endl;
    EXPECT_GE(kills, k_min_kills);
    EXPECT_GT(registered, 0);
    EXPECT_GT(bookings, 0);
    EXPECT_GT(profiles, 0);
    EXPECT_GT(resets, 0);
    if (!on_postgres()) {
        EXPECT_EQ(integrity_check(), "ok");
    }
}

}  // namespace
}  // namespace guestd::itest
