#include "store/sqlite/sqlite_database.hpp"

#include "core/error.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/queries.hpp"
#include "store/sqlite/backend.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace guestd::store::sqlite {

namespace {

using steady = std::chrono::steady_clock;

/// The connections of one database, opened on demand up to a limit, and the in-process write gate. Shared by
/// the database and its units of work, so either may go first.
class connection_pool {
public:
    connection_pool(std::string path, connection_settings settings, unsigned size, std::unique_ptr<connection> first)
        : path_(std::move(path)), settings_(settings), size_(size), open_(1) {
        idle_.push_back(std::move(first));
    }

    /// A free connection (and the write gate when writer), waiting until deadline; past it, a transient error.
    std::unique_ptr<connection> acquire(bool writer, steady::time_point deadline) {
        std::unique_lock lock(mutex_);

        // Queue in-process writers here rather than in SQLite's busy handler, which polls with growing sleeps
        // and is unfair under contention; other processes (the CLI) still meet SQLite's busy timeout.
        if (writer) {
            if (!writer_free_.wait_until(lock, deadline, [&] { return !writing_; })) {
                throw core::backend_error("sqlite: no write transaction could start within the busy timeout", true);
            }
            writing_ = true;
        }
        try {
            // Take an idle connection, or open one while under the limit.
            if (!connection_free_.wait_until(lock, deadline, [&] { return !idle_.empty() || open_ < size_; })) {
                throw core::backend_error("sqlite: no free database connection within the busy timeout", true);
            }
            if (!idle_.empty()) {
                auto c = std::move(idle_.back());
                idle_.pop_back();
                return c;
            }
            ++open_;
            lock.unlock();
            try {
                return std::make_unique<connection>(path_, settings_);
            } catch (...) {
                lock.lock();
                --open_;
                connection_free_.notify_one();
                throw;
            }
        } catch (...) {
            if (!lock.owns_lock()) {
                lock.lock();
            }
            release_writer(writer);
            throw;
        }
    }

    /// Takes a connection back (null: it was broken and closed) and the write gate when writer.
    void release(std::unique_ptr<connection> c, bool writer) {
        std::lock_guard lock(mutex_);
        if (c) {
            idle_.push_back(std::move(c));
        } else {
            --open_;
        }
        connection_free_.notify_one();
        release_writer(writer);
    }

private:
    void release_writer(bool writer) {
        if (writer) {
            writing_ = false;
            writer_free_.notify_one();
        }
    }

    const std::string path_;
    const connection_settings settings_;
    const unsigned size_;
    std::mutex mutex_;
    std::condition_variable connection_free_;
    std::condition_variable writer_free_;
    std::vector<std::unique_ptr<connection>> idle_;
    unsigned open_;
    bool writing_ = false;
};

/// A connection borrowed from the pool for one unit of work; returned when destroyed.
class lease {
public:
    lease(std::shared_ptr<connection_pool> pool, bool writer, steady::time_point deadline)
        : pool_(std::move(pool)), writer_(writer), conn_(pool_->acquire(writer, deadline)) {}
    ~lease() { pool_->release(std::move(conn_), writer_); }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;

    connection& conn() { return *conn_; }
    /// Closes the connection instead of returning it: its state is unknown after a failed rollback.
    void discard() { conn_.reset(); }

private:
    std::shared_ptr<connection_pool> pool_;
    bool writer_;
    std::unique_ptr<connection> conn_;
};

class unit_of_work final : public sql::unit_of_work_stores<backend> {
public:
    unit_of_work(std::unique_ptr<lease> held, const core::clock& clock, tx mode)
        : unit_of_work_stores(held->conn(), clock, mode), lease_(std::move(held)) {}

    ~unit_of_work() override {
        // Roll back whatever was not committed; a connection that cannot roll back is not reused.
        if (lease_->conn().in_transaction()) {
            try {
                statement(lease_->conn(), queries::rollback).run();
            } catch (const core::backend_error&) {
                lease_->discard();
            }
        }
    }

    // In WAL mode with synchronous=FULL, COMMIT returns once the WAL is synced: the writes are durable.
    void commit() override { statement(lease_->conn(), queries::commit).run(); }

private:
    std::unique_ptr<lease> lease_;
};

class database final : public store::database {
public:
    database(std::shared_ptr<connection_pool> pool, std::chrono::milliseconds busy_timeout, bool bulk_writer,
             const core::clock& clock)
        : pool_(std::move(pool)), busy_timeout_(busy_timeout), bulk_writer_(bulk_writer), clock_(clock) {}

    std::unique_ptr<store::unit_of_work> start(tx mode) override {
        // Borrow a connection, waiting at most the busy timeout.
        const bool writer = mode == tx::write;
        const auto deadline = steady::now() + busy_timeout_;
        auto held = std::make_unique<lease>(pool_, writer, deadline);

        // A bulk writer lets the writers of other processes that wait for the write lock go first.
        if (writer && bulk_writer_) (void)held->conn().writers().let_waiters_pass(deadline);

        // Start the transaction (queries.hpp says why a write's is IMMEDIATE).
        statement(held->conn(), writer ? queries::begin_write : queries::begin_read).run();
        return std::make_unique<unit_of_work>(std::move(held), clock_, mode);
    }

    bool ping() override {
        try {
            lease held(pool_, false, steady::now() + busy_timeout_);
            statement st(held.conn(), sql::queries::ping);
            return st.step() && st.int64(0) == 1;
        } catch (const core::backend_error&) {
            return false;
        }
    }

    // Every connection runs with secure_delete, so a DELETE already zeroed the rows it removed in the pages it
    // wrote; what is left is the WAL, which still holds the older copies of those pages.
    void scrub() override {
        // Borrow a connection without the write gate: the checkpoint takes SQLite's own write lock, and a caller
        // may still hold the committed unit of work that did the deleting.
        const auto deadline = steady::now() + busy_timeout_;
        lease held(pool_, false, deadline);

        // Copy the WAL into the database file and truncate it; a reader still reading from the WAL blocks that
        // (SQLite waits for it in its busy handler), so try again until the busy timeout has passed.
        for (;;) {
            {
                statement st(held.conn(), queries::checkpoint_truncate);
                if (st.step() && st.int64(0) == 0) {
                    return;
                }
            }
            if (steady::now() >= deadline) {
                throw core::backend_error(
                    "sqlite: checkpoint_truncate: readers kept the WAL busy past the busy timeout", true);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }

private:
    std::shared_ptr<connection_pool> pool_;
    std::chrono::milliseconds busy_timeout_;
    bool bulk_writer_;
    const core::clock& clock_;
};

}  // namespace

std::unique_ptr<store::database> open(const options& opts, const core::clock& clock) {
    if (opts.pool_size == 0) {
        throw core::backend_error("sqlite: pool_size must be at least 1", false);
    }

    // Open the first connection and bring the schema up to date through it.
    const connection_settings settings{opts.busy_timeout_ms, opts.cache_kib, opts.bulk_writer};
    auto first = std::make_unique<connection>(opts.path, settings);
    try {
        migrate(*first, clock, embedded_migrations());
    } catch (const core::backend_error& e) {
        throw core::backend_error("cannot migrate database '" + opts.path + "': " + e.what(), e.transient());
    }

    // Keep it as the pool's first connection; the others open on demand.
    auto pool = std::make_shared<connection_pool>(opts.path, settings, opts.pool_size, std::move(first));
    return std::make_unique<database>(std::move(pool), std::chrono::milliseconds(opts.busy_timeout_ms),
                                      opts.bulk_writer, clock);
}

}  // namespace guestd::store::sqlite
