// `guestd import` as an operator runs it: CSV and JSON Lines of bookings, customers and email-list members land
// exactly as the push APIs would put them (checked with `guestd guest show` and over HTTP), bad rows go to the
// reject file with their lines while the good ones are kept, a second run changes nothing, a dry run writes
// nothing, the exit code says what happened, and an import next to a busy server corrupts nothing.
#include "integration/experience_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <iostream>
#include <string>
#include <vector>

namespace guestd::itest {
namespace {

namespace json = boost::json;

constexpr std::string_view password = "correct horse battery staple";

/// One row of a reject file.
struct reject_row {
    std::string line;
    std::string reason;
    std::string raw;
};

/// The rows of a CSV text (RFC 4180: quoted cells with commas, doubled quotes and line breaks).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(std::move(cell));
            cell.clear();
        } else if (c == '\n') {
            row.push_back(std::move(cell));
            cell.clear();
            rows.push_back(std::move(row));
            row.clear();
        } else {
            cell += c;
        }
    }
    return rows;
}

std::vector<reject_row> read_rejects(const std::filesystem::path& path) {
    const auto rows = parse_csv(read_file(path));
    std::vector<reject_row> out;
    EXPECT_FALSE(rows.empty()) << "no reject file at " << path;
    if (rows.empty()) return out;
    EXPECT_EQ(rows[0], (std::vector<std::string>{"line", "reason", "raw"}));
    for (std::size_t i = 1; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i].size(), 3u);
        if (rows[i].size() == 3) out.push_back({rows[i][0], rows[i][1], rows[i][2]});
    }
    return out;
}

std::vector<std::string> lines_of(const std::vector<reject_row>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.line);
    return out;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

/// What the sqlite3 command-line shell (psql on PostgreSQL, unaligned and tuples only) prints for sql on db,
/// without the trailing newline.
std::string sqlite(const std::filesystem::path& db, const std::string& sql) {
    const std::string command = on_postgres() ? "psql -AtX -d '" + db.string() + "' -c \"" + sql + "\" 2>&1"
                                              : "sqlite3 '" + db.string() + "' \"" + sql + "\" 2>&1";
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
        ::pclose(p);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

/// A booking as the push API takes it, for reference, customer C-<n> with email.
json::object booking_json(std::string_view reference, int n, std::string_view email) {
    return json::parse(R"({"reference": ")" + std::string(reference) + R"(", "status": "valid",
        "creation": "2021-06-01 15:22:00", "arrival": "2021-09-17", "departure": "2021-09-20", "totalamount": "460",
        "currency": "EUR", "rooms": [{"type": "DBL", "name": "Double", "number": 16}],
        "extra_attributes": {"Payment": "pending"},
        "customer": {"reference": "C-)" + std::to_string(n) + R"(", "firstname": "John", "lastname": "Doe",
        "email": ")" + std::string(email) + R"(", "address_city": "Paris", "extra_attributes": {"vip": "1"}}})")
        .as_object();
}

constexpr const char* booking_header =
    "reference,status,creation,arrival,departure,totalamount,currency,rooms.0.type,rooms.0.name,rooms.0.number,"
    "extra_attributes.Payment,customer.reference,customer.firstname,customer.lastname,customer.email,"
    "customer.address_city,customer.extra_attributes.vip\n";

/// The CSV row of booking_json(reference, n, email).
std::string booking_csv(std::string_view reference, int n, std::string_view email) {
    return std::string(reference) + ",valid,2021-06-01 15:22:00,2021-09-17,2021-09-20,460,EUR,DBL,Double,16,pending,C-" +
           std::to_string(n) + ",John,Doe," + std::string(email) + ",Paris,1\n";
}

class Import : public experience_test {
protected:
    void SetUp() override { experience_test::SetUp(); }

    /// Runs `guestd import --db <db> --merchant 1234 args...`.
    run_result import(const std::vector<std::string>& args, std::int64_t merchant = 1234,
                      std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
        std::vector<std::string> all{"import", "--db", db_.string(), "--merchant", std::to_string(merchant)};
        all.insert(all.end(), args.begin(), args.end());
        return run_guestd(all, timeout);
    }

