// The Paytronix OAuth use cases against a real SQLite store: scopes, the password and refresh grants, rotation
// and family revocation, and the access-token check later oauth calls make (userInformation, editAccount).
#include "domain/oauth.hpp"

#include "domain/accounts.hpp"
#include "unit/domain/fixture.hpp"

#include <gtest/gtest.h>

namespace guestd::testing {
namespace {

using core::errc;
using domain::oauth_scope;
using domain::scope_set;

constexpr std::string_view pw = "correct horse battery staple";

class OAuth : public domain_fixture {
protected:
    void SetUp() override {
        domain_fixture::SetUp();
        push_booking("BK-1", "jane@example.com");
        ASSERT_TRUE(services_->accounts().set_password(merchant_, "jane@example.com", pw));
        client_ = {.partner = caller_.partner, .merchant = merchant_};
    }
    domain::oauth& oauth() { return services_->oauth(); }
    domain::token_grant login(scope_set scope = scope_set::all()) {
        auto g = oauth().password_grant(client_, "jane@example.com", pw, scope);
        EXPECT_TRUE(g.has_value());
        return g.value_or(domain::token_grant{});
    }
    domain::oauth_client client_{};
};

TEST(ScopeSet, AbsentOrBlankMeansAllFourInCanonicalOrder) {
    EXPECT_EQ(scope_set::parse(std::nullopt)->text(), "user_read user_write account_read account_write");
    EXPECT_EQ(scope_set::parse("  ")->text(), "user_read user_write account_read account_write");
    EXPECT_EQ(scope_set::parse("account_read  user_read user_read")->text(), "user_read account_read");
}

TEST(ScopeSet, AnUnknownScopeIsInvalid) {
    const auto s = scope_set::parse("user_read admin");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, errc::invalid_argument);
}

TEST_F(OAuth, PasswordGrantIssuesTwoDistinctTokensForTheAccount) {
    const auto g = login(*scope_set::parse("user_read"));
    EXPECT_EQ(g.access_token.size(), 43u);
    EXPECT_NE(g.access_token, g.refresh_token);
    EXPECT_EQ(g.expires_in, 1800);
    EXPECT_EQ(g.scope, "user_read");
    EXPECT_EQ(g.username, "jane@example.com");
    const auto who = oauth().authenticate(g.access_token, client_, oauth_scope::user_read);
    ASSERT_TRUE(who);
    EXPECT_EQ(who->guest, services_->accounts().show(merchant_, "jane@example.com")->guest.id);
}

TEST_F(OAuth, WrongPasswordCountsTowardTheExperienceLock) {
    for (int i = 0; i < 10; ++i) {
        const auto g = oauth().password_grant(client_, "JANE@example.com", "wrong password here", scope_set::all());
        ASSERT_FALSE(g);
        EXPECT_EQ(g.error().code, errc::unauthenticated);
    }
    // Locked for both dialects, even with the right password.
    const auto g = oauth().password_grant(client_, "jane@example.com", pw, scope_set::all());
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, errc::resource_exhausted);
    EXPECT_GT(g.error().retry_after_seconds, 0);
    EXPECT_EQ(services_->accounts().login(caller_, "jane@example.com", pw).error().code, errc::resource_exhausted);
}

TEST_F(OAuth, UnknownUserIsTheSameAnswerAsAWrongPassword) {
    const auto g = oauth().password_grant(client_, "nobody@example.com", pw, scope_set::all());
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, errc::unauthenticated);
}

TEST_F(OAuth, AccessTokenIsRefusedAfterThirtyMinutes) {
    const auto g = login();
    clock_.advance(1799);
    EXPECT_TRUE(oauth().authenticate(g.access_token, client_, oauth_scope::user_read));
    clock_.advance(1);
    EXPECT_EQ(oauth().authenticate(g.access_token, client_, oauth_scope::user_read).error().code,
              errc::unauthenticated);
}

