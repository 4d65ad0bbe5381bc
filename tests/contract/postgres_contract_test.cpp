// Runs the storage contract on the PostgreSQL backend (a fresh database per test, on the server named by
// GUESTD_TEST_PG_URL or by the file GUESTD_TEST_PG_URL_FILE names: ctest starts a throwaway cluster with
// scripts/pg-test-cluster.sh), plus what only PostgreSQL has: migrations under an advisory lock with several
// nodes starting at once, the write lock shared by every node, connections lost and replaced, transient and
// permanent errors, and what an erasure leaves in the pages after scrub().
#include "contract/store_contract.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/postgres_database.hpp"

#include <gmock/gmock.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace guestd::contract {

namespace {

/// The test server's URL: from GUESTD_TEST_PG_URL, else from the file GUESTD_TEST_PG_URL_FILE names.
std::string server_url() {
    if (const char* url = std::getenv("GUESTD_TEST_PG_URL"); url != nullptr && *url != '\0') {
        return url;
    }
    if (const char* file = std::getenv("GUESTD_TEST_PG_URL_FILE"); file != nullptr && *file != '\0') {
        std::ifstream in(file);
        std::string url;
        if (std::getline(in, url) && !url.empty()) {
            return url;
        }
        throw std::runtime_error(std::string("no URL in ") + file + " (did scripts/pg-test-cluster.sh start run?)");
    }
    throw std::runtime_error("set GUESTD_TEST_PG_URL or GUESTD_TEST_PG_URL_FILE (scripts/pg-test-cluster.sh start)");
}

/// The server's conninfo with its database replaced, as key=value pairs.
std::string conninfo_for(const std::string& database) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(server_url().c_str(), &error);
    if (options == nullptr) {
        PQfreemem(error);
        throw std::runtime_error("malformed test server URL");
    }
    const auto quoted = [](const std::string& value) {
        std::string out = "'";
        for (const char ch : value) {
            if (ch == '\'' || ch == '\\') {
                out += '\\';
            }
            out += ch;
        }
        return out + "'";
    };
    std::string out = "dbname=" + quoted(database);
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val != nullptr && std::string_view(o->keyword) != "dbname") {
            out += " " + std::string(o->keyword) + "=" + quoted(o->val);
        }
    }
    PQconninfoFree(options);
    return out;
}

/// A raw libpq session for the test's own SQL, the way an operator's psql would run it.
class admin {
public:
    explicit admin(const std::string& database = "postgres") : conn_(PQconnectdb(conninfo_for(database).c_str())) {
        if (PQstatus(conn_) != CONNECTION_OK) {
            const std::string message = PQerrorMessage(conn_);
            PQfinish(conn_);
            throw std::runtime_error("cannot reach the test server: " + message);
        }
    }
    ~admin() { PQfinish(conn_); }
    admin(const admin&) = delete;
    admin& operator=(const admin&) = delete;

    /// Runs SQL; fails the test when it fails.
    void exec(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        const auto status = PQresultStatus(r);
        EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn_);
        PQclear(r);
    }

    /// The first column of the first row as an integer (-1 when there is none).
    std::int64_t number(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        std::int64_t out = -1;
        if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && PQgetisnull(r, 0, 0) == 0) {
            out = std::stoll(PQgetvalue(r, 0, 0));
        } else {
            ADD_FAILURE() << sql << ": " << PQerrorMessage(conn_);
        }
        PQclear(r);
        return out;
    }

private:
    PGconn* conn_;
};

