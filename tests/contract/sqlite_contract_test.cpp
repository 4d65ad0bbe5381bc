// Runs the storage contract on the SQLite backend (a fresh file per test), plus what only SQLite has:
// migrations, opening failures, busy timeouts, the account-number range, and erasure down to the file bytes.
#include "contract/store_contract.hpp"
#include "core/error.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_database.hpp"
#include "store/sqlite/turnstile.hpp"

#include <gmock/gmock.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace guestd::contract {

namespace {

namespace fs = std::filesystem;

/// A fresh directory under the temp dir, holding the database file and its -wal and -shm companions.
fs::path make_temp_dir() {
    std::string pattern = (fs::temp_directory_path() / "guestd-contract-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    return pattern;
}

store::sqlite::options options_for(const fs::path& file) { return {.path = file.string(), .pool_size = 8}; }

backend sqlite_backend() {
    return {"sqlite", [] {
                const fs::path dir = make_temp_dir();
                const fs::path file = dir / "guestd.db";
                return scratch_database{
                    [file](const core::clock& clock) { return store::sqlite::open(options_for(file), clock); },
                    [dir] { fs::remove_all(dir); }};
            }};
}

/// Runs one SQL statement on its own raw connection, the way an operator's sqlite3 shell would.
void raw_exec(const fs::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
}

std::int64_t raw_count(const fs::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(file.c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    std::int64_t out = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
}

/// What a call threw, or "" when it threw nothing.
template <class Fn>
std::string what_thrown(Fn&& fn, bool* transient = nullptr) {
    try {
        fn();
    } catch (const core::backend_error& e) {
        if (transient != nullptr) {
            *transient = e.transient();
        }
        return e.what();
    }
    return "";
}

/// "file: text" for each text found in any file of dir (the database, its -wal and -shm, whatever else is there).
std::vector<std::string> found_in_files(const fs::path& dir, const std::vector<std::string>& texts) {
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream contents;
        contents << in.rdbuf();
        const std::string bytes = std::move(contents).str();
        for (const auto& text : texts) {
            if (bytes.find(text) != std::string::npos) {
                found.push_back(entry.path().filename().string() + ": " + text);
            }
        }
    }
    return found;
}

class SqliteDatabase : public ::testing::Test {
protected:
    void TearDown() override { fs::remove_all(dir_); }

    fs::path dir_ = make_temp_dir();
    fs::path file_ = dir_ / "guestd.db";
    core::manual_clock clock_;
};

}  // namespace

GUESTD_INSTANTIATE_STORE_CONTRACT(Sqlite, sqlite_backend());

TEST_F(SqliteDatabase, OpeningAgainAppliesNoMigrationTwice) {
    const auto migrations = store::sqlite::embedded_migrations();
    ASSERT_FALSE(migrations.empty());
    {
        auto db = store::sqlite::open(options_for(file_), clock_);
        auto u = db->begin(store::tx::write);
        ASSERT_TRUE(u->merchants().insert({core::merchant_id{1}, "Hotel", 0, 8}, "token").has_value());
        u->commit();
    }
    clock_.advance(3600);
    {
        auto db = store::sqlite::open(options_for(file_), clock_);
        EXPECT_EQ(db->begin(store::tx::read)->merchants().list().size(), 1u);
    }

    EXPECT_EQ(raw_count(file_, "SELECT count(*) FROM schema_migrations"), static_cast<std::int64_t>(migrations.size()));
    EXPECT_EQ(raw_count(file_, "SELECT max(version) FROM schema_migrations"), migrations.back().version);
    EXPECT_EQ(raw_count(file_, "SELECT max(applied_at) FROM schema_migrations"), 1'700'000'000);
}

TEST_F(SqliteDatabase, VersionOneDatabaseUpgradesKeepingItsData) {
    // Build a database as guestd with only V001 left it, with a merchant, a guest and an account in it.
    const auto migrations = store::sqlite::embedded_migrations();
    ASSERT_GE(migrations.size(), 2u);
    ASSERT_EQ(store::sqlite::label(migrations[0]), "V001__init");
    ASSERT_EQ(store::sqlite::label(migrations[1]), "V002__recovery");
    {
        store::sqlite::connection c(file_.string(), {});
        store::sqlite::migrate(c, clock_, migrations.first(1));
    }
    raw_exec(file_, R"sql(
        INSERT INTO merchants (id, name, hotel_token_hash, password_min_length, created_at)
        VALUES (7, 'Old Hotel', X'746f6b656e', 10, 1600000000);
        INSERT INTO guests (id, merchant_id, email, email_norm, created_at, updated_at)
        VALUES (70, 7, 'Old.Guest@example.com', 'old.guest@example.com', 1600000000, 1600000000);
        INSERT INTO accounts (merchant_id, guest_id, username, username_norm, printed_card_number, password_hash,
                              created_at, password_changed_at)
        VALUES (7, 70, 'Old.Guest', 'old.guest', '6000000000000001', 'old-hash', 1600000000, 1600000000);
    )sql");
    ASSERT_EQ(raw_count(file_, "SELECT max(version) FROM schema_migrations"), 1);

    // Open it with this binary: the later migrations are applied and everything written before is still there.
    auto db = store::sqlite::open(options_for(file_), clock_);
    EXPECT_EQ(raw_count(file_, "SELECT max(version) FROM schema_migrations"), migrations.back().version);
    const auto m = db->begin(store::tx::read)->merchants().find_by_hotel_token("token");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->id, core::merchant_id{7});
    EXPECT_EQ(m->name, "Old Hotel");
    EXPECT_EQ(m->created_at, 1'600'000'000);
    EXPECT_EQ(m->password_min_length, 10);
    EXPECT_TRUE(m->reset_verification_fields.empty());
    EXPECT_EQ(m->reset_link_template, "");
    EXPECT_EQ(m->reset_code_ttl, 600);
    EXPECT_EQ(m->mail_from, "");

    auto u = db->begin(store::tx::write);
    const auto a = u->accounts().find_by_username(m->id, "OLD.GUEST");
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->guest, core::guest_id{70});
    EXPECT_EQ(a->id, core::account_id{1'000'001});
    EXPECT_EQ(u->guests().find_by_email(m->id, "old.guest@example.com")->fields.email, "Old.Guest@example.com");

    // The new tables work with the old rows.
    store::reset r;
    r.merchant = m->id;
    r.account = a->id;
    r.code_hash = "code";
    r.created_at = clock_.now();
    r.expires_at = clock_.now() + 600;
    EXPECT_TRUE(u->resets().replace(r).has_value());
    u->merchants().set_template(m->id, {"reset", "en", "subject", "text", "html"});
    EXPECT_TRUE(u->merchants().update_settings(store::merchant{m->id, "", 0, 12}));
    u->commit();
    EXPECT_EQ(db->begin(store::tx::read)->merchants().find(m->id)->password_min_length, 12);
}

TEST_F(SqliteDatabase, ResetCodeLifetimeOutsideItsRangeIsRefused) {
    auto db = store::sqlite::open(options_for(file_), clock_);
    auto u = db->begin(store::tx::write);
    ASSERT_TRUE(u->merchants().insert({core::merchant_id{1}, "Hotel", 0, 8}, "token").has_value());
    for (const int ttl : {59, 86'401}) {
        store::merchant m{core::merchant_id{1}, "Hotel", 0, 8};
        m.reset_code_ttl = ttl;
        EXPECT_THAT(what_thrown([&] { u->merchants().update_settings(m); }),
                    ::testing::HasSubstr("update_merchant_settings"));
    }
    EXPECT_EQ(u->merchants().find(core::merchant_id{1})->reset_code_ttl, 600);
}

TEST_F(SqliteDatabase, NewerSchemaThanTheBinaryKnowsIsRefused) {
    store::sqlite::open(options_for(file_), clock_).reset();
    const int newer = store::sqlite::embedded_migrations().back().version + 1;
    raw_exec(file_, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (" + std::to_string(newer) +
                        ", 'from_the_future', 0)");

    const auto what = what_thrown([&] { store::sqlite::open(options_for(file_), clock_); });
    EXPECT_THAT(what, ::testing::HasSubstr("schema version " + std::to_string(newer) + " is newer"));
    EXPECT_THAT(what, ::testing::HasSubstr(file_.string()));
}

TEST_F(SqliteDatabase, FailingMigrationAppliesNothing) {
    const store::sqlite::migration broken[] = {
        {1, "good", "CREATE TABLE t (x INTEGER) STRICT;"},
        {2, "bad", "CREATE TABLE u (y INTEGER) STRICT; INSERT INTO missing_table VALUES (1);"},
    };
    store::sqlite::connection c(file_.string(), {});
    const auto what = what_thrown([&] { store::sqlite::migrate(c, clock_, broken); });
    EXPECT_THAT(what, ::testing::HasSubstr("V002__bad"));
    EXPECT_THAT(what, ::testing::HasSubstr("missing_table"));

    EXPECT_EQ(raw_count(file_, "SELECT count(*) FROM sqlite_schema WHERE name IN ('t', 'u', 'schema_migrations')"),
              0);
}

TEST_F(SqliteDatabase, FileThatIsNotADatabaseIsRefused) {
    std::ofstream(file_) << "this is a text file, not an SQLite database, and it is long enough to have a header\n";
    const auto what = what_thrown([&] { store::sqlite::open(options_for(file_), clock_); });
    EXPECT_THAT(what, ::testing::HasSubstr("not a database"));
    EXPECT_THAT(what, ::testing::HasSubstr(file_.string()));
}

TEST_F(SqliteDatabase, UnopenablePathIsRefused) {
    const auto path = dir_ / "no-such-dir" / "guestd.db";
    const auto what = what_thrown([&] { store::sqlite::open(options_for(path), clock_); });
    EXPECT_THAT(what, ::testing::HasSubstr("cannot open database '" + path.string() + "'"));
}

TEST_F(SqliteDatabase, AccountIdsStartAtAccountNumberOneMillionAndOne) {
    auto db = store::sqlite::open(options_for(file_), clock_);
    auto u = db->begin(store::tx::write);
    ASSERT_TRUE(u->merchants().insert({core::merchant_id{1}, "Hotel", 0, 8}, "token").has_value());
    store::guest g;
    g.merchant = core::merchant_id{1};
    store::account a;
    a.merchant = g.merchant;
    a.guest = *u->guests().insert(g);
    a.username = "first";
    a.printed_card_number = "6000000000000001";
    a.password_hash = "hash";
    EXPECT_EQ(u->accounts().insert(a).value(), core::account_id{1'000'001});
}

TEST_F(SqliteDatabase, WriterWaitingPastTheBusyTimeoutGetsATransientError) {
    auto opts = options_for(file_);
    opts.busy_timeout_ms = 50;
    auto db = store::sqlite::open(opts, clock_);
    auto holder = db->begin(store::tx::write);

    bool transient = false;
    const auto what = what_thrown([&] { db->begin(store::tx::write); }, &transient);
    EXPECT_FALSE(what.empty());
    EXPECT_TRUE(transient);

    // Readers are not held up by the writer.
    EXPECT_TRUE(db->begin(store::tx::read)->merchants().list().empty());
}

TEST_F(SqliteDatabase, LockHeldByAnotherProcessGivesATransientError) {
    auto opts = options_for(file_);
    opts.busy_timeout_ms = 50;
    auto db = store::sqlite::open(opts, clock_);

    // Another process (here: a raw connection) holds the write lock.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

    bool transient = false;
    const auto what = what_thrown([&] { db->begin(store::tx::write); }, &transient);
    EXPECT_THAT(what, ::testing::HasSubstr("locked"));
    EXPECT_TRUE(transient);

    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    EXPECT_NO_THROW(db->begin(store::tx::write)->commit());
}

TEST_F(SqliteDatabase, TurnstileLetsABulkWriterPassOnlyWhenNoWriterWaits) {
    store::sqlite::turnstile waiter(file_.string());
    store::sqlite::turnstile bulk(file_.string());
    const auto now = store::sqlite::turnstile::clock::now;

    EXPECT_TRUE(bulk.let_waiters_pass(now()));
    waiter.wait_in_line();
    ASSERT_TRUE(waiter.in_line());
    EXPECT_FALSE(bulk.let_waiters_pass(now() + std::chrono::milliseconds(20)));
    waiter.leave();
    EXPECT_TRUE(bulk.let_waiters_pass(now()));
}

TEST_F(SqliteDatabase, AWriterLeavesTheTurnstileWhenItGivesUpWaiting) {
    auto opts = options_for(file_);
    opts.busy_timeout_ms = 50;
    auto db = store::sqlite::open(opts, clock_);

    // Another process holds the write lock past the writer's busy timeout.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_FALSE(what_thrown([&] { db->begin(store::tx::write); }).empty());
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);

    // It stood in line while it waited, and left when it gave up: a bulk writer finds the line empty.
    store::sqlite::turnstile bulk(file_.string());
    EXPECT_TRUE(bulk.let_waiters_pass(store::sqlite::turnstile::clock::now()));
}

// An import commits batch after batch; the server's API writes come from another process (here another pool on
// the same file: another in-process write gate, as another process has). With SQLite's busy handler alone the
// import takes the lock back within microseconds of every commit, and an API write waited dozens of batches, up
// to its whole busy timeout. Counted in the import's batches, not in time, so a slow machine changes nothing.
TEST_F(SqliteDatabase, AWriterOfAnotherProcessGetsInBetweenTheBatchesOfABulkWriter) {
    auto bulk_opts = options_for(file_);
    bulk_opts.bulk_writer = true;
    auto bulk = store::sqlite::open(bulk_opts, clock_);
    auto api = store::sqlite::open(options_for(file_), clock_);

    std::atomic<bool> stop{false};
    std::atomic<int> batches{0};
    std::thread importer([&] {
        while (!stop) {
            auto batch = bulk->begin(store::tx::write);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the batch's work, under the write lock
            batch->commit();
            ++batches;
        }
    });
    while (batches < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));

    // Each write gets in once the batch it met ends (or the next one, when it came as that one began).
    for (int i = 0; i < 10; ++i) {
        const int before = batches;
        EXPECT_EQ(what_thrown([&] { api->begin(store::tx::write)->commit(); }), "") << "API write " << i;
        EXPECT_LE(batches - before, 3) << "API write " << i << " waited for that many batches";
        std::this_thread::sleep_for(std::chrono::milliseconds(3));  // arrive at another point of a batch
    }
    stop = true;
    importer.join();
}

TEST_F(SqliteDatabase, ExhaustedPoolGivesATransientError) {
    auto opts = options_for(file_);
    opts.pool_size = 2;
    opts.busy_timeout_ms = 50;
    auto db = store::sqlite::open(opts, clock_);
    auto first = db->begin(store::tx::read);
    auto second = db->begin(store::tx::read);

    bool transient = false;
    EXPECT_THAT(what_thrown([&] { db->begin(store::tx::read); }, &transient), ::testing::HasSubstr("connection"));
    EXPECT_TRUE(transient);

    // A returned connection is reused.
    second.reset();
    EXPECT_NO_THROW(db->begin(store::tx::read));
}

TEST_F(SqliteDatabase, ErrorsNameTheQueryButNotTheValues) {
    auto db = store::sqlite::open(options_for(file_), clock_);
    auto u = db->begin(store::tx::write);
    ASSERT_TRUE(u->merchants().insert({core::merchant_id{1}, "Hotel", 0, 8}, "token").has_value());
    store::partner p;
    p.name = "Partner";
    p.client_id = "client-secret-looking-value";
    p.merchants = {core::merchant_id{1}};
    u->partners().insert(p, "token-1");

    const auto what = what_thrown([&] { u->partners().insert(p, "token-2"); });
    EXPECT_THAT(what, ::testing::HasSubstr("insert_partner"));
    EXPECT_THAT(what, ::testing::Not(::testing::HasSubstr("client-secret-looking-value")));
}

TEST_F(SqliteDatabase, DatabaseRunsInWalModeWithForeignKeys) {
    store::sqlite::open(options_for(file_), clock_).reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    EXPECT_EQ(raw_count(file_, "SELECT count(*) FROM pragma_foreign_key_list('accounts')"), 2);
}

TEST_F(SqliteDatabase, VersionTwoDatabaseUpgradesWithTheOperationsDefaults) {
    // Build a database as guestd with V001 and V002 left it, with a merchant, a partner and a guest in it.
    const auto migrations = store::sqlite::embedded_migrations();
    ASSERT_GE(migrations.size(), 3u);
    ASSERT_EQ(store::sqlite::label(migrations[2]), "V003__operations");
    {
        store::sqlite::connection c(file_.string(), {});
        store::sqlite::migrate(c, clock_, migrations.first(2));
    }
    raw_exec(file_, R"sql(
        INSERT INTO merchants (id, name, hotel_token_hash, created_at) VALUES (7, 'Old Hotel', X'746f6b656e', 1);
        INSERT INTO partners (name, token_hash, client_id, client_secret_hash, created_at)
        VALUES ('Old Partner', X'7074', 'old-client', X'736563726574', 1);
        INSERT INTO partner_merchants (partner_id, merchant_id) VALUES (1, 7);
        INSERT INTO guests (id, merchant_id, email, email_norm, created_at, updated_at)
        VALUES (70, 7, 'old@example.com', 'old@example.com', 1, 1);
    )sql");

    // Open it with this binary: a year of audit, no previous credentials, and the new stores work.
    auto db = store::sqlite::open(options_for(file_), clock_);
    auto u = db->begin(store::tx::write);
    const auto m = u->merchants().find_by_hotel_token("token");
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->audit_retention_days, 365);
    const auto p = u->partners().find_by_token("pt");
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->client_secret_hash, "secret");
    EXPECT_EQ(p->previous_client_secret_hash, "");
    EXPECT_EQ(p->previous_valid_until, 0);
    u->audit().append({.merchant = m->id, .at = 5, .kind = "login", .outcome = "ok", .guest = core::guest_id{70}});
    u->consents().append({.merchant = m->id, .guest = core::guest_id{70}, .at = 5, .kind = "loyalty.granted"});
    EXPECT_TRUE(u->partners().rotate(p->id, "pt2", "secret2", clock_.now() + 60));
    u->commit();
    EXPECT_EQ(db->begin(store::tx::read)->consents().list_for_guest(m->id, core::guest_id{70}).size(), 1u);
    EXPECT_EQ(db->begin(store::tx::read)->partners().find_by_token("pt")->id, p->id);
}

