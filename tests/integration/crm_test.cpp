// Filling the CRM over real HTTP: PMS booking and customer pushes (atomic batches, full replacement, the
// reservation mapping), email-list memberships (eligibility) and the custom-fields API.
#include "integration/experience_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view password = "correct horse battery staple";
constexpr const char* not_found = R"({"message": "customer not found"})";

/// Whether arr (a JSON array) holds the object {"name": name, "value": value}.
bool has_pair(const json::value& arr, std::string_view name, std::string_view value) {
    if (!arr.is_array()) return false;
    const json::value wanted = json::object{{"name", name}, {"value", value}};
    for (const auto& item : arr.as_array()) {
        if (item == wanted) return true;
    }
    return false;
}

/// The values of pairs named name in arr, as a set.
std::multiset<std::string> values_named(const json::value& arr, std::string_view name) {
    std::multiset<std::string> values;
    if (!arr.is_array()) return values;
    for (const auto& item : arr.as_array()) {
        if (item.is_object() && item.as_object().if_contains("name") != nullptr && item.at("name") == json::value(name) &&
            item.at("value").is_string()) {
            values.emplace(item.at("value").as_string());
        }
    }
    return values;
}

/// The field of a guest-show or guest-informations object, or JSON null (and a failure) when it is missing.
json::value field(const json::object& o, std::string_view key) {
    if (const auto* v = o.if_contains(key)) return *v;
    ADD_FAILURE() << "missing key " << key << " in " << json::serialize(o);
    return nullptr;
}

class PmsBookings : public experience_test {};
class PmsCustomers : public experience_test {};
class EmailLists : public experience_test {};
class CustomFields : public experience_test {};

TEST_F(PmsBookings, PushCreatesTheGuest) {
    EXPECT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    const json::object guest = guest_show(john);
    ASSERT_FALSE(guest.empty());
    EXPECT_EQ(guest.size(), guest_information_keys().size() + 5) << json::serialize(guest);
    for (const auto& key : guest_information_keys()) EXPECT_TRUE(guest.contains(key)) << key;
    EXPECT_EQ(field(guest, "firstname"), json::value("John"));
    EXPECT_EQ(field(guest, "lastname"), json::value("Doe"));
    EXPECT_EQ(field(guest, "email"), json::value(john));
    EXPECT_EQ(field(guest, "reservations"), json::value(1));
    EXPECT_EQ(field(guest, "has_account"), json::value(false));
    EXPECT_EQ(field(guest, "account_id"), json::value(nullptr));
    EXPECT_EQ(field(guest, "printed_card_number"), json::value(nullptr));
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": false})"));
}

TEST_F(PmsBookings, OneBadItemRejectsTheWholeBatch) {
    struct bad_case {
        std::string field;
        std::function<void(json::object&)> spoil;
    };
    const std::vector<bad_case> cases{
        {"arrival", [](json::object& b) { b["arrival"] = "2021-13-45"; }},
        {"departure", [](json::object& b) { b["departure"] = "2021-09-16"; }},
        {"creation", [](json::object& b) { b["creation"] = "yesterday"; }},
        {"reference", [](json::object& b) { b.erase("reference"); }},
        {"status", [](json::object& b) { b["status"] = "confirmed"; }},
        {"customer", [](json::object& b) { b.erase("customer"); }},
        {"customer.email", [](json::object& b) { b["customer"].as_object()["email"] = "not-an-email"; }},
        {"totalamount", [](json::object& b) { b["totalamount"] = "lots"; }},
    };
    int n = 0;
    for (const auto& c : cases) {
        SCOPED_TRACE("spoiled field " + c.field);
        ++n;
        const std::string good_email = "good" + std::to_string(n) + "@example.com";
        json::object bad = booking("BAD-" + std::to_string(n), "bad" + std::to_string(n) + "@example.com");
        c.spoil(bad);
        EXPECT_TRUE(is_batch_error(push_bookings({booking("GOOD-" + std::to_string(n), good_email), bad}), 1, c.field));
        // The good item 0 was not stored either.
        EXPECT_TRUE(is_json(account_exists(good_email), 404, not_found));
        EXPECT_NE(guest_show_raw(good_email).exit_code, 0);
    }
    // The good items alone are fine.
    EXPECT_TRUE(is_batch_success(push_bookings({booking("GOOD-1", "good1@example.com")}), 1, 0));
}

