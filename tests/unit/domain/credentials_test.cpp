// domain::credentials remembers what a partner and hotel token pair named. These tests change credentials
// through a second credentials object on the same database, as another process or node would, and check that
// the remembered answer never outlives the truth: not past a change, and not past the end of an overlap.
#include "domain/credentials.hpp"

#include "domain/accounts.hpp"
#include "unit/domain/fixture.hpp"
#include "unit/domain/recording_database.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace guestd::domain {
namespace {

class Credentials : public testing::domain_fixture {
protected:
    void SetUp() override {
        domain_fixture::SetUp();
        other_ = std::make_unique<credentials>(*db_, clock_);  // another process on the same database
        hotel_ = other_->add_merchant(core::merchant_id{77}, "Other Hotel").value().hotel_token;
        partner_ = other_->add_partner("Other", {core::merchant_id{77}}, false).value();
    }

    bool accepted(const std::string& partner_token, const std::string& hotel_token) {
        const auto who = services_->credentials().authenticate_bearer(partner_token + ":" + hotel_token);
        if (who) {
            EXPECT_EQ(who->partner, partner_.id);
            EXPECT_EQ(who->merchant, core::merchant_id{77});
        }
        return who.has_value();
    }

    std::unique_ptr<credentials> other_;
    std::string hotel_;
    new_partner partner_;
};

// A request with a guest token authenticates in one statement once its bearer pair was checked this second: the
// token's session and guest, and the credentials generation that vouches for the remembered pair. A new second or
// a credential change sends the bearer to the store again.
TEST_F(Credentials, AGuestCallWhoseBearerWasCheckedThisSecondIsOneStatement) {
    const auto hotel = other_->rotate_hotel_token(merchant_, 0).value();
    const auto web = other_->add_partner("Web", {merchant_}, false).value();
    const std::string bearer = web.partner_token + ":" + hotel;
    push_booking("BK-1", "ann@example.com");
    ASSERT_TRUE(services_->accounts().set_password(merchant_, "ann@example.com", "correct horse battery staple", {}));
    const auto token = services_->accounts()
                           .login({web.id, merchant_}, "ann@example.com", "correct horse battery staple", {})
                           .value();

    testing::recording_database recording(*db_);
    const credentials checked(recording, clock_);
    const auto bearer_checked = [&] {
        const auto& log = recording.log();
        return std::ranges::find(log, "partners.find_by_token") != log.end();
    };
    ASSERT_TRUE(checked.authenticate_guest_call(bearer, token));
    EXPECT_TRUE(bearer_checked()) << "nothing remembered yet";

    recording.clear();
    const auto call = checked.authenticate_guest_call(bearer, token);
    ASSERT_TRUE(call);
    EXPECT_EQ(recording.log(), (std::vector<std::string>{"begin statement", "sessions.find_signed_in"}));
    EXPECT_EQ(call->by.partner, web.id);
    EXPECT_EQ(call->by.merchant, merchant_);
    EXPECT_EQ(call->session.guest, call->guest.id);
    EXPECT_EQ(call->guest.fields.email, std::optional<std::string>("ann@example.com"));

    clock_.advance(1);
    recording.clear();
    ASSERT_TRUE(checked.authenticate_guest_call(bearer, token));
    EXPECT_TRUE(bearer_checked()) << "a new second";

    recording.clear();
    ASSERT_TRUE(other_->set_caller_reset_codes(partner_.id, true, {}));
    ASSERT_TRUE(checked.authenticate_guest_call(bearer, token));
    EXPECT_TRUE(bearer_checked()) << "a credential changed";

    // Refusals keep their order: the bearer's first, then the token's.
    const auto wrong_token = checked.authenticate_guest_call(bearer, token + "x");
    ASSERT_FALSE(wrong_token);
    EXPECT_EQ(wrong_token.error().message, "invalid or expired guest token");
    const auto wrong_bearer = checked.authenticate_guest_call(web.partner_token + ":" + hotel + "x", token);
    ASSERT_FALSE(wrong_bearer);
    EXPECT_EQ(wrong_bearer.error().message, "invalid partner credentials");
    const auto other_partner = checked.authenticate_guest_call(partner_.partner_token + ":" + hotel_, token);
    ASSERT_FALSE(other_partner);
    EXPECT_EQ(other_partner.error().message, "invalid or expired guest token") << "issued to another partner";
}

TEST_F(Credentials, ADisabledPartnerIsRefusedByTheNextRequest) {
    EXPECT_TRUE(accepted(partner_.partner_token, hotel_));
    EXPECT_TRUE(accepted(partner_.partner_token, hotel_));  // the remembered answer
    ASSERT_TRUE(other_->disable_partner(partner_.id));
    EXPECT_FALSE(accepted(partner_.partner_token, hotel_));
}

TEST_F(Credentials, AReplacedHotelTokenIsRefusedByTheNextRequest) {
    EXPECT_TRUE(accepted(partner_.partner_token, hotel_));
    const auto replacement = other_->rotate_hotel_token(core::merchant_id{77}, 0).value();
    EXPECT_FALSE(accepted(partner_.partner_token, hotel_));
    EXPECT_TRUE(accepted(partner_.partner_token, replacement));
}

TEST_F(Credentials, AnOldPartnerTokenStopsWhenItsOverlapEndsThoughNothingWasWritten) {
    const auto rotated = other_->rotate_partner(partner_.id, 10).value();
    EXPECT_TRUE(accepted(partner_.partner_token, hotel_));
    clock_.advance(9);
    EXPECT_TRUE(accepted(partner_.partner_token, hotel_));
    clock_.advance(1);
    EXPECT_FALSE(accepted(partner_.partner_token, hotel_));
    EXPECT_TRUE(accepted(rotated.partner_token, hotel_));
}

TEST_F(Credentials, UnknownTokensAreRefusedEveryTime) {
    for (int i = 0; i < 3; ++i) {
        EXPECT_FALSE(accepted("no-such-partner-token", hotel_));
        EXPECT_FALSE(accepted(partner_.partner_token, "no-such-hotel-token"));
    }
    EXPECT_TRUE(accepted(partner_.partner_token, hotel_));
}

TEST_F(Credentials, OnlyTheOperatorsGrantLetsAPartnerChooseResetCodesAndTheChangeIsAudited) {
    const auto basic = [&](const new_partner& p) {
        return services_->credentials().authenticate_basic(p.client_id, p.client_secret).value();
    };
    EXPECT_FALSE(basic(partner_).caller_reset_codes) << "no partner has the right unless granted";
    const auto b2b = other_->add_partner("B2b", {core::merchant_id{77}}, true).value();
    EXPECT_TRUE(basic(b2b).b2b);
    EXPECT_FALSE(basic(b2b).caller_reset_codes) << "b2b rights do not include it";
    const auto granted = other_->add_partner("Holder", {core::merchant_id{77}}, false, true).value();
    EXPECT_TRUE(granted.caller_reset_codes);
    EXPECT_TRUE(basic(granted).caller_reset_codes);

    ASSERT_TRUE(other_->set_caller_reset_codes(granted.id, false));
    EXPECT_FALSE(basic(granted).caller_reset_codes);
    ASSERT_TRUE(other_->set_caller_reset_codes(partner_.id, true));
    EXPECT_TRUE(basic(partner_).caller_reset_codes);
    EXPECT_EQ(other_->set_caller_reset_codes(core::partner_id{9999}, true).error().code, core::errc::not_found);

    auto uow = db_->begin(store::tx::read);
    const auto changes =
        uow->audit().list(core::merchant_id{77}, std::nullopt, std::nullopt, "credentials.changed", 10);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_NE(changes[1].detail.find("\"caller_reset_codes\":true"), std::string::npos) << changes[1].detail;
}

}  // namespace
}  // namespace guestd::domain
