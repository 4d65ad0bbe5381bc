// guest/userInformation.json and guest/accountInformation.json against the real binary, as real Paytronix apps and
// b2b services read them: an app logs in with requestGuestToken (credentials in the body) and reads its guest with
// the access token; a b2b partner looks any guest up by username, printedCardNumber or accountId. Guests come from
// the Experience dialect, so both dialects serve the same accounts.
#include "integration/paytronix_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view john_encoded = "john.doe%40example.com";
constexpr std::string_view password = "correct horse battery staple";

class PaytronixGuest : public paytronix_test {
protected:
    void SetUp() override {
        paytronix_test::SetUp();
        if (HasFatalFailure()) return;
        const auto shown = make_account(john, password);  // through the Experience dialect
        account_id_ = shown.at("account_id").as_int64();
        card_ = std::string(shown.at("printed_card_number").as_string());
    }

    /// requestGuestToken as the apps send it (credentials in the body, no Authorization header): the access and
    /// refresh tokens, or empty strings with a test failure.
    std::pair<std::string, std::string> app_login(std::string_view scope = "user_read user_write account_read account_write",
                                                  std::string_view pw = password) {
        const json::object body{{"grant_type", "password"}, {"merchantId", 1234}, {"username", john},
                                {"password", pw}, {"scope", scope}, {"client_id", acme_.client_id},
                                {"client_secret", acme_.client_secret}};
        const auto r = call("POST", "/rest/19.23/oauth/requestGuestToken.json", json::serialize(body),
                            {{"Authorization", ""}, {"Content-Type", "application/json; charset=UTF-8"}});
        EXPECT_EQ(r.status, 200) << r.body;
        const auto v = r.json();
        if (!v.is_object() || !v.as_object().contains("access_token")) return {};
        return {std::string(v.at("access_token").as_string()), std::string(v.at("refresh_token").as_string())};
    }

    /// GET <prefix>guest/<what>.json?<query> as the apps send it: Basic credentials, and the Content-Type header
    /// one app sets on every request, GETs included.
    http_response read(std::string_view what, const std::string& query, const partner_info* partner = nullptr,
                       std::string_view prefix = "/rest/19.23/") {
        return call("GET", std::string(prefix) + "guest/" + std::string(what) + ".json?" + query, std::nullopt,
                    {{"Authorization", basic(partner != nullptr ? *partner : acme_)},
                     {"Content-Type", "application/json; charset=UTF-8"}});
    }

    http_response oauth_read(std::string_view what, const std::string& token, std::string_view username = john,
                             std::int64_t merchant = 1234, std::string_view prefix = "/rest/19.23/") {
        return read(what,
                    "merchantId=" + std::to_string(merchant) + "&username=" + std::string(username) +
                        "&access_token=" + token + "&authentication=oauth",
                    nullptr, prefix);
    }

    http_response b2b_read(std::string_view what, const std::string& identifier, std::int64_t merchant = 1234,
                           const partner_info* partner = nullptr) {
        return read(what, "authentication=b2b&" + identifier + "&merchantId=" + std::to_string(merchant),
                    partner != nullptr ? partner : &bravo_);
    }

    /// John's userInformation as guestd holds him after make_account, with emailVerified as given.
    std::string john_information(bool email_verified = false) const {
        return R"({"result": "success", "fields": {"firstName": "John", "lastName": "Doe", )"
               R"("email": "john.doe@example.com", "username": "john.doe@example.com", "postalCode": "75001", )"
               R"("optIn": false, "textCampaignOptIn": false, "smsOptInVerified": false, "emailVerified": )" +
               std::string(email_verified ? "true" : "false") + R"(}, "accountIds": [)" +
               std::to_string(account_id_) + R"(], "primaryCardNumbers": [")" + card_ + R"("], )" +
               R"("addresses": [{"addressId": )" + std::to_string(guest_id()) + R"(, "postalCode": "75001"}]})";
    }