TEST_F(PmsBookings, RepushCountsCreatedAndUpdated) {
    EXPECT_TRUE(is_batch_success(push_bookings({booking("BK-1", john), booking("BK-2", john)}), 2, 0));
    EXPECT_TRUE(is_batch_success(
        push_bookings({booking("BK-1", john), booking("BK-2", john), booking("BK-3", john)}), 1, 2));
    EXPECT_EQ(field(guest_show(john), "reservations"), json::value(3));
}

TEST_F(PmsBookings, ReservationMapsThePushedBooking) {
    json::object first = booking("BK-1001", john, "2021-09-17");
    first["departure"] = "2021-09-20";
    json::object second = booking("BK-1002", john, "2022-02-01");
    second["departure"] = "2022-02-03";
    second["creation"] = "2021-12-24 08:05:09";
    second["totalamount"] = 199.9;
    second["rooms"] = json::array{json::object{{"type", "STE"}, {"name", "Suite"}, {"number", "12A"}},
                                  json::object{{"type", "DBL"}, {"name", "Double"}, {"number", 3}}};
    second["extra_attributes"] = json::object{{"Payment", "paid"}, {"Channel", "web"}};
    const std::string token = [&] {
        EXPECT_TRUE(is_batch_success(push_bookings({first, second}), 2, 0));
        set_password(john, password);
        return login(john, password);
    }();

    const http_response r = guest_reservations(token);
    ASSERT_TRUE(has_status(r, 200));
    const json::value list = r.json();
    ASSERT_TRUE(list.is_array() && list.as_array().size() == 2) << r.body;

    // Newest arrival first: BK-1002, then BK-1001.
    const json::object& newer = list.as_array()[0].as_object();
    EXPECT_EQ(newer.size(), 9U) << json::serialize(newer);
    EXPECT_EQ(field(newer, "reference"), json::value("BK-1002"));
    EXPECT_EQ(field(newer, "reservation_date"), json::value("2021-12-24 08:05:09"));
    EXPECT_EQ(field(newer, "arrival_date"), json::value("2022-02-01"));
    EXPECT_EQ(field(newer, "departure_date"), json::value("2022-02-03"));
    ASSERT_TRUE(field(newer, "amount").is_number()) << json::serialize(newer);
    EXPECT_DOUBLE_EQ(newer.at("amount").to_number<double>(), 199.9);
    EXPECT_EQ(field(newer, "room_type"), json::value("Suite"));
    EXPECT_EQ(field(newer, "room_name"), json::value("12A"));
    EXPECT_EQ(values_named(field(newer, "custom_fields"), "Payment"), std::multiset<std::string>{"paid"});
    EXPECT_EQ(values_named(field(newer, "custom_fields"), "Channel"), std::multiset<std::string>{"web"});
    EXPECT_EQ(field(newer, "hotel_name"), json::value("Hotel Test"));

    const json::object& older = list.as_array()[1].as_object();
    EXPECT_EQ(field(older, "reference"), json::value("BK-1001"));
    EXPECT_EQ(field(older, "reservation_date"), json::value("2021-06-01 15:22:00"));
    EXPECT_EQ(field(older, "arrival_date"), json::value("2021-09-17"));
    EXPECT_EQ(field(older, "departure_date"), json::value("2021-09-20"));
    ASSERT_TRUE(field(older, "amount").is_number()) << json::serialize(older);
    EXPECT_DOUBLE_EQ(older.at("amount").to_number<double>(), 460.0);
    EXPECT_EQ(field(older, "room_type"), json::value("Double"));
    EXPECT_EQ(field(older, "room_name"), json::value("16")) << "a numeric room number is shown as a string";
    EXPECT_EQ(field(older, "custom_fields"), json::parse(R"([{"name": "Payment", "value": "pending"}])"));
    EXPECT_EQ(field(older, "hotel_name"), json::value("Hotel Test"));
}