    /// A file in the test's directory with that content.
    std::filesystem::path file(const std::string& name, const std::string& text) {
        const auto path = dir_->path() / name;
        write_file(path, text);
        return path;
    }

    /// The summary an import printed; records a failure when stdout is not one JSON object.
    static json::object summary(const run_result& run) {
        try {
            auto v = parse_json(run.out);
            if (v.is_object()) return v.as_object();
        } catch (const std::exception&) {
        }
        ADD_FAILURE() << "no summary; exit " << run.exit_code << ", stdout: " << run.out << ", stderr: " << run.err;
        return {};
    }

    /// Expects the summary's counts (and its fixed set of keys).
    static void expect_counts(const run_result& run, std::int64_t created, std::int64_t updated, std::int64_t rejected,
                              std::int64_t rows) {
        const json::object s = summary(run);
        for (const auto* key : {"created", "updated", "rejected", "rows", "elapsed_seconds", "rows_per_second",
                                "rejects_file", "dry_run"})
            EXPECT_TRUE(s.contains(key)) << key << " missing in " << run.out;
        EXPECT_EQ(s.size(), 8u) << run.out;
        EXPECT_EQ(s.if_contains("created") ? s.at("created") : json::value(), json::value(created)) << run.out;
        EXPECT_EQ(s.if_contains("updated") ? s.at("updated") : json::value(), json::value(updated)) << run.out;
        EXPECT_EQ(s.if_contains("rejected") ? s.at("rejected") : json::value(), json::value(rejected)) << run.out;
        EXPECT_EQ(s.if_contains("rows") ? s.at("rows") : json::value(), json::value(rows)) << run.out;
    }

    /// Logs the guest in (setting its password first) and returns its reservations as the API lists them.
    json::value reservations_of(std::string_view email, const std::string& auth = {}) {
        set_password(email, password, auth);
        const std::string token = login(email, password, auth);
        const auto resp = guest_reservations(token, auth);
        EXPECT_TRUE(has_status(resp, 200));
        return resp.json();
    }

    /// Logs the guest in and returns its guest-informations object.
    json::value informations_of(std::string_view email, const std::string& auth = {}) {
        const std::string token = login(email, password, auth);
        const auto resp = guest_info(token, auth);
        EXPECT_TRUE(has_status(resp, 200));
        return resp.json();
    }
};

TEST_F(Import, BookingsFromCsvReadThroughTheApiAsPushedOnes) {
    const auto csv = file("bookings.csv", std::string(booking_header) + booking_csv("BK-1001", 1, "john@example.com") +
                                              booking_csv("BK-1002", 2, "jane@example.com"));
    const run_result run = import({"--kind", "bookings", csv.string()});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    expect_counts(run, 2, 0, 0, 2);
    EXPECT_EQ(summary(run).at("rejects_file"), json::value(nullptr));
    EXPECT_EQ(summary(run).at("dry_run"), json::value(false));
    EXPECT_FALSE(std::filesystem::exists(csv.string() + ".rejects.csv"));

    const json::object john = guest_show("john@example.com");
    EXPECT_EQ(john.at("firstname"), json::value("John"));
    EXPECT_EQ(john.at("city"), json::value("Paris"));
    EXPECT_EQ(john.at("reservations"), json::value(1));
    EXPECT_EQ(john.at("custom_fields"), json::parse(R"([{"name": "vip", "value": "1"}])"));

    // The same booking pushed through the API to the other merchant reads back identically
    const std::string auth_b = bearer(acme_, hotel_b_);
    ASSERT_TRUE(is_batch_success(push_bookings({booking_json("BK-1001", 1, "john@example.com")}, auth_b), 1, 0));
    json::value imported = reservations_of("john@example.com");
    json::value pushed = reservations_of("john@example.com", auth_b);
    ASSERT_TRUE(imported.is_array() && imported.as_array().size() == 1) << imported;
    EXPECT_EQ(imported.at(0).at("amount"), json::value(460));
    EXPECT_EQ(imported.at(0).at("room_name"), json::value("16"));
    EXPECT_EQ(imported.at(0).at("custom_fields"), json::parse(R"([{"name": "Payment", "value": "pending"}])"));
    imported.at(0).as_object().erase("hotel_name");
    pushed.at(0).as_object().erase("hotel_name");
    EXPECT_EQ(imported, pushed);
    EXPECT_EQ(informations_of("john@example.com"), informations_of("john@example.com", auth_b));
}