TEST_F(SqliteDatabase, EveryConnectionOverwritesDeletedContent) {
    store::sqlite::connection c(file_.string(), {});
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(c.handle(), "PRAGMA secure_delete", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
    sqlite3_finalize(stmt);
}

TEST_F(SqliteDatabase, ErasedGuestLeavesNoTraceInTheDatabaseFiles) {
    // Texts found nowhere else, in every form guestd stores them (as given, and lowercased for look-ups).
    const std::string email = "Zephyrine.Quillfeather@Erasure.Example";
    const std::string old_phone = "+33 6 71 94 28 53";
    const std::vector<std::string> current = {email,          store::sqlite::ascii_lower(email), "Zephyrine",
                                              "Quillfeather", "ZQ-BOOKING-7731",                 "ZQ-CUSTOMER-7731",
                                              old_phone};
    const std::string new_phone = "+33 7 55 01 86 42";
    const core::merchant_id m{1};
    auto db = store::sqlite::open(options_for(file_), clock_);
    const core::unix_seconds t = clock_.now();

    // A guest with a bit of everything, next to a bystander who stays.
    core::guest_id g;
    {
        auto u = db->begin(store::tx::write);
        ASSERT_TRUE(u->merchants().insert({m, "Hotel", 0, 8}, "hotel-token").has_value());
        store::partner p;
        p.name = "Web";
        p.merchants = {m};
        const auto partner = u->partners().insert(p, "partner-token");

        store::guest bystander;
        bystander.merchant = m;
        bystander.fields.email = "bystander@example.com";
        const auto kept = u->guests().insert(bystander);
        ASSERT_TRUE(kept.has_value());

        store::guest person;
        person.merchant = m;
        person.fields.firstname = "Zephyrine";
        person.fields.lastname = "Quillfeather";
        person.fields.email = email;
        person.fields.phone = old_phone;
        person.custom_fields = {{"nickname", "Zephyrine"}};
        g = u->guests().insert(person).value();
        u->guests().set_reference(m, "ZQ-CUSTOMER-7731", g);

        store::account a;
        a.merchant = m;
        a.guest = g;
        a.username = email;
        a.printed_card_number = "6000000000007731";
        a.password_hash = "hash";
        const auto account = u->accounts().insert(a).value();
        u->sessions().insert({"session-token-hash", m, partner, account, t, t + 3600, {}});
        store::reset r;
        r.merchant = m;
        r.account = account;
        r.code_hash = "reset-code-hash";
        r.created_at = t;
        r.expires_at = t + 600;
        ASSERT_TRUE(u->resets().replace(r).has_value());

        store::reservation booking;
        booking.merchant = m;
        booking.guest = g;
        booking.reference = "ZQ-BOOKING-7731";
        booking.status = "valid";
        booking.arrival = "2024-06-01";
        booking.custom_fields = {{"guest_name", "Zephyrine Quillfeather"}};
        booking.payload = R"({"reference":"ZQ-BOOKING-7731","customer":{"firstname":"Zephyrine",)"
                          R"("lastname":"Quillfeather","email":")" +
                          email + R"(","phone":")" + old_phone + R"("}})";
        u->reservations().upsert(booking);
        u->email_lists().add(m, "newsletter", g, t);
        u->consents().append({.merchant = m, .guest = g, .at = t, .kind = "email_list.joined", .detail = "newsletter"});

        store::outbox_message mail;
        mail.merchant = m;
        mail.message_id = "<1@guestd.example>";
        mail.recipient = email;
        mail.sender = "Hotel <noreply@hotel.example>";
        mail.subject = "Welcome Zephyrine";
        mail.content = "To: Zephyrine Quillfeather <" + email + ">\r\n\r\nHello Zephyrine\r\n";
        u->outbox().enqueue(mail);
        u->audit().append({.merchant = m, .at = t, .kind = "password.set", .outcome = "ok", .guest = g});
        u->commit();
    }

    // Checkpoint, as a busy server would, so the person is in the database file and not only in the WAL; then
    // change the phone, leaving the old one in the file.
    db->scrub();
    {
        auto u = db->begin(store::tx::write);
        auto person = u->guests().find(m, g).value();
        person.fields.phone = new_phone;
        ASSERT_TRUE(u->guests().update(person).has_value());
        u->commit();
    }
    auto everything = current;
    everything.push_back(new_phone);
    for (const auto& text : everything) {
        EXPECT_FALSE(found_in_files(dir_, {text}).empty()) << text << " never reached the files, so proves nothing";
    }

    // Erase the person as the privacy flow does, then scrub.
    {
        auto u = db->begin(store::tx::write);
        EXPECT_EQ(u->outbox().erase_recipient(m, email), 1);
        EXPECT_TRUE(u->guests().erase(m, g));
        u->commit();
    }
    db->scrub();

    // Nothing of the person is left in any file, while the database is open and after it is closed.
    EXPECT_EQ(fs::file_size(dir_ / "guestd.db-wal"), 0u);
    EXPECT_THAT(found_in_files(dir_, everything), ::testing::IsEmpty());
    db.reset();
    EXPECT_THAT(found_in_files(dir_, everything), ::testing::IsEmpty());

    // What was not the person's is still there.
    db = store::sqlite::open(options_for(file_), clock_);
    auto u = db->begin(store::tx::read);
    EXPECT_TRUE(u->guests().find_by_email(m, "bystander@example.com").has_value());
    EXPECT_EQ(u->audit().list(m, g, std::nullopt, std::nullopt, 10).size(), 1u);
    EXPECT_TRUE(u->partners().find_by_token("partner-token").has_value());
}

