#include "domain/passwords.hpp"

#include "domain/secrets.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace guestd::domain {
namespace {

class Passwords : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
    passwords hasher_;
};

TEST_F(Passwords, HashIsArgon2idPhcAtOwaspFloor) {
    const auto phc = hasher_.hash("correct horse battery staple");
    EXPECT_TRUE(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << phc;
}

TEST_F(Passwords, VerifyAcceptsOnlyTheRightPassword) {
    const auto phc = hasher_.hash("correct horse battery staple");
    EXPECT_TRUE(hasher_.verify(phc, "correct horse battery staple"));
    EXPECT_FALSE(hasher_.verify(phc, "correct horse battery stapl"));
    EXPECT_FALSE(hasher_.verify("not a phc string", "x"));
}

TEST_F(Passwords, SaltMakesEqualPasswordsHashDifferently) {
    EXPECT_NE(hasher_.hash("same password here"), hasher_.hash("same password here"));
}

TEST_F(Passwords, OldParametersNeedRehash) {
    passwords stronger({.opslimit = 3, .memlimit = 19 * 1024 * 1024});
    const auto phc = hasher_.hash("correct horse battery staple");
    EXPECT_FALSE(hasher_.needs_rehash(phc));
    EXPECT_TRUE(stronger.needs_rehash(phc));
}

TEST_F(Passwords, ParametersBelowTheFloorAreRefused) {
    EXPECT_THROW(passwords({.opslimit = 1, .memlimit = 19 * 1024 * 1024}), std::invalid_argument);
    EXPECT_THROW(passwords({.opslimit = 2, .memlimit = 8 * 1024 * 1024}), std::invalid_argument);
}

std::string reason(const core::result<void>& r) { return r ? "" : r.error().fields.at(0).reason; }

TEST(PasswordPolicy, RejectsShortPasswords) {
    const auto r = check_password_policy("k7#Qz!p", 8);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, core::errc::invalid_argument);
    EXPECT_EQ(r.error().fields.at(0).field, "password");
    EXPECT_EQ(reason(r), "must be at least 8 characters");
}

TEST(PasswordPolicy, CountsCharactersNotBytes) {
    // Eight characters, sixteen bytes.
    EXPECT_TRUE(check_password_policy("éàüöçñßø", 8));
    EXPECT_FALSE(check_password_policy("éàüöçñß", 8));
}

TEST(PasswordPolicy, HonoursTheMerchantMinimum) {
    EXPECT_TRUE(check_password_policy("Vq9#mT2!xR", 10));
    EXPECT_EQ(reason(check_password_policy("Vq9#mT2!x", 10)), "must be at least 10 characters");
}

TEST(PasswordPolicy, RejectsOverlongPasswords) {
    EXPECT_EQ(reason(check_password_policy(std::string(1025, 'a'), 8)), "must be at most 1024 bytes");
}

TEST(PasswordPolicy, RejectsCommonPasswords) {
    for (const char* common : {"password", "password1", "12345678", "iloveyou", "qwertyuiop", "football"})
        EXPECT_FALSE(check_password_policy(common, 8)) << common;
}

TEST(PasswordPolicy, AcceptsUncommonPasswords) {
    for (const char* fine : {"correct horse battery staple", "Vq9#mT2!xR", "tulip-orbit-47-cavern"})
        EXPECT_TRUE(check_password_policy(fine, 8)) << fine;
}

}  // namespace
}  // namespace guestd::domain