TEST_F(Import, BookingsFromJsonLinesReadThroughTheApiAsPushedOnes) {
    const auto jsonl = file("bookings.jsonl", json::serialize(booking_json("BK-2001", 1, "john@example.com")) + "\n" +
                                                  json::serialize(booking_json("BK-2002", 2, "jane@example.com")) + "\n");
    const run_result run = import({"--kind", "bookings", jsonl.string()});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    expect_counts(run, 2, 0, 0, 2);

    const std::string auth_b = bearer(acme_, hotel_b_);
    ASSERT_TRUE(is_batch_success(push_bookings({booking_json("BK-2001", 1, "john@example.com")}, auth_b), 1, 0));
    json::value imported = reservations_of("john@example.com");
    json::value pushed = reservations_of("john@example.com", auth_b);
    ASSERT_TRUE(imported.is_array() && imported.as_array().size() == 1) << imported;
    imported.at(0).as_object().erase("hotel_name");
    pushed.at(0).as_object().erase("hotel_name");
    EXPECT_EQ(imported, pushed);
    EXPECT_EQ(informations_of("john@example.com"), informations_of("john@example.com", auth_b));
    EXPECT_EQ(guest_show("jane@example.com").at("reservations"), json::value(1));
}

TEST_F(Import, CustomersFromCsvAndJsonLines) {
    const auto csv = file("customers.csv",
                          "reference,title,firstname,lastname,email,address_street_number_and_name,address_postal_code,"
                          "address_city,country,extra_attributes.Loyalty level\n"
                          "C-1,Mr,John,Doe,john@example.com,\"122 Grand Street, 2nd floor\",75001,Paris,FR,Silver\n");
    const run_result csv_run = import({"--kind", "customers", csv.string()});
    EXPECT_EQ(csv_run.exit_code, 0) << csv_run.err;
    expect_counts(csv_run, 1, 0, 0, 1);
    const json::object john = guest_show("john@example.com");
    EXPECT_EQ(john.at("street"), json::value("122 Grand Street, 2nd floor"));
    EXPECT_EQ(john.at("zip_code"), json::value("75001"));
    EXPECT_EQ(john.at("country"), json::value("FR"));
    EXPECT_EQ(john.at("custom_fields"), json::parse(R"([{"name": "Loyalty level", "value": "Silver"}])"));

    // JSON Lines: a new customer, and C-1 again (found by its reference: an update)
    const auto jsonl = file("customers.ndjson",
                            R"({"reference": "C-2", "firstname": "Jane", "email": "jane@example.com", "address_city": "Lyon"})" "\n"
                            R"({"reference": "C-1", "firstname": "Johnny", "email": "john@example.com"})" "\n");
    const run_result jsonl_run = import({"--kind", "customers", jsonl.string()});
    EXPECT_EQ(jsonl_run.exit_code, 0) << jsonl_run.err;
    expect_counts(jsonl_run, 1, 1, 0, 2);
    EXPECT_EQ(guest_show("jane@example.com").at("city"), json::value("Lyon"));
    const json::object johnny = guest_show("john@example.com");
    EXPECT_EQ(johnny.at("firstname"), json::value("Johnny"));
    // Full replacement of the PMS fields, as a push does; absent extra_attributes keep the custom fields
    EXPECT_EQ(johnny.at("street"), json::value(nullptr));
    EXPECT_EQ(johnny.at("custom_fields"), json::parse(R"([{"name": "Loyalty level", "value": "Silver"}])"));
}

