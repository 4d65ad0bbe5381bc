// `guestd migrate-data` against the real binary: a SQLite deployment populated over HTTP and the operator CLI
// (PMS pushes with custom fields, email lists, accounts, sessions, a failed login, a reset whose email is still in
// the outbox, a merchant template, an erased guest) is moved to a fresh PostgreSQL database, and guestd on
// PostgreSQL then answers every read as guestd on SQLite did: the same bodies, the same CLI output, the old token,
// the old password, the pending reset's email and code, and ids that never reuse an erased guest's. A target that
// holds data is refused and left as it was; a dry run leaves no data; a row PostgreSQL refuses commits nothing; a
// file at an older schema is refused.
// Needs the `pg` fixture's server (GUESTD_ITEST_PG_URL_FILE); the source is always a SQLite file.
#include "integration/operations_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view ada = "ada.migrate@example.com";      // account, session, custom fields, lists
constexpr std::string_view bob = "bob.migrate@example.com";      // account, a failed login, a pending reset
constexpr std::string_view cy = "cy.migrate@example.com";        // PMS customer only, with custom fields
constexpr std::string_view dora = "dora.migrate@example.com";    // email-list member only
constexpr std::string_view eve = "eve.migrate@example.com";      // merchant 5678, account and session
constexpr std::string_view zed = "zed.migrate@example.com";      // the newest guest, erased
constexpr std::string_view newbie = "new.migrate@example.com";   // arrives after the move
constexpr std::string_view password = "correct horse battery staple";

/// Every table of guestd's schema, as migrate-data reports them.
const std::vector<std::string> all_tables{
    "merchants", "mail_templates", "partners", "partner_merchants", "guests", "guest_references",
    "guest_custom_fields", "accounts", "sessions", "reservations", "reservation_custom_fields",
    "email_list_members", "resets", "throttles", "outbox", "audit_events", "consent_events", "oauth_families",
    "oauth_tokens"};

/// The tables whose rows the schema itself writes (the migrations applied, the credentials counter), which
/// migrate-data never copies.
bool holds_rows_of_its_own(const std::string& table) {
    return table == "schema_migrations" || table == "credentials_generation";
}

/// The rows of every table in the PostgreSQL database at url (schema_migrations included); {} when it has none.
std::map<std::string, long long> row_counts(const std::string& url) {
    std::map<std::string, long long> out;
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        ADD_FAILURE() << "cannot connect to the test database: " << PQerrorMessage(conn);
        PQfinish(conn);
        return out;
    }
    PGresult* tables = PQexec(conn,
                              "SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'");
    for (int i = 0; i < PQntuples(tables); ++i) {
        const std::string name = PQgetvalue(tables, i, 0);
        PGresult* count = PQexec(conn, ("SELECT count(*) FROM \"" + name + "\"").c_str());
        out[name] = PQresultStatus(count) == PGRES_TUPLES_OK ? std::stoll(PQgetvalue(count, 0, 0)) : -1;
        PQclear(count);
    }
    PQclear(tables);
    PQfinish(conn);
    return out;
}

/// The indexes and constraints of the PostgreSQL database at url, as the catalog defines them, sorted: what must
/// be the same on a migrated database as on one guestd created.
std::vector<std::string> schema_of(const std::string& url) {
    std::vector<std::string> out;
    PGconn* conn = PQconnectdb(url.c_str());
    PGresult* r = PQexec(conn, R"sql(
SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
UNION ALL
SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
WHERE connamespace = current_schema()::regnamespace
ORDER BY 1
)sql");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) ADD_FAILURE() << "cannot read the catalog: " << PQerrorMessage(conn);
    for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
    PQclear(r);
    PQfinish(conn);
    return out;
}

/// A CLI command's answer: its exit code and stdout (what an operator's script sees).
struct cli_answer {
    int exit_code = -1;
    std::string out;
    bool operator==(const cli_answer&) const = default;
};

