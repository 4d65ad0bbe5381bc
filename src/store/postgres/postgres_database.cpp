#include "store/postgres/postgres_database.hpp"

#include "core/error.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/migrations.hpp"
#include "store/postgres/queries.hpp"
#include "store/postgres/backend.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>
#include <vector>

namespace guestd::store::postgres {

namespace {

using steady = std::chrono::steady_clock;

/// The connections of one database, opened on demand up to a limit. Shared by the database and its units of
/// work, so either may go first.
class connection_pool {
public:
    connection_pool(connection_settings settings, unsigned size, std::unique_ptr<connection> first)
        : settings_(std::move(settings)), size_(size), open_(1) {
        idle_.push_back(std::move(first));
    }

    const connection_settings& settings() const { return settings_; }
    unsigned size() const { return size_; }

    /// A free connection, waiting until deadline; past it, a transient error. Connects when every open
    /// connection is busy and the limit allows another.
    std::unique_ptr<connection> acquire(steady::time_point deadline) {
        std::unique_lock lock(mutex_);
        if (!connection_free_.wait_until(lock, deadline, [&] { return !idle_.empty() || open_ < size_; })) {
            throw core::backend_error("postgres: no free database connection within the busy timeout", true);
        }
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
        ++open_;
        lock.unlock();
        try {
            return std::make_unique<connection>(settings_);
        } catch (...) {
            lock.lock();
            --open_;
            connection_free_.notify_one();
            throw;
        }
    }

    /// Takes a connection back (null: it was broken and closed).
    void release(std::unique_ptr<connection> c) {
        std::lock_guard lock(mutex_);
        if (c) {
            idle_.push_back(std::move(c));
        } else {
            --open_;
        }
        connection_free_.notify_one();
    }

private:
    const connection_settings settings_;
    const unsigned size_;
    std::mutex mutex_;
    std::condition_variable connection_free_;
    std::vector<std::unique_ptr<connection>> idle_;
    unsigned open_;
};

/// A connection borrowed from the pool for one unit of work; returned when destroyed, with its transaction
/// rolled back if one is still open, or closed when it is no longer fit to reuse.
class lease {
public:
    lease(std::shared_ptr<connection_pool> pool, steady::time_point deadline)
        : pool_(std::move(pool)), conn_(pool_->acquire(deadline)) {}
    ~lease() {
        if (conn_) {
            conn_->limit_to_one_statement(false);
        }
        if (conn_ && conn_->usable() && !conn_->idle()) {
            try {
                conn_->exec("rollback", "ROLLBACK");
            } catch (const core::backend_error&) {
                conn_.reset();
            }
        }
        if (conn_ && (!conn_->usable() || !conn_->idle())) {
            conn_.reset();
        }
        pool_->release(std::move(conn_));
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;

    connection& conn() { return *conn_; }

private:
    std::shared_ptr<connection_pool> pool_;
    std::unique_ptr<connection> conn_;
};

class unit_of_work final : public sql::unit_of_work_stores<backend> {
public:
    unit_of_work(std::unique_ptr<lease> held, const core::clock& clock, tx mode)
        : unit_of_work_stores(held->conn(), clock, mode), lease_(std::move(held)), mode_(mode) {}

    // The lease rolls back whatever was not committed.
    ~unit_of_work() override = default;

