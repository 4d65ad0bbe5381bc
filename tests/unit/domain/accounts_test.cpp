#include "domain/accounts.hpp"

#include "domain/credentials.hpp"
#include "domain/secrets.hpp"
#include "unit/domain/fixture.hpp"

#include <gtest/gtest.h>

namespace guestd::domain {
namespace {

constexpr const char* pw = "correct horse battery staple";

class Accounts : public testing::domain_fixture {
protected:
    domain::accounts& accounts() { return services_->accounts(); }

    core::errc login_code(const std::string& email, const std::string& password) {
        auto r = accounts().login(caller_, email, password);
        return r ? core::errc{} : r.error().code;
    }
};

TEST(LockPolicy, StartsAtAMinuteAndDoublesUpToAnHour) {
    lock_policy p;
    EXPECT_EQ(p.duration(1), 60);
    EXPECT_EQ(p.duration(2), 120);
    EXPECT_EQ(p.duration(3), 240);
    EXPECT_EQ(p.duration(6), 1920);
    EXPECT_EQ(p.duration(7), 3600);
    EXPECT_EQ(p.duration(40), 3600);
}

TEST_F(Accounts, ExistsIsNotFoundForUnknownGuests) {
    auto r = accounts().exists(merchant_, "nobody@example.com");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, core::errc::not_found);
}

TEST_F(Accounts, SetPasswordCreatesTheAccount) {
    push_booking("B1", "Jane@Example.com");
    EXPECT_EQ(accounts().exists(merchant_, "jane@example.com").value(), false);
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", pw));
    EXPECT_EQ(accounts().exists(merchant_, "JANE@example.com").value(), true);

    const auto view = accounts().show(merchant_, "jane@example.com").value();
    ASSERT_TRUE(view.account);
    EXPECT_EQ(view.account->username, "Jane@Example.com");  // the email as stored
    EXPECT_TRUE(luhn_valid(view.account->printed_card_number));
    EXPECT_EQ(view.reservation_count, 1);
}

TEST_F(Accounts, SetPasswordRefusesGuestsThatDoNotQualify) {
    push_booking("B1", "gone@example.com", "cancelled");
    auto r = accounts().set_password(merchant_, "gone@example.com", pw);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, core::errc::not_found);
}

TEST_F(Accounts, SetPasswordAppliesThePolicyBeforeAnythingElse) {
    push_booking("B1", "jane@example.com");
    auto r = accounts().set_password(merchant_, "jane@example.com", "short");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, core::errc::invalid_argument);
    EXPECT_FALSE(accounts().exists(merchant_, "jane@example.com").value());
}

TEST_F(Accounts, LoginIssuesATokenBoundToMerchantAndPartner) {
    push_booking("B1", "jane@example.com");
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", pw));
    const auto token = accounts().login(caller_, "jane@example.com", pw).value();
    auto session = services_->credentials().authenticate_guest_token(token, caller_);
    ASSERT_TRUE(session);

    auto other = services_->credentials().add_partner("Other", {merchant_}, false).value();
    auto foreign = services_->credentials().authenticate_guest_token(token, {other.id, merchant_});
    ASSERT_FALSE(foreign);
    EXPECT_EQ(foreign.error().code, core::errc::unauthenticated);
}

TEST_F(Accounts, LoginTellsUnknownEmailFromWrongPassword) {
    push_booking("B1", "jane@example.com");
    EXPECT_EQ(login_code("nobody@example.com", pw), core::errc::not_found);
    EXPECT_EQ(login_code("jane@example.com", pw), core::errc::unauthenticated);  // no account yet
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", pw));
    EXPECT_EQ(login_code("jane@example.com", "wrong password!"), core::errc::unauthenticated);
}

TEST_F(Accounts, TenFailuresLockEvenTheRightPasswordThenTheLockExpires) {
    push_booking("B1", "jane@example.com");
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", pw));
    for (int i = 0; i < 9; ++i) EXPECT_EQ(login_code("jane@example.com", "nope nope nope"), core::errc::unauthenticated);
    EXPECT_EQ(login_code("jane@example.com", "nope nope nope"), core::errc::unauthenticated);  // the 10th arms it

    auto locked = accounts().login(caller_, "jane@example.com", pw);
    ASSERT_FALSE(locked);
    EXPECT_EQ(locked.error().code, core::errc::resource_exhausted);
    EXPECT_EQ(locked.error().retry_after_seconds, 60);

    clock_.advance(61);
    EXPECT_TRUE(accounts().login(caller_, "jane@example.com", pw));
}

TEST_F(Accounts, ARearmedLockLastsTwiceAsLong) {
    push_booking("B1", "jane@example.com");
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", pw));
    for (int i = 0; i < 10; ++i) login_code("jane@example.com", "nope nope nope");
    clock_.advance(61);
    for (int i = 0; i < 10; ++i) login_code("jane@example.com", "nope nope nope");
    auto locked = accounts().login(caller_, "jane@example.com", pw);
    ASSERT_FALSE(locked);
    EXPECT_EQ(locked.error().retry_after_seconds, 120);
}