/// A new, empty database on the test server; dropped (with whatever still connects to it) when destroyed.
class scratch {
public:
    scratch() : name_("guestd_test_" + random_suffix()) { admin().exec("CREATE DATABASE " + name_); }
    ~scratch() {
        try {
            admin().exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (const std::exception&) {
        }
    }
    scratch(const scratch&) = delete;
    scratch& operator=(const scratch&) = delete;

    const std::string& name() const { return name_; }
    std::string conninfo() const { return conninfo_for(name_); }

private:
    static std::string random_suffix() {
        static std::mt19937_64 engine{std::random_device{}()};
        static std::mutex mutex;
        std::lock_guard lock(mutex);
        return std::to_string(engine());
    }

    std::string name_;
};

store::postgres::options options_for(const std::string& conninfo) {
    return {.conninfo = conninfo, .pool_size = 8};
}

backend postgres_backend() {
    return {"postgres", [] {
                auto db = std::make_shared<scratch>();
                return scratch_database{[db](const core::clock& clock) {
                                            return store::postgres::open(options_for(db->conninfo()), clock);
                                        },
                                        [db]() mutable { db.reset(); }};
            }};
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

class PostgresDatabase : public ::testing::Test {
protected:
    std::unique_ptr<store::database> open(int busy_timeout_ms = 5000, unsigned pool_size = 8) {
        auto opts = options_for(db_.conninfo());
        opts.busy_timeout_ms = busy_timeout_ms;
        opts.pool_size = pool_size;
        return store::postgres::open(opts, clock_);
    }

    /// Ends every session on the test database but the admin's own, as a server restart would.
    void kill_connections() {
        admin().number("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" +
                       db_.name() + "' AND pid <> pg_backend_pid()");
    }

    scratch db_;
    core::manual_clock clock_;
};

void add_merchant(store::database& db, std::int64_t id) {
    auto u = db.begin(store::tx::write);
    ASSERT_TRUE(u->merchants().insert({core::merchant_id{id}, "Hotel", 0, 8}, "token-" + std::to_string(id)));
    u->commit();
}

/// A guest of merchant 1, committed.
core::guest_id committed_guest(store::database& db, const std::string& email) {
    auto u = db.begin(store::tx::write);
    store::guest g;
    g.merchant = core::merchant_id{1};
    g.fields.email = email;
    const auto id = u->guests().insert(g).value();
    u->commit();
    return id;
}

}  // namespace

GUESTD_INSTANTIATE_STORE_CONTRACT(Postgres, postgres_backend());

TEST_F(PostgresDatabase, OpeningAgainAppliesNoMigrationTwice) {
    const auto migrations = store::postgres::embedded_migrations();
    ASSERT_FALSE(migrations.empty());
    add_merchant(*open(), 1);
    clock_.advance(3600);
    EXPECT_EQ(open()->begin(store::tx::read)->merchants().list().size(), 1u);

    admin a(db_.name());
    EXPECT_EQ(a.number("SELECT count(*) FROM schema_migrations"), static_cast<std::int64_t>(migrations.size()));
    EXPECT_EQ(a.number("SELECT max(version) FROM schema_migrations"), migrations.back().version);
    EXPECT_EQ(a.number("SELECT max(applied_at) FROM schema_migrations"), 1'700'000'000);
}

TEST_F(PostgresDatabase, NodesStartingTogetherMigrateOnce) {
    // Several nodes open the new, empty database at the same moment.
    constexpr int nodes = 6;
    std::vector<std::thread> starting;
    std::atomic<int> failures{0};
    for (int i = 0; i < nodes; ++i) {
        starting.emplace_back([&] {
            try {
                open()->ping();
            } catch (const std::exception&) {
                ++failures;
            }
        });
    }
    for (auto& t : starting) {
        t.join();
    }
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(admin(db_.name()).number("SELECT count(*) FROM schema_migrations"),
              static_cast<std::int64_t>(store::postgres::embedded_migrations().size()));
}

TEST_F(PostgresDatabase, NewerSchemaThanTheBinaryKnowsIsRefused) {
    open().reset();
    const int newer = store::postgres::embedded_migrations().back().version + 1;
    admin(db_.name()).exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                           std::to_string(newer) + ", 'from_the_future', 0)");

    bool transient = true;
    const auto what = what_thrown([&] { open(); }, &transient);
    EXPECT_THAT(what, ::testing::HasSubstr("schema version " + std::to_string(newer) + " is newer"));
    EXPECT_FALSE(transient);
}

TEST_F(PostgresDatabase, FailingMigrationAppliesNothing) {
    const store::postgres::migration broken[] = {
        {1, "good", "CREATE TABLE t (x BIGINT);"},
        {2, "bad", "CREATE TABLE u (y BIGINT); INSERT INTO missing_table VALUES (1);"},
    };
    {
        store::postgres::connection c({.conninfo = db_.conninfo()});
        const auto what = what_thrown([&] { store::postgres::migrate(c, clock_, broken); });
        EXPECT_THAT(what, ::testing::HasSubstr("V002__bad"));
        EXPECT_THAT(what, ::testing::HasSubstr("missing_table"));
    }
    EXPECT_EQ(admin(db_.name()).number("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND "
                                       "tablename IN ('t', 'u', 'schema_migrations')"),
              0);
}

TEST_F(PostgresDatabase, VersionTwoDatabaseUpgradesItsResetsToCodesUniquePerMerchantAndItsPartnersWithoutTheRight) {
    // Build a database as guestd with V001 and V002 left it: two merchants, an account at each, their resets (one
    // used), and a partner granted both.
    const auto migrations = store::postgres::embedded_migrations();
    ASSERT_GE(migrations.size(), 4u);
    ASSERT_EQ(store::postgres::label(migrations[2]), "V003__reset_codes_per_merchant");
    ASSERT_EQ(store::postgres::label(migrations[3]), "V004__partner_caller_reset_codes");
    {
        store::postgres::connection c({.conninfo = db_.conninfo()});
        store::postgres::migrate(c, clock_, migrations.first(2));
    }
    admin(db_.name()).exec(R"sql(
        INSERT INTO merchants (id, name, hotel_token_hash, created_at)
        VALUES (7, 'Hotel A', 'a', 1), (8, 'Hotel B', 'b', 1);
        INSERT INTO partners (name, token_hash, client_id, client_secret_hash, b2b, created_at)
        VALUES ('Old Partner', 'pt', 'old-client', 'secret', true, 1);
        INSERT INTO partner_merchants (partner_id, merchant_id) SELECT id, m FROM partners, (VALUES (7), (8)) v(m);
        INSERT INTO guests (id, merchant_id, email, email_norm, created_at, updated_at)
        VALUES (70, 7, 'a@example.com', 'a@example.com', 1, 1), (80, 8, 'b@example.com', 'b@example.com', 1, 1);
        INSERT INTO accounts (id, merchant_id, guest_id, username, username_norm, printed_card_number, password_hash,
                              created_at, password_changed_at)
        VALUES (1000001, 7, 70, 'a', 'a', '6000000000000001', 'h', 1, 1),
               (1000002, 8, 80, 'b', 'b', '6000000000000002', 'h', 1, 1);
        INSERT INTO resets (id, merchant_id, account_id, code_hash, created_at, expires_at, used_at, voided_at)
        VALUES (500, 7, 1000001, 'c0', 10, 610, 20, NULL), (501, 8, 1000002, 'c1', 11, 611, NULL, NULL);
    )sql");

    // Open it with this binary: every reset keeps its id, merchant, account and state, and is found within its
    // merchant only; the partner keeps its rights and has not the new one.
    auto db = open();
    EXPECT_EQ(admin(db_.name()).number("SELECT max(version) FROM schema_migrations"), migrations.back().version);
    {
        auto u = db->begin(store::tx::read);
        const auto used = u->resets().find_by_code(core::merchant_id{7}, "c0");
        ASSERT_TRUE(used.has_value());
        EXPECT_EQ(used->id, 500);
        EXPECT_EQ(used->account, core::account_id{1'000'001});
        EXPECT_EQ(used->used_at, std::optional<core::unix_seconds>(20));
        const auto live = u->resets().find_by_code(core::merchant_id{8}, "c1");
        ASSERT_TRUE(live.has_value());
        EXPECT_EQ(live->id, 501);
        EXPECT_FALSE(live->used_at.has_value());
        EXPECT_FALSE(u->resets().find_by_code(core::merchant_id{8}, "c0").has_value());
        EXPECT_FALSE(u->resets().find_by_code(core::merchant_id{7}, "c1").has_value());
        const auto p = u->partners().find_by_client_id("old-client");
        ASSERT_TRUE(p.has_value());
        EXPECT_TRUE(p->b2b);
        EXPECT_FALSE(p->caller_reset_codes);
    }

    // A digest taken at one merchant is free at the other, and still unique within it.
    auto u = db->begin(store::tx::write);
    store::reset r{.merchant = core::merchant_id{8}, .account = core::account_id{1'000'002}, .code_hash = "c0",
                   .created_at = 30, .expires_at = 630};
    EXPECT_TRUE(u->resets().replace(r).has_value());
    r.code_hash = "c1";
    const auto taken = u->resets().replace(r);
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, core::errc::already_exists);
    u->commit();
}

