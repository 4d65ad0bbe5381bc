// The PostgreSQL side of `guestd migrate-data`: one connection running one transaction that holds guestd's write
// lock (so no guestd node writes meanwhile), checks the schema and that the database is empty, sets the secondary
// indexes and foreign keys aside, streams each table with COPY FROM STDIN in PostgreSQL's binary format, rebuilds
// what it set aside, sets the id sequences and counts the rows, and commits (or rolls back) all of it at once. Errors carry the server's primary message, SQLSTATE and the COPY
// line, never DETAIL (it quotes the row's values, secret digests included).
#pragma once

#include "migrate/tables.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct pg_result;

namespace guestd::store::postgres {
class connection;
}

namespace guestd::migrate {

/// The target's open transaction.
class postgres_target {
public:
    /// Connects (the conninfo may hold a password: no message repeats it).
    explicit postgres_target(const std::string& conninfo);
    ~postgres_target();
    postgres_target(const postgres_target&) = delete;
    postgres_target& operator=(const postgres_target&) = delete;

    /// Begins the transaction and takes guestd's write lock, waiting at most a few seconds for a node's writer.
    void begin();

    /// Throws std::runtime_error naming the first difference between the database's tables and columns (and
    /// their types) and the spec.
    void check_schema(std::span<const table> spec);

    /// The spec's tables that hold at least one row.
    std::vector<std::string> non_empty_tables(std::span<const table> spec);

    /// Drops the secondary indexes and the foreign keys of the schema inside the transaction, keeping their
    /// definitions as the catalog gives them, so each COPY maintains only primary and unique keys; returns how
    /// many it dropped. restore_deferred() builds them back.
    std::size_t defer_secondary();

    /// Recreates what defer_secondary() dropped, under the same names: each index in one sorted pass, each
    /// foreign key checked in one join over the whole table (a row without its parent fails the migration).
    void restore_deferred();

    /// count(*) of a table, inside the transaction.
    std::int64_t count(std::string_view table_name);

    /// Makes the table's id sequence hand out last + 1 next.
    void set_sequence(std::string_view table_name, std::int64_t last);

    /// The value the table's id sequence will hand out next.
    std::int64_t next_id(std::string_view table_name);

    /// Commits; throws when the server did not.
    void commit();
    /// Rolls back (the dry run's end).
    void rollback();

    store::postgres::connection& conn() { return *conn_; }

private:
    /// Runs sql and returns the first column of each row (NULL as nothing).
    std::vector<std::optional<std::string>> column_of(std::string_view what, const std::string& sql);
    /// Runs sql and returns each row's first two columns as text (NULL as "").
    std::vector<std::pair<std::string, std::string>> pairs_of(std::string_view what, const std::string& sql);

    std::unique_ptr<store::postgres::connection> conn_;
    std::vector<std::string> restore_;  // the statements that rebuild what defer_secondary() dropped, in order
};

/// One COPY ... FROM STDIN (FORMAT binary) in progress: the caller writes each row's fields in the table spec's
/// order, then finish() ends it. Rows are buffered and sent in large chunks.
class copy_in {
public:
    copy_in(store::postgres::connection& c, const table& t);
    /// Cancels the COPY when finish() did not run (an error is on its way up).
    ~copy_in();
    copy_in(const copy_in&) = delete;
    copy_in& operator=(const copy_in&) = delete;

    /// Starts a row of the table's column count.
    void row();
    void null();
    void int8(std::int64_t v);
    void int4(std::int32_t v);
    void boolean(bool v);
    void bytes(std::string_view v);

    /// Sends the end of data and returns how many rows the server copied; throws std::runtime_error with the
    /// server's reason (the first bad row's line and column) when it refused them.
    std::int64_t finish();

private:
    void put16(std::uint16_t v);
    void put32(std::uint32_t v);
    void put64(std::uint64_t v);
    void flush();
    /// Throws the server's error for the COPY, with the result in hand (null: ask the connection).
    [[noreturn]] void fail(pg_result* result);

    store::postgres::connection& conn_;
    std::string name_;
    std::uint16_t columns_;
    std::string buffer_;
    bool open_ = true;
};

}  // namespace guestd::migrate
