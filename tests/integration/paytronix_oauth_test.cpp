// oauth/requestGuestToken.json against the real binary, shaped as real Paytronix apps send it: credentials in the
// body with no Authorization header, or Basic, or both; Gson's \u003d escapes; refresh, reuse, lock, reset,
// cross-dialect accounts and cross-merchant refusals.
#include "integration/paytronix_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view password = "correct horse=battery staple";
constexpr std::string_view all_scopes = "user_read user_write account_read account_write";

class OAuthToken : public paytronix_test {
protected:
    void SetUp() override {
        paytronix_test::SetUp();
        if (HasFatalFailure()) return;
        make_account(john, password);  // through the Experience dialect
    }

    /// POST the raw body to requestGuestToken under prefix with those headers (no Authorization unless given).
    http_response token_raw(const std::string& body, header_list headers = {{"Authorization", ""}},
                            std::string_view prefix = "/rest/19.23/") {
        headers.push_back({"Content-Type", "application/json; charset=UTF-8"});
        return call("POST", std::string(prefix) + "oauth/requestGuestToken.json", body, headers);
    }

    /// The app's token request: credentials of acme in the body, no Authorization header.
    http_response token(json::object body, std::string_view prefix = "/rest/19.23/") {
        body["client_id"] = acme_.client_id;
        body["client_secret"] = acme_.client_secret;
        return token_raw(json::serialize(body), {{"Authorization", ""}}, prefix);
    }

    http_response password_login(std::string_view pw = password, std::int64_t merchant = 1234) {
        return token({{"grant_type", "password"}, {"merchantId", merchant}, {"username", john}, {"password", pw},
                      {"authentication", "anonymous"}});
    }

    http_response refresh(std::string_view refresh_token, std::int64_t merchant = 1234) {
        return token({{"grant_type", "refresh_token"}, {"merchantId", merchant}, {"refresh_token", refresh_token}});
    }

    /// Checks a success answer as the apps read it; returns it.
    static json::object granted(const http_response& r, std::string_view scope = all_scopes) {
        EXPECT_EQ(r.status, 200) << r.body;
        const auto v = r.json();
        if (!v.is_object()) return {};
        const auto& o = v.as_object();
        EXPECT_EQ(o.size(), 7u) << r.body;
        EXPECT_EQ(o.at("result"), "success");
        EXPECT_EQ(o.at("token_type"), "bearer");
        EXPECT_TRUE(o.at("expires_in").is_int64() && o.at("expires_in").as_int64() == 1800) << r.body;
        EXPECT_EQ(o.at("scope"), json::string(scope));
        EXPECT_EQ(o.at("username"), json::string(john));
        EXPECT_GE(o.at("access_token").as_string().size(), 43u);
        EXPECT_NE(o.at("access_token"), o.at("refresh_token"));
        return o;
    }
    static std::string refresh_of(const json::object& o) { return std::string(o.at("refresh_token").as_string()); }
};

TEST_F(OAuthToken, AppSendsCredentialsInTheBodyWithGsonEscapesAndNoAuthorizationHeader) {
    // Gson writes '=' as \u003d, and the app leaves out authentication.
    const std::string body = R"({"grant_type":"password","merchantId":1234,"username":"john.doe@example.com",)"
                             R"("password":"correct horse\u003dbattery staple","scope":"account_read user_read",)"
                             R"("client_id":")" + acme_.client_id + R"(","client_secret":")" + acme_.client_secret +
                             R"("})";
    granted(token_raw(body), "user_read account_read");
}

TEST_F(OAuthToken, BasicHeaderAndBothPlacesAgreeingLogInUnderEveryPrefix) {
    const json::object body{{"grant_type", "password"}, {"merchantId", 1234}, {"username", john},
                            {"password", password}};
    granted(token_raw(json::serialize(body), {{"Authorization", basic(acme_)}}, "/rest/19.2/"));
    granted(token_raw(json::serialize(body), {{"Authorization", basic(acme_)}}, "/api/rest/22.23/"));
    json::object both = body;
    both["client_id"] = acme_.client_id;
    both["client_secret"] = acme_.client_secret;
    granted(token_raw(json::serialize(both), {{"Authorization", basic(acme_)}}, "/"));
}

TEST_F(OAuthToken, HeaderAndBodyNamingDifferentCredentialsIs401) {
    json::object body{{"grant_type", "password"}, {"merchantId", 1234}, {"username", john}, {"password", password},
                      {"client_id", beta_.client_id}, {"client_secret", beta_.client_secret}};
    const auto r = token_raw(json::serialize(body), {{"Authorization", basic(acme_)}});
    EXPECT_TRUE(is_failure(r, 401, "guestmanagement.authentication_failed"));
    EXPECT_TRUE(r.header("www-authenticate").has_value());
    // No credentials anywhere, or a wrong secret in the body: 401 too.
    body.erase("client_id");
    body.erase("client_secret");
    EXPECT_TRUE(is_failure(token_raw(json::serialize(body)), 401, "guestmanagement.authentication_failed"));
    body["client_id"] = acme_.client_id;
    body["client_secret"] = "not-the-secret";
    EXPECT_TRUE(is_failure(token_raw(json::serialize(body)), 401, "guestmanagement.authentication_failed"));
}

