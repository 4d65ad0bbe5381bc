// The SQLite side of `guestd migrate-data`: the database file opened read-only, with one read transaction held
// from the first read to the last, so every table is read from the same consistent snapshot even if a guestd
// still writes to the file (its later writes are not moved). Nothing here writes to the file.
#pragma once

#include "migrate/tables.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace guestd::migrate {

/// Thrown when the file is a guestd database whose schema is not this binary's newest: older (run guestd once on
/// it) or newer (upgrade guestd). what() says which and what to do.
class source_not_ready : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One value of the current row, as SQLite stores it.
struct sqlite_value {
    enum class kind { null, integer, real, text, blob };
    kind type = kind::null;
    std::int64_t integer = 0;
    std::string_view bytes;  // text or blob; valid until the next step
};

class sqlite_source;

/// The rows of one table in primary-key order, with the columns the table's spec names, in its order.
class sqlite_rows {
public:
    sqlite_rows(sqlite_source& source, const table& t);
    ~sqlite_rows();
    sqlite_rows(const sqlite_rows&) = delete;
    sqlite_rows& operator=(const sqlite_rows&) = delete;

    /// Advances to the next row: true when there is one.
    bool next();
    /// The value of column i (0-based, in the spec's order) of the current row.
    sqlite_value value(int i) const;

private:
    sqlite_source& source_;
    sqlite3_stmt* stmt_ = nullptr;
    std::string what_;
};

class sqlite_source {
public:
    /// Opens path read-only (never creating it) and starts the snapshot; throws std::runtime_error when the file
    /// is missing or not a SQLite database, not a guestd database, and source_not_ready when its schema version
    /// is not newest_version.
    sqlite_source(const std::string& path, std::int64_t newest_version);
    ~sqlite_source();
    sqlite_source(const sqlite_source&) = delete;
    sqlite_source& operator=(const sqlite_source&) = delete;

    /// The schema version the file records (schema_migrations).
    std::int64_t schema_version() const { return version_; }

    /// Throws std::runtime_error naming the first difference between the file's tables and columns and the
    /// spec: a table or column the spec lacks (it would be left behind) or one the file lacks.
    void check_schema(std::span<const table> spec, std::span<const std::string_view> sqlite_only) const;

    /// count(*) of a table, in the snapshot.
    std::int64_t count(std::string_view table_name) const;

    /// The highest id SQLite's AUTOINCREMENT counter has handed out for a table (sqlite_sequence), 0 when none.
    std::int64_t autoincrement_counter(std::string_view table_name) const;

    /// The highest guest id ever erased (guest_id_floor), 0 when none.
    std::int64_t highest_erased_guest() const;

    /// max(id) of a table, 0 when it is empty.
    std::int64_t max_id(std::string_view table_name) const;

    sqlite3* handle() const { return db_; }

    /// Throws std::runtime_error "sqlite: <what>: <SQLite's message>".
    [[noreturn]] void fail(std::string_view what) const;

private:
    /// Begins the read transaction and checks the schema version.
    void start(std::int64_t newest_version);
    /// The single integer a query returns (nothing for no row or NULL).
    std::optional<std::int64_t> scalar(const std::string& sql) const;

    sqlite3* db_ = nullptr;
    std::string path_;
    std::int64_t version_ = 0;
};

}  // namespace guestd::migrate
