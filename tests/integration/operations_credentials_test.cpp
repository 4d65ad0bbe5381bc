// Sessions and credentials against a running guestd (no restart anywhere): `guestd sessions list` shows a guest's
// live sessions and `sessions revoke` kills their tokens at once; `partner rotate` and `merchant rotate-token` keep
// the old secrets working through --overlap and end them at once with --overlap 0; `partner disable` refuses the
// partner's bearer and Basic credentials at once.
#include "integration/operations_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view ann = "ann.sessions@example.com";
constexpr std::string_view probe = "probe.rotation@example.com";
constexpr std::string_view password = "correct horse battery staple";

class Sessions : public operations_test {};

/// Rotation tests: a guest known to both merchants, so an accepted bearer call answers 200.
class Rotation : public operations_test {
protected:
    void SetUp() override {
        operations_test::SetUp();
        if (HasFatalFailure()) return;
        ASSERT_TRUE(has_status(add_members("newsletter", {std::string(probe)}), 200));
        ASSERT_TRUE(has_status(add_members("newsletter", {std::string(probe)}, bearer(acme_, hotel_b_)), 200));
    }
};

TEST_F(Sessions, ListShowsLiveSessionsAndRevokeEndsThemAtOnce) {
    make_account(ann, password);
    const std::string by_acme = login(ann, password);
    const std::string by_beta = login(ann, password, bearer(beta_, hotel_a_));
    ASSERT_FALSE(by_acme.empty());
    ASSERT_FALSE(by_beta.empty());
    ASSERT_TRUE(has_status(guest_info(by_acme), 200));
    ASSERT_TRUE(has_status(guest_info(by_beta, bearer(beta_, hotel_a_)), 200));

    // Two live sessions, one per partner, with times and no secret.
    const json::array live = sessions_list(ann);
    ASSERT_EQ(live.size(), 2u) << json::serialize(live);
    std::set<std::int64_t> partners;
    for (const auto& s : live) {
        const json::object& o = s.as_object();
        std::set<std::string> keys;
        for (const auto& [k, v] : o) keys.emplace(k);
        EXPECT_EQ(keys, (std::set<std::string>{"partner_id", "created_at", "expires_at", "revoked_at", "live"}));
        EXPECT_EQ(o.at("live"), json::value(true)) << json::serialize(o);
        EXPECT_TRUE(o.at("revoked_at").is_null());
        EXPECT_LT(string_at(o, "created_at"), string_at(o, "expires_at"));
        partners.insert(int_at(o, "partner_id"));
    }
    EXPECT_EQ(partners, (std::set<std::int64_t>{acme_.id, beta_.id}));
    EXPECT_EQ(secrets_in(json::serialize(live), {by_acme, by_beta}), std::vector<std::string>{});

    // Revoke them with the server running: both tokens are refused on the next call.
    EXPECT_EQ(json::value(sessions_revoke(ann)), parse_json(R"({"revoked": 2})"));
    ASSERT_TRUE(server_->running());
    EXPECT_TRUE(is_unauthorized(guest_info(by_acme)));
    EXPECT_TRUE(is_unauthorized(guest_info(by_beta, bearer(beta_, hotel_a_))));
    EXPECT_TRUE(is_unauthorized(guest_reservations(by_acme)));

    const json::array after = sessions_list(ann);
    ASSERT_EQ(after.size(), 2u) << json::serialize(after);
    for (const auto& s : after) {
        EXPECT_EQ(s.as_object().at("live"), json::value(false)) << json::serialize(s);
        EXPECT_TRUE(s.as_object().at("revoked_at").is_string()) << json::serialize(s);
    }

    // The guest can log in again; a second revoke finds only that new session.
    const std::string fresh = login(ann, password);
    EXPECT_TRUE(has_status(guest_info(fresh), 200));
    EXPECT_EQ(json::value(sessions_revoke(ann)), parse_json(R"({"revoked": 1})"));
    EXPECT_TRUE(is_unauthorized(guest_info(fresh)));
}