std::ostream& operator<<(std::ostream& os, const cli_answer& a) {
    return os << "exit " << a.exit_code << ", stdout: " << a.out;
}

/// An HTTP answer as a client sees it: status, ETag and body.
struct http_answer {
    long status = 0;
    std::string etag;
    std::string body;
    bool operator==(const http_answer&) const = default;
};

std::ostream& operator<<(std::ostream& os, const http_answer& a) {
    return os << a.status << " etag '" << a.etag << "' " << a.body;
}

http_answer answer_of(const http_response& r) {
    return {.status = r.status, .etag = r.header("etag").value_or(""), .body = r.body};
}

/// An export without what depends on the moment it ran: exported_at, and the time of the guest.exported event it
/// records about itself (the event's id stays: it shows the audit sequence carried on).
std::string stable_export(const std::string& out) {
    json::value v;
    try {
        v = parse_json(out);
    } catch (const std::exception&) {
        return out;
    }
    if (!v.is_object()) return out;
    json::object& doc = v.as_object();
    doc.erase("exported_at");
    if (auto* events = doc.if_contains("audit_events"); events != nullptr && events->is_array()) {
        for (auto& e : events->as_array()) {
            if (e.is_object() && e.as_object().if_contains("kind") != nullptr &&
                e.as_object().at("kind") == json::value("guest.exported")) {
                e.as_object().erase("at");
            }
        }
    }
    return json::serialize(v);
}

/// A loopback TCP port bound but not listening: connections to it are refused, so mail to it stays pending.
class refused_port {
public:
    refused_port() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            throw std::runtime_error("cannot bind a loopback port");
        }
        port_ = ntohs(addr.sin_port);
    }
    ~refused_port() {
        if (fd_ >= 0) ::close(fd_);
    }
    refused_port(const refused_port&) = delete;
    refused_port& operator=(const refused_port&) = delete;
    int port() const { return port_; }

private:
    int fd_ = -1;
    int port_ = 0;
};

/// The operations world on a SQLite file (whatever the suites run on), a fresh PostgreSQL database to move it to,
/// and a first server whose SMTP server refuses connections, so the emails it queues stay in the outbox.
class MigrateData : public operations_test {
protected:
    void SetUp() override {
        if (!on_postgres()) GTEST_SKIP() << "migrate-data needs the pg fixture's server (GUESTD_ITEST_PG_URL_FILE)";
        try {
            // Make the world through the operator CLI, on a SQLite file.
            dir_ = std::make_unique<temp_dir>();
            source_ = dir_->path() / "guestd.db";
            db_ = source_;
            hotel_a_ = add_merchant(db_, 1234, "Hotel Test");
            hotel_b_ = add_merchant(db_, 5678, "Hotel Other");
            acme_ = add_partner(db_, "Acme", {1234, 5678});
            beta_ = add_partner(db_, "Beta", {1234});
            const json::value bravo = cli_json({"partner", "add", "--name", "Bravo", "--merchant", "1234", "--b2b"});
            if (bravo.is_object()) {
                bravo_.client_id = string_at(bravo.as_object(), "client_id");
                bravo_.client_secret = string_at(bravo.as_object(), "client_secret");
            }
            if (HasFailure()) GTEST_FAIL() << "the operator CLI could not set up merchants and partners";

            // The PostgreSQL database to move it to, then the first server.
            target_ = std::make_unique<test_database>(dir_->path());
            smtp_down_ = std::make_unique<refused_port>();
            ++server_starts_;
            server_ = std::make_unique<server_process>(db_, dir_->path() / "server-sqlite", server_args());
            client_ = std::make_unique<http_client>(server_->base_url());
        } catch (const std::exception& e) {
            GTEST_FAIL() << e.what();
        }
    }

