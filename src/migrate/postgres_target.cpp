#include "migrate/postgres_target.hpp"

#include "core/error.hpp"
#include "migrate/tables.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/queries.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace guestd::migrate {
namespace {

namespace pg = store::postgres;

constexpr std::size_t chunk_bytes = 1 << 20;

/// "name" as an SQL identifier.
std::string quoted(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        out += c;
        if (c == '"') out += '"';
    }
    return out + "\"";
}

/// 'text' as an SQL string literal.
std::string literal(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}

std::string trimmed(const char* text) {
    std::string out = text != nullptr ? text : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

}  // namespace

postgres_target::postgres_target(const std::string& conninfo) {
    // A writer of its own: the lock wait is bounded (a node writing holds guestd's write lock for milliseconds),
    // and a migration left idle inside its transaction (a hung client) ends on the server after five minutes.
    conn_ = std::make_unique<pg::connection>(pg::connection_settings{.conninfo = conninfo,
                                                                     .connect_timeout_s = 10,
                                                                     .force_connect_timeout = false,
                                                                     .lock_timeout_ms = 10000,
                                                                     .idle_in_transaction_timeout_s = 300});
    // A large table takes as long as it takes: no statement timeout a role or database may set applies here.
    conn_->exec("connection settings", "SET statement_timeout = 0");
}

postgres_target::~postgres_target() = default;

void postgres_target::begin() {
    // Every table it copies into, locked against writes (EXCLUSIVE lets reads through) until the copy commits: a
    // node started too early waits, at most its lock timeout, rather than writing beside the copy.
    std::string lock = "LOCK TABLE ";
    for (const auto& t : tables()) {
        if (lock.size() > std::string_view("LOCK TABLE ").size()) lock += ", ";
        lock += t.name;
    }
    lock += " IN EXCLUSIVE MODE";
    try {
        conn_->exec(pg::queries::begin_write.name, pg::queries::begin_write.sql);
        conn_->exec("lock the target's tables", lock);
    } catch (const core::backend_error& e) {
        throw std::runtime_error(std::string(e.what()) +
                                 " (a guestd running on the target is writing: stop every node first)");
    }
}

std::vector<std::optional<std::string>> postgres_target::column_of(std::string_view what, const std::string& sql) {
    PGresult* result = PQexec(conn_->handle(), sql.c_str());
    if (result == nullptr || PQresultStatus(result) != PGRES_TUPLES_OK) {
        pg::throw_error(*conn_, result, what);
    }
    std::vector<std::optional<std::string>> out;
    for (int row = 0; row < PQntuples(result); ++row) {
        if (PQgetisnull(result, row, 0) != 0) {
            out.emplace_back();
        } else {
            out.emplace_back(PQgetvalue(result, row, 0));
        }
    }
    PQclear(result);
    return out;
}

void postgres_target::check_schema(std::span<const table> spec) {
    // The target's tables, and each one's columns with their types, in the schema guestd's queries resolve to.
    std::map<std::string, std::map<std::string, std::string>> target;
    for (const auto& row : column_of("read the catalog", R"sql(
SELECT c.table_name || ' ' || c.column_name || ' ' || c.data_type
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
)sql")) {
        const std::string& line = row.value_or("");
        const auto first = line.find(' ');
        const auto second = line.find(' ', first + 1);
        target[line.substr(0, first)][line.substr(first + 1, second - first - 1)] = line.substr(second + 1);
    }
    // Each backend keeps its own migrations and credentials counter (src/migrate/tables.hpp): not copied.
    target.erase("schema_migrations");
    target.erase("credentials_generation");

    // Every table and column must be the spec's, with the type the spec converts to.
    for (const table& t : spec) {
        const auto it = target.find(std::string(t.name));
        if (it == target.end()) {
            throw std::runtime_error("the PostgreSQL database has no table " + std::string(t.name));
        }
        auto columns = it->second;
        for (const column& c : t.columns) {
            const auto col = columns.find(std::string(c.name));
            if (col == columns.end()) {
                throw std::runtime_error("the PostgreSQL table " + std::string(t.name) + " has no column " +
                                         std::string(c.name));
            }
            if (col->second != postgres_type_name(c.type)) {
                throw std::runtime_error("the PostgreSQL column " + std::string(t.name) + "." + std::string(c.name) +
                                         " is " + col->second + ", migrate-data expects " +
                                         std::string(postgres_type_name(c.type)));
            }
            columns.erase(col);
        }
        if (!columns.empty()) {
            throw std::runtime_error("the PostgreSQL column " + std::string(t.name) + "." + columns.begin()->first +
                                     " is unknown to migrate-data (src/migrate/tables.cpp)");
        }
        target.erase(it);
    }
    if (!target.empty()) {
        throw std::runtime_error("the PostgreSQL table " + target.begin()->first +
                                 " is unknown to migrate-data (src/migrate/tables.cpp)");
    }
}

