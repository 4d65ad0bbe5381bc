// The spool transport: one complete .eml file per message, nothing half-written left behind.
#include "mail/transport.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <unistd.h>

namespace guestd::mail {
namespace {

class Spool : public ::testing::Test {
protected:
    void SetUp() override {
        static std::atomic<int> counter{0};
        root_ = std::filesystem::temp_directory_path() /
                ("guestd-mail-spool-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(root_);
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    static store::outbox_message message(std::int64_t id, std::string content) {
        store::outbox_message m;
        m.id = id;
        m.message_id = "<" + std::to_string(id) + "@guestd.example>";
        m.recipient = "jane@example.com";
        m.sender = "Hotel Test <no-reply@hotel.example>";
        m.content = std::move(content);
        return m;
    }

    static std::string read(const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }

    static std::vector<std::string> names(const std::filesystem::path& dir) {
        std::vector<std::string> out;
        for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }

    std::filesystem::path root_;
};

// "ok", or why not: readable in a failed expectation.
std::string outcome(const std::optional<delivery_error>& e) { return e ? e->message : "ok"; }

const std::string content = "From: Hotel Test <no-reply@hotel.example>\r\n"
                            "To: jane@example.com\r\n"
                            "Message-ID: <7@guestd.example>\r\n"
                            "Subject: Reset\r\n"
                            "\r\n"
                            "caf\xc3\xa9\r\n"
                            ".dot\r\n"
                            "no final line end";

TEST_F(Spool, WritesTheMessageAsIsUnderItsId) {
    const auto dir = root_ / "mail";
    std::filesystem::create_directories(dir);
    auto spool = make_spool(dir);

    EXPECT_EQ(outcome(spool->send(message(7, content))), "ok");

    EXPECT_EQ(read(dir / "7.eml"), content);
    EXPECT_EQ(names(dir), std::vector<std::string>{"7.eml"});  // no temporary file left behind
}

TEST_F(Spool, CreatesItsDirectoryForItsOwnerOnly) {
    const auto dir = root_ / "a" / "b" / "mail";
    auto spool = make_spool(dir);

    EXPECT_EQ(outcome(spool->send(message(1, content))), "ok");
    EXPECT_EQ(outcome(spool->send(message(2, "second"))), "ok");

    EXPECT_EQ(names(dir), (std::vector<std::string>{"1.eml", "2.eml"}));
    EXPECT_EQ(read(dir / "2.eml"), "second");
    // The messages hold reset links.
    EXPECT_EQ(std::filesystem::status(dir).permissions(), std::filesystem::perms::owner_all);
    EXPECT_EQ(std::filesystem::status(dir / "1.eml").permissions(),
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(Spool, ASecondDeliveryOfTheSameMessageReplacesTheFile) {
    const auto dir = root_ / "mail";
    auto spool = make_spool(dir);

    EXPECT_EQ(outcome(spool->send(message(3, "a much longer first version of the message"))), "ok");
    EXPECT_EQ(outcome(spool->send(message(3, "again"))), "ok");

    EXPECT_EQ(read(dir / "3.eml"), "again");
    EXPECT_EQ(names(dir), std::vector<std::string>{"3.eml"});
}

TEST_F(Spool, AnUnusableDirectoryIsATransientFailure) {
    std::filesystem::create_directories(root_);
    std::ofstream(root_ / "not-a-dir") << "x";
    auto spool = make_spool(root_ / "not-a-dir");

    const auto error = spool->send(message(4, content));

    ASSERT_TRUE(error);
    EXPECT_FALSE(error->permanent);  // an operator can fix the directory; the message is not at fault
    EXPECT_NE(error->message.find("not-a-dir"), std::string::npos);
}

TEST_F(Spool, DescribesItselfByItsAbsolutePath) {
    auto spool = make_spool(root_ / "mail");
    EXPECT_EQ(spool->describe(), "spool:" + (root_ / "mail").string());
}

}  // namespace
}  // namespace guestd::mail
