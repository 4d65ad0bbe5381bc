// The operator CLI as an operator sees it: `guestd merchant add`, `partner add` and `guest show` print one JSON
// object on success and fail with a non-zero exit, a message on stderr and nothing on stdout.
#include "integration/harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace guestd::itest {
namespace {
namespace json = boost::json;

class Cli : public ::testing::Test {
protected:
    void SetUp() override {
        database_ = std::make_unique<test_database>(dir_.path());
        db_ = database_->arg();
    }

    run_result guestd(std::vector<std::string> args) {
        args.insert(args.begin() + 2, {"--db", db_.string()});
        return run_guestd(args);
    }

    static std::set<std::string> keys_of(const json::value& v) {
        std::set<std::string> keys;
        if (v.is_object()) {
            for (const auto& kv : v.as_object()) keys.emplace(kv.key());
        }
        return keys;
    }

    /// Expects a failed command: non-zero exit, a message on stderr, nothing on stdout.
    static void expect_refused(const run_result& run) {
        EXPECT_NE(run.exit_code, 0);
        EXPECT_FALSE(run.err.empty()) << "a refused command should say why on stderr";
        EXPECT_EQ(run.out, "") << "a refused command should print nothing on stdout";
    }

    temp_dir dir_;
    std::unique_ptr<test_database> database_;
    std::filesystem::path db_;
};

TEST_F(Cli, MerchantAddPrintsExactlyIdNameAndHotelToken) {
    const run_result run = guestd({"merchant", "add", "--id", "1234", "--name", "Hotel Test"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const json::value out = parse_json(run.out);
    EXPECT_EQ(keys_of(out), (std::set<std::string>{"merchant_id", "name", "hotel_token"}));
    EXPECT_EQ(out.at("merchant_id"), json::value(1234));
    EXPECT_EQ(out.at("name"), json::value("Hotel Test"));
    ASSERT_TRUE(out.at("hotel_token").is_string());
    EXPECT_GE(out.at("hotel_token").as_string().size(), 22U) << "a hotel token carries at least 128 random bits";
}

TEST_F(Cli, EachMerchantGetsItsOwnHotelToken) {
    const run_result a = guestd({"merchant", "add", "--id", "1", "--name", "A"});
    const run_result b = guestd({"merchant", "add", "--id", "2", "--name", "B"});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    ASSERT_EQ(b.exit_code, 0) << b.err;
    EXPECT_NE(parse_json(a.out).at("hotel_token"), parse_json(b.out).at("hotel_token"));
}

TEST_F(Cli, MerchantAddRefusesADuplicateId) {
    ASSERT_EQ(guestd({"merchant", "add", "--id", "1234", "--name", "Hotel Test"}).exit_code, 0);
    expect_refused(guestd({"merchant", "add", "--id", "1234", "--name", "Another"}));
}

TEST_F(Cli, PartnerAddPrintsItsCredentialsAndMerchants) {
    ASSERT_EQ(guestd({"merchant", "add", "--id", "1234", "--name", "Hotel Test"}).exit_code, 0);
    ASSERT_EQ(guestd({"merchant", "add", "--id", "5678", "--name", "Hotel Other"}).exit_code, 0);
    const run_result run = guestd({"partner", "add", "--name", "Acme", "--merchant", "1234", "--merchant", "5678"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const json::value out = parse_json(run.out);
    EXPECT_EQ(keys_of(out), (std::set<std::string>{"partner_id", "name", "merchants", "partner_token", "client_id",
                                                   "client_secret"}));
    EXPECT_TRUE(out.at("partner_id").is_int64());
    EXPECT_EQ(out.at("name"), json::value("Acme"));
    EXPECT_EQ(out.at("merchants"), json::parse("[1234, 5678]"));
    for (const char* secret : {"partner_token", "client_id", "client_secret"}) {
        ASSERT_TRUE(out.at(secret).is_string()) << secret;
        EXPECT_FALSE(out.at(secret).as_string().empty()) << secret;
    }
    EXPECT_EQ(out.at("partner_token").as_string().find(':'), json::string::npos)
        << "the bearer joins partner and hotel tokens with ':'";
}

TEST_F(Cli, PartnerAddRefusesAnUnknownMerchant) {
    ASSERT_EQ(guestd({"merchant", "add", "--id", "1234", "--name", "Hotel Test"}).exit_code, 0);
    expect_refused(guestd({"partner", "add", "--name", "Acme", "--merchant", "9999"}));
}

TEST_F(Cli, UnknownFlagIsRefused) {
    expect_refused(guestd({"merchant", "add", "--id", "1234", "--name", "Hotel Test", "--bogus", "1"}));
}

TEST_F(Cli, NonNumericMerchantIdIsRefused) {
    expect_refused(guestd({"merchant", "add", "--id", "twelve", "--name", "Hotel Test"}));
}

TEST_F(Cli, GuestShowRefusesAnUnknownGuest) {
    ASSERT_EQ(guestd({"merchant", "add", "--id", "1234", "--name", "Hotel Test"}).exit_code, 0);
    const run_result run = guestd({"guest", "show", "--merchant", "1234", "--email", "nobody@example.com"});
    EXPECT_NE(run.exit_code, 0);
    EXPECT_EQ(run.out, "");
}

}  // namespace
}  // namespace guestd::itest
