// Password recovery with a real SMTP server (aiosmtpd): the reset email arrives over SMTP, its link completes the
// reset through the API and through the hosted page, the "password changed" notice follows, and a mail server
// that is down delays only the email: the API answers at once and the outbox delivers once the server is back.
#include "integration/paytronix_fixture.hpp"
#include "integration/smtp_sink.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <stdexcept>
#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view password = "correct horse battery staple";
constexpr std::string_view new_password = "plum orchard under snow 42";
constexpr const char* wrong_password = R"({"message": "The password provided for the customer is incorrect."})";

/// paytronix_test with `--smtp` pointing at a running aiosmtpd; emails are read from what it received.
class SmtpRecovery : public paytronix_test {
protected:
    void before_server() override {
        sink_ = std::make_unique<smtp_sink>(inbox(), dir_->path() / "smtp-sink");
    }

    std::vector<std::string> server_args() const override {
        return {"--smtp",         smtp_url_.empty() ? sink_->url() : smtp_url_,
                "--mail-spool",   spool().string(),
                "--mail-poll-ms", "50",
                "--mail-from",    "Guestd Tests <no-reply@guestd.test>"};
    }

    std::filesystem::path inbox() const override { return dir_->path() / "received"; }

    /// The spool, which must stay empty while --smtp is set.
    std::filesystem::path spool() const { return dir_->path() / "spool"; }

    void TearDown() override {
        paytronix_test::TearDown();
        if (!sink_) return;
        sink_->stop();
        if (HasFailure()) std::cerr << "---- smtp sink stderr ----\n" << sink_->stderr_text() << "\n";
    }

    /// The outbox entry with that id in `guestd outbox list [--status status]`, or null.
    json::value outbox_entry(std::int64_t id, std::string_view status = {}) {
        for (const auto& m : outbox(status)) {
            if (m.is_object() && m.as_object().if_contains("id") && m.at("id") == json::value(id)) return m;
        }
        return nullptr;
    }

    /// Stops the mail server, requests a reset, and waits until the worker has tried and failed: the message
    /// is pending with attempts >= 1. Its outbox id (0 and a failure when it never got there).
    std::int64_t request_while_mail_server_is_down() {
        sink_->stop();
        // The API answers whatever the mail server's state.
        EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
        std::int64_t id = 0;
        const bool tried = eventually([&] {
            for (const auto& m : outbox("pending")) {
                const auto* attempts = m.as_object().if_contains("attempts");
                if (attempts != nullptr && attempts->is_int64() && attempts->as_int64() >= 1) {
                    id = m.at("id").as_int64();
                    return true;
                }
            }
            return false;
        });
        EXPECT_TRUE(tried) << "no pending message with attempts >= 1: " << json::serialize(outbox());
        if (tried) {
            const json::value entry = outbox_entry(id, "pending");
            EXPECT_EQ(entry.at("recipient"), json::value(john)) << json::serialize(entry);
            EXPECT_TRUE(entry.at("last_error").is_string() && !entry.at("last_error").as_string().empty())
                << json::serialize(entry);
        }
        EXPECT_TRUE(read_mails(inbox()).empty());
        return id;
    }

    std::unique_ptr<smtp_sink> sink_;
    std::string smtp_url_;  // when set, the server's --smtp instead of the sink
};

/// A loopback TCP port that accepts connections (the kernel completes the handshake) but never says a word:
/// an SMTP server that hangs. Closing it resets the connections it holds.
class silent_listener {
public:
    silent_listener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            throw std::runtime_error("cannot open a silent listener");
        }
        port_ = ntohs(addr.sin_port);
    }
    ~silent_listener() { close(); }
    silent_listener(const silent_listener&) = delete;
    silent_listener& operator=(const silent_listener&) = delete;

    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
    int port_ = 0;
};