    // COMMIT returns once the commit record is flushed (synchronous_commit, on by default; with synchronous
    // replication, once the standbys the operator configured have it too). A connection lost during COMMIT
    // leaves the outcome unknown: that is a transient error, and nothing was acknowledged.
    void commit() override {
        if (mode_ == tx::statement) {
            return;  // no transaction: the statement was its own
        }
        connection& c = lease_->conn();

        // PostgreSQL answers COMMIT of a transaction an error aborted with a silent rollback: refuse it instead.
        if (c.failed()) {
            throw core::backend_error("postgres: commit: an earlier statement failed, so the transaction was rolled back",
                                      false);
        }
        (void)c.take_warning();
        if (const std::string tag = c.exec("commit", "COMMIT"); tag != "COMMIT") {
            throw core::backend_error("postgres: commit: the server rolled the transaction back (" + tag + ")", false);
        }

        // A COMMIT that succeeded with a warning is one whose wait for the synchronous standby was cancelled
        // (pg_cancel_backend, a cancel request): committed here, maybe not on the standby that a failover would
        // promote. Not an acknowledgement, then: the outcome is unknown, as when the connection is lost in COMMIT.
        if (const std::string warning = c.take_warning(); !warning.empty()) {
            throw core::backend_error("postgres: commit: committed with a warning, maybe not replicated: " + warning,
                                      true);
        }
    }

private:
    std::unique_ptr<lease> lease_;
    tx mode_;
};

class database final : public store::database {
public:
    database(std::shared_ptr<connection_pool> pool, const options& opts, const core::clock& clock)
        : pool_(std::move(pool)),
          busy_timeout_(opts.busy_timeout_ms),
          ping_timeout_(opts.ping_timeout_ms),
          clock_(clock) {
        probe_settings_ = pool_->settings();
        probe_settings_.connect_timeout_s = std::max(2, (opts.ping_timeout_ms + 999) / 1000);
        probe_settings_.force_connect_timeout = true;
    }

    std::unique_ptr<store::unit_of_work> start(tx mode) override {
        const auto deadline = steady::now() + busy_timeout_;
        if (mode == tx::statement) {
            return start_statement(deadline);
        }
        const query& start = mode == tx::write ? queries::begin_write : queries::begin_read;

        // Borrow a connection and start the transaction (a writer takes no lock up front: its finders lock the
        // rows it reads, each wait bounded by the lock timeout).
        for (unsigned attempt = 0;; ++attempt) {
            auto held = std::make_unique<lease>(pool_, deadline);
            const bool fresh = held->conn().fresh();
            try {
                held->conn().exec(start.name, start.sql);
                return std::make_unique<unit_of_work>(std::move(held), clock_, mode);
            } catch (const core::backend_error&) {
                // An idle connection whose server went away (a restart, a failover) fails at its first use: the
                // lease closes it, and the next attempt takes another one, a newly opened one at the latest.
                if (held->conn().usable() || fresh || attempt >= pool_->size()) {
                    throw;
                }
            }
        }
    }

    // One statement needs no transaction: it is its own snapshot, and BEGIN and COMMIT would be two more round trips
    // than the statement itself. With no BEGIN to find a stale connection, alive() does: a server that went away
    // ended the connection with a message, which is there to read without waiting.
    std::unique_ptr<store::unit_of_work> start_statement(steady::time_point deadline) {
        for (unsigned attempt = 0;; ++attempt) {
            auto held = std::make_unique<lease>(pool_, deadline);
            if (held->conn().alive() || attempt >= pool_->size()) {
                held->conn().limit_to_one_statement(true);
                return std::make_unique<unit_of_work>(std::move(held), clock_, tx::statement);
            }
        }
    }

    // A connection of its own, so the answer says whether the database answers, not whether the pool has a free
    // connection; reopened after any failure, so the probe recovers by itself when the server comes back.
    bool ping() override {
        std::lock_guard lock(probe_mutex_);
        const auto deadline = steady::now() + ping_timeout_;

        // Ask on the probe; when the server dropped the probe since the last ping (a restart), ask once more on a
        // new connection, so the first ping after a restart does not call a database that is back down.
        for (int attempt = 0; attempt < 2; ++attempt) {
            const bool reused = probe_ && probe_->usable();
            try {
                if (!reused) {
                    probe_.reset();
                    probe_ = std::make_unique<connection>(probe_settings_);
                }
                if (probe_->ping(sql::queries::ping.sql, deadline)) {
                    return true;
                }
            } catch (const core::backend_error&) {
            }
            probe_.reset();
            if (!reused || steady::now() >= deadline) {
                break;
            }
        }
        return false;
    }