    std::string john_account() const {
        return R"({"result": "success", "accountStatus": "ACTIVE", "registrationStatus": "Registered", )"
               R"("primaryCard": {"printedCardNumber": ")" + card_ + R"(", "status": "ACTIVE"}, )"
               R"("printedCardNumber": ")" + card_ + R"("})";
    }

    std::int64_t guest_id() const {
        // The guest's id: the address's stable id. Account ids count from 1000001, guest ids from 1.
        return guest_id_;
    }

    std::int64_t account_id_ = 0;
    std::int64_t guest_id_ = 1;  // the first guest of a fresh database
    std::string card_;
};

TEST_F(PaytronixGuest, AnAppLogsInThenReadsItsGuestWithTheAccessTokenUnderEveryPrefix) {
    const auto [access, refresh] = app_login();
    ASSERT_FALSE(access.empty());
    EXPECT_TRUE(is_json(oauth_read("userInformation", access), 200, john_information()));
    // The username in the query may carry '@' raw or percent-encoded; the prefixes of real clients all answer.
    EXPECT_TRUE(is_json(oauth_read("userInformation", access, john_encoded, 1234, "/api/rest/16.3/"), 200,
                        john_information()));
    EXPECT_TRUE(is_json(oauth_read("userInformation", access, john, 1234, "/"), 200, john_information()));
    EXPECT_TRUE(is_json(oauth_read("accountInformation", access), 200, john_account()));
}

TEST_F(PaytronixGuest, WhatTheExperienceDialectChangesIsReadAtOnceAndItsWireKeepsItsKeys) {
    const std::string xp_token = login(john, password);
    ASSERT_FALSE(xp_token.empty());
    ASSERT_EQ(put_guest_info(xp_token, json::object{{"firstname", "Johnny"}, {"mobile", "+33612345678"},
                                                    {"street", "1 rue de Rivoli"}, {"city", "Paris"},
                                                    {"country", "FR"}})
                  .status,
              200);
    const auto [access, refresh] = app_login("user_read");
    const auto v = oauth_read("userInformation", access).json();
    ASSERT_TRUE(v.is_object());
    const auto& fields = v.at("fields").as_object();
    EXPECT_EQ(fields.at("firstName"), "Johnny");
    EXPECT_EQ(fields.at("mobilePhone"), "+33612345678");
    EXPECT_EQ(fields.at("address1"), "1 rue de Rivoli");
    EXPECT_EQ(fields.at("city"), "Paris");
    EXPECT_EQ(fields.at("country"), "FR");
    EXPECT_EQ(v.at("addresses"), json::parse(R"([{"addressId": )" + std::to_string(guest_id()) +
                                             R"(, "address1": "1 rue de Rivoli", "city": "Paris", )"
                                             R"("postalCode": "75001", "country": "FR"}])"));

    // The Experience wire stays as documented: none of the Paytronix fields appear there.
    const auto info = guest_info(xp_token).json();
    ASSERT_TRUE(info.is_object());
    std::vector<std::string> keys;
    for (const auto& kv : info.as_object()) keys.emplace_back(kv.key());
    std::sort(keys.begin(), keys.end());
    auto documented = guest_information_keys();
    std::sort(documented.begin(), documented.end());
    EXPECT_EQ(keys, documented);
}

TEST_F(PaytronixGuest, AB2bPartnerFindsTheGuestByEachIdentifier) {
    EXPECT_TRUE(is_json(b2b_read("userInformation", "username=" + std::string(john)), 200, john_information()));
    EXPECT_TRUE(is_json(b2b_read("userInformation", "username=" + std::string(john_encoded)), 200,
                        john_information()));
    EXPECT_TRUE(is_json(b2b_read("userInformation", "username=JOHN.DOE%40EXAMPLE.COM"), 200, john_information()));
    EXPECT_TRUE(is_json(b2b_read("userInformation", "printedCardNumber=" + card_), 200, john_information()));
    EXPECT_TRUE(is_json(b2b_read("userInformation", "accountId=" + std::to_string(account_id_)), 200,
                        john_information()));
    EXPECT_TRUE(is_json(b2b_read("accountInformation", "printedCardNumber=" + card_), 200, john_account()));
    EXPECT_TRUE(is_json(b2b_read("accountInformation", "accountId=" + std::to_string(account_id_)), 200,
                        john_account()));
}