TEST_F(PmsBookings, RepushFullyReplacesTheBooking) {
    const std::string token = guest_with_token(john, password, "BK-1001");
    json::object bare = booking("BK-1001", john);
    bare.erase("totalamount");
    bare.erase("extra_attributes");
    bare.erase("rooms");
    EXPECT_TRUE(is_batch_success(push_bookings({bare}), 0, 1));

    const http_response r = guest_reservations(token);
    ASSERT_TRUE(has_status(r, 200));
    const json::value list = r.json();
    ASSERT_TRUE(list.is_array() && list.as_array().size() == 1) << r.body;
    const json::object& res = list.as_array()[0].as_object();
    EXPECT_EQ(field(res, "amount"), json::value(nullptr));
    EXPECT_EQ(field(res, "custom_fields"), json::array());
    EXPECT_EQ(field(res, "room_type"), json::value(nullptr));
    EXPECT_EQ(field(res, "room_name"), json::value(nullptr));
    EXPECT_EQ(field(res, "arrival_date"), json::value("2021-09-17")) << "what was pushed again is kept";
}

TEST_F(PmsBookings, CancelledAreExcludedAndNewestArrivalComesFirst) {
    json::object cancelled = booking("BK-C", john, "2024-01-01");
    cancelled["status"] = "cancelled";
    json::object option = booking("BK-O", john, "2020-03-01");
    option["status"] = "option";
    EXPECT_TRUE(is_batch_success(push_bookings({booking("BK-2021", john, "2021-09-17"), cancelled,
                                                booking("BK-2023", john, "2023-05-02"), option}),
                                 4, 0));
    set_password(john, password);
    const std::string token = login(john, password);

    auto references = [&] {
        std::vector<std::string> refs;
        const http_response r = guest_reservations(token);
        EXPECT_TRUE(has_status(r, 200));
        const json::value list = r.json();
        if (list.is_array()) {
            for (const auto& item : list.as_array()) refs.emplace_back(item.at("reference").as_string());
        }
        return refs;
    };
    EXPECT_EQ(references(), (std::vector<std::string>{"BK-2023", "BK-2021", "BK-O"}));
    EXPECT_EQ(field(guest_show(john), "reservations"), json::value(4)) << "guest show counts every reservation";

    // Cancelling a stay later hides it too.
    json::object now_cancelled = booking("BK-2023", john, "2023-05-02");
    now_cancelled["status"] = "cancelled";
    EXPECT_TRUE(is_batch_success(push_bookings({now_cancelled}), 0, 1));
    EXPECT_EQ(references(), (std::vector<std::string>{"BK-2021", "BK-O"}));
}

TEST_F(PmsBookings, CustomerEmailOfAnotherGuestIsRejected) {
    EXPECT_TRUE(is_batch_success(
        push_bookings({booking("BK-A", "a@example.com"), booking("BK-B", "b@example.com")}), 2, 0));
    // The customer C-b@example.com claims a@example.com's email.
    json::object clash = booking("BK-B2", "b@example.com");
    clash["customer"].as_object()["email"] = "a@example.com";
    EXPECT_TRUE(is_batch_error(push_bookings({clash}), 0, "customer.email"));
    EXPECT_EQ(field(guest_show("b@example.com"), "reservations"), json::value(1));
    EXPECT_EQ(field(guest_show("a@example.com"), "reservations"), json::value(1));
}

TEST_F(PmsBookings, MoreThan1000ItemsAreRejected) {
    // Tiny items with two-character references, so that the body stays under the 64 KiB limit and the count is
    // what fails. Item 0 names the customer's email; the others reuse its reference.
    constexpr std::string_view digits = "0123456789abcdefghijklmnopqrstuvwxyz";
    json::array items;
    items.push_back(json::object{{"reference", "R0"},
                                 {"status", "valid"},
                                 {"customer", json::object{{"reference", "c"}, {"email", "m@x.io"}}}});
    for (std::size_t i = 0; i < 1000; ++i) {
        const std::string reference{digits[i / digits.size()], digits[i % digits.size()]};
        items.push_back(
            json::object{{"reference", reference}, {"status", "valid"}, {"customer", json::object{{"reference", "c"}}}});
    }
    ASSERT_LT(json::serialize(json::object{{"bookings", items}}).size(), 64U * 1024U)
        << "the batch must fit in a request body";
    EXPECT_TRUE(has_status(push_bookings(items), 400));
    EXPECT_TRUE(is_json(account_exists("m@x.io"), 404, not_found)) << "nothing of the batch was stored";
}

