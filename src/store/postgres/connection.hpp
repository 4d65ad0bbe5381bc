// One libpq connection with its prepared statements, and the statement handle the stores run queries through.
// Internal to the PostgreSQL backend: every PostgreSQL error becomes a core::backend_error here, named after
// the query that failed (never its bound values), transient when retrying later may succeed.
#pragma once

#include "core/error.hpp"
#include "core/ids.hpp"
#include "store/postgres/queries.hpp"
#include "store/sql/text.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

struct pg_conn;
struct pg_result;

namespace guestd::store::postgres {

/// Thrown when a statement breaks a UNIQUE or PRIMARY KEY constraint.
class unique_violation : public core::backend_error {
public:
    using core::backend_error::backend_error;
};

/// Marks a bound value as BYTEA (secret hashes) rather than TEXT.
struct bytea {
    std::string_view bytes;
};

/// Binds a list of strings as one text[] parameter.
struct text_array {
    const std::vector<std::string>& values;
};

/// How to reach the server and what every connection is set up with.
struct connection_settings {
    std::string conninfo;          // a postgresql:// URI or key=value pairs; may hold a password, never logged
    int connect_timeout_s = 5;     // a default: a connect_timeout in conninfo wins
    bool force_connect_timeout = false;  // true: connect_timeout_s wins over conninfo's (the health probe)
    int lock_timeout_ms = 5000;    // how long a statement waits for a lock (row locks included)
    int idle_in_transaction_timeout_s = 60;  // the server ends a transaction left idle this long (0: never)
};

/// An open session with the server, in UTF-8, used by one thread at a time.
class connection {
public:
    /// Connects; throws a transient core::backend_error naming the host, port and database (never the
    /// password) when the server cannot be reached or refuses the login.
    explicit connection(const connection_settings& settings);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Runs SQL without parameters through the simple protocol (transaction control, migration scripts; several
    /// statements may be separated by ';'); `what` names it in errors. Returns the last command's tag.
    std::string exec(std::string_view what, std::string_view sql);
    /// Runs "SELECT 1" and waits at most until deadline for the answer; false on any failure or time out.
    bool ping(std::string_view sql, std::chrono::steady_clock::time_point deadline);
    /// Prepares q on this connection under its name the first time, with these parameter type OIDs.
    void prepare(const query& q, std::span<const unsigned> types);

    /// False once the connection is lost or answered in a way that makes it unfit to reuse.
    bool usable() const;
    /// True when no transaction is open.
    bool idle() const;
    /// True inside a transaction that an error aborted (only ROLLBACK can follow).
    bool failed() const;
    /// True until the first statement ran on it: an error on a fresh connection is not a stale connection's.
    bool fresh() const { return fresh_; }
    /// Marks the connection unfit to reuse (e.g. the server turned read-only under a failover).
    void poison() { poisoned_ = true; }
    /// False when the server sent anything while the connection sat idle in the pool, which it only does when it
    /// is going away (a restart or a failover ends every session with an error and closes it): checked without
    /// waiting, so a unit of work that sends no BEGIN first can take another connection rather than fail.
    bool alive();
    /// From now on, until called with false, a second statement on this connection throws (a tx::statement unit:
    /// without a transaction, a second statement would see another snapshot).
    void limit_to_one_statement(bool on) {
        one_statement_ = on;
        ran_one_ = false;
    }
    /// The last WARNING the server sent since the previous call ("" when none), as "message (SQLSTATE s)";
    /// clears it. COMMIT answers success with a warning when its wait for a synchronous standby was cancelled.
    std::string take_warning() { return std::exchange(warning_, {}); }

    pg_conn* handle() const { return conn_; }

    /// q with FOR UPDATE appended, under its own name (q's name + "_for_update"): a finder that locks the rows it
    /// returns until the transaction ends. Made once per connection and kept with it.
    const query& for_update(const query& q);

private:
    pg_conn* conn_ = nullptr;
    std::unordered_map<std::string_view, std::vector<unsigned>> prepared_;
    struct locking_query {
        std::string name;
        std::string sql;
        query q;
    };
    std::unordered_map<const query*, locking_query> locking_;  // nodes never move: q views name and sql
    bool fresh_ = true;
    bool poisoned_ = false;
    bool one_statement_ = false;
    bool ran_one_ = false;
    std::string warning_;

    friend class statement;
};

/// Throws the backend_error for a failed result (null: out of memory or a lost connection), classifying it
/// by SQLSTATE: transient for serialization failures, deadlocks, lock and statement timeouts, lost connections
/// and a server shutting down or out of connections; unique_violation for 23505; otherwise permanent. Frees
/// result. `what` names the query or step that failed.
[[noreturn]] void throw_error(connection& c, pg_result* result, std::string_view what);

/// One parameter encoded in PostgreSQL's binary format.
struct param {
    unsigned type = 0;
    const char* data = nullptr;  // null: SQL NULL
    int length = 0;
    char word[8] = {};           // storage for integers and booleans
    std::string owned;           // storage for arrays
};

/// A statement run with its arguments bound to $1..$N, as soon as it is constructed; step() then walks the
/// rows of its answer (all received at once) and run() tells how many rows it changed.
class statement {
public:
    template <class... Args>
    statement(connection& c, const query& q, const Args&... args) : conn_(c), query_(q) {
        std::array<param, sizeof...(Args)> params;
        [[maybe_unused]] std::size_t index = 0;
        (encode(params[index++], args), ...);
        execute(params);
    }
    ~statement();
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;

    /// Advances to the next row: true when one is available, false when there are no more.
    bool step();
    /// How many rows the statement inserted, updated or deleted.
    std::int64_t run() const;

    std::int64_t int64(int column) const;
    std::optional<std::int64_t> opt_int64(int column) const;
    bool boolean(int column) const;
    std::string text(int column) const;
    std::optional<std::string> opt_text(int column) const;
    std::string bytes(int column) const { return text(column); }

private:
    void execute(std::span<param> params);
    bool is_null(int column) const;

    static void encode(param& p, std::int64_t value);
    static void encode(param& p, int value) { encode(p, std::int64_t{value}); }
    static void encode(param& p, bool value);
    static void encode(param& p, std::string_view value);
    static void encode(param& p, const std::string& value) { encode(p, std::string_view(value)); }
    static void encode(param& p, const char* value) { encode(p, std::string_view(value)); }
    static void encode(param& p, bytea value);
    static void encode(param& p, text_array value);
    template <class T>
    static void encode(param& p, const std::optional<T>& value) {
        if (value) {
            encode(p, *value);
        } else {
            encode(p, T{});
            p.data = nullptr;
            p.length = 0;
        }
    }
    template <class Tag>
    static void encode(param& p, core::id<Tag> value) {
        encode(p, value.value);
    }

    connection& conn_;
    const query& query_;
    pg_result* result_ = nullptr;
    int row_ = -1;
    int rows_ = 0;
};

using sql::ascii_lower;

}  // namespace guestd::store::postgres
