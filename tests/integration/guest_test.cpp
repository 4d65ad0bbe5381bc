// The guest calls over real HTTP (guest-informations GET/PUT, guest-reservations), tenant isolation between two
// merchants, and durability across a server restart.
#include "integration/experience_fixture.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view password = "correct horse battery staple";
constexpr const char* info_path = "/api/xp-guest-account/guest-informations";

class GuestInformation : public experience_test {
protected:
    /// John Doe with a reservation, an account and a token.
    void SetUp() override {
        experience_test::SetUp();
        if (HasFatalFailure()) return;
        token_ = guest_with_token(john, password);
        ASSERT_FALSE(token_.empty());
    }

    /// The current profile, expecting 200.
    json::value current() {
        const http_response r = guest_info(token_);
        EXPECT_TRUE(has_status(r, 200));
        return r.json();
    }

    /// Expects a PUT of body to fail with 400 naming field, and the profile to be unchanged.
    void expect_rejected(const json::value& body, std::string_view field) {
        SCOPED_TRACE(json::serialize(body));
        const http_response before = guest_info(token_);
        EXPECT_TRUE(has_field_error(put_guest_info(token_, body), 400, field));
        const http_response after = guest_info(token_);
        EXPECT_EQ(after.json(), before.json()) << "a rejected PUT changes nothing";
        EXPECT_EQ(after.header("ETag"), before.header("ETag"));
    }

    std::string token_;
};

class GuestReservations : public experience_test {};
class Isolation : public experience_test {};
class Durability : public experience_test {};

