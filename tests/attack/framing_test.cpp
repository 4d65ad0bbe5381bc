// Hostile framing and bodies over raw sockets (issue #6), beyond what tests/integration/hostile_test.cpp sends
// through libcurl: an announced or chunked body over the limit (413 before it is read), bodies that stop short
// (408 at the header timeout, or a plain close when the client gives up, never a hang), nesting deep enough to
// exhaust a recursive parser's stack, malformed UTF-8 in the Paytronix dialect, the hosted page's form and the
// request line, and request smuggling: conflicting Content-Length and Transfer-Encoding, Transfer-Encoding
// obfuscations and duplicate lengths each get one 400 and a closed connection, and the request smuggled behind
// them never reaches a handler (its booking is not stored, and the access log shows no other request). Then the
// chunked framing Beast leaves unbounded (endless chunk extensions and trailers, refused while the client is still
// sending), trailers posing as headers, a missing or repeated Host, and one header limit however the head is split.
#include "attack/raw_socket.hpp"
#include "integration/paytronix_fixture.hpp"

#include <boost/json.hpp>
#include <sys/socket.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace guestd::itest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view password = "correct horse battery staple";
constexpr auto k_answer_wait = 15s;  // an answer that is due at once; bounded, not timed
constexpr auto k_timeout_wait = 30s; // past the 10 s header timeout

class HostileFraming : public paytronix_test {
protected:
    void SetUp() override {
        paytronix_test::SetUp();
        if (HasFatalFailure()) return;
        (void)make_account(john, password);
        port_ = port_of(server_->base_url());
    }

    /// A request head with the partner's credentials, for target, with extra header lines (each ending CRLF).
    std::string head(std::string_view method, std::string_view target, std::string_view extra,
                     std::string_view auth = {}) const {
        return std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " +
               (auth.empty() ? default_auth() : std::string(auth)) + "\r\n" + std::string(extra) + "\r\n";
    }

    /// A complete, valid bookings push for email.
    std::string bookings_request(std::string_view email) const {
        const std::string body =
            json::serialize(json::object{{"bookings", json::array{booking("SMUGGLED-" + std::string(email), email)}}});
        return head("POST", "/api/xp-store-bookings/bookings",
                    "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n") +
               body;
    }

    /// Sends bytes on a fresh connection and reads until the server closes it (bounded).
    std::pair<std::string, bool> exchange_once(const std::string& bytes, std::chrono::milliseconds wait = k_answer_wait) {
        raw_socket s(port_);
        EXPECT_TRUE(s.send(bytes));
        std::string got = s.read_until_closed(wait);
        return {got, s.closed()};
    }

    /// Sends unit over and over on s until the server answers or closes, or budget bytes have gone; returns how
    /// many bytes went and what came back.
    static std::pair<std::size_t, std::string> stream_until_answered(raw_socket& s, std::string_view unit,
                                                                     std::size_t budget) {
        std::size_t sent = 0;
        std::string got;
        while (sent < budget && got.empty() && !s.closed() && s.send(unit)) {
            sent += unit.size();
            got += s.read_available();
        }
        return {sent, got};
    }

    int port_ = 0;
};

/// A head that starts a chunked body for the login endpoint, without credentials (what the server does with the
/// body happens before authentication), with extra header lines (each ending CRLF).
std::string chunked_login_head(std::string_view extra = {}) {
    return "POST /api/xp-guest-account/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           "Transfer-Encoding: chunked\r\n" +
           std::string(extra) + "\r\n";
}

/// s repeated until the result holds at least size bytes.
std::string repeated(std::string_view s, std::size_t size) {
    std::string out;
    while (out.size() < size) out += s;
    return out;
}