    /// Mail goes to the refusing SMTP port while it is set, to the spool afterwards.
    std::vector<std::string> server_args() const override {
        std::vector<std::string> args = paytronix_test::server_args();
        if (smtp_down_) {
            args.emplace_back("--smtp");
            args.push_back("smtp://127.0.0.1:" + std::to_string(smtp_down_->port()));
        }
        return args;
    }

    /// `guestd migrate-data --from <source> --to <to> [extra...]`.
    static run_result migrate(const std::filesystem::path& from, const std::string& to,
                              const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args{"migrate-data", "--from", from.string(), "--to", to};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_guestd(args, std::chrono::seconds(120));
    }

    /// A guestd CLI command on a database: exit code and stdout.
    static cli_answer cli_on(const std::string& db, std::vector<std::string> args) {
        args.emplace_back("--db");
        args.push_back(db);
        const run_result run = run_guestd(args);
        return {.exit_code = run.exit_code, .out = run.out};
    }

    /// POST /api/xp-customs-fields?email= with body, as acme on A.
    http_response set_custom_fields(std::string_view email, std::string_view body) {
        return post("/api/xp-customs-fields?email=" + url_encode(email), json::parse(body));
    }

    /// Every read the API offers on the data, in a fixed order, with the tokens given.
    std::vector<http_answer> api_reads(const std::string& ada_token, const std::string& bob_token,
                                       const std::string& eve_token) {
        const std::string auth_b = bearer(acme_, hotel_b_);
        std::vector<http_answer> out;
        out.push_back(answer_of(guest_info(ada_token)));
        out.push_back(answer_of(guest_reservations(ada_token)));
        out.push_back(answer_of(guest_info(bob_token)));
        out.push_back(answer_of(guest_reservations(bob_token)));
        out.push_back(answer_of(guest_info(eve_token, auth_b)));
        out.push_back(answer_of(guest_reservations(eve_token, auth_b)));
        for (const auto email : {ada, bob, cy, dora, zed, std::string_view("nobody@example.com")}) {
            out.push_back(answer_of(account_exists(email)));
            out.push_back(answer_of(get("/api/xp-customs-fields?email=" + url_encode(email))));
        }
        out.push_back(answer_of(account_exists(eve, auth_b)));
        out.push_back(answer_of(account_exists(eve)));  // another merchant's guest: unknown at A
        return out;
    }

    /// The operator's reads, in a fixed order: the audit trails first (the exports add events).
    static std::vector<cli_answer> cli_reads(const std::string& db) {
        std::vector<cli_answer> out;
        for (const char* merchant : {"1234", "5678"}) out.push_back(cli_on(db, {"audit", "--merchant", merchant}));
        out.push_back(cli_on(db, {"outbox", "list"}));
        for (const auto email : {ada, bob}) {
            out.push_back(cli_on(db, {"sessions", "list", "--merchant", "1234", "--email", std::string(email)}));
        }
        for (const auto email : {ada, bob, cy, dora, zed}) {
            out.push_back(cli_on(db, {"guest", "show", "--merchant", "1234", "--email", std::string(email)}));
        }
        out.push_back(cli_on(db, {"guest", "show", "--merchant", "5678", "--email", std::string(eve)}));
        for (const auto email : {ada, bob, cy, dora, zed}) {
            cli_answer exported = cli_on(db, {"export", "--merchant", "1234", "--email", std::string(email)});
            exported.out = stable_export(exported.out);
            out.push_back(std::move(exported));
        }
        cli_answer exported = cli_on(db, {"export", "--merchant", "5678", "--email", std::string(eve)});
        exported.out = stable_export(exported.out);
        out.push_back(std::move(exported));
        return out;
    }

    std::filesystem::path source_;
    std::unique_ptr<test_database> target_;
    std::unique_ptr<refused_port> smtp_down_;
};

