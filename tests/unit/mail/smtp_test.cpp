// The SMTP transport against a real SMTP server: aiosmtpd, started per test by smtp_server.py, which saves what it
// accepts. Checks delivery as is, the envelope, AUTH, and how refusals and outages are classified.
#include "mail/transport.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace guestd::mail {
namespace {

// The SMTP server, as a child process the test starts and stops.
class smtp_server {
public:
    /// Starts it, saving messages to spool; with credentials ("user:password") it requires AUTH.
    smtp_server(const std::filesystem::path& spool, const std::string& credentials = {}) {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork failed");
        if (pid_ == 0) {
            // Child: the port goes to the pipe; stderr stays the test's, for diagnosis.
            ::dup2(fds[1], STDOUT_FILENO);
            ::close(fds[0]);
            ::close(fds[1]);
            const std::string dir = spool.string();
            if (credentials.empty())
                ::execl(GUESTD_PYTHON, GUESTD_PYTHON, GUESTD_SMTP_SERVER_SCRIPT, dir.c_str(), nullptr);
            else
                ::execl(GUESTD_PYTHON, GUESTD_PYTHON, GUESTD_SMTP_SERVER_SCRIPT, dir.c_str(), credentials.c_str(),
                        nullptr);
            ::_exit(127);
        }
        ::close(fds[1]);

        // Wait (bounded) for the line with the port: printed once the server accepts connections.
        std::string line;
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
            pollfd p{fds[0], POLLIN, 0};
            if (::poll(&p, 1, 1000) <= 0) continue;
            char buf[64];
            const auto n = ::read(fds[0], buf, sizeof buf);
            if (n <= 0) break;
            line.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fds[0]);
        if (line.find('\n') == std::string::npos) {
            stop();
            throw std::runtime_error("the SMTP server did not start (is python3-aiosmtpd installed?)");
        }
        port_ = std::stoi(line);
    }

    ~smtp_server() { stop(); }
    smtp_server(const smtp_server&) = delete;
    smtp_server& operator=(const smtp_server&) = delete;

    int port() const { return port_; }
    std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

    /// Ends the server and waits (bounded) for it to exit.
    void stop() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 200; ++i) {
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = 0;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = 0;
    }

private:
    pid_t pid_ = 0;
    int port_ = 0;
};

class SmtpTransport : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        spool_ = std::filesystem::temp_directory_path() /
                 ("guestd-mail-smtp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(spool_);
    }
    void TearDown() override { std::filesystem::remove_all(spool_); }

    static smtp_options options_for(const std::string& url) {
        smtp_options o;
        o.url = url;
        o.timeout = std::chrono::seconds(20);
        return o;
    }

    static store::outbox_message message(const std::string& recipient) {
        store::outbox_message m;
        m.id = 42;
        m.message_id = "<42.reset@guestd.example>";
        m.recipient = recipient;
        m.sender = "Hotel Test <no-reply@hotel.example>";
        m.content = "From: Hotel Test <no-reply@hotel.example>\r\n"
                    "To: " + recipient + "\r\n"
                    "Subject: Reset your password\r\n"
                    "Message-ID: " + m.message_id + "\r\n"
                    "MIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n"
                    "\r\n"
                    "Follow this link to choose a new password:\r\n"
                    "https://guestd.example/reset?code=123\r\n"
                    ".a line that starts with a dot\r\n"
                    ".\r\n"
                    "Merci, \xc3\xa0 bient\xc3\xb4t\r\n";
        return m;
    }

    std::string saved(const std::string& name) const {
        std::ifstream in(spool_ / name, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }

    std::filesystem::path spool_;
};

// "ok", or why not: readable in a failed expectation.
std::string outcome(const std::optional<delivery_error>& e) { return e ? e->message : "ok"; }

TEST_F(SmtpTransport, DeliversTheMessageAsIsToItsRecipientFromItsSenderAddress) {
    smtp_server server(spool_);
    auto smtp = make_smtp(options_for(server.url()));
    const auto m = message("jane@example.com");

    EXPECT_EQ(outcome(smtp->send(m)), "ok");

    // Same bytes, Message-ID included, and the dot lines survive the SMTP dot-stuffing round trip.
    EXPECT_EQ(saved("1.eml"), m.content);
    const auto envelope = boost::json::parse(saved("1.json")).as_object();
    EXPECT_EQ(envelope.at("mail_from").as_string(), "no-reply@hotel.example");
    ASSERT_EQ(envelope.at("rcpt_tos").as_array().size(), 1u);
    EXPECT_EQ(envelope.at("rcpt_tos").as_array()[0].as_string(), "jane@example.com");
}