TEST_F(PmsBookings, AFullBatchOfAThousandRealBookingsIsAccepted) {
    // A thousand full bookings weigh far more than the 64 KiB default: the push endpoints allow 2 MiB.
    json::array items;
    for (int i = 0; i < 1000; ++i)
        items.push_back(booking("BK-" + std::to_string(i), "guest" + std::to_string(i) + "@example.com"));
    ASSERT_GT(json::serialize(json::object{{"bookings", items}}).size(), 64U * 1024U);
    EXPECT_TRUE(is_batch_success(push_bookings(items), 1000, 0));
    EXPECT_EQ(field(guest_show("guest999@example.com"), "reservations"), json::value(1));
}

TEST_F(PmsBookings, EmptyBatchIsRejected) {
    EXPECT_TRUE(has_status(push_bookings(json::array{}), 400));
    EXPECT_TRUE(has_status(post("/api/xp-store-bookings/bookings", json::object{}), 400));
}

TEST_F(PmsCustomers, PmsFieldsMapOntoTheGuestProfile) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    const json::object full{{"reference", "C-" + std::string(john)},
                            {"title", "Mr"},
                            {"firstname", "John"},
                            {"lastname", "Doe"},
                            {"email", john},
                            {"phone", "+33102030405"},
                            {"birthdate", "1972-08-27"},
                            {"country", "FR"},
                            {"language", "en"},
                            {"nationality", "FR"},
                            {"address_street_number_and_name", "122 Grand Street"},
                            {"address_postal_code", "75001"},
                            {"address_city", "Paris"},
                            {"address_state", "Ile de France"},
                            {"identity_document_number", "X1234567"},
                            {"extra_attributes", {{"vip", "1"}}}};
    EXPECT_TRUE(is_batch_success(push_customers({full}), 0, 1));
    set_password(john, password);
    const std::string token = login(john, password);
    const http_response r = guest_info(token);
    EXPECT_TRUE(is_json(r, 200, R"({"title": "Mr", "firstname": "John", "lastname": "Doe", "phone": "+33102030405",
        "mobile": null, "email": "john.doe@example.com", "street": "122 Grand Street", "zip_code": "75001",
        "city": "Paris", "state": "Ile de France", "country": "FR", "birthdate": "1972-08-27", "language": "en",
        "nationality": "FR", "custom_fields": [{"name": "vip", "value": "1"}], "privilege_badges": []})"));
    EXPECT_EQ(r.body.find("X1234567"), std::string::npos) << "the identity document number is never shown";

    // A full replacement clears what it omits, but keeps mobile, which is not a PMS field.
    const http_response put = put_guest_info(token, json::object{{"mobile", "+33601020304"}});
    ASSERT_TRUE(has_status(put, 200));
    json::object bare = customer(john);
    bare["extra_attributes"] = json::object{{"vip", "1"}};
    EXPECT_TRUE(is_batch_success(push_customers({bare}), 0, 1));
    EXPECT_TRUE(is_json(guest_info(token), 200, R"({"title": null, "firstname": "John", "lastname": "Doe",
        "phone": null, "mobile": "+33601020304", "email": "john.doe@example.com", "street": null, "zip_code": null,
        "city": null, "state": null, "country": null, "birthdate": null, "language": null, "nationality": null,
        "custom_fields": [{"name": "vip", "value": "1"}], "privilege_badges": []})"));
}

TEST_F(PmsCustomers, OmittedExtraAttributesKeepTheCustomFields) {
    // api.md: a push without extra_attributes leaves custom fields alone, so a booking push (which always carries
    // its customer) does not wipe fields set through the custom-fields API.
    json::object with_extra = customer(john);
    with_extra["extra_attributes"] = json::object{{"vip", "1"}};
    ASSERT_TRUE(is_batch_success(push_customers({with_extra}), 1, 0));
    ASSERT_TRUE(has_pair(field(guest_show(john), "custom_fields"), "vip", "1"));
    EXPECT_TRUE(is_batch_success(push_customers({customer(john)}), 0, 1));
    EXPECT_TRUE(has_pair(field(guest_show(john), "custom_fields"), "vip", "1"));
}

TEST_F(PmsCustomers, EmptyExtraAttributesClearTheCustomFields) {
    json::object with_extra = customer(john);
    with_extra["extra_attributes"] = json::object{{"vip", "1"}};
    ASSERT_TRUE(is_batch_success(push_customers({with_extra}), 1, 0));
    with_extra["extra_attributes"] = json::object{};
    EXPECT_TRUE(is_batch_success(push_customers({with_extra}), 0, 1));
    EXPECT_EQ(field(guest_show(john), "custom_fields"), json::array());
}