TEST_F(MigrateData, PostgreSQLAnswersEveryReadAsSQLiteDidAndEveryCredentialCarriesOver) {
    // A merchant's own template, so mail_templates has a row.
    const std::filesystem::path text = dir_->path() / "reset.txt";
    std::ofstream(text) << "Bonjour {firstname}, {link}\n";
    ASSERT_EQ(cli_raw({"merchant", "template", "5678", "--kind", "reset", "--language", "fr", "--subject",
                       "Votre code", "--text-file", text.string(), "--html-file", text.string()})
                  .exit_code,
              0);

    // Bookings with stay custom fields (one cancelled), a PMS customer with custom fields, list members.
    json::object ada_booking = booking("BK-MIG-1", ada, "2025-03-01");
    ada_booking["customer"].as_object()["extra_attributes"] = json::object{{"vip", "gold"}};
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{ada_booking, booking("BK-MIG-2", ada, "2025-07-14"),
                                                           booking("BK-MIG-3", bob)}),
                                 3, 0));
    json::object cancelled = booking("BK-MIG-4", bob, "2024-01-05");
    cancelled["status"] = "cancelled";
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{cancelled}), 1, 0));
    json::object cy_customer = customer(cy);
    cy_customer["extra_attributes"] = json::object{{"allergies", "nuts"}, {"floor", "high"}};
    ASSERT_TRUE(is_batch_success(push_customers(json::array{cy_customer}), 1, 0));
    ASSERT_TRUE(has_status(add_members("newsletter", {std::string(ada), std::string(dora)}), 200));
    ASSERT_TRUE(has_status(add_members("offers", {std::string(ada)}), 200));
    ASSERT_TRUE(has_status(set_custom_fields(ada, R"({"customer_custom_fields": [
        {"name": "Loyalty level", "values": ["Silver", "Gold"]}],
        "stay_custom_fields": [{"stay_reference": "BK-MIG-1", "data": [{"name": "ota_src", "value": "Booking.com"}]}]})"),
                           200));
    const std::string auth_b = bearer(acme_, hotel_b_);
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-MIG-B", eve)}, auth_b), 1, 0));

    // Accounts through update-password, sessions through login, a profile change, a failed login.
    set_password(ada, password);
    set_password(bob, password);
    set_password(eve, password, auth_b);
    const std::string ada_token = login(ada, password);
    const std::string bob_token = login(bob, password);
    const std::string eve_token = login(eve, password, auth_b);
    ASSERT_FALSE(ada_token.empty() || bob_token.empty() || eve_token.empty());
    ASSERT_TRUE(has_status(put_guest_info(ada_token, json::object{{"mobile", "+33612345678"}}), 200));
    EXPECT_FALSE(has_status(login_call(bob, "not the password at all"), 200));

    // A Paytronix app's login (a token family with its access and refresh tokens), credentials in the body.
    const http_response granted =
        post("/rest/19.2/oauth/requestGuestToken.json",
             json::object{{"grant_type", "password"}, {"username", ada}, {"password", password}, {"merchantId", 1234},
                          {"client_id", acme_.client_id}, {"client_secret", acme_.client_secret}},
             {{"Authorization", ""}});
    ASSERT_TRUE(has_status(granted, 200)) << granted.body;
    const std::string access_token = string_at(granted.json().as_object(), "access_token");
    const std::string refresh_token = string_at(granted.json().as_object(), "refresh_token");

    // A reset whose email cannot leave (the SMTP server refuses), and one for nobody (a throttle row).
    ASSERT_TRUE(is_reset_success(request_reset(json::object{{"merchantId", 1234}, {"email", bob}}), bob));
    ASSERT_TRUE(is_reset_success(request_reset(json::object{{"merchantId", 1234}, {"email", "nobody@example.com"}}),
                                 "nobody@example.com"));

    // The newest guest, with an account and a session, erased: its id must never come back.
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-MIG-Z", zed)}), 1, 0));
    set_password(zed, password);
    ASSERT_FALSE(login(zed, password).empty());
    const json::object erased = erase_guest(zed);
    const std::int64_t erased_id = int_at(erased, "guest_id");
    ASSERT_GT(erased_id, 0);

    // What the API answers on SQLite; then stop it, with the reset email still pending.
    const std::vector<http_answer> api_before = api_reads(ada_token, bob_token, eve_token);
    ASSERT_EQ(server_->stop(SIGTERM), 0);
    const json::array pending = outbox("pending");
    ASSERT_EQ(pending.size(), 1u) << json::serialize(pending);
    const std::string source_bytes = read_file(source_);

    // Move it.
    const run_result moved = migrate(source_, target_->arg());
    ASSERT_EQ(moved.exit_code, 0) << moved.err << moved.out;
    const json::value summary = parse_json(moved.out);
    ASSERT_TRUE(summary.is_object()) << moved.out;
    EXPECT_EQ(summary.at("committed"), json::value(true));
    EXPECT_EQ(summary.at("dry_run"), json::value(false));
    const json::object& tables = summary.at("tables").as_object();
    EXPECT_EQ(tables.size(), all_tables.size()) << moved.out;
    const auto counts = row_counts(target_->arg());
    for (const auto& t : all_tables) {
        ASSERT_NE(tables.if_contains(t), nullptr) << t << " missing from " << moved.out;
        EXPECT_GT(tables.at(t).as_int64(), 0) << t << " should have rows to move";
        EXPECT_EQ(counts.at(t), tables.at(t).as_int64()) << t;
    }
    EXPECT_GT(summary.at("next_ids").at("guests").as_int64(), erased_id);
    for (const auto& line : {"merchants: ", "reservations: ", "audit_events: ", "verified", "committed"}) {
        EXPECT_NE(moved.err.find(line), std::string::npos) << "progress should name " << line << ": " << moved.err;
    }
    EXPECT_EQ(secrets_in(moved.out + moved.err,
                         {ada_token, bob_token, eve_token, access_token, refresh_token, hotel_a_.hotel_token,
                          hotel_b_.hotel_token, acme_.token,
                          beta_.token, acme_.client_secret, bravo_.client_secret, std::string(password)}),
              std::vector<std::string>{});
    EXPECT_EQ(read_file(source_), source_bytes) << "the SQLite file is read, never written";
    test_database created(dir_->path());
    ASSERT_EQ(cli_on(created.arg(), {"outbox", "list"}).exit_code, 0);
    const auto fresh_schema = schema_of(created.arg());
    EXPECT_GT(fresh_schema.size(), 40u);
    EXPECT_EQ(schema_of(target_->arg()), fresh_schema)
        << "the indexes and foreign keys set aside for the copy are back, as guestd defines them";

    // The operator's reads give the same answers on both databases.
    const std::vector<cli_answer> cli_sqlite = cli_reads(source_.string());
    const std::vector<cli_answer> cli_postgres = cli_reads(target_->arg());
    ASSERT_EQ(cli_sqlite.size(), cli_postgres.size());
    int unknown = 0;
    for (std::size_t i = 0; i < cli_sqlite.size(); ++i) {
        EXPECT_EQ(cli_postgres[i], cli_sqlite[i]) << "CLI read #" << i;
        if (cli_sqlite[i].exit_code == 0) {
            EXPECT_FALSE(cli_sqlite[i].out.empty()) << "CLI read #" << i << " should say something";
        } else {
            ++unknown;
        }
    }
    EXPECT_EQ(unknown, 2) << "guest show and export know nothing of the erased guest, and only of it";

    // guestd on PostgreSQL, mailing to the spool: the API's answers are the same, old tokens included.
    smtp_down_.reset();
    db_ = target_->arg();
    ++server_starts_;
    server_ = std::make_unique<server_process>(db_, dir_->path() / "server-postgres", server_args());
    client_ = std::make_unique<http_client>(server_->base_url());
    const std::vector<http_answer> api_after = api_reads(ada_token, bob_token, eve_token);
    ASSERT_EQ(api_after.size(), api_before.size());
    for (std::size_t i = 0; i < api_before.size(); ++i) EXPECT_EQ(api_after[i], api_before[i]) << "API read #" << i;
    EXPECT_EQ(api_after[0].status, 200) << "ada's token still works";
    EXPECT_EQ(api_after[4].status, 200) << "eve's token still works at her merchant";

    // The old passwords log in; the erased guest stays unknown.
    EXPECT_FALSE(login(ada, password).empty());
    EXPECT_FALSE(login(eve, password, auth_b).empty());
    EXPECT_TRUE(is_json(login_call(zed, password), 404, R"({"message": "customer not found"})"));

    // The email queued on SQLite leaves from PostgreSQL, and its code completes the reset.
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].header("message-id").value_or(""), string_at(pending[0].as_object(), "message_id"))
        << "the very message SQLite held";
    EXPECT_NE(mails[0].raw.find(std::string(bob)), std::string::npos) << "the reset email is bob's";
    const std::string code = code_of(reset_link(mails[0]));
    ASSERT_FALSE(code.empty());
    EXPECT_TRUE(is_completed(complete_reset(code, "a brand new passphrase 9")));
    EXPECT_FALSE(login(bob, "a brand new passphrase 9").empty());
    EXPECT_TRUE(is_unauthorized(guest_info(bob_token))) << "completing a reset revokes the old sessions";

    // New rows get new ids: a guest above the erased one, an account above every account.
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-MIG-N", newbie)}), 1, 0));
    set_password(newbie, password);
    const json::object fresh = export_guest(newbie);
    EXPECT_GT(int_at(fresh, "guest_id"), erased_id) << "an erased guest's id is never handed out again";
    const json::object fresh_account = fresh.at("account").as_object();
    const json::object ada_account = export_guest(ada).at("account").as_object();
    const json::object bob_account = export_guest(bob).at("account").as_object();
    EXPECT_GT(int_at(fresh_account, "account_id"), int_at(ada_account, "account_id"));
    EXPECT_GT(int_at(fresh_account, "account_id"), int_at(bob_account, "account_id"));
}

