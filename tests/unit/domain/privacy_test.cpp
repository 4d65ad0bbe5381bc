#include "domain/privacy.hpp"

#include "domain/accounts.hpp"
#include "domain/crm.hpp"
#include "unit/domain/fixture.hpp"

#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace guestd::domain {
namespace {

constexpr const char* pw = "correct horse battery staple";

class Privacy : public testing::domain_fixture {
protected:
    void SetUp() override {
        domain_fixture::SetUp();
        push_booking("B1", "jane@example.com");
        ASSERT_TRUE(services_->accounts().set_password(merchant_, "jane@example.com", pw,
                                                       {caller_.partner, "198.51.100.4", "req-1"}));
        token_ = services_->accounts().login(caller_, "jane@example.com", pw, {caller_.partner, "198.51.100.4", "req-2"}).value();
    }

    std::vector<store::audit_event> events(std::optional<std::string> kind = std::nullopt) {
        return services_->privacy().audit_events(merchant_, std::nullopt, std::nullopt, kind, 1000).value();
    }

    std::string token_;
};

TEST_F(Privacy, ExportHoldsEverythingAndNoSecret) {
    const auto doc = services_->privacy().export_guest(merchant_, "jane@example.com").value();
    EXPECT_EQ(doc.at("profile").at("email"), "jane@example.com");
    EXPECT_EQ(doc.at("reservations").as_array().size(), 1u);
    EXPECT_EQ(doc.at("consents").as_array().at(0).at("kind"), "loyalty.granted");
    EXPECT_EQ(doc.at("consents").as_array().at(0).at("source_address"), "198.51.100.4");
    EXPECT_TRUE(doc.at("account").is_object());
    EXPECT_EQ(doc.at("sessions").as_array().size(), 1u);
    EXPECT_FALSE(doc.at("audit_events").as_array().empty());
    const auto text = boost::json::serialize(doc);
    EXPECT_EQ(text.find(token_), std::string::npos);
    EXPECT_EQ(text.find("argon2id"), std::string::npos);
    EXPECT_EQ(text.find("_hash"), std::string::npos);
}

TEST_F(Privacy, ErasureForgetsTheGuestButKeepsAPseudonymousRecord) {
    const auto id = services_->privacy().erase_guest(merchant_, "jane@example.com", "art. 17 request").value();
    EXPECT_EQ(services_->accounts().exists(merchant_, "jane@example.com").error().code, core::errc::not_found);
    EXPECT_FALSE(services_->credentials().authenticate_guest_token(token_, caller_));
    const auto erased = events(std::string(audit_kind::guest_erased));
    ASSERT_EQ(erased.size(), 1u);
    EXPECT_EQ(erased[0].guest, id);
    EXPECT_EQ(erased[0].detail.find("jane"), std::string::npos);

    // The same booking again makes a new guest, with no account.
    push_booking("B1", "jane@example.com");
    const auto again = services_->accounts().show(merchant_, "jane@example.com").value();
    EXPECT_NE(again.guest.id, id);
    EXPECT_FALSE(again.account);
}

TEST_F(Privacy, LoginsAndLocksAreAudited) {
    for (int i = 0; i < 10; ++i) (void)services_->accounts().login(caller_, "jane@example.com", "wrong wrong wrong", {});
    (void)services_->accounts().login(caller_, "jane@example.com", pw, {});
    const auto logins = events(std::string(audit_kind::login));
    ASSERT_EQ(logins.size(), 12u);
    EXPECT_EQ(logins.front().outcome, "ok");
    EXPECT_EQ(logins.front().request_id, "req-2");
    EXPECT_EQ(logins[1].outcome, "failed");
    EXPECT_EQ(logins.back().outcome, "refused");
    EXPECT_EQ(events(std::string(audit_kind::account_locked)).size(), 1u);
}

TEST_F(Privacy, RetentionPurgesOldEvents) {
    ASSERT_TRUE(services_->credentials().update_settings(merchant_, {.audit_retention_days = 1}));
    const auto before = events().size();
    clock_.advance(2 * 86400);
    (void)services_->accounts().login(caller_, "jane@example.com", pw, {});
    EXPECT_EQ(services_->privacy().purge_expired_audit(), static_cast<int>(before));
    EXPECT_EQ(events().size(), 1u);
}

TEST_F(Privacy, ListMembershipsAreConsentEvents) {
    ASSERT_TRUE(services_->crm().add_to_list(merchant_, "news", {{"jane@example.com", {}, {}, {}}}, {caller_.partner, "203.0.113.9", ""}));
    ASSERT_TRUE(services_->crm().remove_from_list(merchant_, "news", "jane@example.com", {}));
    const auto doc = services_->privacy().export_guest(merchant_, "jane@example.com").value();
    const auto& consents = doc.at("consents").as_array();
    ASSERT_EQ(consents.size(), 3u);
    EXPECT_EQ(consents[1].at("kind"), "email_list.joined");
    EXPECT_EQ(consents[1].at("detail"), "news");
    EXPECT_EQ(consents[2].at("kind"), "email_list.left");
}

TEST_F(Privacy, RotatedPartnerSecretsOverlapThenStop) {
    const auto rotated = services_->credentials().rotate_partner(caller_.partner, 3600).value();
    auto& creds = services_->credentials();
    const std::string hotel = creds.rotate_hotel_token(merchant_, 0).value();
    EXPECT_TRUE(creds.authenticate_bearer(rotated.partner_token + ":" + hotel));
    EXPECT_TRUE(creds.authenticate_basic(rotated.client_id, rotated.client_secret));
    clock_.advance(3601);
    EXPECT_TRUE(creds.authenticate_bearer(rotated.partner_token + ":" + hotel));
    ASSERT_TRUE(creds.disable_partner(caller_.partner));
    EXPECT_FALSE(creds.authenticate_bearer(rotated.partner_token + ":" + hotel));
    EXPECT_FALSE(creds.authenticate_basic(rotated.client_id, rotated.client_secret));
    EXPECT_EQ(events(std::string(audit_kind::credentials_rotated)).size(), 2u);
    EXPECT_EQ(events(std::string(audit_kind::credentials_disabled)).size(), 1u);
}

TEST_F(Privacy, TheOldBasicSecretWorksOnlyDuringTheOverlap) {
    auto& creds = services_->credentials();
    auto first = creds.add_partner("Rotating", {merchant_}, false).value();
    ASSERT_TRUE(creds.rotate_partner(first.id, 600));
    EXPECT_TRUE(creds.authenticate_basic(first.client_id, first.client_secret));
    clock_.advance(601);
    EXPECT_FALSE(creds.authenticate_basic(first.client_id, first.client_secret));
}

}  // namespace
}  // namespace guestd::domain