TEST_F(Import, EmailListMembersFromCsvAndJsonLinesMayCreateAccounts) {
    const auto csv = file("news.csv", "email,firstname,lastname,language\nx@example.com,Xavier,Martin,fr\n");
    const run_result csv_run = import({"--kind", "email-list", "--list", "newsletter", csv.string()});
    EXPECT_EQ(csv_run.exit_code, 0) << csv_run.err;
    expect_counts(csv_run, 1, 0, 0, 1);
    const auto jsonl = file("news.jsonl", R"({"email": "y@example.com", "language": "de"})" "\n"
                                          R"({"email": "x@example.com"})" "\n");
    const run_result jsonl_run = import({"--kind", "email-list", "--list", "newsletter", jsonl.string()});
    EXPECT_EQ(jsonl_run.exit_code, 0) << jsonl_run.err;
    expect_counts(jsonl_run, 1, 1, 0, 2);

    // Members are guests who qualify for an account
    EXPECT_TRUE(is_json(account_exists("x@example.com"), 200, R"({"account-exists": false})"));
    set_password("y@example.com", password);
    EXPECT_TRUE(is_json(account_exists("y@example.com"), 200, R"({"account-exists": true})"));
    EXPECT_EQ(guest_show("x@example.com").at("firstname"), json::value("Xavier"));
    EXPECT_EQ(guest_show("y@example.com").at("language"), json::value("de"));
}

TEST_F(Import, BadCsvRowsGoToTheRejectFileWithTheirLinesAndGoodRowsStay) {
    const std::string text = std::string(booking_header) +                                              // 1
                             booking_csv("BK-1", 1, "a@example.com") +                                     // 2
                             "BK-2,valid,,2021-02-30,,,,,,,,C-2,,,b@example.com,,\n" +                    // 3: no such day
                             ",valid,,2021-09-17,,,,,,,,C-3,,,c@example.com,,\n" +                        // 4: no reference
                             "BK-4,valid,,2021-09-17,,,,,,,,C-4,,,\"d@example.com,,\n" +                  // 5: open quote
                             "BK-5,valid,,2021-09-17,,,,,,,,C-5,Ren\xe9,,e@example.com,,\n" +             // 6: Latin-1
                             "BK-6,valid,,2021-09-17,,,,,,,,C-6,\"Anne\nMarie\",,f@example.com,,\n" +     // 7-8
                             booking_csv("BK-7", 7, "g@example.com");                                      // 9
    const auto csv = file("mixed.csv", text);
    const run_result run = import({"--kind", "bookings", csv.string()});
    EXPECT_EQ(run.exit_code, 3) << run.err;
    expect_counts(run, 3, 0, 4, 7);
    const auto rejects_path = csv.string() + ".rejects.csv";
    EXPECT_EQ(summary(run).at("rejects_file"), json::value(rejects_path));

    const auto rejects = read_rejects(rejects_path);
    EXPECT_EQ(lines_of(rejects), (std::vector<std::string>{"3", "4", "5", "6"}));
    ASSERT_EQ(rejects.size(), 4u);
    EXPECT_EQ(rejects[0].reason, "arrival: must be a date (YYYY-MM-DD)");
    EXPECT_EQ(rejects[0].raw, "BK-2,valid,,2021-02-30,,,,,,,,C-2,,,b@example.com,,");
    EXPECT_EQ(rejects[1].reason, "reference: is required");
    // The open quote runs into line 8's quote: whichever way the break shows, only line 5 is lost
    EXPECT_TRUE(rejects[2].reason.starts_with("broken quoting: ")) << rejects[2].reason;
    EXPECT_EQ(rejects[2].raw, "BK-4,valid,,2021-09-17,,,,,,,,C-4,,,\"d@example.com,,");
    EXPECT_EQ(rejects[3].reason, "invalid UTF-8");

    for (const auto* email : {"a@example.com", "f@example.com", "g@example.com"})
        EXPECT_EQ(guest_show_raw(email).exit_code, 0) << email;
    EXPECT_EQ(guest_show("f@example.com").at("firstname"), json::value("Anne\nMarie"));
    for (const auto* email : {"b@example.com", "c@example.com", "d@example.com", "e@example.com"})
        EXPECT_NE(guest_show_raw(email).exit_code, 0) << email;
}

