#include "api/auth_header.hpp"

#include <gtest/gtest.h>

namespace guestd::api {
namespace {

TEST(BearerCredentials, TakesWhatFollowsTheScheme) {
    EXPECT_EQ(bearer_credentials("Bearer partner:hotel"), "partner:hotel");
    EXPECT_EQ(bearer_credentials("bearer partner:hotel"), "partner:hotel");
    EXPECT_EQ(bearer_credentials("  BEARER \t partner:hotel  "), "partner:hotel");
}

TEST(BearerCredentials, RejectsAbsentEmptyOrOtherSchemes) {
    EXPECT_FALSE(bearer_credentials(std::nullopt));
    EXPECT_FALSE(bearer_credentials(""));
    EXPECT_FALSE(bearer_credentials("Bearer"));
    EXPECT_FALSE(bearer_credentials("Bearer   "));
    EXPECT_FALSE(bearer_credentials("Bearerpartner:hotel"));
    EXPECT_FALSE(bearer_credentials("Basic Y2xpZW50OnNlY3JldA=="));
    EXPECT_FALSE(bearer_credentials("partner:hotel"));
}

TEST(BasicCredentials, DecodesAndSplitsAtTheFirstColon) {
    const auto plain = basic_credentials("Basic Y2xpZW50OnNlY3JldA==");
    ASSERT_TRUE(plain.has_value());
    EXPECT_EQ(plain->client_id, "client");
    EXPECT_EQ(plain->secret, "secret");
    const auto colons = basic_credentials("basic Y2xpZW50OnNlOmNyZXQ=");
    ASSERT_TRUE(colons.has_value());
    EXPECT_EQ(colons->client_id, "client");
    EXPECT_EQ(colons->secret, "se:cret");
}

TEST(BasicCredentials, RejectsMalformedHeaders) {
    EXPECT_FALSE(basic_credentials(std::nullopt));
    EXPECT_FALSE(basic_credentials("Basic"));
    EXPECT_FALSE(basic_credentials("Bearer Y2xpZW50OnNlY3JldA=="));
    EXPECT_FALSE(basic_credentials("Basic !!!!"));
    EXPECT_FALSE(basic_credentials("Basic Y2xpZW50OnNlY3JldA"));      // padding missing
    EXPECT_FALSE(basic_credentials("Basic Y2xpZW50OnNlY3JldA==xx"));  // trailing data
    EXPECT_FALSE(basic_credentials("Basic Y2xpZW50-nNlY3JldA=="));    // URL-safe alphabet
    EXPECT_FALSE(basic_credentials("Basic bm9Db2xvbg=="));            // "noColon"
    EXPECT_FALSE(basic_credentials("Basic OnNlY3JldA=="));            // ":secret"
    EXPECT_FALSE(basic_credentials("Basic Y2xpZW50Og=="));            // "client:"
}

}  // namespace
}  // namespace guestd::api
