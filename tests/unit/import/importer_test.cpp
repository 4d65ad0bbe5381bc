// The importer on a real SQLite store: what the push APIs accept lands in the CRM, every bad row is refused
// with its line and reason while the rows around it are kept, domain clashes inside a batch cost only the
// clashing row, a second run changes nothing, and a dry run writes nothing.
#include "import/importer.hpp"

#include "core/clock.hpp"
#include "domain/accounts.hpp"
#include "domain/credentials.hpp"
#include "domain/passwords.hpp"
#include "domain/services.hpp"
#include "store/sqlite/sqlite_database.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace guestd::import {
namespace {

struct rejected_row {
    std::uint64_t line = 0;
    std::string reason;
    std::string raw;
};

/// A booking line for reference whose customer C-<customer> has that email.
std::string booking(std::string_view reference, std::string_view customer, std::string_view email,
                    std::string_view extra = "") {
    return R"({"reference": ")" + std::string(reference) + R"(", "status": "valid", "arrival": "2021-09-17", )" +
           R"("departure": "2021-09-20", "totalamount": "460", "rooms": [{"type": "DBL", "name": "Double", "number": 16}], )" +
           std::string(extra) + R"("customer": {"reference": "C-)" + std::string(customer) +
           R"(", "firstname": "John", "email": ")" + std::string(email) + R"("}})";
}

class Importer : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "guestd-import-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        db_ = store::sqlite::open({.path = (dir_ / "test.db").string()}, clock_);
        services_ = std::make_unique<domain::services>(*db_, clock_, std::make_unique<domain::passwords>());
        ASSERT_TRUE(services_->credentials().add_merchant(merchant_, "Hotel Test").has_value());
    }

    void TearDown() override {
        services_.reset();
        db_.reset();
        std::filesystem::remove_all(dir_);
    }

    /// Imports text; rejects_ collects the refused rows.
    core::result<import_counts> import(const std::string& text, import_options options) {
        options.merchant = merchant_;
        rejects_.clear();
        auto in = input_buffer::from_string(text, 64);
        return run_import(services_->crm(), in, options, [&](std::uint64_t line, std::string_view reason, std::string_view raw) {
            rejects_.push_back({line, std::string(reason), std::string(raw)});
        });
    }

    /// The lines of the rows refused by the last import.
    std::vector<std::uint64_t> rejected_lines() const {
        std::vector<std::uint64_t> out;
        for (const auto& r : rejects_) out.push_back(r.line);
        return out;
    }

    bool has_reservation(std::string_view reference) {
        return db_->begin(store::tx::read)->reservations().find(merchant_, reference).has_value();
    }

    std::optional<domain::guest_view> guest(std::string_view email) {
        auto v = services_->accounts().show(merchant_, email);
        return v ? std::optional(std::move(*v)) : std::nullopt;
    }

    std::filesystem::path dir_;
    core::manual_clock clock_;
    std::unique_ptr<store::database> db_;
    std::unique_ptr<domain::services> services_;
    core::merchant_id merchant_{1234};
    std::vector<rejected_row> rejects_;
};

TEST_F(Importer, JsonLinesBookingsLandLikeAPush) {
    const std::string text = booking("BK-1", "1", "john@example.com", R"("extra_attributes": {"Payment": "pending"}, )") +
                             "\n" + booking("BK-2", "2", "jane@example.com") + "\n";
    const auto counts = import(text, {.kind = item_kind::bookings, .format = file_format::jsonl});
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->created, 2u);
    EXPECT_EQ(counts->updated, 0u);
    EXPECT_EQ(counts->rejected, 0u);
    EXPECT_EQ(counts->rows, 2u);
    const auto john = guest("john@example.com");
    ASSERT_TRUE(john.has_value());
    EXPECT_EQ(john->guest.fields.firstname, "John");
    EXPECT_EQ(john->reservation_count, 1);
    const auto r = db_->begin(store::tx::read)->reservations().find(merchant_, "BK-1");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->room_name, "16");
    EXPECT_EQ(r->room_type, "Double");
    ASSERT_EQ(r->custom_fields.size(), 1u);
    EXPECT_EQ(r->custom_fields[0].name, "Payment");
}