    // What this guarantees on PostgreSQL, and what it cannot:
    // - VACUUM, run here on the tables an erasure deletes from, removes every dead row version that no open
    //   transaction can still see, and (INDEX_CLEANUP ON) the index entries pointing at them: the rows are gone
    //   from every query, every index and every page's line pointers, and their space is marked free.
    // - PostgreSQL does not zero that space: the bytes of a removed row may stay in the table's data files until
    //   a later row overwrites them. VACUUM FULL would rewrite the tables into new files, but it locks them
    //   against every read and write for its whole run, which a live service cannot afford.
    // - A row version still visible to an open transaction (on any node, or held back by a replication slot or
    //   a standby's hot_standby_feedback) survives this VACUUM and goes at a later one (autovacuum).
    // - The WAL holds the deleted rows' earlier images until its segments are recycled (after checkpoints, past
    //   wal_keep_size and replication slots); so do WAL archives, streaming replicas' WAL, and base backups,
    //   until their own retention ends. Erasure from those is the operator's retention policy.
    void scrub() override {
        // VACUUM cannot run inside a transaction block: use a connection of its own, in autocommit, closed after.
        connection c(pool_->settings());
        c.exec(queries::vacuum_personal_data.name, queries::vacuum_personal_data.sql);
    }

private:
    std::shared_ptr<connection_pool> pool_;
    std::chrono::milliseconds busy_timeout_;
    std::chrono::milliseconds ping_timeout_;
    const core::clock& clock_;
    connection_settings probe_settings_;
    std::mutex probe_mutex_;
    std::unique_ptr<connection> probe_;
};

/// Throws a permanent error when conninfo cannot be parsed; libpq's message names the bad part, not a password.
void check_conninfo(const std::string& conninfo) {
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
    if (parsed == nullptr) {
        std::string message = "postgres: malformed connection string";
        if (error != nullptr) {
            std::string detail = error;
            while (!detail.empty() && detail.back() == '\n') {
                detail.pop_back();
            }
            message += ": " + detail;
            PQfreemem(error);
        }
        throw core::backend_error(message, false);
    }
    PQconninfoFree(parsed);
}

/// Refuses a server guestd cannot work with: text must be UTF-8, and VACUUM (INDEX_CLEANUP) needs 12.
void check_server(connection& c) {
    const char* encoding = PQparameterStatus(c.handle(), "server_encoding");
    if (encoding == nullptr || std::string_view(encoding) != "UTF8") {
        throw core::backend_error(std::string("postgres: the database's encoding is ") +
                                      (encoding != nullptr ? encoding : "unknown") +
                                      ", not UTF8 (create it with ENCODING 'UTF8')",
                                  false);
    }
    if (const int version = PQserverVersion(c.handle()); version < 120000) {
        throw core::backend_error("postgres: the server is version " + std::to_string(version / 10000) +
                                      "; guestd needs PostgreSQL 12 or newer",
                                  false);
    }
}

}  // namespace

std::unique_ptr<store::database> open(const options& opts, const core::clock& clock) {
    if (opts.pool_size == 0) {
        throw core::backend_error("postgres: pool_size must be at least 1", false);
    }
    check_conninfo(opts.conninfo);

    // Open the first connection, check the server and bring the schema up to date through it.
    connection_settings settings{.conninfo = opts.conninfo,
                                 .connect_timeout_s = opts.connect_timeout_s,
                                 .force_connect_timeout = false,
                                 .lock_timeout_ms = opts.busy_timeout_ms,
                                 .idle_in_transaction_timeout_s = opts.idle_in_transaction_timeout_s};
    auto first = std::make_unique<connection>(settings);
    check_server(*first);
    try {
        migrate(*first, clock, embedded_migrations());
    } catch (const core::backend_error& e) {
        throw core::backend_error("cannot migrate the PostgreSQL database: " + std::string(e.what()), e.transient());
    }

    // Keep it as the pool's first connection; the others open on demand.
    auto pool = std::make_shared<connection_pool>(std::move(settings), opts.pool_size, std::move(first));
    return std::make_unique<database>(std::move(pool), opts, clock);
}

}  // namespace guestd::store::postgres
