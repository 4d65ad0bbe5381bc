#include "api/experience/mapping.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

namespace guestd::api::experience {
namespace {

namespace json = boost::json;

TEST(ReservationMapping, FollowsTheDesignMapping) {
    store::reservation r{.reference = "BK-1", .status = "valid", .creation = "2021-06-01 15:22:00",
                         .arrival = "2021-09-17", .departure = "2021-09-20", .total_amount = "460",
                         .room_type = "Double", .room_name = "16", .custom_fields = {{"Payment", "pending"}}};
    EXPECT_EQ(json::value(reservation_to_json(r, "Hotel Test")),
              json::parse(R"({"reference": "BK-1", "reservation_date": "2021-06-01 15:22:00",
                  "arrival_date": "2021-09-17", "departure_date": "2021-09-20", "amount": 460, "room_type": "Double",
                  "room_name": "16", "custom_fields": [{"name": "Payment", "value": "pending"}],
                  "hotel_name": "Hotel Test"})"));
}

TEST(ReservationMapping, AmountIsAJsonNumberOrNull) {
    EXPECT_EQ(amount_to_json("460"), json::value(460));
    EXPECT_EQ(amount_to_json("+12"), json::value(12));
    EXPECT_EQ(amount_to_json("-45"), json::value(-45));
    EXPECT_EQ(amount_to_json("282.50"), json::value(282.5));
    EXPECT_TRUE(amount_to_json(std::nullopt).is_null());
    EXPECT_TRUE(amount_to_json("12,50").is_null());
}

TEST(ScalarText, RendersStringsAndNumbersAsText) {
    const json::value sixteen = 16, text = "A12", half = 2.5, nothing = nullptr;
    EXPECT_EQ(scalar_text(&sixteen), "16");
    EXPECT_EQ(scalar_text(&text), "A12");
    EXPECT_EQ(scalar_text(&half), "2.5");
    EXPECT_EQ(scalar_text(&nothing), std::nullopt);
    EXPECT_EQ(scalar_text(nullptr), std::nullopt);
}

// An amount sent as a JSON number is kept as the shortest decimal that reads back as the same double: "%.15g"
// wrote 1e-05 (then refused as no decimal) and rounded away the 16th digit.
TEST(ScalarText, WritesDoublesAsPlainDecimalsThatReadBackExactly) {
    const json::value small = 0.00001, precise = 123456789012345.67, whole = 1e14;
    EXPECT_EQ(scalar_text(&small), "0.00001");
    EXPECT_EQ(scalar_text(&precise), "123456789012345.67");
    EXPECT_EQ(scalar_text(&whole), "100000000000000");
    EXPECT_EQ(amount_to_json(scalar_text(&precise)), precise);
}

TEST(GuestMapping, ShowsEveryFieldWithNullsAndPairs) {
    store::guest g;
    g.fields.firstname = "John";
    g.fields.email = "john@example.com";
    g.custom_fields = {{"Level", "Silver"}, {"Level", "Gold"}};
    const auto o = guest_to_json(g);
    EXPECT_EQ(o.size(), 16u);
    EXPECT_EQ(o.at("firstname"), "John");
    EXPECT_TRUE(o.at("mobile").is_null());
    EXPECT_EQ(json::value(o.at("custom_fields")),
              json::parse(R"([{"name": "Level", "value": "Silver"}, {"name": "Level", "value": "Gold"}])"));
    EXPECT_TRUE(o.at("privilege_badges").as_array().empty());
}

TEST(PmsCustomerMapping, MapsAddressFieldsAndAttributes) {
    const auto c = customer_from_json(json::parse(R"({"reference": "C-1", "email": "a@example.com",
        "address_street_number_and_name": "122 Grand Street", "address_postal_code": "75001",
        "address_city": "Paris", "address_state": "IDF", "identity_document_number": "X1",
        "extra_attributes": {"vip": "1"}, "unknown": 5})").as_object());
    EXPECT_EQ(c.reference, "C-1");
    EXPECT_EQ(c.fields.street, "122 Grand Street");
    EXPECT_EQ(c.fields.zip_code, "75001");
    EXPECT_EQ(c.fields.city, "Paris");
    EXPECT_EQ(c.fields.state, "IDF");
    EXPECT_EQ(c.identity_document_number, "X1");
    ASSERT_TRUE(c.extra_attributes);
    EXPECT_EQ(*c.extra_attributes, (std::vector<store::custom_field>{{"vip", "1"}}));
}

TEST(PmsCustomerMapping, AbsentAttributesAreNotAnEmptyReplacement) {
    const auto absent = customer_from_json(json::parse(R"({"reference": "C-1"})").as_object());
    EXPECT_FALSE(absent.extra_attributes);
    const auto empty = customer_from_json(json::parse(R"({"reference": "C-1", "extra_attributes": {}})").as_object());
    ASSERT_TRUE(empty.extra_attributes);
    EXPECT_TRUE(empty.extra_attributes->empty());
}

TEST(PmsBookingMapping, TakesTheFirstRoomAndKeepsThePayload) {
    const auto bookings = bookings_from_json(json::parse(R"([{"reference": "B1", "status": "option",
        "totalamount": 99.5, "rooms": [{"type": "DBL", "name": "Double", "number": 16}, {"name": "Suite"}],
        "customer": {"reference": "C1"}}])").as_array());
    ASSERT_TRUE(bookings);
    const auto& b = bookings->at(0);
    EXPECT_EQ(b.status, "option");
    EXPECT_EQ(b.total_amount, "99.5");
    EXPECT_EQ(b.room_type, "Double");
    EXPECT_EQ(b.room_name, "16");
    EXPECT_EQ(json::parse(b.payload).at("rooms").as_array().size(), 2u);
}

TEST(PmsBookingMapping, RejectsANonDecimalAmountWithItsIndex) {
    const auto bookings = bookings_from_json(json::parse(R"([{"reference": "B1", "status": "valid",
        "customer": {"reference": "C1"}}, {"reference": "B2", "status": "valid", "totalamount": "12 EUR",
        "customer": {"reference": "C1"}}])").as_array());
    ASSERT_FALSE(bookings);
    EXPECT_EQ(bookings.error().fields.at(0).field, "bookings[1].totalamount");
}

}  // namespace
}  // namespace guestd::api::experience