TEST_F(Importer, RefusesBadJsonLinesWithLineAndReasonAndKeepsTheRest) {
    const std::string text = booking("BK-1", "1", "a@example.com") + "\n" +                                  // 1
                             R"({"reference": "BK-2", "status": "valid", "arrival": "2021-13-40", "customer": {"reference": "C-2"}})" "\n"  // 2
                             R"({"status": "valid", "customer": {"reference": "C-3"}})" "\n"                 // 3
                             "{\"reference\": \"BK-4\",\n"                                                   // 4
                             R"({"reference": "BK-5", "status": "valid", "customer": {"reference": "C-5", "firstname": ")" "\xff" R"("}})" "\n"  // 5
                             R"({"reference": "BK-6", "status": "valid", "arrival": "2021-09-20", "departure": "2021-09-17", "customer": {"reference": "C-6"}})" "\n"  // 6
                             "\n" +                                                                          // 7
                             booking("BK-8", "8", "b@example.com") + "\n" +                                  // 8
                             R"({"reference": "BK-9", "status": "valid", "totalamount": 1e20, "customer": {"reference": "C-9"}})" "\n";  // 9
    const auto counts = import(text, {.kind = item_kind::bookings, .format = file_format::jsonl, .batch = 2});
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->created, 2u);
    EXPECT_EQ(counts->rejected, 6u);
    EXPECT_EQ(counts->rows, 8u);
    EXPECT_EQ(rejected_lines(), (std::vector<std::uint64_t>{2, 3, 4, 5, 6, 9}));
    ASSERT_EQ(rejects_.size(), 6u);
    EXPECT_EQ(rejects_[0].reason, "arrival: must be a date (YYYY-MM-DD)");
    EXPECT_EQ(rejects_[1].reason, "reference: is required");
    EXPECT_TRUE(rejects_[2].reason.starts_with("not valid JSON")) << rejects_[2].reason;
    EXPECT_EQ(rejects_[2].raw, "{\"reference\": \"BK-4\",");
    EXPECT_EQ(rejects_[3].reason, "invalid UTF-8");
    EXPECT_EQ(rejects_[4].reason, "departure: must not be before arrival");
    EXPECT_EQ(rejects_[5].reason, "totalamount: is out of range (at most 15 digits before the decimal point)");
    EXPECT_TRUE(has_reservation("BK-1"));
    EXPECT_TRUE(has_reservation("BK-8"));
    EXPECT_FALSE(has_reservation("BK-2"));
}

TEST_F(Importer, RefusesBadCsvRowsWithTheLineTheyStartOn) {
    const std::string text =
        "reference,status,arrival,customer.reference,customer.email,customer.address_street_number_and_name\n"  // 1
        "BK-1,valid,2021-09-17,C-1,a@example.com,\"12, Rue \"\"Haute\"\"\nBat. B\"\n"                          // 2-3
        "BK-2,valid,2021-02-30,C-2,b@example.com,\n"                                                           // 4
        ",valid,2021-09-17,C-3,c@example.com,\n"                                                               // 5
        "BK-4,valid,2021-09-17,C-4,\"d@example.com,\n"                                                         // 6
        "BK-5,valid,2021-09-17,C-5,e@example.com,Caf\xe9\n"                                                     // 7
        "BK-6,valid,2021-09-17,C-6\n"                                                                          // 8
        "BK-7,valid,2021-09-17,C-7,f@example.com,\n";                                                          // 9
    const auto counts = import(text, {.kind = item_kind::bookings, .format = file_format::csv});
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->created, 2u);
    EXPECT_EQ(counts->rows, 7u);
    EXPECT_EQ(rejected_lines(), (std::vector<std::uint64_t>{4, 5, 6, 7, 8}));
    ASSERT_EQ(rejects_.size(), 5u);
    EXPECT_EQ(rejects_[0].reason, "arrival: must be a date (YYYY-MM-DD)");
    EXPECT_EQ(rejects_[1].reason, "reference: is required");
    EXPECT_EQ(rejects_[2].reason, "broken quoting: unclosed quote");
    EXPECT_EQ(rejects_[2].raw, "BK-4,valid,2021-09-17,C-4,\"d@example.com,");
    EXPECT_EQ(rejects_[3].reason, "invalid UTF-8");
    EXPECT_EQ(rejects_[4].reason, "has 4 cells, the header has 6");
    const auto a = guest("a@example.com");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->guest.fields.street, "12, Rue \"Haute\"\nBat. B");
    EXPECT_TRUE(has_reservation("BK-7"));
}