TEST_F(SmtpTransport, DeliversSeveralMessagesInARow) {
    smtp_server server(spool_);
    auto smtp = make_smtp(options_for(server.url()));

    EXPECT_EQ(outcome(smtp->send(message("a@example.com"))), "ok");
    EXPECT_EQ(outcome(smtp->send(message("b@example.com"))), "ok");

    EXPECT_EQ(saved("2.eml"), message("b@example.com").content);
}

TEST_F(SmtpTransport, ARecipientRefusedWithA5xxIsPermanent) {
    smtp_server server(spool_);
    auto smtp = make_smtp(options_for(server.url()));

    const auto error = smtp->send(message("nobody@rejected.example"));

    ASSERT_TRUE(error);
    EXPECT_TRUE(error->permanent);
    EXPECT_NE(error->message.find("550 5.1.1 no such user here"), std::string::npos) << error->message;
    EXPECT_FALSE(std::filesystem::exists(spool_ / "1.eml"));
}

TEST_F(SmtpTransport, ARecipientRefusedWithA4xxIsTransient) {
    smtp_server server(spool_);
    auto smtp = make_smtp(options_for(server.url()));

    const auto error = smtp->send(message("someone@busy.example"));

    ASSERT_TRUE(error);
    EXPECT_FALSE(error->permanent);
    EXPECT_NE(error->message.find("451"), std::string::npos) << error->message;
}

TEST_F(SmtpTransport, AServerThatIsDownIsATransientFailure) {
    smtp_server server(spool_);
    const auto url = server.url();
    server.stop();
    auto smtp = make_smtp(options_for(url));

    const auto error = smtp->send(message("jane@example.com"));

    ASSERT_TRUE(error);
    EXPECT_FALSE(error->permanent);
    EXPECT_NE(error->message.find(url), std::string::npos) << error->message;
}

TEST_F(SmtpTransport, AuthenticatesWithUsernameAndPassword) {
    smtp_server server(spool_, "guestd:s3cret-pw");
    auto options = options_for(server.url());
    options.username = "guestd";
    options.password = "s3cret-pw";
    auto smtp = make_smtp(options);

    EXPECT_EQ(outcome(smtp->send(message("jane@example.com"))), "ok");
    EXPECT_EQ(saved("1.eml"), message("jane@example.com").content);
}

TEST_F(SmtpTransport, AWrongPasswordIsTransientAndNeverShown) {
    smtp_server server(spool_, "guestd:s3cret-pw");

    // Given as an option.
    auto options = options_for(server.url());
    options.username = "guestd";
    options.password = "wrong-pw";
    const auto error = make_smtp(options)->send(message("jane@example.com"));
    ASSERT_TRUE(error);
    EXPECT_FALSE(error->permanent);  // configuration to fix; the message is not at fault
    EXPECT_EQ(error->message.find("wrong-pw"), std::string::npos) << error->message;

    // Written into the URL.
    auto in_url = make_smtp(options_for("smtp://guestd:wrong-pw@127.0.0.1:" + std::to_string(server.port())));
    const auto url_error = in_url->send(message("jane@example.com"));
    ASSERT_TRUE(url_error);
    EXPECT_FALSE(url_error->permanent);
    EXPECT_EQ(url_error->message.find("wrong-pw"), std::string::npos) << url_error->message;
    EXPECT_EQ(in_url->describe().find("wrong-pw"), std::string::npos) << in_url->describe();
    EXPECT_FALSE(std::filesystem::exists(spool_ / "1.eml"));
}

TEST_F(SmtpTransport, RequiredStartTlsIsNotSkippedWhenTheServerLacksIt) {
    smtp_server server(spool_);
    auto options = options_for(server.url());
    options.starttls = true;

    const auto error = make_smtp(options)->send(message("jane@example.com"));

    ASSERT_TRUE(error);
    EXPECT_FALSE(error->permanent);
    EXPECT_FALSE(std::filesystem::exists(spool_ / "1.eml"));
}

TEST_F(SmtpTransport, DescribesItselfWithoutCredentials) {
    auto smtp = make_smtp(options_for("smtp://user:pa55word@mail.example:2525"));
    EXPECT_EQ(smtp->describe(), "smtp://mail.example:2525");
}

TEST_F(SmtpTransport, AnAddressThatWouldInjectSmtpCommandsIsRefusedForGood) {
    auto smtp = make_smtp(options_for("smtp://127.0.0.1:1"));  // never reached

    const auto error = smtp->send(message("jane@example.com>\r\nRCPT TO:<other@example.com"));

    ASSERT_TRUE(error);
    EXPECT_TRUE(error->permanent);
}

}  // namespace
}  // namespace guestd::mail
