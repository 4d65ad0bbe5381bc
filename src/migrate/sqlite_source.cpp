#include "migrate/sqlite_source.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <set>

namespace guestd::migrate {
namespace {

/// "name" as an SQL identifier (the names come from the spec, but quoting costs nothing).
std::string quoted(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        out += c;
        if (c == '"') out += '"';
    }
    return out + "\"";
}

}  // namespace

sqlite_source::sqlite_source(const std::string& path, std::int64_t newest_version) : path_(path) {
    // The file must exist: opening read-only never creates one, but say so plainly.
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw std::runtime_error("no SQLite database at " + path);
    }

    // Open it read-only; a guestd still running on it may hold the write lock, so wait for it as guestd does.
    if (const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
        rc != SQLITE_OK) {
        std::string message = "cannot open " + path + ": " + (db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error(message);
    }
    sqlite3_busy_timeout(db_, 5000);
    try {
        start(newest_version);
    } catch (...) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

void sqlite_source::start(std::int64_t newest_version) {
    // Start the snapshot: every read from here to the destructor sees the file as it is at the first one.
    if (sqlite3_exec(db_, "BEGIN DEFERRED", nullptr, nullptr, nullptr) != SQLITE_OK) {
        fail("begin the read transaction");
    }
    const auto has_migrations =
        scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'");
    if (!has_migrations || *has_migrations == 0) {
        throw std::runtime_error(path_ + " is not a guestd database (it has no schema_migrations table)");
    }
    version_ = scalar("SELECT coalesce(max(version), 0) FROM schema_migrations").value_or(0);

    // Move only a file at this guestd's schema: the tables and columns to copy are this binary's.
    if (version_ < newest_version) {
        throw source_not_ready(path_ + " is at schema version " + std::to_string(version_) + ", this guestd's is " +
                               std::to_string(newest_version) + ": run this guestd on it once (for example `guestd " +
                               "outbox list --db " + path_ + "`, which applies the pending migrations), then run " +
                               "migrate-data again");
    }
    if (version_ > newest_version) {
        throw source_not_ready(path_ + " is at schema version " + std::to_string(version_) +
                               ", newer than this guestd knows (" + std::to_string(newest_version) +
                               "): run migrate-data from the guestd that wrote it");
    }
}

sqlite_source::~sqlite_source() {
    // Ending the read transaction (rather than closing with it open) keeps SQLite quiet; nothing was written.
    if (db_ != nullptr) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        sqlite3_close_v2(db_);
    }
}

void sqlite_source::fail(std::string_view what) const {
    throw std::runtime_error("sqlite: " + std::string(what) + " in " + path_ + ": " + sqlite3_errmsg(db_));
}

std::optional<std::int64_t> sqlite_source::scalar(const std::string& sql) const {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
        fail("prepare " + sql);
    }
    std::optional<std::int64_t> out;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
        out = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        fail(sql);
    }
    return out;
}

void sqlite_source::check_schema(std::span<const table> spec, std::span<const std::string_view> sqlite_only) const {
    // The file's tables: every one must be copied or deliberately left (SQLite's own and the SQLite-only ones).
    std::set<std::string> file_tables;
    {
        sqlite3_stmt* stmt = nullptr;
        const char* sql = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
        if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) fail("list the tables");
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            file_tables.emplace(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
        }
        sqlite3_finalize(stmt);
    }
    for (const auto& name : file_tables) {
        const bool known = std::ranges::any_of(spec, [&](const table& t) { return t.name == name; }) ||
                           std::ranges::find(sqlite_only, name) != sqlite_only.end();
        if (!known) {
            throw std::runtime_error("the SQLite table " + name + " is unknown to migrate-data (src/migrate/tables.cpp); "
                                     "nothing was copied");
        }
    }

    // Each table's columns must be exactly the spec's, whatever their order.
    for (const table& t : spec) {
        if (!file_tables.contains(std::string(t.name))) {
            throw std::runtime_error(path_ + " has no table " + std::string(t.name) + "; nothing was copied");
        }
        std::set<std::string> file_columns;
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db_, "SELECT name FROM pragma_table_info(?1)", -1, &stmt, nullptr) != SQLITE_OK) {
            fail("list the columns");
        }
        sqlite3_bind_text(stmt, 1, t.name.data(), static_cast<int>(t.name.size()), SQLITE_STATIC);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            file_columns.emplace(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
        }
        sqlite3_finalize(stmt);
        for (const column& c : t.columns) {
            if (file_columns.erase(std::string(c.name)) == 0) {
                throw std::runtime_error("the SQLite table " + std::string(t.name) + " has no column " +
                                         std::string(c.name) + "; nothing was copied");
            }
        }
        if (!file_columns.empty()) {
            throw std::runtime_error("the SQLite column " + std::string(t.name) + "." + *file_columns.begin() +
                                     " is unknown to migrate-data (src/migrate/tables.cpp); nothing was copied");
        }
    }
}

std::int64_t sqlite_source::count(std::string_view table_name) const {
    return scalar("SELECT count(*) FROM " + quoted(table_name)).value_or(0);
}

std::int64_t sqlite_source::autoincrement_counter(std::string_view table_name) const {
    // sqlite_sequence exists once any AUTOINCREMENT table does; V001 creates some.
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT seq FROM sqlite_sequence WHERE name = ?1", -1, &stmt, nullptr) != SQLITE_OK) {
        fail("read sqlite_sequence");
    }
    sqlite3_bind_text(stmt, 1, table_name.data(), static_cast<int>(table_name.size()), SQLITE_STATIC);
    std::int64_t out = 0;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) out = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail("read sqlite_sequence");
    return out;
}

std::int64_t sqlite_source::highest_erased_guest() const {
    return scalar("SELECT max(highest_erased) FROM guest_id_floor").value_or(0);
}

std::int64_t sqlite_source::max_id(std::string_view table_name) const {
    return scalar("SELECT max(id) FROM " + quoted(table_name)).value_or(0);
}

// Rows.

sqlite_rows::sqlite_rows(sqlite_source& source, const table& t) : source_(source), what_("read " + std::string(t.name)) {
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        sql += (i == 0 ? "" : ", ") + quoted(t.columns[i].name);
    }
    sql += " FROM " + quoted(t.name);
    if (sqlite3_prepare_v2(source_.handle(), sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
        source_.fail(what_);
    }
}

sqlite_rows::~sqlite_rows() { sqlite3_finalize(stmt_); }

bool sqlite_rows::next() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    source_.fail(what_);
}

sqlite_value sqlite_rows::value(int i) const {
    sqlite_value v;
    switch (sqlite3_column_type(stmt_, i)) {
        case SQLITE_NULL:
            v.type = sqlite_value::kind::null;
            break;
        case SQLITE_INTEGER:
            v.type = sqlite_value::kind::integer;
            v.integer = sqlite3_column_int64(stmt_, i);
            break;
        case SQLITE_FLOAT:
            v.type = sqlite_value::kind::real;
            break;
        case SQLITE_TEXT: {
            v.type = sqlite_value::kind::text;
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
            v.bytes = std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
            break;
        }
        default: {
            v.type = sqlite_value::kind::blob;
            const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
            const int n = sqlite3_column_bytes(stmt_, i);
            v.bytes = n > 0 ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
            break;
        }
    }
    return v;
}

}  // namespace guestd::migrate