TEST_F(SqliteDatabase, ScrubBlockedByAReaderPastTheBusyTimeoutGivesATransientError) {
    auto opts = options_for(file_);
    opts.busy_timeout_ms = 50;
    auto db = store::sqlite::open(opts, clock_);
    {
        auto u = db->begin(store::tx::write);
        ASSERT_TRUE(u->merchants().insert({core::merchant_id{1}, "Hotel", 0, 8}, "token").has_value());
        u->commit();
    }

    // Another process reads a snapshot that lives in the WAL, so the WAL cannot be truncated under it.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(file_.c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN; SELECT count(*) FROM merchants;", nullptr, nullptr, nullptr), SQLITE_OK);

    bool transient = false;
    EXPECT_THAT(what_thrown([&] { db->scrub(); }, &transient), ::testing::HasSubstr("checkpoint_truncate"));
    EXPECT_TRUE(transient);

    // Once the reader is done, the scrub goes through.
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(other);
    EXPECT_EQ(what_thrown([&] { db->scrub(); }), "");
    EXPECT_EQ(fs::file_size(dir_ / "guestd.db-wal"), 0u);
}

TEST_F(SqliteDatabase, VersionThreeDatabaseUpgradesItsReservationsKeepingEveryRowAndColumn) {
    // Build a database as guestd with V001 to V003 left it: a guest with two reservations, one with custom fields.
    const auto migrations = store::sqlite::embedded_migrations();
    ASSERT_GE(migrations.size(), 4u);
    ASSERT_EQ(store::sqlite::label(migrations[3]), "V004__reservation_status_check");
    {
        store::sqlite::connection c(file_.string(), {});
        store::sqlite::migrate(c, clock_, migrations.first(3));
    }
    raw_exec(file_, R"sql(
        INSERT INTO merchants (id, name, hotel_token_hash, created_at) VALUES (7, 'Old Hotel', X'746f6b656e', 1);
        INSERT INTO guests (id, merchant_id, email, email_norm, created_at, updated_at)
        VALUES (70, 7, 'old@example.com', 'old@example.com', 1, 1);
        INSERT INTO reservations (id, merchant_id, reference, guest_id, status, creation, arrival, departure,
                                  total_amount, currency, room_type, room_name, payload, updated_at)
        VALUES (700, 7, 'BK-1', 70, 'option', '2021-01-01 10:00:00', '2021-02-01', '2021-02-03', '282.50', 'EUR',
                'DBL', '12', '{"reference":"BK-1"}', 5),
               (701, 7, 'BK-2', 70, 'cancelled', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{}', 6);
        INSERT INTO reservation_custom_fields (reservation_id, position, name, value)
        VALUES (700, 0, 'Payment', 'pending'), (700, 1, 'Floor', '3');
    )sql");
    // Every column as migrate-data and the stores see it: name, type, NOT NULL, default and key, in order.
    const auto columns = [&] {
        sqlite3* db = nullptr;
        sqlite3_open(file_.c_str(), &db);
        sqlite3_stmt* stmt = nullptr;
        std::vector<std::string> out;
        sqlite3_prepare_v2(db, "SELECT cid || ' ' || name || ' ' || type || ' ' || \"notnull\" || ' ' || "
                               "coalesce(dflt_value, '-') || ' ' || pk FROM pragma_table_info('reservations')",
                           -1, &stmt, nullptr);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
        }
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return out;
    };
    const auto before = columns();
    ASSERT_EQ(before.size(), 14u);
    const auto ephemeral_tables_per_insert = [&] {
        sqlite3* db = nullptr;
        sqlite3_open(file_.c_str(), &db);
        sqlite3_stmt* stmt = nullptr;
        int count = 0;
        sqlite3_prepare_v2(db, "EXPLAIN INSERT INTO reservations (merchant_id, reference, guest_id, status, payload, "
                               "updated_at) VALUES (7, 'X', 70, 'valid', '{}', 1)",
                           -1, &stmt, nullptr);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            count += std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1))) == "OpenEphemeral";
        }
        sqlite3_finalize(stmt);
        sqlite3_close(db);
        return count;
    };
    EXPECT_EQ(ephemeral_tables_per_insert(), 1);  // the IN list's temporary index: what V004 removes

    // Open it with this binary: the same columns, rows, ids, custom fields and indexes.
    auto db = store::sqlite::open(options_for(file_), clock_);
    EXPECT_EQ(raw_count(file_, "SELECT max(version) FROM schema_migrations"), migrations.back().version);
    EXPECT_EQ(columns(), before);
    EXPECT_EQ(ephemeral_tables_per_insert(), 0);
    EXPECT_EQ(raw_count(file_, "SELECT count(*) FROM pragma_index_list('reservations') WHERE name = "
                               "'reservations_by_guest' OR (origin = 'u' AND \"unique\" = 1)"),
              2);
    EXPECT_EQ(raw_count(file_, "SELECT count(*) FROM sqlite_schema WHERE name = 'new_reservations'"), 0);
    {
        auto u = db->begin(store::tx::read);
        const auto r = u->reservations().find(core::merchant_id{7}, "BK-1");
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->id, core::reservation_id{700});
        EXPECT_EQ(r->guest, core::guest_id{70});
        EXPECT_EQ(r->status, "option");
        EXPECT_EQ(r->creation, "2021-01-01 10:00:00");
        EXPECT_EQ(r->arrival, "2021-02-01");
        EXPECT_EQ(r->departure, "2021-02-03");
        EXPECT_EQ(r->total_amount, "282.50");
        EXPECT_EQ(r->currency, "EUR");
        EXPECT_EQ(r->room_type, "DBL");
        EXPECT_EQ(r->room_name, "12");
        EXPECT_EQ(r->payload, R"({"reference":"BK-1"})");
        EXPECT_EQ(r->updated_at, 5);
        ASSERT_EQ(r->custom_fields.size(), 2u);
        EXPECT_EQ(r->custom_fields[0].name, "Payment");
        EXPECT_EQ(r->custom_fields[1].value, "3");
        EXPECT_EQ(u->reservations().list_all(core::merchant_id{7}, core::guest_id{70}).size(), 2u);
        EXPECT_EQ(u->reservations().list_active(core::merchant_id{7}, core::guest_id{70}).size(), 1u);
    }

    // The check still refuses any other status, and foreign keys are enforced again on the migrated connection.
    auto u = db->begin(store::tx::write);
    store::reservation r{.merchant = core::merchant_id{7}, .guest = core::guest_id{70}, .reference = "BK-3",
                         .status = "confirmed", .payload = "{}"};
    EXPECT_THAT(what_thrown([&] { u->reservations().upsert(r); }), ::testing::HasSubstr("CHECK constraint failed"));
    for (const char* status : {"valid", "option", "cancelled"}) {
        r.status = status;
        EXPECT_EQ(what_thrown([&] { u->reservations().upsert(r); }), "") << status;
    }
    r.reference = "BK-4";
    r.guest = core::guest_id{71};
    EXPECT_THAT(what_thrown([&] { u->reservations().upsert(r); }), ::testing::HasSubstr("FOREIGN KEY"));
}