TEST_F(PostgresDatabase, AccountIdsStartAtAccountNumberOneMillionAndOne) {
    auto db = open();
    add_merchant(*db, 1);
    auto u = db->begin(store::tx::write);
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

TEST_F(PostgresDatabase, UnreachableServerIsATransientErrorThatNeverShowsThePassword) {
    store::postgres::options opts{.conninfo = "postgresql://guestd:s3cret-pass@127.0.0.1:1/guestd",
                                  .connect_timeout_s = 2};
    bool transient = false;
    const auto what = what_thrown([&] { store::postgres::open(opts, clock_); }, &transient);
    EXPECT_THAT(what, ::testing::HasSubstr("cannot connect to host 127.0.0.1 port 1 database guestd"));
    EXPECT_THAT(what, ::testing::Not(::testing::HasSubstr("s3cret-pass")));
    EXPECT_TRUE(transient);
}

TEST_F(PostgresDatabase, MalformedConnectionStringIsRefused) {
    bool transient = true;
    const auto what =
        what_thrown([&] { store::postgres::open({.conninfo = "host=127.0.0.1 no_such_option=1"}, clock_); },
                    &transient);
    EXPECT_THAT(what, ::testing::HasSubstr("malformed connection string"));
    EXPECT_FALSE(transient);
}

TEST_F(PostgresDatabase, WriterWaitingPastTheLockTimeoutGetsATransientError) {
    auto db = open(200);
    add_merchant(*db, 1);
    const auto id = committed_guest(*db, "held@example.com");
    auto holder = db->begin(store::tx::write);
    ASSERT_TRUE(holder->guests().find(core::merchant_id{1}, id));

    bool transient = false;
    const auto what =
        what_thrown([&] { db->begin(store::tx::write)->guests().find(core::merchant_id{1}, id); }, &transient);
    EXPECT_THAT(what, ::testing::HasSubstr("find_guest_for_update"));
    EXPECT_THAT(what, ::testing::HasSubstr("55P03"));
    EXPECT_TRUE(transient);

    // Readers are not held up by the writer, and the writer's connection stays usable.
    EXPECT_TRUE(db->begin(store::tx::read)->guests().find(core::merchant_id{1}, id));
    holder.reset();
    EXPECT_NO_THROW(db->begin(store::tx::write)->guests().find(core::merchant_id{1}, id));
}

TEST_F(PostgresDatabase, EveryNodeWaitsForTheSameRowLock) {
    // Two nodes: two databases opened on one PostgreSQL database.
    auto node_a = open(200);
    auto node_b = open(200);
    add_merchant(*node_a, 1);
    const auto id = committed_guest(*node_a, "shared@example.com");
    auto holder = node_a->begin(store::tx::write);
    auto g = holder->guests().find(core::merchant_id{1}, id);
    ASSERT_TRUE(g);
    g->fields.firstname = "Ann";
    ASSERT_TRUE(holder->guests().update(*g));

    bool transient = false;
    EXPECT_FALSE(
        what_thrown([&] { node_b->begin(store::tx::write)->guests().find(core::merchant_id{1}, id); }, &transient)
            .empty());
    EXPECT_TRUE(transient);

    // Once A commits, B writes, and reads what A wrote.
    holder->commit();
    holder.reset();
    auto next = node_b->begin(store::tx::write);
    EXPECT_EQ(next->guests().find(core::merchant_id{1}, id)->fields.firstname, "Ann");
}

TEST_F(PostgresDatabase, RowLockOfANodeThatHungInsideAUnitIsReleasedByTheServer) {
    auto opts = options_for(db_.conninfo());
    opts.idle_in_transaction_timeout_s = 1;
    auto hung = store::postgres::open(opts, clock_);
    auto other = open(10'000);
    add_merchant(*other, 1);
    const auto id = committed_guest(*other, "hung@example.com");

    // A node locks a guest's row and stops talking; the server ends its session after the idle timeout, and
    // the other node's writer, waiting meanwhile, gets the row.
    auto abandoned = hung->begin(store::tx::write);
    ASSERT_TRUE(abandoned->guests().find(core::merchant_id{1}, id));
    EXPECT_NO_THROW(other->begin(store::tx::write)->guests().find(core::merchant_id{1}, id));

    // The hung node finds its unit gone (a transient error), and its next unit works.
    bool transient = false;
    EXPECT_FALSE(what_thrown([&] { abandoned->merchants().list(); }, &transient).empty());
    EXPECT_TRUE(transient);
    abandoned.reset();
    EXPECT_EQ(hung->begin(store::tx::read)->merchants().list().size(), 1u);
}

TEST_F(PostgresDatabase, ExhaustedPoolGivesATransientError) {
    auto db = open(50, 2);
    auto first = db->begin(store::tx::read);
    auto second = db->begin(store::tx::read);

    bool transient = false;
    EXPECT_THAT(what_thrown([&] { db->begin(store::tx::read); }, &transient), ::testing::HasSubstr("connection"));
    EXPECT_TRUE(transient);

    // A returned connection is reused.
    second.reset();
    EXPECT_NO_THROW(db->begin(store::tx::read));
}

TEST_F(PostgresDatabase, ErrorsNameTheQueryButNotTheValues) {
    auto db = open();
    add_merchant(*db, 1);
    auto u = db->begin(store::tx::write);
    store::partner p;
    p.name = "Partner";
    p.client_id = "client-secret-looking-value";
    p.merchants = {core::merchant_id{1}};
    u->partners().insert(p, "token-1");

    bool transient = true;
    const auto what = what_thrown([&] { u->partners().insert(p, "token-2"); }, &transient);
    EXPECT_THAT(what, ::testing::HasSubstr("insert_partner"));
    EXPECT_THAT(what, ::testing::HasSubstr("23505"));
    EXPECT_THAT(what, ::testing::Not(::testing::HasSubstr("client-secret-looking-value")));
    EXPECT_FALSE(transient);

    // The failed statement aborted the transaction: committing it is refused, not silently rolled back.
    EXPECT_THAT(what_thrown([&] { u->commit(); }), ::testing::HasSubstr("rolled back"));
}

TEST_F(PostgresDatabase, ResetCodeLifetimeOutsideItsRangeIsRefused) {
    auto db = open();
    add_merchant(*db, 1);
    for (const int ttl : {59, 86'401}) {
        auto u = db->begin(store::tx::write);
        store::merchant m{core::merchant_id{1}, "Hotel", 0, 8};
        m.reset_code_ttl = ttl;
        EXPECT_THAT(what_thrown([&] { u->merchants().update_settings(m); }),
                    ::testing::HasSubstr("update_merchant_settings"));
    }
    EXPECT_EQ(db->begin(store::tx::read)->merchants().find(core::merchant_id{1})->reset_code_ttl, 600);
}

TEST_F(PostgresDatabase, ConnectionsTheServerDroppedAreReplacedWithoutAnError) {
    auto db = open();
    add_merchant(*db, 1);
    {
        // Leave several idle connections in the pool.
        auto a = db->begin(store::tx::read);
        auto b = db->begin(store::tx::read);
        auto c = db->begin(store::tx::read);
    }
    ASSERT_TRUE(db->ping());

    // The server drops them all (a restart, a failover); the next units of work and pings just work.
    kill_connections();
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(db->begin(store::tx::read)->merchants().list().size(), 1u);
    }
    EXPECT_TRUE(db->ping());
    EXPECT_NO_THROW(add_merchant(*db, 2));
}

// A tx::statement unit sends no BEGIN, which is where a unit finds that the server dropped its idle connection:
// it looks for the server's goodbye on the socket instead, and takes another connection.
TEST_F(PostgresDatabase, StatementUnitsTakeAnotherConnectionWhenTheServerDroppedTheirs) {
    auto db = open();
    add_merchant(*db, 1);
    {
        auto a = db->begin(store::tx::read);
        auto b = db->begin(store::tx::read);
        auto c = db->begin(store::tx::read);
    }
    kill_connections();
    // The terminated backends have sent their goodbye by the time they are gone.
    for (int i = 0; i < 50 && admin().number("SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db_.name() +
                                             "' AND pid <> pg_backend_pid()") > 0;
         ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(db->begin(store::tx::statement)->merchants().list().size(), 1u);
    }
}

// It holds no snapshot and no lock once its statement ran (a read unit holds both until it ends), and a second
// statement, which would see another snapshot, is refused.
TEST_F(PostgresDatabase, StatementUnitRunsOutsideATransactionAndRefusesASecondStatement) {
    auto db = open();
    add_merchant(*db, 1);
    const auto locks_on_merchants = [&] {
        return admin(db_.name()).number("SELECT count(*) FROM pg_locks WHERE relation = 'merchants'::regclass");
    };
    {
        auto reading = db->begin(store::tx::read);
        EXPECT_EQ(reading->merchants().list().size(), 1u);
        EXPECT_GE(locks_on_merchants(), 1) << "a read unit holds its lock until it ends";
    }
    auto u = db->begin(store::tx::statement);
    EXPECT_EQ(u->merchants().list().size(), 1u);
    EXPECT_EQ(locks_on_merchants(), 0);
    EXPECT_THAT(what_thrown([&] { u->merchants().find(core::merchant_id{1}); }),
                ::testing::HasSubstr("a second statement"));
    u->commit();
    u.reset();
    EXPECT_EQ(db->begin(store::tx::statement)->merchants().find(core::merchant_id{1})->id, core::merchant_id{1});
}

TEST_F(PostgresDatabase, ConnectionLostInsideAUnitIsATransientErrorAndTheNextUnitWorks) {
    auto db = open();
    add_merchant(*db, 1);
    auto u = db->begin(store::tx::write);
    kill_connections();

    bool transient = false;
    EXPECT_THAT(what_thrown([&] { u->merchants().find(core::merchant_id{1}); }, &transient),
                ::testing::HasSubstr("find_merchant"));
    EXPECT_TRUE(transient);
    u.reset();
    EXPECT_EQ(db->begin(store::tx::read)->merchants().list().size(), 1u);
}

TEST_F(PostgresDatabase, AConnectionToAServerTurnedReadOnlyGivesATransientErrorAndIsNotReused) {
    // One connection at most, so that a connection kept after the error would be the next unit's.
    auto db = open(5000, 1);
    add_merchant(*db, 1);

    // The server turns read-only for new sessions, as a node that came back as a standby is (SQLSTATE 25006).
    admin a;
    a.exec("ALTER DATABASE " + db_.name() + " SET default_transaction_read_only = on");
    kill_connections();
    bool transient = false;
    EXPECT_THAT(what_thrown([&] {
                    auto u = db->begin(store::tx::write);
                    (void)u->merchants().insert({core::merchant_id{2}, "Hotel", 0, 8}, "token-2");
                },
                            &transient),
                ::testing::HasSubstr("25006"));
    EXPECT_TRUE(transient);

    // Writable again: the read-only connection was closed, and the next unit opens one that is not.
    a.exec("ALTER DATABASE " + db_.name() + " RESET default_transaction_read_only");
    EXPECT_NO_THROW(add_merchant(*db, 2));
}

TEST_F(PostgresDatabase, PingAndUnitsFailWhileTheDatabaseIsUnreachableAndRecoverByThemselves) {
    auto db = open();
    add_merchant(*db, 1);
    ASSERT_TRUE(db->ping());

    // The database stops taking connections and drops the open ones, as a server going down would.
    admin a;
    a.exec("ALTER DATABASE " + db_.name() + " WITH ALLOW_CONNECTIONS false");
    kill_connections();
    EXPECT_FALSE(db->ping());
    bool transient = false;
    EXPECT_THAT(what_thrown([&] { db->begin(store::tx::read); }, &transient), ::testing::HasSubstr("connect"));
    EXPECT_TRUE(transient);

    // It comes back: so do ping and units of work, with no reopening.
    a.exec("ALTER DATABASE " + db_.name() + " WITH ALLOW_CONNECTIONS true");
    EXPECT_TRUE(db->ping());
    EXPECT_EQ(db->begin(store::tx::read)->merchants().list().size(), 1u);
}

TEST_F(PostgresDatabase, OutboxMessagesClaimedByTwoNodesAtOnceAreEachTakenOnce) {
    auto node_a = open();
    auto node_b = open();
    add_merchant(*node_a, 1);
    constexpr int messages = 60;
    {
        auto u = node_a->begin(store::tx::write);
        for (int i = 0; i < messages; ++i) {
            store::outbox_message m;
            m.merchant = core::merchant_id{1};
            m.message_id = "<" + std::to_string(i) + "@guestd.test>";
            m.recipient = "guest" + std::to_string(i) + "@example.com";
            m.content = "Hello";
            m.next_attempt_at = 1'700'000'000;
            u->outbox().enqueue(m);
        }
        u->commit();
    }

    // Two workers per node claim small batches until nothing is due.
    std::mutex mutex;
    std::vector<std::int64_t> claimed;
    std::atomic<int> failures{0};
    const auto worker = [&](store::database& db) {
        for (;;) {
            try {
                auto u = db.begin(store::tx::write);
                const auto batch = u->outbox().claim(1'700'000'000, 1'700'000'600, 3);
                u->commit();
                if (batch.empty()) {
                    return;
                }
                std::lock_guard lock(mutex);
                for (const auto& m : batch) {
                    claimed.push_back(m.id);
                }
            } catch (const std::exception&) {
                ++failures;
                return;
            }
        }
    };
    std::vector<std::thread> workers;
    workers.emplace_back(worker, std::ref(*node_a));
    workers.emplace_back(worker, std::ref(*node_a));
    workers.emplace_back(worker, std::ref(*node_b));
    workers.emplace_back(worker, std::ref(*node_b));
    for (auto& w : workers) {
        w.join();
    }

    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(claimed.size(), static_cast<std::size_t>(messages));
    EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(), static_cast<std::size_t>(messages));
}

TEST_F(PostgresDatabase, ThrottleHitsFromTwoNodesEachCountOnce) {
    auto node_a = open();
    auto node_b = open();
    constexpr int per_thread = 40;
    std::atomic<int> failures{0};
    const auto hammer = [&](store::database& db) {
        for (int i = 0; i < per_thread; ++i) {
            try {
                auto u = db.begin(store::tx::write);
                u->throttles().hit("complete:192.0.2.1", 1'700'000'000, 3600);
                u->commit();
            } catch (const std::exception&) {
                ++failures;
            }
        }
    };
    std::thread a(hammer, std::ref(*node_a));
    std::thread b(hammer, std::ref(*node_b));
    a.join();
    b.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(node_a->begin(store::tx::read)->throttles().hits("complete:192.0.2.1", 1'700'000'000, 3600),
              2 * per_thread);
}

TEST_F(PostgresDatabase, ScrubLeavesNoTupleOfTheErasedGuestInTheTableOrItsIndexes) {
    // pageinspect reads the pages as they are on disk (it needs a superuser: the test cluster's user is one).
    admin a(db_.name());
    a.exec("CREATE EXTENSION IF NOT EXISTS pageinspect");
    auto db = open();
    add_merchant(*db, 1);
    const std::string email = "erased.person.4711@example.com";
    core::guest_id gone;
    {
        auto u = db->begin(store::tx::write);
        store::guest g;
        g.merchant = core::merchant_id{1};
        g.fields.email = email;
        g.fields.lastname = "Erasedperson4711";
        g.custom_fields = {{"note", "erased-note-4711"}};
        gone = *u->guests().insert(g);
        u->commit();
    }
    const std::string contains = "position(convert_to('4711', 'UTF8') in t_data) > 0";
    const auto tuples_holding = [&](const std::string& table) {
        return a.number("SELECT count(*) FROM generate_series(0, pg_relation_size('" + table +
                        "') / current_setting('block_size')::int - 1) AS page, "
                        "heap_page_items(get_raw_page('" + table + "', page::int)) WHERE " + contains);
    };
    const auto index_entries_holding = [&](const std::string& index) {
        return a.number("SELECT count(*) FROM generate_series(1, pg_relation_size('" + index +
                        "') / current_setting('block_size')::int - 1) AS page, "
                        "bt_page_items('" + index + "', page::int) WHERE position(convert_to('4711', 'UTF8') in "
                        "decode(replace(data, ' ', ''), 'hex')) > 0");
    };
    ASSERT_EQ(tuples_holding("guests"), 1);
    ASSERT_EQ(tuples_holding("guest_custom_fields"), 1);
    ASSERT_EQ(index_entries_holding("guests_merchant_id_email_norm_key"), 1);

    {
        auto u = db->begin(store::tx::write);
        ASSERT_TRUE(u->guests().erase(core::merchant_id{1}, gone));
        u->commit();
    }
    db->scrub();

    // No line pointer of the tables, and no entry of the email index, holds the person any more.
    EXPECT_EQ(tuples_holding("guests"), 0);
    EXPECT_EQ(tuples_holding("guest_custom_fields"), 0);
    EXPECT_EQ(index_entries_holding("guests_merchant_id_email_norm_key"), 0);
}

// Write concurrency without a lock shared by every writer: a write unit locks the rows it reads, and nothing else.

TEST_F(PostgresDatabase, WritesOfDifferentGuestsDoNotWaitForEachOther) {
    // A short lock timeout: a writer that waited for another would fail rather than hang.
    auto db = open(1000);
    add_merchant(*db, 1);
    const auto first = committed_guest(*db, "first@example.com");
    const auto second = committed_guest(*db, "second@example.com");

    // Unit A reads the first guest to write it, and stays open holding its row lock.
    auto a = db->begin(store::tx::write);
    ASSERT_TRUE(a->guests().find(core::merchant_id{1}, first));

    // Unit B updates the second guest and commits meanwhile.
    ASSERT_NO_THROW({
        auto b = db->begin(store::tx::write);
        auto g = b->guests().find(core::merchant_id{1}, second);
        ASSERT_TRUE(g);
        g->fields.firstname = "Bea";
        ASSERT_TRUE(b->guests().update(*g));
        b->commit();
    });
    EXPECT_EQ(db->begin(store::tx::read)->guests().find(core::merchant_id{1}, second)->fields.firstname, "Bea");
}

TEST_F(PostgresDatabase, WritesOfOneGuestTakeTurnsSoTheSecondReadsWhatTheFirstWrote) {
    auto db = open();
    add_merchant(*db, 1);
    const auto id = committed_guest(*db, "one@example.com");

    // Unit A reads the guest to write it.
    auto a = db->begin(store::tx::write);
    auto mine = a->guests().find(core::merchant_id{1}, id);
    ASSERT_TRUE(mine);
    ASSERT_EQ(mine->version, 1);

    // Unit B, on another thread, reads the same guest to write it: it must wait for A's row lock.
    std::optional<std::int64_t> version_b_read;
    std::thread b([&] {
        auto u = db->begin(store::tx::write);
        version_b_read = u->guests().find(core::merchant_id{1}, id)->version;
    });
    admin watcher(db_.name());
    for (int polls = 0; watcher.number("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND wait_event_type = 'Lock'") != 1;
         ++polls) {
        ASSERT_LT(polls, 10'000) << "unit B never waited for unit A's row lock";
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    // A writes and commits: B then reads A's version, not the one A read (no lost update).
    mine->fields.firstname = "Ann";
    ASSERT_TRUE(a->guests().update(*mine));
    a->commit();
    b.join();
    EXPECT_EQ(version_b_read, 2);
}

namespace {

/// guestd_db_retries_total as the metrics page shows it (0 before the first retry).
double retries_counted() {
    const std::string page = core::metrics::render();
    const std::string name = "guestd_db_retries_total ";
    const auto at = page.find("\n" + name);
    return at == std::string::npos ? 0 : std::stod(page.substr(at + 1 + name.size()));
}

}  // namespace

// Two writers that lock two guests in opposite orders deadlock; PostgreSQL ends one of them (40P01), and
// store::write runs that one's unit again, which then waits its turn: both writes land, at the cost of one retry.
TEST_F(PostgresDatabase, ADeadlockedWriteUnitIsRunAgainByStoreWriteAndBothWritesLand) {
    auto db = open();
    add_merchant(*db, 1);
    const core::merchant_id m{1};
    const auto first = committed_guest(*db, "first@example.com");
    const auto second = committed_guest(*db, "second@example.com");
    const double retries_before = retries_counted();

    std::latch both_hold_one(2);
    std::atomic<int> attempts{0};
    const auto write_both = [&](core::guest_id a, core::guest_id b, const std::string& city) {
        return store::write(*db, [&](store::unit_of_work& u) {
            // The first attempt holds its first row until the other writer holds its own: a certain deadlock.
            const bool first_attempt = attempts.fetch_add(1) < 2;
            auto one = u.guests().find(m, a);
            if (first_attempt) both_hold_one.arrive_and_wait();
            auto other = u.guests().find(m, b);
            one->fields.city = city;
            other->fields.city = city;
            const bool written = u.guests().update(*one).has_value() && u.guests().update(*other).has_value();
            u.commit();
            return written;
        });
    };
    std::optional<bool> forward, backward;
    std::thread t([&] { forward = write_both(first, second, "Forward"); });
    backward = write_both(second, first, "Backward");
    t.join();

    EXPECT_EQ(forward, std::optional(true));
    EXPECT_EQ(backward, std::optional(true));
    EXPECT_EQ(attempts.load(), 3) << "one of the two ran again, once";
    EXPECT_EQ(retries_counted() - retries_before, 1);
    auto u = db->begin(store::tx::read);
    const auto a = u->guests().find(m, first);
    const auto b = u->guests().find(m, second);
    EXPECT_EQ(a->version, 3);
    EXPECT_EQ(b->version, 3);
    EXPECT_EQ(a->fields.city, b->fields.city) << "the retried writer wrote both, after the other";
}

}  // namespace guestd::contract