TEST_F(PaytronixGuest, AnUnknownGuestIsA200FailureForB2b) {
    EXPECT_TRUE(is_json(b2b_read("userInformation", "username=nobody%40example.com"), 200,
                        R"({"result": "failure", "errorCode": "user_info.not_found", )"
                        R"("errorMessage": "The user was not found"})"));
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "accountId=999"), 200, "user_info.not_found"));
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "printedCardNumber=6006490000000000"), 200,
                           "user_info.not_found"));
    EXPECT_TRUE(is_failure(b2b_read("accountInformation", "username=nobody%40example.com"), 200,
                           "account_info.not_found"));
    // A guest of the CRM without an account is no Paytronix user either.
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-2", "noaccount@example.com")}), 1, 0));
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "username=noaccount%40example.com"), 200,
                           "user_info.not_found"));
}

TEST_F(PaytronixGuest, EachReadNeedsItsScope) {
    const auto [account_only, r1] = app_login("account_read");
    EXPECT_TRUE(is_failure(oauth_read("userInformation", account_only), 403, "oauth.insufficient_scope"));
    EXPECT_TRUE(is_json(oauth_read("accountInformation", account_only), 200, john_account()));
    const auto [user_only, r2] = app_login("user_read user_write");
    EXPECT_TRUE(is_failure(oauth_read("accountInformation", user_only), 403, "oauth.insufficient_scope"));
    EXPECT_TRUE(is_json(oauth_read("userInformation", user_only), 200, john_information()));
}

TEST_F(PaytronixGuest, AStaleTokenIs401AndTheAppRefreshesOrLogsInAgain) {
    const auto [access, refresh] = app_login();
    // An unknown token: 401, which makes the apps refresh; every 401 carries a challenge.
    const auto unknown = oauth_read("userInformation", "not-a-token");
    EXPECT_TRUE(is_failure(unknown, 401, "oauth.invalid_token"));
    EXPECT_TRUE(unknown.header("www-authenticate").has_value());
    const json::object body{{"grant_type", "refresh_token"}, {"merchantId", 1234}, {"refresh_token", refresh},
                            {"client_id", acme_.client_id}, {"client_secret", acme_.client_secret}};
    const auto refreshed = call("POST", "/rest/19.23/oauth/requestGuestToken.json", json::serialize(body),
                                {{"Authorization", ""}, {"Content-Type", "application/json"}});
    ASSERT_EQ(refreshed.status, 200) << refreshed.body;
    const std::string renewed(refreshed.json().at("access_token").as_string());
    EXPECT_TRUE(is_json(oauth_read("userInformation", renewed), 200, john_information()));

    // A completed reset revokes every token: the old access token is stale. The reset went through a link sent
    // to John's email, which is now verified.
    const std::string code = reset_code_for(john);
    ASSERT_TRUE(is_completed(complete_reset(code, "plum orchard under snow 42")));
    EXPECT_TRUE(is_failure(oauth_read("userInformation", renewed), 401, "oauth.invalid_token"));
    const auto [fresh, r] = app_login("user_read", "plum orchard under snow 42");
    EXPECT_TRUE(is_json(oauth_read("userInformation", fresh), 200, john_information(true)));
}