TEST_F(Sessions, AnUnknownGuestIsAnExpectedFailure) {
    const run_result list = cli_raw({"sessions", "list", "--merchant", "1234", "--email", "nobody@example.com"});
    EXPECT_EQ(list.exit_code, 1) << list.out << list.err;
    const run_result revoke = cli_raw({"sessions", "revoke", "--merchant", "1234", "--email", "nobody@example.com"});
    EXPECT_EQ(revoke.exit_code, 1) << revoke.out << revoke.err;
}

// ---- partner rotation -----------------------------------------------------------------------------------------

TEST_F(Rotation, PartnerRotationWithOverlapKeepsOldAndNewSecretsWorking) {
    const json::object r = rotate_partner(acme_, "1h");
    EXPECT_EQ(int_at(r, "partner_id"), acme_.id);
    EXPECT_EQ(string_at(r, "client_id"), acme_.client_id) << "the client id stays";
    EXPECT_EQ(int_at(r, "old_secrets_valid_seconds"), 3600);
    const std::string token = string_at(r, "partner_token");
    const std::string secret = string_at(r, "client_secret");
    ASSERT_FALSE(token.empty());
    ASSERT_FALSE(secret.empty());
    EXPECT_NE(token, acme_.token);
    EXPECT_NE(secret, acme_.client_secret);

    EXPECT_EQ(bearer_status(bearer_of(acme_.token, hotel_a_.hotel_token), probe), 200) << "old token, in overlap";
    EXPECT_EQ(bearer_status(bearer_of(token, hotel_a_.hotel_token), probe), 200) << "new token";
    EXPECT_EQ(bearer_status(bearer_of(token, hotel_b_.hotel_token), probe), 200) << "new token, other merchant";
    EXPECT_EQ(basic_status(basic_of(acme_.client_id, acme_.client_secret)), 200) << "old secret, in overlap";
    EXPECT_EQ(basic_status(basic_of(acme_.client_id, secret)), 200) << "new secret";
    EXPECT_EQ(basic_status(basic_of(acme_.client_id, "not-the-secret")), 401);
}

TEST_F(Rotation, PartnerRotationWithoutOverlapEndsTheOldSecretsAtOnce) {
    const json::object r = rotate_partner(acme_, "0");
    EXPECT_EQ(int_at(r, "old_secrets_valid_seconds"), 0);
    const std::string token = string_at(r, "partner_token");
    const std::string secret = string_at(r, "client_secret");
    ASSERT_FALSE(token.empty());

    EXPECT_TRUE(is_unauthorized(account_exists(probe, bearer_of(acme_.token, hotel_a_.hotel_token))));
    EXPECT_TRUE(is_failure(request_reset(json::object{{"merchantId", 1234}, {"email", "x@example.com"}},
                                         basic_of(acme_.client_id, acme_.client_secret)),
                           401, "guestmanagement.authentication_failed"));
    EXPECT_EQ(bearer_status(bearer_of(token, hotel_a_.hotel_token), probe), 200);
    EXPECT_EQ(basic_status(basic_of(acme_.client_id, secret)), 200);
    // Other partners are untouched.
    EXPECT_EQ(bearer_status(bearer_of(beta_.token, hotel_a_.hotel_token), probe), 200);
    EXPECT_EQ(basic_status(basic(beta_)), 200);
}

TEST_F(Rotation, ASecondRotationWithoutOverlapEndsTheFirstOverlapToo) {
    const json::object first = rotate_partner(acme_, "1h");
    const json::object second = rotate_partner(acme_, "0");
    EXPECT_EQ(bearer_status(bearer_of(acme_.token, hotel_a_.hotel_token), probe), 401) << "the original token";
    EXPECT_EQ(bearer_status(bearer_of(string_at(first, "partner_token"), hotel_a_.hotel_token), probe), 401);
    EXPECT_EQ(basic_status(basic_of(acme_.client_id, string_at(first, "client_secret"))), 401);
    EXPECT_EQ(bearer_status(bearer_of(string_at(second, "partner_token"), hotel_a_.hotel_token), probe), 200);
    EXPECT_EQ(basic_status(basic_of(acme_.client_id, string_at(second, "client_secret"))), 200);
}