TEST_F(SqliteDatabase, VersionFiveDatabaseUpgradesItsResetsToCodesUniquePerMerchantAndItsPartnersWithoutTheRight) {
    // Build a database as guestd with V001 to V005 left it: two merchants, an account at each, their resets (one
    // used), and a partner granted both.
    const auto migrations = store::sqlite::embedded_migrations();
    ASSERT_GE(migrations.size(), 7u);
    ASSERT_EQ(store::sqlite::label(migrations[5]), "V006__reset_codes_per_merchant");
    ASSERT_EQ(store::sqlite::label(migrations[6]), "V007__partner_caller_reset_codes");
    {
        store::sqlite::connection c(file_.string(), {});
        store::sqlite::migrate(c, clock_, migrations.first(5));
    }
    raw_exec(file_, R"sql(
        INSERT INTO merchants (id, name, hotel_token_hash, created_at)
        VALUES (7, 'Hotel A', X'61', 1), (8, 'Hotel B', X'62', 1);
        INSERT INTO partners (name, token_hash, client_id, client_secret_hash, b2b, created_at)
        VALUES ('Old Partner', X'7074', 'old-client', X'736563726574', 1, 1);
        INSERT INTO partner_merchants (partner_id, merchant_id) VALUES (1, 7), (1, 8);
        INSERT INTO guests (id, merchant_id, email, email_norm, created_at, updated_at)
        VALUES (70, 7, 'a@example.com', 'a@example.com', 1, 1), (80, 8, 'b@example.com', 'b@example.com', 1, 1);
        INSERT INTO accounts (id, merchant_id, guest_id, username, username_norm, printed_card_number, password_hash,
                              created_at, password_changed_at)
        VALUES (1000001, 7, 70, 'a', 'a', '6000000000000001', 'h', 1, 1),
               (1000002, 8, 80, 'b', 'b', '6000000000000002', 'h', 1, 1);
        INSERT INTO resets (id, merchant_id, account_id, code_hash, created_at, expires_at, used_at, voided_at)
        VALUES (500, 7, 1000001, X'6330', 10, 610, 20, NULL), (501, 8, 1000002, X'6331', 11, 611, NULL, NULL);
    )sql");

    // Open it with this binary: every reset keeps its id, merchant, account and state, and is found within its
    // merchant only.
    auto db = store::sqlite::open(options_for(file_), clock_);
    EXPECT_EQ(raw_count(file_, "SELECT max(version) FROM schema_migrations"), migrations.back().version);
    EXPECT_EQ(raw_count(file_, "SELECT count(*) FROM sqlite_schema WHERE name = 'new_resets'"), 0);
    EXPECT_EQ(raw_count(file_, "SELECT count(*) FROM pragma_index_list('resets') WHERE name = 'resets_by_account'"), 1);
    {
        auto u = db->begin(store::tx::read);
        const auto used = u->resets().find_by_code(core::merchant_id{7}, "c0");
        ASSERT_TRUE(used.has_value());
        EXPECT_EQ(used->id, 500);
        EXPECT_EQ(used->merchant, core::merchant_id{7});
        EXPECT_EQ(used->account, core::account_id{1'000'001});
        EXPECT_EQ(used->created_at, 10);
        EXPECT_EQ(used->expires_at, 610);
        EXPECT_EQ(used->used_at, std::optional<core::unix_seconds>(20));
        EXPECT_FALSE(used->voided_at.has_value());
        const auto live = u->resets().find_by_code(core::merchant_id{8}, "c1");
        ASSERT_TRUE(live.has_value());
        EXPECT_EQ(live->id, 501);
        EXPECT_EQ(live->account, core::account_id{1'000'002});
        EXPECT_FALSE(u->resets().find_by_code(core::merchant_id{8}, "c0").has_value());
        EXPECT_FALSE(u->resets().find_by_code(core::merchant_id{7}, "c1").has_value());

        // The partner keeps its rights, and has not the new one.
        const auto p = u->partners().find_by_client_id("old-client");
        ASSERT_TRUE(p.has_value());
        EXPECT_TRUE(p->b2b);
        EXPECT_FALSE(p->caller_reset_codes);
    }

    // A digest taken at one merchant is free at the other, still unique within it, and the foreign key holds.
    auto u = db->begin(store::tx::write);
    store::reset r{.merchant = core::merchant_id{8}, .account = core::account_id{1'000'002}, .code_hash = "c0",
                   .created_at = 30, .expires_at = 630};
    EXPECT_TRUE(u->resets().replace(r).has_value());
    r.code_hash = "c1";
    const auto taken = u->resets().replace(r);
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, core::errc::already_exists);
    r.code_hash = "c2";
    r.account = core::account_id{1'000'001};  // an account of merchant 7, with merchant 8
    EXPECT_THAT(what_thrown([&] { (void)u->resets().replace(r); }), ::testing::HasSubstr("FOREIGN KEY"));
}

TEST_F(SqliteDatabase, MigrationThatLeavesAForeignKeyWithoutItsParentAppliesNothing) {
    // Migrations run with foreign keys off (so a table can be rebuilt), and every key is checked before the commit.
    const store::sqlite::migration dangling[] = {
        {1, "parents", "CREATE TABLE p (id INTEGER PRIMARY KEY) STRICT;"},
        {2, "orphan", "CREATE TABLE c (p_id INTEGER NOT NULL REFERENCES p (id)) STRICT; INSERT INTO c VALUES (9);"},
    };
    store::sqlite::connection c(file_.string(), {});
    const auto what = what_thrown([&] { store::sqlite::migrate(c, clock_, dangling); });
    EXPECT_THAT(what, ::testing::HasSubstr("V002__orphan"));
    EXPECT_THAT(what, ::testing::HasSubstr("a row of c whose parent in p is missing"));
    EXPECT_EQ(raw_count(file_, "SELECT count(*) FROM sqlite_schema WHERE name IN ('p', 'c', 'schema_migrations')"),
              0);

    // The connection enforces foreign keys again afterwards.
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(c.handle(), "PRAGMA foreign_keys", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
    sqlite3_finalize(stmt);
}

}  // namespace guestd::contract