TEST_F(Import, BadJsonLinesGoToTheRejectFileWithTheirLinesAndGoodLinesStay) {
    const std::string text = json::serialize(booking_json("BK-1", 1, "a@example.com")) + "\n" +             // 1
                             R"({"reference": "BK-2", "status": "valid", "arrival": "2021-9-17", "customer": {"reference": "C-2"}})" "\n"  // 2
                             R"({"status": "valid", "customer": {"reference": "C-3", "email": "c@example.com"}})" "\n"  // 3
                             R"({"reference": "BK-4", "status": "valid", "customer": {"reference": "C-4",)" "\n"       // 4
                             "\n" +                                                                               // 5
                             R"({"reference": "BK-6", "status": "valid", "customer": {"reference": "C-6", "lastname": "M)" "\xc3\x28" R"("}})" "\n" +  // 6
                             json::serialize(booking_json("BK-7", 7, "g@example.com")) + "\n";                  // 7
    const auto jsonl = file("mixed.jsonl", text);
    const auto rejects_path = dir_->path() / "elsewhere.csv";
    const run_result run = import({"--kind", "bookings", "--rejects", rejects_path.string(), jsonl.string()});
    EXPECT_EQ(run.exit_code, 3) << run.err;
    expect_counts(run, 2, 0, 4, 6);
    const auto rejects = read_rejects(rejects_path);
    EXPECT_EQ(lines_of(rejects), (std::vector<std::string>{"2", "3", "4", "6"}));
    ASSERT_EQ(rejects.size(), 4u);
    EXPECT_EQ(rejects[0].reason, "arrival: must be a date (YYYY-MM-DD)");
    EXPECT_EQ(rejects[1].reason, "reference: is required");
    EXPECT_TRUE(rejects[2].reason.starts_with("not valid JSON")) << rejects[2].reason;
    EXPECT_EQ(rejects[3].reason, "invalid UTF-8");
    EXPECT_EQ(guest_show_raw("a@example.com").exit_code, 0);
    EXPECT_EQ(guest_show_raw("g@example.com").exit_code, 0);
    EXPECT_NE(guest_show_raw("c@example.com").exit_code, 0);
}

TEST_F(Import, ARowTheDomainRefusesCostsOnlyItself) {
    // Line 4 gives C-2's guest the email of C-1's guest: the API refuses such a booking, so does the import
    const auto csv = file("clash.csv", std::string(booking_header) + booking_csv("BK-1", 1, "a@example.com") +
                                           booking_csv("BK-2", 2, "b@example.com") + booking_csv("BK-3", 2, "a@example.com") +
                                           booking_csv("BK-4", 4, "d@example.com"));
    const run_result run = import({"--kind", "bookings", csv.string()});
    EXPECT_EQ(run.exit_code, 3) << run.err;
    expect_counts(run, 3, 0, 1, 4);
    const auto rejects = read_rejects(csv.string() + ".rejects.csv");
    ASSERT_EQ(rejects.size(), 1u);
    EXPECT_EQ(rejects[0].line, "4");
    EXPECT_EQ(rejects[0].reason, "customer.email: already used by another guest");
    EXPECT_EQ(guest_show("d@example.com").at("reservations"), json::value(1));
    EXPECT_EQ(guest_show("b@example.com").at("reservations"), json::value(1));
}

