// Slowloris (issue #6): hundreds of clients trickling a request head a byte at a time, clients trickling a body,
// and clients that connect and say nothing, all at once. A normal client is still served while they hang on, and
// the server closes every slow one once its header timeout (10 s, for the head and the body together) is up:
// 408 for those that started a request, a silent close for those that never did.
#include "attack/raw_socket.hpp"
#include "integration/paytronix_fixture.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace guestd::itest {
namespace {
using namespace std::chrono_literals;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view password = "correct horse battery staple";

constexpr int k_slow_heads = 300;
constexpr int k_slow_bodies = 50;
constexpr int k_silent = 50;

struct slow_client {
    std::unique_ptr<raw_socket> socket;
    std::string trickle;  // what it sends, one byte per round, forever
    std::size_t next = 0;
    std::string received;
};

class Slowloris : public paytronix_test {};

TEST_F(Slowloris, TricklingClientsDoNotStopANormalClientAndAreClosedAtTheHeaderTimeout) {
    (void)make_account(john, password);
    const int port = port_of(server_->base_url());

    // Open every slow connection and start its request.
    std::vector<slow_client> slow;
    for (int i = 0; i < k_slow_heads; ++i) {
        slow_client c{std::make_unique<raw_socket>(port), "X-Slow-" + std::to_string(i) + ": a\r\n"};
        ASSERT_TRUE(c.socket->send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"));
        slow.push_back(std::move(c));
    }
    for (int i = 0; i < k_slow_bodies; ++i) {
        slow_client c{std::make_unique<raw_socket>(port), "x"};
        ASSERT_TRUE(c.socket->send("POST /api/xp-guest-account/login HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " +
                                   default_auth() + "\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n"));
        slow.push_back(std::move(c));
    }
    std::vector<std::unique_ptr<raw_socket>> silent;
    for (int i = 0; i < k_silent; ++i) silent.push_back(std::make_unique<raw_socket>(port));

    auto trickle_round = [&] {
        for (auto& c : slow) {
            if (c.socket->closed()) continue;
            c.received += c.socket->read_available();
            if (c.socket->closed()) continue;
            (void)c.socket->send(std::string_view(c.trickle).substr(c.next++ % c.trickle.size(), 1));
        }
        for (auto& s : silent)
            if (!s->closed()) (void)s->read_available();
    };

    // A few rounds in, every slow client is mid-request: a normal client logs in and reads its profile.
    for (int round = 0; round < 8; ++round) {
        trickle_round();
        std::this_thread::sleep_for(250ms);
    }
    int open_now = 0;
    for (const auto& c : slow) open_now += c.socket->closed() ? 0 : 1;
    EXPECT_EQ(open_now, k_slow_heads + k_slow_bodies) << "the slow clients should still be hanging on";
    EXPECT_TRUE(is_json(get("/healthz"), 200, R"({"status": "ok"})"));
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": true})"));
    const std::string token = login(john, password);
    ASSERT_FALSE(token.empty()) << "a normal client must be served while slow clients hold connections";
    EXPECT_TRUE(has_status(guest_info(token), 200));

    // Keep trickling: the header timeout is for the whole head (and body), not per byte, so the server drops
    // them all. Bounded at 40 s, well past the 10 s timeout.
    const auto deadline = std::chrono::steady_clock::now() + 40s;
    auto all_closed = [&] {
        for (const auto& c : slow)
            if (!c.socket->closed()) return false;
        for (const auto& s : silent)
            if (!s->closed()) return false;
        return true;
    };
    while (!all_closed() && std::chrono::steady_clock::now() < deadline) {
        trickle_round();
        std::this_thread::sleep_for(250ms);
    }

    int heads_408 = 0, bodies_408 = 0, closed_slow = 0, closed_silent = 0, silent_answered = 0;
    for (std::size_t i = 0; i < slow.size(); ++i) {
        closed_slow += slow[i].socket->closed() ? 1 : 0;
        if (status_of(slow[i].received) == 408) (i < k_slow_heads ? heads_408 : bodies_408) += 1;
    }
    for (auto& s : silent) {
        closed_silent += s->closed() ? 1 : 0;
        silent_answered += s->read_available().empty() ? 0 : 1;
    }
    EXPECT_EQ(closed_slow, k_slow_heads + k_slow_bodies) << "every trickling client is closed by the server";
    EXPECT_EQ(heads_408, k_slow_heads) << "a head that never completes gets 408";
    EXPECT_EQ(bodies_408, k_slow_bodies) << "a body that never completes gets 408";
    EXPECT_EQ(closed_silent, k_silent) << "a connection that never sends a byte is closed";
    EXPECT_EQ(silent_answered, 0) << "and gets no answer";

    // And the server is as good as new.
    EXPECT_TRUE(has_status(guest_info(token), 200));
    EXPECT_FALSE(login(john, password).empty());
}

}  // namespace
}  // namespace guestd::itest