TEST_F(MigrateData, ATargetHoldingDataIsRefusedAndLeftAsItWas) {
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-MIG-1", ada)}), 1, 0));
    ASSERT_EQ(server_->stop(SIGTERM), 0);

    // A first move fills the target.
    const run_result first = migrate(source_, target_->arg());
    ASSERT_EQ(first.exit_code, 0) << first.err;
    const auto before = row_counts(target_->arg());
    ASSERT_EQ(before.at("guests"), 1);

    // The second is refused with exit 3, naming the tables that hold data, and changes nothing.
    const run_result second = migrate(source_, target_->arg());
    EXPECT_EQ(second.exit_code, 3) << second.err;
    EXPECT_NE(second.err.find("already holds data"), std::string::npos) << second.err;
    EXPECT_NE(second.err.find("merchants"), std::string::npos) << second.err;
    EXPECT_TRUE(second.out.empty()) << second.out;
    EXPECT_EQ(row_counts(target_->arg()), before);

    // So is a move into a database a guestd already wrote to.
    test_database used(dir_->path());
    add_merchant(used.arg(), 42, "Other Hotel");
    const auto used_before = row_counts(used.arg());
    const run_result third = migrate(source_, used.arg());
    EXPECT_EQ(third.exit_code, 3) << third.err;
    EXPECT_EQ(row_counts(used.arg()), used_before);
}