TEST_F(Import, ImportingTheSameFilesTwiceLeavesTheSameState) {
    const auto bookings = file("b.csv", std::string(booking_header) + booking_csv("BK-1", 1, "a@example.com") +
                                            booking_csv("BK-2", 1, "a@example.com") + booking_csv("BK-3", 3, "c@example.com"));
    const auto members = file("m.jsonl", R"({"email": "a@example.com"})" "\n" R"({"email": "z@example.com", "firstname": "Zoe"})" "\n");
    ASSERT_EQ(import({"--kind", "bookings", bookings.string()}).exit_code, 0);
    ASSERT_EQ(import({"--kind", "email-list", "--list", "news", members.string()}).exit_code, 0);
    const json::value reservations_before = reservations_of("a@example.com");  // sets a password: before the snapshot
    const json::value info_before = informations_of("a@example.com");
    std::vector<json::object> before;  // guest show of each guest
    for (const auto* email : {"a@example.com", "c@example.com", "z@example.com"}) before.push_back(guest_show(email));
    const std::string counts_sql = "SELECT (SELECT count(*) FROM guests) || ' ' || (SELECT count(*) FROM reservations) "
                                   "|| ' ' || (SELECT count(*) FROM email_list_members) || ' ' || "
                                   "(SELECT count(*) FROM guest_references)";
    const std::string counts_before = sqlite(db_, counts_sql);

    const run_result again = import({"--kind", "bookings", bookings.string()});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    expect_counts(again, 0, 3, 0, 3);
    const run_result members_again = import({"--kind", "email-list", "--list", "news", members.string()});
    EXPECT_EQ(members_again.exit_code, 0) << members_again.err;
    expect_counts(members_again, 0, 2, 0, 2);

    for (std::size_t i = 0; i < before.size(); ++i) {
        const json::object after = guest_show(before[i].at("email").as_string());
        EXPECT_EQ(json::serialize(after), json::serialize(before[i]));
    }
    EXPECT_EQ(sqlite(db_, counts_sql), counts_before);
    const auto token = login("a@example.com", password);
    EXPECT_EQ(guest_reservations(token).json(), reservations_before);
    EXPECT_EQ(guest_info(token).json(), info_before);
}

TEST_F(Import, DryRunValidatesEveryRowAndWritesNothing) {
    const auto csv = file("dry.csv", std::string(booking_header) + booking_csv("BK-1", 1, "a@example.com") +
                                         "BK-2,valid,,2021-09-20,2021-09-17,,,,,,,C-2,,,b@example.com,,\n");
    const std::string tables = "SELECT count(*) FROM guests; SELECT count(*) FROM reservations";
    const std::string before = sqlite(db_, tables);
    const run_result run = import({"--kind", "bookings", "--dry-run", csv.string()});
    EXPECT_EQ(run.exit_code, 3) << run.err;
    expect_counts(run, 0, 0, 1, 2);
    EXPECT_EQ(summary(run).at("dry_run"), json::value(true));
    const auto rejects = read_rejects(csv.string() + ".rejects.csv");
    ASSERT_EQ(rejects.size(), 1u);
    EXPECT_EQ(rejects[0].line, "3");
    EXPECT_EQ(rejects[0].reason, "departure: must not be before arrival");
    EXPECT_EQ(sqlite(db_, tables), before);
    EXPECT_NE(guest_show_raw("a@example.com").exit_code, 0);

    // Nor does it create a database that is not there
    const auto missing = dir_->path() / "missing.db";
    const run_result no_db = run_guestd({"import", "--db", missing.string(), "--merchant", "1234", "--kind", "bookings",
                                         "--dry-run", csv.string()});
    EXPECT_EQ(no_db.exit_code, 1);
    EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(Import, ExitCodesSayWhatWentWrong) {
    const auto csv = file("ok.csv", std::string(booking_header) + booking_csv("BK-1", 1, "a@example.com"));
    const auto txt = file("ok.txt", "reference\n");
    // Bad flags: 2, and nothing imported
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--kind", "bookings", "--bogus", csv.string()},
             {"--kind", "reservations", csv.string()},
             {"--kind", "email-list", csv.string()},
             {"--kind", "bookings", "--list", "news", csv.string()},
             {"--kind", "bookings", "--batch", "0", csv.string()},
             {"--kind", "bookings", "--batch", "ten", csv.string()},
             {"--kind", "bookings", "--format", "xml", csv.string()},
             {"--kind", "bookings", txt.string()},
             {"--kind", "bookings"},
             {"--kind", "bookings", "--rejects", csv.string(), csv.string()}}) {
        const run_result run = import(args);
        EXPECT_EQ(run.exit_code, 2) << args.back() << ": " << run.err;
        EXPECT_TRUE(run.out.empty()) << run.out;
    }
    EXPECT_EQ(run_guestd({"import", "--db", db_.string(), "--merchant", "x", "--kind", "bookings", csv.string()}).exit_code, 2);
    EXPECT_NE(guest_show_raw("a@example.com").exit_code, 0);

    // Errors: 1
    EXPECT_EQ(import({"--kind", "bookings", csv.string()}, 999).exit_code, 1);
    EXPECT_EQ(import({"--kind", "bookings", (dir_->path() / "absent.csv").string()}).exit_code, 1);
    const auto bad_header = file("header.csv", "reference,status,customer\nBK-1,valid,x\n");
    const run_result header = import({"--kind", "bookings", bad_header.string()});
    EXPECT_EQ(header.exit_code, 1);
    EXPECT_NE(header.err.find("customer"), std::string::npos) << header.err;

    // --format overrides the extension; all imported: 0
    const auto as_text = file("bookings.txt", std::string(booking_header) + booking_csv("BK-1", 1, "a@example.com"));
    EXPECT_EQ(import({"--kind", "bookings", "--format", "csv", as_text.string()}).exit_code, 0);
    EXPECT_EQ(guest_show_raw("a@example.com").exit_code, 0);
}