TEST_F(PaytronixGuest, OtherMerchantsAndPartnersAreRefused) {
    const auto [access, refresh] = app_login();
    // acme is granted 5678 too, but the token was issued for 1234.
    EXPECT_TRUE(is_failure(oauth_read("userInformation", access, john, 5678), 401, "oauth.invalid_token"));
    EXPECT_TRUE(is_failure(oauth_read("accountInformation", access, john, 5678), 401, "oauth.invalid_token"));
    // bravo has b2b rights on 5678, where John is no guest.
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "username=" + std::string(john), 5678), 200,
                           "user_info.not_found"));
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "accountId=" + std::to_string(account_id_), 5678), 200,
                           "user_info.not_found"));
    // acme has no b2b rights; beta is not granted 5678.
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "username=" + std::string(john), 1234, &acme_), 403,
                           "user_info.b2b_not_allowed"));
    EXPECT_TRUE(is_failure(b2b_read("accountInformation", "username=" + std::string(john), 1234, &acme_), 403,
                           "account_info.b2b_not_allowed"));
    EXPECT_TRUE(is_failure(read("userInformation", "merchantId=5678&authentication=oauth&access_token=" + access,
                                &beta_),
                           403, "user_info.permission_denied"));
    // Another partner cannot use acme's token, even for the same merchant.
    EXPECT_TRUE(is_failure(read("userInformation", "merchantId=1234&authentication=oauth&access_token=" + access,
                                &beta_),
                           401, "oauth.invalid_token"));
}

TEST_F(PaytronixGuest, HostileInputGetsTheFailureBodyAndChangesNothing) {
    const auto before = guest_show(john);
    const auto [access, refresh] = app_login();
    const std::string u = "username=" + std::string(john);
    // Missing or malformed parameters, an unknown authentication, two identifiers or none.
    EXPECT_TRUE(is_failure(read("userInformation", "authentication=b2b&" + u, &bravo_), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(read("userInformation", "merchantId=abc&authentication=b2b&" + u, &bravo_), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(read("userInformation", "merchantId=1234&" + u, &bravo_), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(read("userInformation", "merchantId=1234&authentication=guest&" + u, &bravo_), 400,
                           "user_info.invalid_request"));
    EXPECT_TRUE(is_failure(b2b_read("userInformation", u + "&accountId=" + std::to_string(account_id_)), 400,
                           "user_info.invalid_request"));
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "username="), 400, "user_info.invalid_request"));
    EXPECT_TRUE(is_failure(b2b_read("accountInformation", "accountId=1e3"), 400, "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "username=" + std::string(2000, 'a')), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "username=%ff%fe"), 400, "guestmanagement.invalid_request"));
    // SQL and wildcards are only text: they name nobody.
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "username=%25"), 200, "user_info.not_found"));
    EXPECT_TRUE(is_failure(b2b_read("userInformation", "username=x'%20OR%20'1'%3D'1"), 200, "user_info.not_found"));
    // No credentials, wrong ones, or another dialect's.
    EXPECT_TRUE(is_failure(call("GET", "/rest/19.23/guest/userInformation.json?merchantId=1234&authentication=oauth"
                                       "&access_token=" + access,
                                std::nullopt, {{"Authorization", ""}}),
                           401, "guestmanagement.authentication_failed"));
    EXPECT_TRUE(is_failure(call("GET", "/rest/19.23/guest/userInformation.json?merchantId=1234&authentication=oauth"
                                       "&access_token=" + access),
                           401, "guestmanagement.authentication_failed"));
    // A read is a GET: POST is not allowed.
    EXPECT_EQ(call("POST", "/rest/19.23/guest/userInformation.json?merchantId=1234&authentication=oauth", "{}",
                   {{"Authorization", basic(acme_)}, {"Content-Type", "application/json"}})
                  .status,
              405);
    // Nothing changed, and the token still reads.
    EXPECT_EQ(guest_show(john), before);
    EXPECT_TRUE(is_json(oauth_read("userInformation", access), 200, john_information()));
}

}  // namespace
}  // namespace guestd::itest