TEST_F(MigrateData, ADryRunCopiesAndChecksEverythingThenLeavesNoData) {
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-MIG-1", ada)}), 1, 0));
    ASSERT_EQ(server_->stop(SIGTERM), 0);

    const run_result dry = migrate(source_, target_->arg(), {"--dry-run"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    const json::value summary = parse_json(dry.out);
    EXPECT_EQ(summary.at("dry_run"), json::value(true));
    EXPECT_EQ(summary.at("committed"), json::value(false));
    EXPECT_EQ(summary.at("tables").at("guests"), json::value(1));
    test_database fresh(dir_->path());
    ASSERT_EQ(cli_on(fresh.arg(), {"outbox", "list"}).exit_code, 0);
    EXPECT_EQ(schema_of(target_->arg()), schema_of(fresh.arg())) << "the rollback restored every index and key";
    for (const auto& [table, rows] : row_counts(target_->arg())) {
        if (!holds_rows_of_its_own(table)) {
            EXPECT_EQ(rows, 0) << table << " after a dry run";
        }
    }

    // The real move still works afterwards.
    const run_result real = migrate(source_, target_->arg());
    ASSERT_EQ(real.exit_code, 0) << real.err;
    EXPECT_EQ(row_counts(target_->arg()).at("guests"), 1);
}

TEST_F(MigrateData, ARowPostgreSQLRefusesCommitsNothing) {
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-MIG-1", ada)}), 1, 0));
    ASSERT_EQ(server_->stop(SIGTERM), 0);
    // A custom field of a guest that does not exist (the sqlite3 shell does not enforce foreign keys).
    const std::string sql = "INSERT INTO guest_custom_fields (guest_id, position, name, value) VALUES (999999, 0, 'a', 'b')";
    ASSERT_EQ(std::system(("/usr/bin/sqlite3 '" + source_.string() + "' \"" + sql + "\"").c_str()), 0);

    const run_result failed = migrate(source_, target_->arg());
    EXPECT_EQ(failed.exit_code, 1) << failed.err;
    EXPECT_NE(failed.err.find("guest_custom_fields"), std::string::npos) << failed.err;
    EXPECT_NE(failed.err.find("foreign key"), std::string::npos) << failed.err;
    EXPECT_NE(failed.err.find("nothing was committed"), std::string::npos) << failed.err;
    EXPECT_EQ(failed.err.find("999999"), std::string::npos) << "no row values in messages: " << failed.err;
    for (const auto& [table, rows] : row_counts(target_->arg())) {
        if (!holds_rows_of_its_own(table)) {
            EXPECT_EQ(rows, 0) << table << " after a failed move";
        }
    }
}

TEST_F(MigrateData, AFileAtAnOlderSchemaIsRefusedBeforeTheTargetIsTouched) {
    ASSERT_EQ(server_->stop(SIGTERM), 0);
    // Pretend the newest migration never ran, as in a file last opened by an older guestd.
    const std::string sql = "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)";
    ASSERT_EQ(std::system(("/usr/bin/sqlite3 '" + source_.string() + "' '" + sql + "'").c_str()), 0);

    const run_result refused = migrate(source_, target_->arg());
    EXPECT_EQ(refused.exit_code, 4) << refused.err;
    EXPECT_NE(refused.err.find("run this guestd on it once"), std::string::npos) << refused.err;
    EXPECT_EQ(row_counts(target_->arg()), (std::map<std::string, long long>{})) << "the target was not touched";
}

TEST_F(MigrateData, BadFlagsExitWithTwo) {
    ASSERT_EQ(server_->stop(SIGTERM), 0);
    EXPECT_EQ(run_guestd({"migrate-data", "--to", target_->arg()}).exit_code, 2);
    EXPECT_EQ(run_guestd({"migrate-data", "--from", source_.string()}).exit_code, 2);
    EXPECT_EQ(migrate(source_, (dir_->path() / "other.db").string()).exit_code, 2) << "--to must be PostgreSQL";
    EXPECT_EQ(migrate(source_, target_->arg(), {"--bogus"}).exit_code, 2);
    const run_result missing = migrate(dir_->path() / "missing.db", target_->arg());
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("no SQLite database at"), std::string::npos) << missing.err;
    EXPECT_FALSE(std::filesystem::exists(dir_->path() / "missing.db")) << "never creates the source";
}

}  // namespace
}  // namespace guestd::itest
