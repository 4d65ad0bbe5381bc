// From CSV header paths and cells to the push APIs' item JSON: nesting, list indexes, empty cells as absent
// fields, and the header checks against the item schema.
#include "import/row_builder.hpp"

#include "api/experience/schemas.hpp"
#include "api/validate.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace guestd::import {
namespace {

namespace json = boost::json;
namespace schemas = api::experience::schemas;

using cells = std::vector<std::string_view>;

row_builder compile_ok(const cells& header, const api::schema& s) {
    auto b = row_builder::compile(header, s);
    EXPECT_TRUE(b.has_value()) << (b ? "" : b.error().fields.at(0).field + ": " + b.error().fields.at(0).reason);
    return b ? std::move(*b) : row_builder{};
}

/// The column and reason of a header the builder refuses.
core::field_error refusal(const cells& header, const api::schema& s) {
    auto b = row_builder::compile(header, s);
    EXPECT_FALSE(b.has_value());
    if (b) return {};
    EXPECT_EQ(b.error().code, core::errc::invalid_argument);
    EXPECT_EQ(b.error().message, "bad CSV header");
    return b.error().fields.at(0);
}

TEST(RowBuilder, BuildsNestedObjectsAndListsFromDottedPaths) {
    const auto b = compile_ok({"reference", "status", "customer.reference", "customer.email",
                               "customer.extra_attributes.vip", "rooms.0.number", "rooms.0.name",
                               "extra_attributes.Payment"},
                              schemas::booking);
    EXPECT_EQ(b.columns(), 8u);
    const json::object item = b.build({"BK-1", "valid", "C-1", "john@example.com", "1", "16", "Double", "pending"});
    EXPECT_EQ(item, json::parse(R"({"reference": "BK-1", "status": "valid",
        "customer": {"reference": "C-1", "email": "john@example.com", "extra_attributes": {"vip": "1"}},
        "rooms": [{"number": "16", "name": "Double"}], "extra_attributes": {"Payment": "pending"}})").as_object());
    // What the builder makes passes the API's own schema
    EXPECT_TRUE(api::validate(item, schemas::booking).empty());
}

TEST(RowBuilder, EmptyCellsAreAbsentAndSoAreObjectsLeftEmpty) {
    const auto b = compile_ok({"reference", "arrival", "customer.reference", "customer.extra_attributes.vip", "rooms.0.name"},
                              schemas::booking);
    const json::object item = b.build({"BK-1", "", "C-1", "", ""});
    EXPECT_EQ(item, json::parse(R"({"reference": "BK-1", "customer": {"reference": "C-1"}})").as_object());
}

TEST(RowBuilder, ListsKeepIndexOrderAndCloseGaps) {
    const auto b = compile_ok({"rooms.1.name", "rooms.0.name", "rooms.2.name"}, schemas::booking);
    EXPECT_EQ(b.build({"Suite", "Double", "Twin"}),
              json::parse(R"({"rooms": [{"name": "Double"}, {"name": "Suite"}, {"name": "Twin"}]})").as_object());
    EXPECT_EQ(b.build({"Suite", "", ""}), json::parse(R"({"rooms": [{"name": "Suite"}]})").as_object());
}

TEST(RowBuilder, CellsStayStringsWithWhateverTheyHold) {
    const auto b = compile_ok({"email", "firstname"}, schemas::list_member);
    EXPECT_EQ(b.build({"a@example.com", "Jean, \"Jo\"\nLine"}),
              json::parse(R"({"email": "a@example.com", "firstname": "Jean, \"Jo\"\nLine"})").as_object());
}

TEST(RowBuilder, BuildsIntoTheGivenStorage) {
    const auto b = compile_ok({"email", "firstname"}, schemas::list_member);
    json::monotonic_resource mr;
    const json::storage_ptr sp(&mr);
    const json::object item = b.build({"a@example.com", "Jo"}, sp);
    EXPECT_EQ(item.storage().get(), sp.get());
    EXPECT_EQ(item.at("firstname").as_string().storage().get(), sp.get());
}

TEST(RowBuilder, RefusesAFieldTheSchemaDoesNotAllow) {
    const auto f = refusal({"email", "phone"}, schemas::list_member);
    EXPECT_EQ(f.field, "phone");
    EXPECT_EQ(f.reason, "'phone' is not a field here");
}

TEST(RowBuilder, RefusesAPathThroughASingleValue) {
    EXPECT_EQ(refusal({"status.code"}, schemas::booking).reason, "goes inside a single value");
    EXPECT_EQ(refusal({"extra_attributes.a.b"}, schemas::booking).reason, "goes inside a single value");
}

TEST(RowBuilder, RefusesANameWhereAListIndexBelongs) {
    const auto f = refusal({"rooms.first.name"}, schemas::booking);
    EXPECT_EQ(f.field, "rooms.first.name");
    EXPECT_EQ(f.reason, "'first' must be a list index (0, 1, ...)");
}

TEST(RowBuilder, RefusesAnIndexPastTheListLimit) {
    EXPECT_TRUE(row_builder::compile({"rooms.99.name"}, schemas::booking).has_value());
    EXPECT_EQ(refusal({"rooms.100.name"}, schemas::booking).reason, "index 100 is past the list's limit of 100");
}

TEST(RowBuilder, RefusesAColumnNamingAWholeObjectOrList) {
    EXPECT_EQ(refusal({"customer"}, schemas::booking).reason, "names an object or a list; name a field inside it");
    EXPECT_EQ(refusal({"rooms.0"}, schemas::booking).reason, "names an object or a list; name a field inside it");
    EXPECT_EQ(refusal({"customer.extra_attributes"}, schemas::booking).field, "customer.extra_attributes");
}

TEST(RowBuilder, RefusesRepeatedAndOverlappingColumns) {
    EXPECT_EQ(refusal({"reference", "status", "reference"}, schemas::booking).reason, "is repeated");
    // Unknown keys pass the schema, so only the tree can see these clash
    EXPECT_EQ(refusal({"note.text", "note"}, schemas::booking).reason, "is the parent of another column");
    EXPECT_EQ(refusal({"note", "note.text"}, schemas::booking).reason, "goes inside another column's value");
}

TEST(RowBuilder, RefusesEmptyNamesAndParts) {
    EXPECT_EQ(refusal({"reference", ""}, schemas::booking).reason, "is an empty column name");
    EXPECT_EQ(refusal({"customer..email"}, schemas::booking).reason, "has an empty part");
    EXPECT_EQ(refusal({"customer.email."}, schemas::booking).reason, "has an empty part");
}

TEST(RowBuilder, NamesColumnsTheSchemaOnlyLetsThrough) {
    const auto b = compile_ok({"reference", "customer.emial", "customer.extra_attributes.vip", "loyalty_tier"},
                              schemas::booking);
    EXPECT_EQ(b.unknown_columns(), (std::vector<std::string>{"customer.emial", "loyalty_tier"}));
    EXPECT_TRUE(compile_ok({"email"}, schemas::list_member).unknown_columns().empty());
}

}  // namespace
}  // namespace guestd::import