TEST_F(HostileFraming, AnnouncedOrChunkedBodiesOverTheLimitAreRefusedBeforeBeingRead) {
    // Content-Length over the 64 KiB limit, no body sent: 413 at once, and the connection closes.
    auto [got, closed] = exchange_once(head("POST", "/api/xp-guest-account/login",
                                            "Content-Type: application/json\r\nContent-Length: 70000\r\n"));
    EXPECT_EQ(status_of(got), 413) << got;
    EXPECT_TRUE(closed);
    // The same on a batch endpoint past its 2 MiB.
    std::tie(got, closed) = exchange_once(head("POST", "/api/xp-store-bookings/bookings",
                                               "Content-Type: application/json\r\nContent-Length: 3000000\r\n"));
    EXPECT_EQ(status_of(got), 413) << got;
    EXPECT_TRUE(closed);
    // A chunked body that grows past the limit: 413 without reading the rest.
    std::string chunked = head("POST", "/api/xp-guest-account/update-password",
                               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n");
    const std::string chunk(8192, ' ');
    for (int i = 0; i < 10; ++i) chunked += "2000\r\n" + chunk + "\r\n";
    std::tie(got, closed) = exchange_once(chunked);
    EXPECT_EQ(status_of(got), 413) << got;
    EXPECT_TRUE(closed);
    EXPECT_FALSE(login(john, password).empty());
}

TEST_F(HostileFraming, TruncatedBodiesTimeOutOrCloseWithoutAHang) {
    const std::string body = R"({"email": "john.doe@example.com", "password": "correct horse battery staple"})";
    // Content-Length promises more than comes; the client waits.
    raw_socket short_length(port_);
    ASSERT_TRUE(short_length.send(head("POST", "/api/xp-guest-account/update-password",
                                       "Content-Type: application/json\r\nContent-Length: " +
                                           std::to_string(body.size() + 100) + "\r\n") +
                                  body));
    // A chunk shorter than its size line; the client waits.
    raw_socket short_chunk(port_);
    ASSERT_TRUE(short_chunk.send(head("POST", "/api/xp-guest-account/update-password",
                                      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n") +
                                 "200\r\n" + body));
    // Content-Length promises more, and the client gives up (FIN).
    raw_socket gave_up(port_);
    ASSERT_TRUE(gave_up.send(head("POST", "/api/xp-guest-account/update-password",
                                  "Content-Type: application/json\r\nContent-Length: " +
                                      std::to_string(body.size() + 100) + "\r\n") +
                             body.substr(0, 20)));
    gave_up.shutdown_write();

    const std::string after_fin = gave_up.read_until_closed(k_timeout_wait);
    EXPECT_TRUE(gave_up.closed()) << "a client that gave up is let go";
    EXPECT_EQ(status_of(after_fin), 0) << "nobody is left to answer: " << after_fin;

    const std::string got_length = short_length.read_until_closed(k_timeout_wait);
    EXPECT_EQ(status_of(got_length), 408) << got_length;
    EXPECT_TRUE(short_length.closed());
    const std::string got_chunk = short_chunk.read_until_closed(k_timeout_wait);
    EXPECT_EQ(status_of(got_chunk), 408) << got_chunk;
    EXPECT_TRUE(short_chunk.closed());

    // None of the partial bodies was acted on: the password is the old one.
    EXPECT_FALSE(login(john, password).empty());
}

TEST_F(HostileFraming, StackExhaustingNestingIsRejected) {
    // 30,000 levels fit in 64 KiB: enough to overflow a recursive parser's stack, refused at 32 levels.
    const std::string arrays = std::string(30000, '[') + std::string(30000, ']');
    http_request deep{"POST", "/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json",
                      {{"Authorization", basic(acme_)}},
                      R"({"merchantId": 1234, "email": "john.doe@example.com", "x": )" + arrays + "}"};
    EXPECT_TRUE(is_failure(client_->send(deep), 400, "guestmanagement.invalid_request"));
    std::string objects;
    for (int i = 0; i < 10000; ++i) objects += "{\"a\":";
    objects += "1" + std::string(10000, '}');
    EXPECT_TRUE(has_status(call("POST", "/api/xp-guest-account/login", objects), 400));
    EXPECT_TRUE(has_status(call("PUT", "/api/xp-guest-account/guest-informations", arrays,
                                {{"x-guest-token", login(john, password)}}),
                           400));
    // Still serving, and no reset email went out.
    EXPECT_TRUE(is_json(get("/healthz"), 200, R"({"status": "ok"})"));
    EXPECT_TRUE(read_mails(inbox()).empty());
}

TEST_F(HostileFraming, MalformedUtf8IsRejectedEverywhere) {
    // Paytronix bodies: an overlong '/', a UTF-16 surrogate, a lone continuation byte, a truncated sequence.
    for (const std::string bad : {"\xc0\xaf", "\xed\xa0\x80", "\x80", "\xe2\x82"}) {
        http_request r{"POST", "/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json",
                       {{"Authorization", basic(acme_)}},
                       "{\"authentication\": \"anonymous\", \"merchantId\": 1234, \"email\": \"john" + bad +
                           "@example.com\"}"};
        EXPECT_TRUE(is_failure(client_->send(r), 400, "guestmanagement.invalid_request"));
        EXPECT_TRUE(has_status(call("POST", "/api/xp-guest-account/login",
                                    "{\"email\": \"john.doe@example.com\", \"password\": \"" + bad + "\"}"),
                               400));
    }
    // Raw bytes in the request line and in a header value.
    // (a target with raw bytes matches no route: 404, or 400 if the parser refuses it first)
    auto [got, closed] = exchange_once("GET /healthz\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    EXPECT_GE(status_of(got), 400) << got;
    EXPECT_LT(status_of(got), 500) << got;
    std::string nul_header = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Bad: a";
    nul_header += '\0';
    nul_header += "b\r\n\r\n";
    std::tie(got, closed) = exchange_once(nul_header);
    EXPECT_GE(status_of(got), 400) << got;
    EXPECT_LT(status_of(got), 500) << got;
    // Nothing was sent and the password still works.
    EXPECT_TRUE(read_mails(inbox()).empty());
    EXPECT_FALSE(login(john, password).empty());

    // The hosted page's form, with a live code: a new password whose percent-encoded bytes are not UTF-8.
    const std::string code = reset_code_for(john);
    ASSERT_FALSE(code.empty());
    const http_response page = client_->send(
        {"POST", "/reset-password", {{"Content-Type", "application/x-www-form-urlencoded"}},
         "code=" + url_encode(code) + "&password=%C0%AFpassword-long&password_confirm=%C0%AFpassword-long"});
    EXPECT_EQ(page.status, 400) << page.body;
    EXPECT_FALSE(login(john, password).empty()) << "the refused form changed nothing";
}

// The attack that found this sent hundreds of MiB of chunk extension or trailer, which were buffered whole before
// authentication. Every part of a chunked body counts now: data, chunk-size lines with their extensions and the
// trailer section together within the body limit (64 KiB here), and no single line or trailer section longer than
// the header limit (8 KiB) is held. The client streams until the server answers, with a small send buffer so that it
// cannot run far ahead: the answer must come before the client has sent 4 MiB, so the server never held more.
TEST_F(HostileFraming, ChunkExtensionsAndTrailersCountAgainstTheLimitsBeforeAuthentication) {
    constexpr std::size_t budget = std::size_t{4} << 20;
    constexpr std::size_t unit = std::size_t{64} << 10;
    struct attack {
        std::string name;
        std::string start;   // sent once after the head
        std::string stream;  // then sent again and again
    };
    const std::vector<attack> attacks = {
        {"one endless chunk extension", "1;ext=", std::string(unit, 'e')},
        {"one endless trailer field", "1\r\n{\r\n0\r\nX-Pad: ", std::string(unit, 't')},
        {"endless trailer fields", "1\r\n{\r\n0\r\n", repeated("X-Pad: t\r\n", unit)},
        {"chunks with long extensions", "", repeated("1;" + std::string(4000, 'e') + "\r\n \r\n", unit)},
        {"chunk sizes padded with zeros", "", repeated(std::string(4000, '0') + "1\r\n \r\n", unit)},
    };
    for (const auto& a : attacks) {
        SCOPED_TRACE(a.name);
        raw_socket s(port_);
        const int send_buffer = 64 << 10;
        ASSERT_EQ(::setsockopt(s.fd(), SOL_SOCKET, SO_SNDBUF, &send_buffer, sizeof send_buffer), 0);
        ASSERT_TRUE(s.send(chunked_login_head() + a.start));
        auto [sent, got] = stream_until_answered(s, a.stream, budget);
        got += s.read_until_closed(k_answer_wait);
        EXPECT_EQ(status_of(got), 413) << got.substr(0, 300);
        EXPECT_TRUE(s.closed());
        EXPECT_LT(sent, budget) << "no answer before the client had sent " << budget << " bytes";
    }
    EXPECT_FALSE(login(john, password).empty()) << "still serving";
}

// The timeout is for the whole request, however its bytes arrive: here a chunk extension trickles in a byte at a time.
TEST_F(HostileFraming, ATrickledChunkExtensionGets408AtTheRequestTimeout) {
    raw_socket s(port_);
    ASSERT_TRUE(s.send(chunked_login_head() + "1;"));
    std::string got;
    const auto give_up = std::chrono::steady_clock::now() + k_timeout_wait;
    while (got.empty() && !s.closed() && std::chrono::steady_clock::now() < give_up && s.send("e"))
        got = s.read_until_closed(50ms);
    got += s.read_until_closed(k_answer_wait);
    EXPECT_EQ(status_of(got), 408) << got;
    EXPECT_TRUE(s.closed());
}

// Beast would add trailer fields to the head's, where a trailer could pose as a header: the partner's credentials
// sent only in the trailer must not authenticate the login.
TEST_F(HostileFraming, TrailerFieldsAreNeverTakenForHeaders) {
    const std::string body = R"({"email": "john.doe@example.com", "password": "correct horse battery staple"})";
    char size[17];
    std::snprintf(size, sizeof size, "%zx", body.size());
    auto [got, closed] = exchange_once(chunked_login_head("Connection: close\r\n") + size + "\r\n" + body +
                                       "\r\n0\r\nAuthorization: " + default_auth() + "\r\n\r\n");
    EXPECT_EQ(status_of(got), 401) << got;
    // The same credentials in the head log in.
    std::tie(got, closed) = exchange_once(head("POST", "/api/xp-guest-account/login",
                                               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                                               "Connection: close\r\n") +
                                          size + "\r\n" + body + "\r\n0\r\n\r\n");
    EXPECT_EQ(status_of(got), 200) << got;
}

// RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host, an older one at most one.
TEST_F(HostileFraming, HostIsRequiredOnceInHttp11AndAllowedAtMostOnceInHttp10) {
    const std::string line = "GET /api/xp-guest-account/account-exists?email=john.doe@example.com ";
    const std::string auth = "Authorization: " + default_auth() + "\r\n";
    for (const std::string& request : {
             line + "HTTP/1.1\r\n" + auth + "\r\n",
             line + "HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n",
             line + "HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth + "Host: other.example\r\n\r\n",
             line + "HTTP/1.0\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\n" + auth + "\r\n",
         }) {
        SCOPED_TRACE(request);
        auto [got, closed] = exchange_once(request);
        EXPECT_EQ(status_of(got), 400) << got;
        EXPECT_EQ(response_count(got), 1) << got;
        EXPECT_TRUE(closed);
    }
    // HTTP/1.0 needs no Host (haproxy's default health check sends none).
    auto [got, closed] = exchange_once(line + "HTTP/1.0\r\n" + auth + "\r\n");
    EXPECT_EQ(status_of(got), 200) << got;
}

// 2,000 fields, about 19 KB, are over the 8 KiB header limit however they come. Beast applied its limit to the bytes
// it had not parsed yet, so where the reads happened to split the head decided, and the order and length of the
// fields moved the splits: a third of the first field's lengths below got such a head through.
TEST_F(HostileFraming, OneHeaderLimitWhateverTheOrderOfTheFieldsAndWhereTheReadsSplitThem) {
    const std::string line =
        "GET /api/xp-guest-account/account-exists?email=john.doe@example.com HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    const std::string auth = "Authorization: " + default_auth() + "\r\n";
    std::string many;
    for (int i = 0; i < 2000; ++i) many += "x" + std::to_string(i) + ": v\r\n";
    for (std::size_t pad = 0; pad < 10; ++pad) {
        const std::string fields = "X-Pad: " + std::string(pad, 'p') + "\r\n" + many;
        for (const bool auth_first : {true, false}) {
            SCOPED_TRACE("pad " + std::to_string(pad) + (auth_first ? ", Authorization first" : ", Authorization last"));
            auto [got, closed] = exchange_once(line + (auth_first ? auth + fields : fields + auth) + "\r\n");
            EXPECT_EQ(status_of(got), 431) << got.substr(0, 300);
            EXPECT_TRUE(closed);
        }
    }
    // A head just under the limit is served, however many fields it has.
    std::string fields;
    for (int i = 0; fields.size() < 7000; ++i) fields += "x" + std::to_string(i) + ": v\r\n";
    auto [got, closed] = exchange_once(line + auth + fields + "Connection: close\r\n\r\n");
    EXPECT_EQ(status_of(got), 200) << got.substr(0, 300);
}

struct smuggling_case {
    std::string name;
    std::string framing;  // header lines (CRLF-terminated) that decide the body's length
    std::string body;     // what follows the head before the smuggled request
};

TEST_F(HostileFraming, SmugglingAttemptsGetOne400AndTheSmuggledRequestNeverRuns) {
    const std::vector<smuggling_case> cases = {
        {"CL.TE", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"},
        {"TE.CL", "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"},
        {"TE.CL lower-case", "transfer-encoding: CHUNKED\r\ncontent-length: 5\r\n", "0\r\n\r\n"},
        {"TE.TE chunked then identity", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", "0\r\n\r\n"},
        {"TE chunked, identity", "Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"},
        {"TE xchunked + CL", "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"},
        {"TE unknown coding", "Transfer-Encoding: gzip\r\n", "0\r\n\r\n"},
        {"TE space before colon", "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"},
        {"TE vertical tab", "Transfer-Encoding:\x0b" "chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"},
        {"TE obs-fold", "Content-Length: 5\r\nTransfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n"},
        {"CL.CL differing", "Content-Length: 5\r\nContent-Length: 0\r\n", "0\r\n\r\n"},
        {"CL.CL identical", "Content-Length: 5\r\nContent-Length: 5\r\n", "0\r\n\r\n"},
        {"CL list differing", "Content-Length: 0, 5\r\n", "0\r\n\r\n"},
        {"CL list identical", "Content-Length: 5, 5\r\n", "0\r\n\r\n"},
        {"CL signed", "Content-Length: +5\r\n", "0\r\n\r\n"},
        {"CL negative", "Content-Length: -1\r\n", "0\r\n\r\n"},
        {"CL hex", "Content-Length: 0x5\r\n", "0\r\n\r\n"},
        {"chunk size with junk", "Transfer-Encoding: chunked\r\n", "5;\x01\r\n{}   \r\n0\r\n\r\n"},
        {"chunk size overflow", "Transfer-Encoding: chunked\r\n", "ffffffffffffffffff1\r\nx\r\n0\r\n\r\n"},
    };
    const std::string before = server_->stderr_text();
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i];
        SCOPED_TRACE(c.name);
        const std::string email = "smuggled-" + std::to_string(i) + "@example.com";
        const std::string attack = head("POST", "/api/xp-guest-account/update-password",
                                        "Content-Type: application/json\r\n" + c.framing) +
                                   c.body + bookings_request(email);
        auto [got, closed] = exchange_once(attack);
        EXPECT_EQ(status_of(got), 400) << got;
        EXPECT_EQ(response_count(got), 1) << "one answer, nothing for the smuggled request: " << got;
        EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
        EXPECT_TRUE(closed) << "the connection is closed after the refusal";
        EXPECT_TRUE(is_json(account_exists(email), 404, R"({"message": "customer not found"})"))
            << "the smuggled booking was stored";
    }
    // Since the first attack, the access log shows only the refusals and the test's own account-exists checks.
    const std::string log = server_->stderr_text().substr(before.size());
    int bookings = 0, refused = 0;
    for (std::size_t at = 0; (at = log.find("\"event\":\"request\"", at)) != std::string::npos; ++at) {
        const auto end = log.find('\n', at);
        const std::string line = log.substr(at, end - at);
        if (line.find("/api/xp-store-bookings/bookings") != std::string::npos) ++bookings;
        if (line.find("\"status\":400,") != std::string::npos) ++refused;
    }
    EXPECT_EQ(bookings, 0) << "no smuggled request reached the server's router";
    EXPECT_EQ(refused, static_cast<int>(cases.size()));

    // A client that frames correctly on the same server is served, and pipelining still works.
    raw_socket pipelined(port_);
    ASSERT_TRUE(pipelined.send(bookings_request("fair-1@example.com") + bookings_request("fair-2@example.com")));
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + k_answer_wait;
    while (response_count(got) < 2 && !pipelined.closed() && std::chrono::steady_clock::now() < deadline)
        got += pipelined.read_until_closed(200ms);
    EXPECT_EQ(response_count(got), 2) << got;
    EXPECT_EQ(status_of(got), 200) << got;
    EXPECT_TRUE(is_json(account_exists("fair-2@example.com"), 200, R"({"account-exists": false})"));
}

}  // namespace
}  // namespace guestd::itest