TEST_F(Import, RunsWhileTheServerServesAndCorruptsNothing) {
    // A file big enough that the import spans many batches while the API is busy
    constexpr int rows = 20000;
    std::string text;
    for (int i = 0; i < rows; ++i)
        text += json::serialize(booking_json("IMP-" + std::to_string(i), i, "guest" + std::to_string(i) + "@example.com")) + "\n";
    const auto jsonl = file("big.jsonl", text);

    // A guest the loop reads and writes through the API all along
    ASSERT_TRUE(is_batch_success(push_bookings({booking("LIVE-0", "live@example.com")}), 1, 0));
    set_password("live@example.com", password);
    const std::string token = login("live@example.com", password);
    ASSERT_FALSE(token.empty());

    // Batches of 100: an API write waits for at most about one batch (the import lets waiting writers go first,
    // PostgreSQL queues lock waiters in order), and a batch must stay well inside the 5 s busy timeout even on a
    // busy machine, where one of 500 rows took up to several seconds on PostgreSQL.
    auto running = std::async(std::launch::async, [&] {
        return import({"--kind", "bookings", "--batch", "100", jsonl.string()}, 1234, std::chrono::seconds(300));
    });
    int iterations = 0;
    int failures = 0;
    auto check = [&](const http_response& resp, long status) {
        if (resp.status != status) {
            ++failures;
            ADD_FAILURE() << "status " << resp.status << " for " << resp.body << " " << resp.error;
        }
    };
    while (running.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready || iterations < 20) {
        ++iterations;
        check(push_bookings({booking("LIVE-" + std::to_string(iterations), "live" + std::to_string(iterations) + "@example.com")}), 200);
        check(account_exists("live@example.com"), 200);
        check(guest_reservations(token), 200);
        check(put_guest_info(token, json::object{{"city", "City " + std::to_string(iterations)}}), 200);
        check(guest_info(token), 200);
    }
    const run_result run = running.get();
    EXPECT_EQ(run.exit_code, 0) << run.err;
    expect_counts(run, rows, 0, 0, rows);
    EXPECT_EQ(failures, 0);
    std::cout << "API iterations during the import: " << iterations << "\n";

    // Every row of the file and every write of the loop is there, and the file is sound
    EXPECT_EQ(sqlite(db_, "SELECT count(*) FROM reservations WHERE reference LIKE 'IMP-%'"), std::to_string(rows));
    EXPECT_EQ(sqlite(db_, "SELECT count(*) FROM reservations WHERE reference LIKE 'LIVE-%'"), std::to_string(iterations + 1));
    EXPECT_EQ(guest_show("guest19999@example.com").at("reservations"), json::value(1));
    EXPECT_EQ(guest_info(token).json().at("city"), json::value("City " + std::to_string(iterations)));
    if (!on_postgres()) {
        EXPECT_EQ(sqlite(db_, "PRAGMA integrity_check"), "ok");
        EXPECT_EQ(sqlite(db_, "PRAGMA foreign_key_check"), "");
    }
}

}  // namespace
}  // namespace guestd::itest