TEST_F(GuestInformation, GetReturnsEverySixteenKeysWithNullsAndAnETag) {
    // A guest known only by an email-list membership has nothing but its email.
    ASSERT_TRUE(is_json(add_members("newsletter", {"marie@example.com"}), 200, R"({"added": 1, "updated": 0})"));
    set_password("marie@example.com", password);
    const http_response r = guest_info(login("marie@example.com", password));
    EXPECT_TRUE(is_json(r, 200, R"({"title": null, "firstname": null, "lastname": null, "phone": null,
        "mobile": null, "email": "marie@example.com", "street": null, "zip_code": null, "city": null, "state": null,
        "country": null, "birthdate": null, "language": null, "nationality": null, "custom_fields": [],
        "privilege_badges": []})"));
    const auto etag = r.header("ETag");
    ASSERT_TRUE(etag.has_value()) << "GET guest-informations carries an ETag";
    EXPECT_THAT(*etag, ::testing::MatchesRegex(R"("[^"]+")"));
}

TEST_F(GuestInformation, GuestShowMatchesTheProfile) {
    const json::value profile = current();
    json::object shown = guest_show(john);
    for (const char* extra : {"has_account", "account_id", "printed_card_number", "username", "reservations"}) {
        EXPECT_TRUE(shown.contains(extra)) << extra;
        shown.erase(extra);
    }
    EXPECT_EQ(json::value(shown), profile);
}

TEST_F(GuestInformation, PartialUpdateAnswersTheWholeObjectAndANewETag) {
    const http_response before = guest_info(token_);
    ASSERT_TRUE(has_status(before, 200));
    json::object expected = before.json().as_object();
    expected["mobile"] = "+33601020304";
    expected["city"] = "Lyon";

    const http_response r = put_guest_info(token_, json::object{{"mobile", "+33601020304"}, {"city", "Lyon"}});
    EXPECT_TRUE(is_json(r, 200, json::serialize(expected)));
    ASSERT_TRUE(r.header("ETag").has_value());
    EXPECT_NE(r.header("ETag"), before.header("ETag"));

    const http_response after = guest_info(token_);
    EXPECT_TRUE(is_json(after, 200, json::serialize(expected)));
    EXPECT_EQ(after.header("ETag"), r.header("ETag"));
}

TEST_F(GuestInformation, EveryWritableFieldCanBeSet) {
    const json::object all{{"title", "Dr"},           {"firstname", "Jean"},       {"lastname", "Dupont"},
                           {"phone", "+33102030405"}, {"mobile", "+33601020304"},  {"email", "jean@example.com"},
                           {"street", "1 rue de la Paix"}, {"zip_code", "75002"}, {"city", "Paris"},
                           {"state", "IDF"},          {"country", "FR"},           {"birthdate", "1980-02-29"},
                           {"language", "fr"},        {"nationality", "BE"}};
    json::object expected = all;
    expected["custom_fields"] = json::array{};
    expected["privilege_badges"] = json::array{};
    EXPECT_TRUE(is_json(put_guest_info(token_, all), 200, json::serialize(expected)));
    EXPECT_TRUE(is_json(guest_info(token_), 200, json::serialize(expected)));
}

TEST_F(GuestInformation, OneBadFieldChangesNothing) {
    expect_rejected(json::object{{"firstname", "Jane"}, {"city", "Nice"}, {"birthdate", "2023-02-30"}}, "birthdate");
    expect_rejected(json::object{{"mobile", "+33601020304"}, {"country", "France"}}, "country");
}

TEST_F(GuestInformation, NullClearsAFieldButNotMobileBirthdateOrEmail) {
    ASSERT_TRUE(has_status(put_guest_info(token_, json::object{{"city", "Lyon"}, {"mobile", "+33601020304"},
                                                              {"birthdate", "1972-08-27"}}),
                           200));
    const http_response cleared = put_guest_info(token_, json::object{{"city", nullptr}});
    ASSERT_TRUE(has_status(cleared, 200));
    EXPECT_EQ(cleared.json().at("city"), json::value(nullptr));
    EXPECT_EQ(cleared.json().at("mobile"), json::value("+33601020304"));
    EXPECT_EQ(current().at("city"), json::value(nullptr));

    expect_rejected(json::object{{"mobile", nullptr}}, "mobile");
    expect_rejected(json::object{{"birthdate", nullptr}}, "birthdate");
    expect_rejected(json::object{{"email", nullptr}}, "email");
}

TEST_F(GuestInformation, UnknownAndReadOnlyFieldsAreRejected) {
    expect_rejected(json::object{{"city", "Lyon"}, {"favourite_colour", "blue"}}, "favourite_colour");
    expect_rejected(json::object{{"custom_fields", json::array{}}}, "custom_fields");
    expect_rejected(json::object{{"privilege_badges", json::array{}}}, "privilege_badges");
}

TEST_F(GuestInformation, MalformedValuesAreRejected) {
    expect_rejected(json::object{{"mobile", "0601020304"}}, "mobile");
    expect_rejected(json::object{{"mobile", "call me"}}, "mobile");
    expect_rejected(json::object{{"birthdate", "2023-02-30"}}, "birthdate");
    expect_rejected(json::object{{"birthdate", "27/08/1972"}}, "birthdate");
    expect_rejected(json::object{{"country", "France"}}, "country");
    expect_rejected(json::object{{"nationality", "FRA"}}, "nationality");
    expect_rejected(json::object{{"language", "english"}}, "language");
    expect_rejected(json::object{{"email", "not-an-email"}}, "email");
    expect_rejected(json::object{{"firstname", 42}}, "firstname");
    expect_rejected(json::object{{"city", std::string(1025, 'x')}}, "city");
}

TEST_F(GuestInformation, NonObjectBodyIsRejected) {
    EXPECT_TRUE(has_status(put_guest_info(token_, json::array{"city", "Lyon"}), 400));
}

TEST_F(GuestInformation, EmailOfAnotherGuestIsAConflict) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-JANE", "jane@example.com")}), 1, 0));
    const json::value before = current();
    EXPECT_TRUE(is_json(put_guest_info(token_, json::object{{"email", "Jane@Example.com"}, {"city", "Lyon"}}), 409,
                        R"({"message": "email already used by another guest"})"));
    EXPECT_EQ(current(), before);
}

TEST_F(GuestInformation, IfMatchGuardsAgainstLostUpdates) {
    const http_response before = guest_info(token_);
    const auto etag = before.header("ETag");
    ASSERT_TRUE(etag.has_value());
    const http_response first = put_guest_info(token_, json::object{{"city", "Lyon"}}, {{"If-Match", *etag}});
    ASSERT_TRUE(has_status(first, 200));
    const http_response stale = put_guest_info(token_, json::object{{"city", "Nice"}}, {{"If-Match", *etag}});
    EXPECT_TRUE(has_status(stale, 412));
    EXPECT_EQ(current().at("city"), json::value("Lyon"));
    const auto fresh = first.header("ETag");
    ASSERT_TRUE(fresh.has_value());
    EXPECT_TRUE(has_status(put_guest_info(token_, json::object{{"city", "Nice"}}, {{"If-Match", *fresh}}), 200));
    EXPECT_EQ(current().at("city"), json::value("Nice"));
}

TEST_F(GuestInformation, EmailChangeMovesLoginAndUsername) {
    const http_response r = put_guest_info(token_, json::object{{"email", "john.new@example.com"}});
    ASSERT_TRUE(has_status(r, 200));
    EXPECT_EQ(r.json().at("email"), json::value("john.new@example.com"));
    EXPECT_TRUE(is_json(account_exists("john.new@example.com"), 200, R"({"account-exists": true})"));
    EXPECT_TRUE(is_json(login_call(john, password), 404, R"({"message": "customer not found"})"));
    const std::string token = login("john.new@example.com", password);
    EXPECT_TRUE(has_status(guest_info(token), 200));
    EXPECT_EQ(guest_show("john.new@example.com")["username"], json::value("john.new@example.com"));
}

TEST_F(GuestReservations, EmptyForAGuestWithoutReservations) {
    ASSERT_TRUE(is_json(add_members("newsletter", {"marie@example.com"}), 200, R"({"added": 1, "updated": 0})"));
    set_password("marie@example.com", password);
    EXPECT_TRUE(is_json(guest_reservations(login("marie@example.com", password)), 200, "[]"));
}

TEST_F(Isolation, SameEmailAtTwoMerchantsIsTwoGuests) {
    json::object at_b = booking("BK-1", john);
    at_b["customer"].as_object()["firstname"] = "Johnny";
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1", john)}, bearer(acme_, hotel_a_)), 1, 0));
    ASSERT_TRUE(is_batch_success(push_bookings({at_b}, bearer(gamma_, hotel_b_)), 1, 0))
        << "references are unique per merchant, not across merchants";
    set_password(john, "password of hotel a", bearer(acme_, hotel_a_));
    set_password(john, "password of hotel b", bearer(gamma_, hotel_b_));

    EXPECT_TRUE(has_status(login_call(john, "password of hotel b", bearer(acme_, hotel_a_)), 401));
    const std::string token_a = login(john, "password of hotel a", bearer(acme_, hotel_a_));
    const std::string token_b = login(john, "password of hotel b", bearer(gamma_, hotel_b_));

    const http_response info_a = guest_info(token_a, bearer(acme_, hotel_a_));
    const http_response info_b = guest_info(token_b, bearer(gamma_, hotel_b_));
    ASSERT_TRUE(has_status(info_a, 200));
    ASSERT_TRUE(has_status(info_b, 200));
    EXPECT_EQ(info_a.json().at("firstname"), json::value("John"));
    EXPECT_EQ(info_b.json().at("firstname"), json::value("Johnny"));

    const http_response res_b = guest_reservations(token_b, bearer(gamma_, hotel_b_));
    ASSERT_TRUE(has_status(res_b, 200));
    EXPECT_EQ(res_b.json().at(0).at("hotel_name"), json::value("Hotel Other"));

    // A token of merchant A is worthless with merchant B's credentials.
    EXPECT_TRUE(is_unauthorized(guest_info(token_a, bearer(gamma_, hotel_b_))));
    EXPECT_TRUE(is_unauthorized(guest_info(token_a, bearer(acme_, hotel_b_))));
    EXPECT_TRUE(is_unauthorized(put_guest_info(token_a, json::object{{"city", "Lyon"}},
                                               {{"Authorization", bearer(gamma_, hotel_b_)}})));
    EXPECT_EQ(info_b.json(), guest_info(token_b, bearer(gamma_, hotel_b_)).json());

    EXPECT_EQ(guest_show(john, 1234)["firstname"], json::value("John"));
    EXPECT_EQ(guest_show(john, 5678)["firstname"], json::value("Johnny"));
}

TEST_F(Isolation, CallsSeeOnlyTheCallersMerchant) {
    const std::string only_b = "only.b@example.com";
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-B", only_b)}, bearer(gamma_, hotel_b_)), 1, 0));
    ASSERT_TRUE(is_json(add_members("news", {"listed.b@example.com"}, bearer(gamma_, hotel_b_)), 200,
                        R"({"added": 1, "updated": 0})"));
    const std::string a = bearer(acme_, hotel_a_);
    const std::string b = bearer(acme_, hotel_b_);

    EXPECT_TRUE(is_json(account_exists(only_b, a), 404, R"({"message": "customer not found"})"));
    EXPECT_TRUE(is_json(account_exists(only_b, b), 200, R"({"account-exists": false})"));
    EXPECT_TRUE(is_json(update_password(only_b, password, a), 404, R"({"message": "customer not found"})"));
    EXPECT_TRUE(is_json(login_call(only_b, password, a), 404, R"({"message": "customer not found"})"));
    EXPECT_TRUE(is_json(get("/api/xp-customs-fields?email=" + url_encode(only_b), {{"Authorization", a}}), 404,
                        R"("customer not found")"));
    EXPECT_TRUE(is_json(del("/api/xp-email-lists/members?list=news&email=listed.b%40example.com",
                            {{"Authorization", a}}),
                        404, R"({"message": "member not found"})"));
    EXPECT_TRUE(is_json(account_exists(only_b, b), 200, R"({"account-exists": false})"));
    EXPECT_TRUE(is_json(account_exists("listed.b@example.com", b), 200, R"({"account-exists": false})"));
    EXPECT_NE(guest_show_raw(only_b, 1234).exit_code, 0);
}

TEST_F(Isolation, PushToOneMerchantNeverTouchesTheOther) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1", john)}, bearer(acme_, hotel_a_)), 1, 0));
    json::object at_b = booking("BK-1", john, "2030-01-01");
    at_b["customer"].as_object()["lastname"] = "Other";
    ASSERT_TRUE(is_batch_success(push_bookings({at_b}, bearer(acme_, hotel_b_)), 1, 0));
    EXPECT_EQ(guest_show(john, 1234)["lastname"], json::value("Doe"));
    EXPECT_EQ(guest_show(john, 5678)["lastname"], json::value("Other"));
    EXPECT_EQ(guest_show(john, 1234)["reservations"], json::value(1));
}