TEST_F(SmtpRecovery, TheResetEmailArrivesAndItsCodeCompletesTheReset) {
    make_account(john, password);
    const std::string token = login(john, password);
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));

    // The message crossed SMTP to the guest, whole.
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    const mail_message& m = mails[0];
    EXPECT_EQ(m.envelope_to, std::vector<std::string>{std::string(john)});
    EXPECT_NE(m.header("to").value_or("").find(john), std::string::npos) << m.raw;
    EXPECT_NE(m.header("from").value_or("").find("no-reply@guestd.test"), std::string::npos) << m.raw;
    for (const char* h : {"subject", "date", "message-id", "mime-version"}) {
        EXPECT_FALSE(m.header(h).value_or("").empty()) << h << " missing:\n" << m.raw;
    }
    EXPECT_NE(m.text.find("Hotel Test"), std::string::npos) << m.text;
    const std::string link = reset_link(m);
    EXPECT_NE(link.find("/reset-password?merchant=1234&code="), std::string::npos) << link;
    const std::string code = code_of(link);

    // The code completes the reset.
    EXPECT_TRUE(is_completed(complete_reset(code, new_password)));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
    EXPECT_TRUE(is_json(login_call(john, password), 401, wrong_password));
    EXPECT_TRUE(is_unauthorized(guest_info(token)));

    // The notice follows over SMTP, without the code.
    const auto after = wait_for_mails(2);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[1].envelope_to, std::vector<std::string>{std::string(john)});
    EXPECT_EQ(after[1].raw.find(code), std::string::npos) << after[1].raw;
    EXPECT_FALSE(find_link(after[1], "://").has_value()) << after[1].raw;
    EXPECT_TRUE(eventually([&] { return outbox("sent").size() == 2; })) << json::serialize(outbox());
    EXPECT_TRUE(read_mails(spool()).empty()) << "with --smtp nothing goes to the spool";
}

TEST_F(SmtpRecovery, TheEmailsLinkCompletesTheResetOnTheHostedPage) {
    make_account(john, password);
    const std::string token = login(john, password);
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"userIdentity", {{"email", john}}}}), john));
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    const std::string link = reset_link(mails[0]);

    const http_response page = open_page(link);
    ASSERT_TRUE(has_status(page, 200));
    EXPECT_NE(page.body.find("<form"), std::string::npos) << page.body;
    EXPECT_TRUE(has_status(submit_page(code_of(link), new_password, new_password), 200));

    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
    EXPECT_TRUE(is_json(login_call(john, password), 401, wrong_password));
    EXPECT_TRUE(is_unauthorized(guest_info(token)));
    const auto after = wait_for_mails(2);
    ASSERT_EQ(after.size(), 2u);
    EXPECT_EQ(after[1].envelope_to, std::vector<std::string>{std::string(john)});
    EXPECT_FALSE(find_link(after[1], "://").has_value()) << after[1].raw;
}

TEST_F(SmtpRecovery, AMailServerThatIsDownDelaysOnlyTheEmail) {
    make_account(john, password);
    const std::int64_t id = request_while_mail_server_is_down();
    ASSERT_NE(id, 0);

    // Once the server is back, the worker's own retry delivers (the first retry comes within 10 s).
    sink_->start();
    const auto mails = wait_for_mails(1, 30s);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].envelope_to, std::vector<std::string>{std::string(john)});
    EXPECT_TRUE(eventually([&] { return outbox_entry(id, "sent").is_object(); }, 10s)) << json::serialize(outbox());
    EXPECT_TRUE(is_completed(complete_reset(code_of(reset_link(mails[0])), new_password)));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
}

TEST_F(SmtpRecovery, AnOperatorRetryMakesThePendingEmailDueNow) {
    make_account(john, password);
    const std::int64_t id = request_while_mail_server_is_down();
    ASSERT_NE(id, 0);

    sink_->start();
    EXPECT_EQ(cli_json({"outbox", "retry", std::to_string(id)}), json::value({{"id", id}, {"status", "pending"}}));
    const auto mails = wait_for_mails(1, 30s);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_TRUE(eventually([&] { return outbox_entry(id, "sent").is_object(); }, 10s)) << json::serialize(outbox());
    EXPECT_TRUE(is_completed(complete_reset(code_of(reset_link(mails[0])), new_password)));
}

TEST_F(SmtpRecovery, AMailServerThatNeverAnswersDoesNotHoldTheApi) {
    // The client gives up after 30 s: an API that waited for this server would get no answer at all.
    silent_listener silent;
    smtp_url_ = silent.url();
    restart_guestd();
    make_account(john, password);
    EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
    EXPECT_TRUE(
        is_reset_success(request_reset({{"merchantId", 1234}, {"accountId", guest_show(john).at("account_id")}}), ""));
    const json::array pending = outbox("pending");
    EXPECT_EQ(pending.size(), 2u) << "both emails wait in the outbox: " << json::serialize(outbox());
    // Let the worker's hung delivery fail at once, so the server stops promptly.
    silent.close();
}

}  // namespace
}  // namespace guestd::itest