TEST_F(OAuth, AccessTokenIsBoundToMerchantAndPartnerAndChecksTheScope) {
    const auto g = login(*scope_set::parse("user_read account_read"));
    EXPECT_EQ(oauth().authenticate(g.access_token, {client_.partner, core::merchant_id{5678}}, oauth_scope::user_read)
                  .error().code, errc::unauthenticated);
    EXPECT_EQ(oauth().authenticate(g.access_token, {core::partner_id{client_.partner.value + 1}, merchant_},
                                   oauth_scope::user_read).error().code, errc::unauthenticated);
    EXPECT_EQ(oauth().authenticate(g.access_token, client_, oauth_scope::user_write).error().code,
              errc::permission_denied);
    EXPECT_TRUE(oauth().authenticate(g.access_token, client_, oauth_scope::account_read));
    // A refresh token is no access token, and an access token no x-guest-token.
    EXPECT_EQ(oauth().authenticate(g.refresh_token, client_, oauth_scope::user_read).error().code,
              errc::unauthenticated);
    EXPECT_FALSE(services_->credentials().authenticate_guest_token(g.access_token, caller_));
}

TEST_F(OAuth, RefreshRotatesAndAReusedRefreshTokenRevokesTheFamily) {
    const auto first = login();
    const auto second = oauth().refresh_grant(client_, first.refresh_token, std::nullopt);
    ASSERT_TRUE(second);
    EXPECT_NE(second->refresh_token, first.refresh_token);
    EXPECT_TRUE(oauth().authenticate(second->access_token, client_, oauth_scope::user_read));

    // The spent token again: refused, and everything of the family with it.
    EXPECT_EQ(oauth().refresh_grant(client_, first.refresh_token, std::nullopt).error().code, errc::unauthenticated);
    EXPECT_EQ(oauth().refresh_grant(client_, second->refresh_token, std::nullopt).error().code,
              errc::unauthenticated);
    EXPECT_FALSE(oauth().authenticate(second->access_token, client_, oauth_scope::user_read));
    EXPECT_FALSE(oauth().authenticate(first.access_token, client_, oauth_scope::user_read));
    // Another login is another family.
    EXPECT_TRUE(oauth().authenticate(login().access_token, client_, oauth_scope::user_read));
}

TEST_F(OAuth, RefreshFamilyEndsThirtyDaysAfterTheLoginHoweverOftenItRotates) {
    auto g = login();
    for (int day = 0; day < 29; ++day) {
        clock_.advance(24 * 3600);
        auto next = oauth().refresh_grant(client_, g.refresh_token, std::nullopt);
        ASSERT_TRUE(next) << day;
        g = *next;
    }
    clock_.advance(24 * 3600);
    EXPECT_EQ(oauth().refresh_grant(client_, g.refresh_token, std::nullopt).error().code, errc::unauthenticated);
}

TEST_F(OAuth, RefreshMayNarrowTheScopeButNeverWidenItAndARefusalSpendsNothing) {
    const auto g = login(*scope_set::parse("user_read account_read"));
    const auto wider = oauth().refresh_grant(client_, g.refresh_token, *scope_set::parse("user_write"));
    ASSERT_FALSE(wider);
    EXPECT_EQ(wider.error().code, errc::invalid_argument);
    const auto narrower = oauth().refresh_grant(client_, g.refresh_token, *scope_set::parse("user_read"));
    ASSERT_TRUE(narrower);  // the refused call did not spend the token
    EXPECT_EQ(narrower->scope, "user_read");
}

TEST_F(OAuth, RefreshByAnotherMerchantOrPartnerIsRefusedAndSpendsNothing) {
    const auto g = login();
    EXPECT_FALSE(oauth().refresh_grant({client_.partner, core::merchant_id{5678}}, g.refresh_token, std::nullopt));
    EXPECT_FALSE(oauth().refresh_grant({core::partner_id{client_.partner.value + 1}, merchant_}, g.refresh_token,
                                       std::nullopt));
    EXPECT_TRUE(oauth().refresh_grant(client_, g.refresh_token, std::nullopt));
}

TEST_F(OAuth, APasswordChangeRevokesEveryTokenOfTheAccount) {
    const auto g = login();
    ASSERT_TRUE(services_->accounts().set_password(merchant_, "jane@example.com", "another long passphrase 7"));
    EXPECT_FALSE(oauth().authenticate(g.access_token, client_, oauth_scope::user_read));
    EXPECT_FALSE(oauth().refresh_grant(client_, g.refresh_token, std::nullopt));
}

TEST_F(OAuth, RevokingTheGuestsSessionsRevokesItsTokensToo) {
    const auto g = login();
    ASSERT_TRUE(services_->accounts().revoke_sessions(merchant_, "jane@example.com"));
    EXPECT_FALSE(oauth().authenticate(g.access_token, client_, oauth_scope::user_read));
}

}  // namespace
}  // namespace guestd::testing