TEST_F(Durability, DataAndTokensSurviveARestart) {
    const std::string token = guest_with_token(john, password);
    ASSERT_TRUE(has_status(put_guest_info(token, json::object{{"city", "Lyon"}}), 200));
    ASSERT_TRUE(is_json(add_members("newsletter", {"marie@example.com"}), 200, R"({"added": 1, "updated": 0})"));

    restart_server();

    const http_response info = guest_info(token);
    ASSERT_TRUE(has_status(info, 200)) << "the token is kept in the database";
    EXPECT_EQ(info.json().at("city"), json::value("Lyon"));
    const http_response res = guest_reservations(token);
    ASSERT_TRUE(has_status(res, 200));
    ASSERT_TRUE(res.json().is_array());
    EXPECT_EQ(res.json().as_array().size(), 1U);
    EXPECT_TRUE(is_json(account_exists("marie@example.com"), 200, R"({"account-exists": false})"));
    EXPECT_TRUE(has_status(login_call(john, password), 200));
}

TEST_F(Durability, SigintStopsTheServerCleanly) {
    ASSERT_TRUE(is_json(add_members("newsletter", {"marie@example.com"}), 200, R"({"added": 1, "updated": 0})"));
    EXPECT_EQ(server_->stop(SIGINT), 0);
    start_server();
    EXPECT_TRUE(is_json(account_exists("marie@example.com"), 200, R"({"account-exists": false})"));
}

}  // namespace
}  // namespace guestd::itest
