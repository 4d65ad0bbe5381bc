// Experience authentication over real HTTP: the partner bearer `<partner_token>:<hotel_token>` and the guest
// token, which is bound to the merchant and partner that issued it.
#include "integration/experience_fixture.hpp"

#include <gtest/gtest.h>

#include <string>

namespace guestd::itest {
namespace {

class ExperienceAuth : public experience_test {
protected:
    static constexpr const char* exists_path = "/api/xp-guest-account/account-exists?email=john.doe%40example.com";

    void SetUp() override {
        experience_test::SetUp();
        if (HasFatalFailure()) return;
        ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", "john.doe@example.com")}), 1, 0));
    }
};

TEST_F(ExperienceAuth, ValidBearerIsAccepted) {
    EXPECT_TRUE(is_json(get(exists_path), 200, R"({"account-exists": false})"));
}

TEST_F(ExperienceAuth, MissingAuthorizationIsUnauthorized) {
    EXPECT_TRUE(is_unauthorized(get(exists_path, {{"Authorization", ""}})));
}

TEST_F(ExperienceAuth, WrongSchemeIsUnauthorized) {
    EXPECT_TRUE(is_unauthorized(get(exists_path, {{"Authorization", "Basic " + acme_.token + ":" + hotel_a_.hotel_token}})));
}

TEST_F(ExperienceAuth, BearerWithoutHotelTokenIsUnauthorized) {
    EXPECT_TRUE(is_unauthorized(get(exists_path, {{"Authorization", "Bearer " + acme_.token}})));
}

TEST_F(ExperienceAuth, UnknownPartnerTokenIsUnauthorized) {
    const std::string forged(acme_.token.size(), 'A');
    EXPECT_TRUE(is_unauthorized(get(exists_path, {{"Authorization", "Bearer " + forged + ":" + hotel_a_.hotel_token}})));
}

TEST_F(ExperienceAuth, UnknownHotelTokenIsUnauthorized) {
    const std::string forged(hotel_a_.hotel_token.size(), 'A');
    EXPECT_TRUE(is_unauthorized(get(exists_path, {{"Authorization", "Bearer " + acme_.token + ":" + forged}})));
}

TEST_F(ExperienceAuth, HotelTokenUsedAsPartnerTokenIsUnauthorized) {
    EXPECT_TRUE(is_unauthorized(
        get(exists_path, {{"Authorization", "Bearer " + hotel_a_.hotel_token + ":" + acme_.token}})));
}

TEST_F(ExperienceAuth, PartnerNotGrantedTheMerchantIsUnauthorized) {
    // beta is granted hotel A only.
    EXPECT_TRUE(is_unauthorized(get(exists_path, {{"Authorization", bearer(beta_, hotel_b_)}})));
    EXPECT_TRUE(is_unauthorized(push_bookings({booking("BK-X", "x@example.com")}, bearer(beta_, hotel_b_))));
    EXPECT_NE(guest_show_raw("x@example.com", 5678).exit_code, 0) << "the refused push stored nothing";
}

TEST_F(ExperienceAuth, PushWithoutCredentialsStoresNothing) {
    EXPECT_TRUE(is_unauthorized(push_bookings({booking("BK-2", "intruder@example.com")}, "Bearer nope:nope")));
    EXPECT_NE(guest_show_raw("intruder@example.com").exit_code, 0);
}

TEST_F(ExperienceAuth, TokenCallsWithoutGuestTokenAreUnauthorized) {
    EXPECT_TRUE(is_unauthorized(get("/api/xp-guest-account/guest-informations")));
    EXPECT_TRUE(is_unauthorized(get("/api/xp-guest-account/guest-reservations")));
    EXPECT_TRUE(is_unauthorized(put("/api/xp-guest-account/guest-informations", boost::json::object{{"city", "Lyon"}})));
}

TEST_F(ExperienceAuth, GarbageGuestTokenIsUnauthorized) {
    const std::string garbage = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    EXPECT_TRUE(is_unauthorized(guest_info(garbage)));
    EXPECT_TRUE(is_unauthorized(guest_reservations("not a token at all")));
    EXPECT_TRUE(is_unauthorized(put_guest_info(garbage, boost::json::object{{"city", "Lyon"}})));
}

TEST_F(ExperienceAuth, GuestTokenNeedsThePartnerBearerToo) {
    set_password("john.doe@example.com", "Tr0ub4dor&3-horse");
    const std::string token = login("john.doe@example.com", "Tr0ub4dor&3-horse");
    EXPECT_TRUE(has_status(guest_info(token), 200));
    EXPECT_TRUE(is_unauthorized(get("/api/xp-guest-account/guest-informations",
                                     {{"Authorization", ""}, {"x-guest-token", token}})));
}

TEST_F(ExperienceAuth, GuestTokenIsRejectedWithAnotherPartnersBearer) {
    set_password("john.doe@example.com", "Tr0ub4dor&3-horse");
    const std::string token = login("john.doe@example.com", "Tr0ub4dor&3-horse");
    // beta is granted the same merchant, but the token was issued through acme.
    EXPECT_TRUE(is_unauthorized(guest_info(token, bearer(beta_, hotel_a_))));
    EXPECT_TRUE(is_unauthorized(guest_reservations(token, bearer(beta_, hotel_a_))));
    EXPECT_TRUE(has_status(guest_info(token), 200)) << "the token still works with its own partner";
}

TEST_F(ExperienceAuth, GuestTokenIsRejectedWithAnotherMerchantsHotelToken) {
    set_password("john.doe@example.com", "Tr0ub4dor&3-horse");
    const std::string token = login("john.doe@example.com", "Tr0ub4dor&3-horse");
    // acme is granted both merchants; the token belongs to A.
    EXPECT_TRUE(is_unauthorized(guest_info(token, bearer(acme_, hotel_b_))));
    EXPECT_TRUE(is_unauthorized(guest_reservations(token, bearer(acme_, hotel_b_))));
}

}  // namespace
}  // namespace guestd::itest