TEST_F(Importer, ADomainClashCostsOnlyTheClashingRowWhateverTheBatch) {
    // Line 3 gives C-21 (b@) the email of C-20's guest; line 5 gives C-20 the email of C-21's guest
    const std::string text = booking("BK-20", "20", "a@example.com") + "\n" + booking("BK-21", "21", "b@example.com") +
                             "\n" + booking("BK-22", "21", "a@example.com") + "\n" + booking("BK-23", "23", "c@example.com") +
                             "\n" + booking("BK-24", "20", "b@example.com") + "\n" + booking("BK-25", "25", "d@example.com") + "\n";
    for (const std::size_t batch : {1u, 2u, 3u, 1000u}) {
        SCOPED_TRACE("batch " + std::to_string(batch));
        TearDown();
        SetUp();
        const auto counts = import(text, {.kind = item_kind::bookings, .format = file_format::jsonl, .batch = batch});
        ASSERT_TRUE(counts.has_value());
        EXPECT_EQ(counts->created, 4u);
        EXPECT_EQ(counts->rejected, 2u);
        EXPECT_EQ(rejected_lines(), (std::vector<std::uint64_t>{3, 5}));
        for (const auto& r : rejects_) EXPECT_EQ(r.reason, "customer.email: already used by another guest");
        EXPECT_EQ(rejects_.at(0).raw, booking("BK-22", "21", "a@example.com"));
        for (const auto* ref : {"BK-20", "BK-21", "BK-23", "BK-25"}) EXPECT_TRUE(has_reservation(ref)) << ref;
        EXPECT_FALSE(has_reservation("BK-22"));
        EXPECT_FALSE(has_reservation("BK-24"));
    }
}

TEST_F(Importer, ImportingTwiceChangesNothing) {
    const std::string text = "reference,status,customer.reference,customer.email,customer.extra_attributes.vip\n"
                             "BK-1,valid,C-1,a@example.com,1\n"
                             "BK-2,cancelled,C-1,a@example.com,1\n"
                             "BK-3,option,C-3,c@example.com,\n";
    const import_options options{.kind = item_kind::bookings, .format = file_format::csv};
    const auto first = import(text, options);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->created, 3u);
    const auto before = guest("a@example.com");
    ASSERT_TRUE(before.has_value());

    const auto second = import(text, options);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->created, 0u);
    EXPECT_EQ(second->updated, 3u);
    const auto after = guest("a@example.com");
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->guest.id, before->guest.id);
    EXPECT_EQ(after->guest.fields.email, before->guest.fields.email);
    EXPECT_EQ(after->guest.custom_fields.size(), 1u);
    EXPECT_EQ(after->reservation_count, before->reservation_count);
}

TEST_F(Importer, DryRunRefusesTheSameRowsAndWritesNothing) {
    const std::string text = booking("BK-1", "1", "a@example.com") + "\n" +
                             R"({"reference": "BK-2", "status": "maybe", "customer": {"reference": "C-2"}})" "\n" +
                             R"({"reference": "BK-3", "status": "valid", "arrival": "2021-09-20", "departure": "2021-09-17", "customer": {"reference": "C-3"}})" "\n";
    const auto counts = import(text, {.kind = item_kind::bookings, .format = file_format::jsonl, .dry_run = true});
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->created, 0u);
    EXPECT_EQ(counts->updated, 0u);
    EXPECT_EQ(counts->rejected, 2u);
    EXPECT_EQ(counts->rows, 3u);
    EXPECT_EQ(rejected_lines(), (std::vector<std::uint64_t>{2, 3}));
    EXPECT_FALSE(guest("a@example.com").has_value());
    EXPECT_FALSE(has_reservation("BK-1"));
}

TEST_F(Importer, CustomersMapTheirAddressAndCustomFields) {
    const std::string text = R"({"reference": "C-1", "firstname": "Ann", "email": "ann@example.com", )"
                             R"("address_city": "Paris", "address_postal_code": "75001", "extra_attributes": {"tier": "gold"}})" "\n"
                             R"({"reference": "C-2", "email": "not-an-email"})" "\n";
    const auto counts = import(text, {.kind = item_kind::customers, .format = file_format::jsonl});
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->created, 1u);
    EXPECT_EQ(rejected_lines(), (std::vector<std::uint64_t>{2}));
    EXPECT_EQ(rejects_.at(0).reason, "email: must be an email address");
    const auto ann = guest("ann@example.com");
    ASSERT_TRUE(ann.has_value());
    EXPECT_EQ(ann->guest.fields.city, "Paris");
    EXPECT_EQ(ann->guest.fields.zip_code, "75001");
    ASSERT_EQ(ann->guest.custom_fields.size(), 1u);
    EXPECT_EQ(ann->guest.custom_fields[0].value, "gold");
}