TEST_F(PmsCustomers, CustomerOnlyGuestIsKnownButNotEligible) {
    EXPECT_TRUE(is_batch_success(push_customers({customer(john)}), 1, 0));
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": false})"));
    EXPECT_EQ(field(guest_show(john), "reservations"), json::value(0));
    EXPECT_TRUE(is_json(update_password(john, password), 404, not_found));
}

TEST_F(PmsCustomers, OneBadItemRejectsTheWholeBatch) {
    json::object bad_birthdate = customer("bad@example.com");
    bad_birthdate["birthdate"] = "1972-02-30";
    EXPECT_TRUE(is_batch_error(push_customers({customer("good@example.com"), bad_birthdate}), 1, "birthdate"));
    json::object no_reference = customer("bad@example.com");
    no_reference.erase("reference");
    EXPECT_TRUE(is_batch_error(push_customers({customer("good@example.com"), no_reference}), 1, "reference"));
    json::object bad_email = customer("bad@example.com");
    bad_email["email"] = "bad.example.com";
    EXPECT_TRUE(is_batch_error(push_customers({customer("good@example.com"), bad_email}), 1, "email"));
    EXPECT_TRUE(is_json(account_exists("good@example.com"), 404, not_found));
}

TEST_F(PmsCustomers, MoreThan1000ItemsAreRejected) {
    auto batch = [](int count) {
        json::array items;
        for (int i = 0; i < count; ++i) {
            items.push_back(json::object{{"reference", "c" + std::to_string(i)},
                                         {"email", "g" + std::to_string(i) + "@x.io"}});
        }
        return items;
    };
    EXPECT_TRUE(has_status(push_customers(batch(1001)), 400));
    EXPECT_TRUE(is_json(account_exists("g0@x.io"), 404, not_found)) << "nothing of the batch was stored";
    EXPECT_TRUE(is_batch_success(push_customers(batch(1000)), 1000, 0));
    EXPECT_TRUE(is_json(account_exists("g999@x.io"), 200, R"({"account-exists": false})"));
}

TEST_F(EmailLists, AddCountsNewAndExistingMembers) {
    EXPECT_TRUE(is_json(add_members("newsletter", {"a@example.com", "b@example.com"}), 200,
                        R"({"added": 2, "updated": 0})"));
    EXPECT_TRUE(is_json(add_members("newsletter", {"a@example.com", "c@example.com"}), 200,
                        R"({"added": 1, "updated": 1})"));
    EXPECT_TRUE(is_json(add_members("vip", {"a@example.com"}), 200, R"({"added": 1, "updated": 0})"))
        << "a membership of another list is new";
    EXPECT_TRUE(is_json(account_exists("c@example.com"), 200, R"({"account-exists": false})"));
}

TEST_F(EmailLists, MembershipMakesAGuestEligible) {
    ASSERT_TRUE(is_json(add_members("newsletter", {"a@example.com"}), 200, R"({"added": 1, "updated": 0})"));
    EXPECT_TRUE(has_status(update_password("a@example.com", password), 200));
    EXPECT_TRUE(is_json(account_exists("a@example.com"), 200, R"({"account-exists": true})"));
}

TEST_F(EmailLists, NewMemberBecomesAGuestWithTheGivenNames) {
    const json::object body{{"list", "newsletter"},
                            {"members", json::array{json::object{{"email", "marie@example.com"},
                                                                 {"firstname", "Marie"},
                                                                 {"lastname", "Curie"},
                                                                 {"language", "fr"}}}}};
    EXPECT_TRUE(is_json(post("/api/xp-email-lists/members", body), 200, R"({"added": 1, "updated": 0})"));
    const json::object guest = guest_show("marie@example.com");
    EXPECT_EQ(field(guest, "firstname"), json::value("Marie"));
    EXPECT_EQ(field(guest, "lastname"), json::value("Curie"));
    EXPECT_EQ(field(guest, "language"), json::value("fr"));
    EXPECT_EQ(field(guest, "reservations"), json::value(0));
}

