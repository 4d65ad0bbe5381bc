// One SQLite connection with its prepared-statement cache, and the statement handle the stores run queries
// through. Internal to the SQLite backend: every SQLite error becomes a core::backend_error here, named after
// the query that failed (never its bound values).
#pragma once

#include "core/error.hpp"
#include "core/ids.hpp"
#include "store/sql/text.hpp"
#include "store/sqlite/queries.hpp"
#include "store/sqlite/turnstile.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace guestd::store::sqlite {

/// Thrown when a statement breaks a UNIQUE or PRIMARY KEY constraint; stores turn it into already_exists.
class unique_violation : public core::backend_error {
public:
    using core::backend_error::backend_error;
};

/// Marks a bound value as a BLOB (secret hashes) rather than TEXT.
struct blob {
    std::string_view bytes;
};

/// The settings every connection is opened with.
struct connection_settings {
    int busy_timeout_ms = 5000;
    std::int64_t cache_kib = 8192;
    bool bulk_writer = false;  // waits for the write lock without standing in the turnstile's line
};

/// An open database handle in WAL mode with synchronous=FULL, foreign keys and secure_delete on. Used by one
/// thread at a time.
class connection {
public:
    /// Opens (creating if needed) the file at path; throws core::backend_error naming the path on failure.
    connection(const std::string& path, const connection_settings& settings);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Runs SQL without parameters or results (transaction control, migration scripts); `what` names it in errors.
    void exec(std::string_view what, const std::string& sql);
    /// The cached prepared statement for q, preparing it on first use: SQLite's text of q, with its $N
    /// placeholders read as ?N (sqlite_placeholders).
    sqlite3_stmt* prepared(const query& q);
    /// True while a transaction is open.
    bool in_transaction() const;
    /// The rowid of the row the last successful INSERT on this connection added (cheaper than RETURNING, which
    /// makes SQLite buffer the returned rows in a temporary table).
    std::int64_t last_insert_rowid() const;
    sqlite3* handle() const { return db_; }
    /// The database's turnstile, as this connection stands in it (turnstile.hpp).
    sqlite::turnstile& writers() { return writers_; }
    /// Called after every call into SQLite that may have waited in the busy handler: leaves the line.
    void done_waiting() noexcept { writers_.leave(); }

private:
    /// SQLite's busy handler: polls every millisecond until the busy timeout, standing in the turnstile's line
    /// meanwhile (unless a bulk writer). SQLite's own handler sleeps up to 100 ms between polls.
    static int on_busy(void* self, int attempt) noexcept;

    sqlite3* db_ = nullptr;
    std::unordered_map<const query*, sqlite3_stmt*> cache_;
    sqlite::turnstile writers_;
    std::chrono::milliseconds busy_timeout_;
    bool bulk_writer_;
    std::chrono::steady_clock::time_point busy_since_;
};

/// Throws the backend_error for SQLite result code rc: transient for BUSY and LOCKED, unique_violation for a
/// UNIQUE or PRIMARY KEY constraint, otherwise permanent. `what` names the query or step that failed.
[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view what);

/// q's text with each $N placeholder outside quotes turned into ?N, which SQLite binds by number: SQLite would
/// take $1 as a named parameter, numbered in order of first appearance rather than by its digits.
std::string sqlite_placeholders(std::string_view sql);

/// A cached statement in use: binds its arguments to ?1..?N, steps through rows, and resets itself when
/// destroyed so the connection can reuse it.
class statement {
public:
    template <class... Args>
    statement(connection& c, const query& q, const Args&... args) : statement(c, q, arity{sizeof...(Args)}) {
        int index = 0;
        (bind(++index, args), ...);
    }
    ~statement();
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    /// Advances to the next row: true when one is available, false when the statement is done.
    bool step();
    /// Runs a statement that returns no rows to completion; returns how many rows it changed.
    std::int64_t run();

    std::int64_t int64(int column) const;
    std::optional<std::int64_t> opt_int64(int column) const;
    std::string text(int column) const;
    std::optional<std::string> opt_text(int column) const;
    bool boolean(int column) const { return int64(column) != 0; }
    /// A BLOB's bytes; empty for NULL.
    std::string bytes(int column) const;

private:
    struct arity {
        std::size_t count;
    };
    statement(connection& c, const query& q, arity args);

    void bind(int index, std::int64_t value);
    void bind(int index, int value) { bind(index, std::int64_t{value}); }
    void bind(int index, bool value) { bind(index, std::int64_t{value ? 1 : 0}); }
    void bind(int index, std::string_view value);
    void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
    void bind(int index, const char* value) { bind(index, std::string_view(value)); }
    void bind(int index, const std::optional<std::string>& value);
    void bind(int index, const std::optional<std::int64_t>& value);
    void bind(int index, std::optional<std::string_view> value);
    void bind(int index, std::nullopt_t);
    void bind(int index, blob value);
    void bind(int index, const std::optional<blob>& value);
    template <class Tag>
    void bind(int index, core::id<Tag> value) {
        bind(index, value.value);
    }
    template <class Tag>
    void bind(int index, const std::optional<core::id<Tag>>& value) {
        bind(index, value ? std::optional<std::int64_t>(value->value) : std::nullopt);
    }
    void check(int rc) const;

    connection& conn_;
    const query& query_;
    sqlite3_stmt* stmt_;
};

using sql::ascii_lower;

}  // namespace guestd::store::sqlite
