#include "domain/secrets.hpp"

#include <gtest/gtest.h>

#include <set>

namespace guestd::domain {
namespace {

class Secrets : public ::testing::Test {
protected:
    void SetUp() override { init_crypto(); }
};

TEST_F(Secrets, TokenIs256BitsOfUnpaddedBase64Url) {
    const auto t = random_token();
    EXPECT_EQ(t.size(), 43u);
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos);
}

TEST_F(Secrets, TokensDoNotRepeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(seen.insert(random_token()).second);
}

TEST_F(Secrets, DigestIs32BytesAndDeterministic) {
    EXPECT_EQ(digest("abc").size(), 32u);
    EXPECT_EQ(digest("abc"), digest("abc"));
    EXPECT_NE(digest("abc"), digest("abd"));
}

TEST_F(Secrets, DigestsCompareByContent) {
    EXPECT_TRUE(digests_equal(digest("x"), digest("x")));
    EXPECT_FALSE(digests_equal(digest("x"), digest("y")));
    EXPECT_FALSE(digests_equal("short", digest("x")));
}

TEST_F(Secrets, LuhnAcceptsKnownValidNumbers) {
    EXPECT_TRUE(luhn_valid("79927398713"));
    EXPECT_TRUE(luhn_valid("4111111111111111"));
    EXPECT_FALSE(luhn_valid("79927398710"));
    EXPECT_FALSE(luhn_valid("4111 1111 1111 1111"));
    EXPECT_FALSE(luhn_valid("7"));
}

TEST_F(Secrets, CardNumbersAre16DigitsWithALuhnCheckDigit) {
    for (int i = 0; i < 500; ++i) {
        const auto n = random_card_number();
        ASSERT_EQ(n.size(), 16u) << n;
        EXPECT_EQ(n.front(), '6');
        EXPECT_TRUE(luhn_valid(n)) << n;
    }
}

}  // namespace
}  // namespace guestd::domain