TEST_F(EmailLists, KnownGuestOnlyGetsItsEmptyFieldsFilled) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    const json::object body{{"list", "newsletter"},
                            {"members", json::array{json::object{{"email", "John.Doe@example.com"},
                                                                 {"firstname", "Jack"},
                                                                 {"lastname", "Smith"},
                                                                 {"language", "fr"}}}}};
    EXPECT_TRUE(is_json(post("/api/xp-email-lists/members", body), 200, R"({"added": 1, "updated": 0})"));
    const json::object guest = guest_show(john);
    EXPECT_EQ(field(guest, "firstname"), json::value("John"));
    EXPECT_EQ(field(guest, "lastname"), json::value("Doe"));
    EXPECT_EQ(field(guest, "language"), json::value("fr"));
    EXPECT_EQ(field(guest, "email"), json::value(john)) << "the same guest, matched case-insensitively";
}

TEST_F(EmailLists, DeleteRemovesTheMembershipOnce) {
    ASSERT_TRUE(is_json(add_members("newsletter", {"a@example.com"}), 200, R"({"added": 1, "updated": 0})"));
    const std::string target = "/api/xp-email-lists/members?list=newsletter&email=" + url_encode("a@example.com");
    EXPECT_TRUE(is_json(del("/api/xp-email-lists/members?list=other&email=a%40example.com"), 404,
                        R"({"message": "member not found"})"))
        << "not a member of that other list";
    EXPECT_TRUE(is_json(del(target), 200, R"({"removed": true})"));
    EXPECT_TRUE(is_json(del(target), 404, R"({"message": "member not found"})"));
    EXPECT_TRUE(is_json(add_members("newsletter", {"a@example.com"}), 200, R"({"added": 1, "updated": 0})"))
        << "after removal, joining again is a new membership";
}

TEST_F(EmailLists, RemovedListOnlyGuestNoLongerQualifies) {
    ASSERT_TRUE(is_json(add_members("newsletter", {"c@example.com"}), 200, R"({"added": 1, "updated": 0})"));
    EXPECT_TRUE(is_json(del("/api/xp-email-lists/members?list=newsletter&email=c%40example.com"), 200,
                        R"({"removed": true})"));
    EXPECT_TRUE(is_json(update_password("c@example.com", password), 404, not_found));
    EXPECT_TRUE(is_json(account_exists("c@example.com"), 200, R"({"account-exists": false})"))
        << "the guest is still known";
}

TEST_F(EmailLists, RemovalKeepsAnExistingAccount) {
    ASSERT_TRUE(is_json(add_members("newsletter", {"c@example.com"}), 200, R"({"added": 1, "updated": 0})"));
    set_password("c@example.com", password);
    EXPECT_TRUE(is_json(del("/api/xp-email-lists/members?list=newsletter&email=c%40example.com"), 200,
                        R"({"removed": true})"));
    EXPECT_TRUE(has_status(update_password("c@example.com", "another long passphrase"), 200))
        << "a guest with an account may always change its password";
}

TEST_F(EmailLists, OneBadMemberRejectsTheWholeBatch) {
    const json::object body{
        {"list", "newsletter"},
        {"members", json::array{json::object{{"email", "ok@example.com"}}, json::object{{"email", "nope"}}}}};
    EXPECT_TRUE(has_status(post("/api/xp-email-lists/members", body), 400));
    const json::object missing{
        {"list", "newsletter"},
        {"members", json::array{json::object{{"email", "ok@example.com"}}, json::object{{"firstname", "No"}}}}};
    EXPECT_TRUE(has_status(post("/api/xp-email-lists/members", missing), 400));
    EXPECT_TRUE(is_json(account_exists("ok@example.com"), 404, not_found));
}