std::vector<std::pair<std::string, std::string>> postgres_target::pairs_of(std::string_view what,
                                                                            const std::string& sql) {
    PGresult* result = PQexec(conn_->handle(), sql.c_str());
    if (result == nullptr || PQresultStatus(result) != PGRES_TUPLES_OK || PQnfields(result) < 2) {
        pg::throw_error(*conn_, result, what);
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (int row = 0; row < PQntuples(result); ++row) out.emplace_back(PQgetvalue(result, row, 0), PQgetvalue(result, row, 1));
    PQclear(result);
    return out;
}

std::size_t postgres_target::defer_secondary() {
    // Index builds get room to sort in memory, for this transaction only.
    conn_->exec("set maintenance_work_mem", "SET LOCAL maintenance_work_mem = '256MB'");

    // The foreign keys first (nothing else may depend on them), then the indexes that back no constraint.
    const auto foreign_keys = pairs_of("list the foreign keys", R"sql(
SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', t.relname, k.conname),
       format('ALTER TABLE %I ADD CONSTRAINT %I %s', t.relname, k.conname, pg_get_constraintdef(k.oid))
FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
WHERE k.contype = 'f' AND t.relnamespace = current_schema()::regnamespace
ORDER BY t.relname, k.conname
)sql");
    const auto indexes = pairs_of("list the indexes", R"sql(
SELECT format('DROP INDEX %I', i.relname), pg_get_indexdef(x.indexrelid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
WHERE t.relnamespace = current_schema()::regnamespace AND t.relname <> 'schema_migrations'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)
ORDER BY t.relname, i.relname
)sql");
    for (const auto& [drop, create] : foreign_keys) conn_->exec("drop a foreign key for the copy", drop);
    for (const auto& [drop, create] : indexes) conn_->exec("drop an index for the copy", drop);

    // Rebuild the indexes first: the foreign keys' checks then read complete tables.
    restore_.clear();
    for (const auto& [drop, create] : indexes) restore_.push_back(create);
    for (const auto& [drop, create] : foreign_keys) restore_.push_back(create);
    return restore_.size();
}

void postgres_target::restore_deferred() {
    for (const auto& sql : restore_) conn_->exec("rebuild " + sql.substr(0, sql.find(" (")), sql);
    restore_.clear();
}

std::vector<std::string> postgres_target::non_empty_tables(std::span<const table> spec) {
    // One round trip: each table's name when it has a row.
    std::string sql;
    for (const table& t : spec) {
        sql += (sql.empty() ? "" : " UNION ALL ") + std::string("SELECT ") + literal(t.name) +
               " WHERE EXISTS (SELECT 1 FROM " + quoted(t.name) + ")";
    }
    std::vector<std::string> out;
    for (const auto& name : column_of("check that the target is empty", sql)) out.push_back(name.value_or(""));
    return out;
}

std::int64_t postgres_target::count(std::string_view table_name) {
    const auto rows = column_of("count " + std::string(table_name), "SELECT count(*) FROM " + quoted(table_name));
    return rows.empty() || !rows[0] ? 0 : std::stoll(*rows[0]);
}

void postgres_target::set_sequence(std::string_view table_name, std::int64_t last) {
    column_of("set the sequence of " + std::string(table_name),
              "SELECT setval(pg_get_serial_sequence(" + literal(quoted(table_name)) + ", 'id'), " +
                  std::to_string(last) + ")");
}

std::int64_t postgres_target::next_id(std::string_view table_name) {
    // The sequence's state without consuming a value: last_value is handed out next unless is_called.
    const auto name = column_of("read the sequence of " + std::string(table_name),
                                "SELECT pg_get_serial_sequence(" + literal(quoted(table_name)) + ", 'id')");
    if (name.empty() || !name[0]) {
        throw std::runtime_error("the PostgreSQL table " + std::string(table_name) + " has no id sequence");
    }
    const auto next = column_of("read the sequence of " + std::string(table_name),
                                "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM " + *name[0]);
    return next.empty() || !next[0] ? 0 : std::stoll(*next[0]);
}

void postgres_target::commit() {
    if (const std::string tag = conn_->exec("commit", "COMMIT"); tag != "COMMIT") {
        throw std::runtime_error("postgres: commit: the server rolled the transaction back (" + tag + ")");
    }
}

void postgres_target::rollback() { conn_->exec("rollback", "ROLLBACK"); }

// COPY.

copy_in::copy_in(store::postgres::connection& c, const table& t)
    : conn_(c), name_(t.name), columns_(static_cast<std::uint16_t>(t.columns.size())) {
    // Start the COPY, naming the columns so their order in the table does not matter.
    std::string sql = "COPY " + quoted(t.name) + " (";
    for (std::size_t i = 0; i < t.columns.size(); ++i) sql += (i == 0 ? "" : ", ") + quoted(t.columns[i].name);
    sql += ") FROM STDIN (FORMAT binary)";
    PGresult* result = PQexec(conn_.handle(), sql.c_str());
    if (result == nullptr || PQresultStatus(result) != PGRES_COPY_IN) {
        open_ = false;
        pg::throw_error(conn_, result, "copy " + name_);
    }
    PQclear(result);

    // The binary format's header: signature, flags (no OIDs), no header extension.
    buffer_.reserve(chunk_bytes + 64 * 1024);
    buffer_.append("PGCOPY\n\377\r\n\0", 11);
    put32(0);
    put32(0);
}

copy_in::~copy_in() {
    if (!open_) return;
    // Abandon the COPY: the server fails it, and the transaction with it.
    PQputCopyEnd(conn_.handle(), "migrate-data stopped");
    while (PGresult* result = PQgetResult(conn_.handle())) PQclear(result);
}

void copy_in::put16(std::uint16_t v) {
    const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
    buffer_.append(b, 2);
}

void copy_in::put32(std::uint32_t v) {
    const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                       static_cast<char>(v)};
    buffer_.append(b, 4);
}