TEST_F(Importer, ACustomerClashCostsOnlyTheClashingRow) {
    const std::string text = R"({"reference": "C-1", "email": "a@example.com"})" "\n"
                             R"({"reference": "C-2", "email": "b@example.com"})" "\n"
                             R"({"reference": "C-2", "email": "a@example.com"})" "\n"
                             R"({"reference": "C-3", "email": "c@example.com"})" "\n";
    const auto counts = import(text, {.kind = item_kind::customers, .format = file_format::jsonl});
    ASSERT_TRUE(counts.has_value());
    EXPECT_EQ(counts->created, 3u);
    EXPECT_EQ(rejected_lines(), (std::vector<std::uint64_t>{3}));
    EXPECT_EQ(rejects_.at(0).reason, "email: already used by another guest");
    EXPECT_TRUE(guest("c@example.com").has_value());
}

TEST_F(Importer, EmailListMembersJoinAndCountAsUpdatedTheSecondTime) {
    const std::string text = "email,firstname,language\nx@example.com,Xavier,fr\ny@example.com,,de\nnot an email,,\n";
    const import_options options{.kind = item_kind::email_list, .format = file_format::csv, .list = "news"};
    const auto first = import(text, options);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->created, 2u);
    EXPECT_EQ(rejected_lines(), (std::vector<std::uint64_t>{4}));
    const auto second = import(text, options);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->created, 0u);
    EXPECT_EQ(second->updated, 2u);
    const auto x = guest("x@example.com");
    ASSERT_TRUE(x.has_value());
    EXPECT_EQ(x->guest.fields.firstname, "Xavier");
    EXPECT_EQ(x->guest.fields.language, "fr");
}

TEST_F(Importer, RefusesAListNameTheApiWouldRefuse) {
    const auto counts = import("email\nx@example.com\n", {.kind = item_kind::email_list, .format = file_format::csv, .list = "   "});
    ASSERT_FALSE(counts.has_value());
    EXPECT_EQ(counts.error().code, core::errc::invalid_argument);
    EXPECT_EQ(counts.error().fields.at(0).field, "list");
    EXPECT_FALSE(guest("x@example.com").has_value());
}

TEST_F(Importer, ABadHeaderStopsBeforeAnyRow) {
    const auto counts = import("email,phone\nx@example.com,+33601020304\n",
                               {.kind = item_kind::email_list, .format = file_format::csv, .list = "news"});
    ASSERT_FALSE(counts.has_value());
    EXPECT_EQ(counts.error().message, "bad CSV header");
    EXPECT_EQ(counts.error().fields.at(0).field, "phone");
    EXPECT_FALSE(guest("x@example.com").has_value());
}

TEST_F(Importer, BatchesOfAnySizeImportEveryRow) {
    std::string text;
    for (int i = 0; i < 7; ++i) text += booking("BK-" + std::to_string(i), std::to_string(i), "g" + std::to_string(i) + "@example.com") + "\n";
    for (const std::size_t batch : {1u, 2u, 3u, 7u, 8u}) {
        TearDown();
        SetUp();
        const auto counts = import(text, {.kind = item_kind::bookings, .format = file_format::jsonl, .batch = batch});
        ASSERT_TRUE(counts.has_value());
        EXPECT_EQ(counts->created, 7u) << "batch " << batch;
    }
}

TEST(ImportFormats, ComeFromTheExtensionOrTheFlag) {
    EXPECT_EQ(format_of_path("data/bookings.csv"), file_format::csv);
    EXPECT_EQ(format_of_path("BOOKINGS.CSV"), file_format::csv);
    EXPECT_EQ(format_of_path("x.jsonl"), file_format::jsonl);
    EXPECT_EQ(format_of_path("x.ndjson"), file_format::jsonl);
    EXPECT_EQ(format_of_path("x.json"), std::nullopt);
    EXPECT_EQ(format_of_path("dir.csv/file"), std::nullopt);
    EXPECT_EQ(parse_format("jsonl"), file_format::jsonl);
    EXPECT_EQ(parse_format("xml"), std::nullopt);
    EXPECT_EQ(parse_kind("email-list"), item_kind::email_list);
    EXPECT_EQ(parse_kind("email_list"), std::nullopt);
}

}  // namespace
}  // namespace guestd::import