TEST_F(CustomFields, PostSetsCustomerAndStayFields) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    const json::value body = json::parse(R"({
        "customer_custom_fields": [{"name": "Loyalty level", "values": ["Silver", "Gold"]}],
        "stay_custom_fields": [
            {"stay_reference": "BK-1001", "data": [{"name": "ota_src", "value": "Booking.com"}]},
            {"stay_reference": "BK-NOPE", "data": [{"name": "x", "value": "y"}]}]})");
    EXPECT_TRUE(is_json(post("/api/xp-customs-fields?email=" + url_encode(john), body), 200,
                        R"({"successes": {"customer_custom_fields": ["Loyalty level"],
                                          "stay_custom_fields": ["BK-1001"]},
                            "errors": {"customer_custom_fields": [], "stay_custom_fields": ["BK-NOPE"]}})"));

    // Customer fields show on the profile, one pair per value; stay fields on the reservation.
    set_password(john, password);
    const std::string token = login(john, password);
    const http_response info = guest_info(token);
    ASSERT_TRUE(has_status(info, 200));
    EXPECT_EQ(values_named(info.json().at("custom_fields"), "Loyalty level"),
              (std::multiset<std::string>{"Silver", "Gold"}));
    const http_response res = guest_reservations(token);
    ASSERT_TRUE(has_status(res, 200));
    const json::value list = res.json();
    ASSERT_TRUE(list.is_array() && list.as_array().size() == 1) << res.body;
    EXPECT_TRUE(has_pair(list.as_array()[0].at("custom_fields"), "ota_src", "Booking.com")) << res.body;
    EXPECT_TRUE(has_pair(list.as_array()[0].at("custom_fields"), "Payment", "pending")) << res.body;

    // GET gives them back.
    const http_response got = get("/api/xp-customs-fields?email=" + url_encode(john));
    ASSERT_TRUE(has_status(got, 200));
    const json::value fields = got.json();
    ASSERT_TRUE(fields.is_object()) << got.body;
    bool customer_found = false;
    for (const auto& f : fields.at("customer_custom_fields").as_array()) {
        if (f.at("name") != json::value("Loyalty level")) continue;
        customer_found = true;
        std::multiset<std::string> values;
        for (const auto& v : f.at("values").as_array()) values.emplace(v.as_string());
        EXPECT_EQ(values, (std::multiset<std::string>{"Silver", "Gold"}));
    }
    EXPECT_TRUE(customer_found) << got.body;
    bool stay_found = false;
    for (const auto& s : fields.at("stay_custom_fields").as_array()) {
        if (s.at("stay_reference") != json::value("BK-1001")) continue;
        stay_found = true;
        EXPECT_TRUE(has_pair(s.at("data"), "ota_src", "Booking.com")) << got.body;
    }
    EXPECT_TRUE(stay_found) << got.body;
}

TEST_F(CustomFields, PostReplacesOnlyTheNamedFields) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    const std::string target = "/api/xp-customs-fields?email=" + url_encode(john);
    ASSERT_TRUE(has_status(post(target, json::parse(R"({"customer_custom_fields": [
        {"name": "Loyalty level", "values": ["Silver"]}, {"name": "Newsletter", "values": ["yes"]}]})")), 200));
    ASSERT_TRUE(has_status(
        post(target, json::parse(R"({"customer_custom_fields": [{"name": "Loyalty level", "values": ["Gold"]}]})")),
        200));
    const json::object guest = guest_show(john);
    EXPECT_EQ(values_named(field(guest, "custom_fields"), "Loyalty level"), std::multiset<std::string>{"Gold"});
    EXPECT_EQ(values_named(field(guest, "custom_fields"), "Newsletter"), std::multiset<std::string>{"yes"});
}

TEST_F(CustomFields, StayOfAnotherGuestIsAnErrorAndUntouched) {
    ASSERT_TRUE(is_batch_success(
        push_bookings({booking("BK-JOHN", john), booking("BK-JANE", "jane@example.com")}), 2, 0));
    const json::value body = json::parse(
        R"({"stay_custom_fields": [{"stay_reference": "BK-JANE", "data": [{"name": "ota_src", "value": "x"}]}]})");
    const http_response r = post("/api/xp-customs-fields?email=" + url_encode(john), body);
    ASSERT_TRUE(has_status(r, 200));
    EXPECT_EQ(r.json().at("errors").at("stay_custom_fields"), json::parse(R"(["BK-JANE"])"));
    const http_response jane = get("/api/xp-customs-fields?email=jane%40example.com");
    ASSERT_TRUE(has_status(jane, 200));
    EXPECT_EQ(jane.body.find("ota_src"), std::string::npos) << jane.body;
}

TEST_F(CustomFields, UnknownEmailIsABareNotFoundString) {
    const std::string target = "/api/xp-customs-fields?email=nobody%40example.com";
    const json::value body = json::parse(R"({"customer_custom_fields": [{"name": "a", "values": ["b"]}]})");
    EXPECT_TRUE(is_json(post(target, body), 404, R"("customer not found")"));
    EXPECT_TRUE(is_json(get(target), 404, R"("customer not found")"));
}

TEST_F(CustomFields, MissingEmailIsInvalid) {
    EXPECT_TRUE(has_status(get("/api/xp-customs-fields"), 400));
}

}  // namespace
}  // namespace guestd::itest