void copy_in::put64(std::uint64_t v) {
    put32(static_cast<std::uint32_t>(v >> 32));
    put32(static_cast<std::uint32_t>(v));
}

void copy_in::row() {
    if (buffer_.size() >= chunk_bytes) flush();
    put16(columns_);
}

void copy_in::null() { put32(0xFFFFFFFFu); }

void copy_in::int8(std::int64_t v) {
    put32(8);
    put64(static_cast<std::uint64_t>(v));
}

void copy_in::int4(std::int32_t v) {
    put32(4);
    put32(static_cast<std::uint32_t>(v));
}

void copy_in::boolean(bool v) {
    put32(1);
    buffer_.push_back(v ? '\1' : '\0');
}

void copy_in::bytes(std::string_view v) {
    if (v.size() > 0x3FFFFFFFu) throw std::runtime_error("copy " + name_ + ": a value over 1 GiB");
    put32(static_cast<std::uint32_t>(v.size()));
    buffer_.append(v);
}

void copy_in::flush() {
    if (buffer_.empty()) return;
    if (PQputCopyData(conn_.handle(), buffer_.data(), static_cast<int>(buffer_.size())) != 1) {
        // The server ended the COPY early (a bad row) or the connection broke: its result says which.
        open_ = false;
        fail(PQgetResult(conn_.handle()));
    }
    buffer_.clear();
}

std::int64_t copy_in::finish() {
    // The trailer, the last chunk, then the end of data; the server's answer tells how many rows it took.
    put16(0xFFFF);
    flush();
    open_ = false;
    if (PQputCopyEnd(conn_.handle(), nullptr) != 1) fail(nullptr);
    PGresult* result = PQgetResult(conn_.handle());
    if (result == nullptr || PQresultStatus(result) != PGRES_COMMAND_OK) fail(result);
    const std::int64_t rows = std::stoll(PQcmdTuples(result));
    PQclear(result);
    while (PGresult* extra = PQgetResult(conn_.handle())) PQclear(extra);
    return rows;
}

void copy_in::fail(pg_result* result) {
    // The primary message, the SQLSTATE and the COPY's context (table, line and column, no value in the binary
    // format); DETAIL would quote the row.
    std::string message = "postgres: copy " + name_ + ": ";
    if (result != nullptr && PQresultStatus(result) == PGRES_FATAL_ERROR) {
        message += trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
        std::string extra;
        if (const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE)) extra += std::string("SQLSTATE ") + state;
        if (const char* context = PQresultErrorField(result, PG_DIAG_CONTEXT)) {
            extra += (extra.empty() ? "" : "; ") + trimmed(context);
        }
        if (!extra.empty()) message += " (" + extra + ")";
    } else {
        message += trimmed(PQerrorMessage(conn_.handle()));
    }
    PQclear(result);
    while (PGresult* extra = PQgetResult(conn_.handle())) PQclear(extra);
    throw std::runtime_error(message);
}

}  // namespace guestd::migrate