TEST_F(OAuthToken, ResetEndpointsTakeBodyCredentialsToo) {
    const json::object body{{"merchantId", 1234}, {"email", john}, {"client_id", acme_.client_id},
                            {"client_secret", acme_.client_secret}};
    EXPECT_TRUE(is_reset_success(call("POST", "/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json",
                                      json::serialize(body), {{"Authorization", ""}}),
                                 john));
}

TEST_F(OAuthToken, RefreshRotatesAndReusingASpentRefreshTokenRevokesTheFamily) {
    const auto first = granted(password_login());
    const auto second = granted(refresh(refresh_of(first)));
    EXPECT_NE(refresh_of(second), refresh_of(first));
    const auto third = granted(refresh(refresh_of(second)));

    // Replaying the first refresh token ends the family: the newest refresh token is refused as well.
    EXPECT_TRUE(is_failure(refresh(refresh_of(first)), 401, "oauth.invalid_grant"));
    EXPECT_TRUE(is_failure(refresh(refresh_of(third)), 401, "oauth.invalid_grant"));
    granted(password_login());  // a new login starts a new family
}

TEST_F(OAuthToken, WrongPasswordIs401AndTheSharedLockAnswers429WithRetryAfter) {
    for (int i = 0; i < 10; ++i) {
        const auto r = password_login("not the password at all");
        ASSERT_TRUE(is_failure(r, 401, "could_not_authenticate")) << i;
    }
    const auto locked = password_login();
    EXPECT_TRUE(is_failure(locked, 429, "oauth.account_locked"));
    EXPECT_TRUE(locked.header("retry-after").has_value());
    // The Experience login reads the same counter.
    EXPECT_EQ(login_call(john, password).status, 429);
}

TEST_F(OAuthToken, UnknownUserIs401LikeAWrongPassword) {
    const auto r = token({{"grant_type", "password"}, {"merchantId", 1234}, {"username", "nobody@example.com"},
                          {"password", password}});
    EXPECT_TRUE(is_failure(r, 401, "could_not_authenticate"));
}

TEST_F(OAuthToken, ACompletedResetRevokesTheTokensAndTheNewPasswordLogsIn) {
    const auto before = granted(password_login());
    const std::string code = reset_code_for(john);
    ASSERT_FALSE(code.empty());
    ASSERT_TRUE(is_completed(complete_reset(code, "plum orchard under snow 42")));
    EXPECT_TRUE(is_failure(refresh(refresh_of(before)), 401, "oauth.invalid_grant"));
    EXPECT_TRUE(is_failure(password_login(), 401, "could_not_authenticate"));
    granted(password_login("plum orchard under snow 42"));
}

TEST_F(OAuthToken, OtherMerchantsAreRefused) {
    // acme is granted both merchants, but John is a guest of 1234 only.
    EXPECT_TRUE(is_failure(password_login(password, 5678), 401, "could_not_authenticate"));
    const auto g = granted(password_login());
    EXPECT_TRUE(is_failure(refresh(refresh_of(g), 5678), 401, "oauth.invalid_grant"));
    // beta is not granted 5678 at all.
    const json::object body{{"grant_type", "password"}, {"merchantId", 5678}, {"username", john},
                            {"password", password}, {"client_id", beta_.client_id},
                            {"client_secret", beta_.client_secret}};
    EXPECT_TRUE(is_failure(token_raw(json::serialize(body)), 403, "oauth.permission_denied"));
    granted(refresh(refresh_of(g)));  // the refusals spent nothing
}

TEST_F(OAuthToken, HostileInputGetsTheFailureBodyAndChangesNothing) {
    // Credentials come first: a body that does not parse carries none.
    EXPECT_TRUE(is_failure(token_raw("{not json"), 401, "guestmanagement.authentication_failed"));
    EXPECT_TRUE(is_failure(token_raw("{not json", {{"Authorization", basic(acme_)}}), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(token({{"grant_type", "client_credentials"}, {"merchantId", 1234}}), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(token({{"grant_type", "password"}, {"merchantId", "1234"}, {"username", john},
                                  {"password", password}}),
                           400, "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(token({{"grant_type", "password"}, {"merchantId", 1234}, {"username", john}}), 400,
                           "oauth.invalid_request"));
    EXPECT_TRUE(is_failure(token({{"grant_type", "password"}, {"merchantId", 1234}, {"username", john},
                                  {"password", password}, {"scope", "user_read admin"}}),
                           400, "oauth.invalid_scope"));
    EXPECT_TRUE(is_failure(refresh(std::string(300, 'A')), 400, "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(refresh("no-such-token"), 401, "oauth.invalid_grant"));
    // Nothing counted toward the lock: nine wrong passwords still leave the tenth attempt a 401, not a 429.
    for (int i = 0; i < 9; ++i) ASSERT_TRUE(is_failure(password_login("wrong password x"), 401, "could_not_authenticate"));
    granted(password_login());
}

}  // namespace
}  // namespace guestd::itest