// ---- hotel token rotation -------------------------------------------------------------------------------------

TEST_F(Rotation, HotelTokenRotationWithOverlapKeepsOldAndNewWorking) {
    const json::object r = rotate_hotel_token(hotel_a_, "1h");
    EXPECT_EQ(int_at(r, "merchant_id"), 1234);
    EXPECT_EQ(int_at(r, "old_token_valid_seconds"), 3600);
    const std::string hotel = string_at(r, "hotel_token");
    ASSERT_FALSE(hotel.empty());
    EXPECT_NE(hotel, hotel_a_.hotel_token);

    EXPECT_EQ(bearer_status(bearer_of(acme_.token, hotel_a_.hotel_token), probe), 200) << "old hotel token";
    EXPECT_EQ(bearer_status(bearer_of(acme_.token, hotel), probe), 200) << "new hotel token";
    EXPECT_EQ(bearer_status(bearer_of(beta_.token, hotel), probe), 200) << "for every partner of the merchant";
}

TEST_F(Rotation, HotelTokenRotationWithoutOverlapEndsTheOldTokenAtOnce) {
    const json::object r = rotate_hotel_token(hotel_b_, "0");
    EXPECT_EQ(int_at(r, "merchant_id"), 5678);
    EXPECT_EQ(int_at(r, "old_token_valid_seconds"), 0);
    const std::string hotel = string_at(r, "hotel_token");
    ASSERT_FALSE(hotel.empty());

    EXPECT_TRUE(is_unauthorized(account_exists(probe, bearer_of(acme_.token, hotel_b_.hotel_token))));
    EXPECT_EQ(bearer_status(bearer_of(acme_.token, hotel), probe), 200);
    // Merchant 1234 keeps its token.
    EXPECT_EQ(bearer_status(bearer_of(acme_.token, hotel_a_.hotel_token), probe), 200);
}

TEST_F(Rotation, UnknownIdsAndBadDurationsAreRefused) {
    EXPECT_EQ(cli_raw({"partner", "rotate", "9999"}).exit_code, 1);
    EXPECT_EQ(cli_raw({"merchant", "rotate-token", "9999"}).exit_code, 1);
    EXPECT_EQ(cli_raw({"partner", "disable", "9999"}).exit_code, 1);
    const run_result bad = cli_raw({"partner", "rotate", std::to_string(acme_.id), "--overlap", "soon"});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_EQ(bearer_status(bearer_of(acme_.token, hotel_a_.hotel_token), probe), 200) << "nothing rotated";
}

// ---- partner disable ------------------------------------------------------------------------------------------

TEST_F(Rotation, DisablingAPartnerRefusesItsBearerAndBasicCredentialsAtOnce) {
    const std::string token = guest_with_token(ann, password);
    ASSERT_FALSE(token.empty());
    ASSERT_EQ(basic_status(basic(acme_)), 200);

    EXPECT_EQ(json::value(disable_partner(acme_)),
              (json::value(json::object{{"partner_id", acme_.id}, {"disabled", true}})));
    ASSERT_TRUE(server_->running());

    EXPECT_TRUE(is_unauthorized(account_exists(probe, bearer(acme_, hotel_a_))));
    EXPECT_TRUE(is_unauthorized(account_exists(probe, bearer(acme_, hotel_b_))));
    EXPECT_TRUE(is_unauthorized(guest_info(token))) << "its guests' tokens go through the partner";
    EXPECT_TRUE(is_failure(request_reset(json::object{{"merchantId", 1234}, {"email", "x@example.com"}}, basic(acme_)),
                           401, "guestmanagement.authentication_failed"));
    // Another partner of the same merchant is untouched.
    EXPECT_EQ(bearer_status(bearer(beta_, hotel_a_), probe), 200);
    EXPECT_EQ(basic_status(basic(beta_)), 200);
}

}  // namespace
}  // namespace guestd::itest