TEST_F(Accounts, ASuccessResetsTheFailureCount) {
    push_booking("B1", "jane@example.com");
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", pw));
    for (int i = 0; i < 9; ++i) login_code("jane@example.com", "nope nope nope");
    ASSERT_TRUE(accounts().login(caller_, "jane@example.com", pw));
    for (int i = 0; i < 9; ++i) login_code("jane@example.com", "nope nope nope");
    EXPECT_TRUE(accounts().login(caller_, "jane@example.com", pw));
}

TEST_F(Accounts, SettingThePasswordRevokesEverySession) {
    push_booking("B1", "jane@example.com");
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", pw));
    const auto token = accounts().login(caller_, "jane@example.com", pw).value();
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", "another fine passphrase"));
    EXPECT_FALSE(services_->credentials().authenticate_guest_token(token, caller_));
    EXPECT_EQ(login_code("jane@example.com", pw), core::errc::unauthenticated);
}

TEST_F(Accounts, TokensExpireAfterThirtyDays) {
    push_booking("B1", "jane@example.com");
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", pw));
    const auto token = accounts().login(caller_, "jane@example.com", pw).value();
    clock_.advance(session_lifetime - 1);
    EXPECT_TRUE(services_->credentials().authenticate_guest_token(token, caller_));
    clock_.advance(1);
    EXPECT_FALSE(services_->credentials().authenticate_guest_token(token, caller_));
}

TEST_F(Accounts, UpdateProfileIsAllOrNothingAndHonoursIfMatch) {
    push_booking("B1", "jane@example.com");
    const auto g = accounts().show(merchant_, "jane@example.com").value().guest;
    const auto* city = find_profile_field("city");
    const auto* mobile = find_profile_field("mobile");

    auto refused = accounts().update_profile(merchant_, g.id, {{city, "Lyon"}, {mobile, std::nullopt}}, std::nullopt);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().fields.at(0).field, "mobile");
    EXPECT_FALSE(accounts().profile(merchant_, g.id).value().fields.city);

    auto stale = accounts().update_profile(merchant_, g.id, {{city, "Lyon"}}, g.version + 1);
    ASSERT_FALSE(stale);
    EXPECT_EQ(stale.error().code, core::errc::failed_precondition);

    auto updated = accounts().update_profile(merchant_, g.id, {{city, "Lyon"}}, g.version).value();
    EXPECT_EQ(updated.fields.city, "Lyon");
    EXPECT_EQ(updated.version, g.version + 1);
}

TEST_F(Accounts, EmailChangeIsRefusedWhenTakenAndCarriesTheUsername) {
    push_booking("B1", "jane@example.com");
    push_booking("B2", "john@example.com");
    ASSERT_TRUE(accounts().set_password(merchant_, "jane@example.com", pw));
    const auto jane = accounts().show(merchant_, "jane@example.com").value().guest;
    const auto* email = find_profile_field("email");

    auto taken = accounts().update_profile(merchant_, jane.id, {{email, "JOHN@example.com"}}, std::nullopt);
    ASSERT_FALSE(taken);
    EXPECT_EQ(taken.error().code, core::errc::already_exists);

    ASSERT_TRUE(accounts().update_profile(merchant_, jane.id, {{email, "jane.doe@example.com"}}, std::nullopt));
    EXPECT_EQ(accounts().show(merchant_, "jane.doe@example.com").value().account->username, "jane.doe@example.com");
    EXPECT_TRUE(accounts().login(caller_, "jane.doe@example.com", pw));
}

TEST_F(Accounts, ReservationsAreNonCancelledNewestArrivalFirst) {
    push_booking("B1", "jane@example.com", "valid", "2026-01-10");
    push_booking("B2", "jane@example.com", "option", "2026-03-10");
    push_booking("B3", "jane@example.com", "cancelled", "2026-05-10");
    const auto g = accounts().show(merchant_, "jane@example.com").value().guest;
    const auto list = accounts().reservations(merchant_, g.id).value();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].reservation.reference, "B2");
    EXPECT_EQ(list[1].reservation.reference, "B1");
    EXPECT_EQ(list[0].hotel_name, "Hotel Test");
}

TEST_F(Accounts, GuestsOfAnotherMerchantAreInvisible) {
    push_booking("B1", "jane@example.com");
    ASSERT_TRUE(services_->credentials().add_merchant(core::merchant_id{99}, "Elsewhere"));
    auto r = accounts().exists(core::merchant_id{99}, "jane@example.com");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, core::errc::not_found);
}

}  // namespace
}  // namespace guestd::domain
