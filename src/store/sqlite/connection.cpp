#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>

namespace guestd::store::sqlite {

namespace {

// SQLITE_TRANSIENT without its old-style cast: SQLite copies the bound value, so temporaries may die early.
const sqlite3_destructor_type copy_value = reinterpret_cast<sqlite3_destructor_type>(std::intptr_t{-1});

std::string errmsg(sqlite3* db, int rc) { return db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc); }

// Turn off SQLite's allocation statistics (nothing reads them) before its first use: with them on, every
// allocation takes a process-wide mutex, a few percent of a bulk import. A process that already used SQLite
// (the call then answers SQLITE_MISUSE) keeps them; nothing else differs.
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

}  // namespace

void throw_error(sqlite3* db, int rc, std::string_view what) {
    std::string message = "sqlite: " + std::string(what) + ": " + errmsg(db, rc);
    const int primary = rc & 0xff;
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        throw unique_violation(std::move(message), false);
    }
    throw core::backend_error(std::move(message), primary == SQLITE_BUSY || primary == SQLITE_LOCKED);
}

connection::connection(const std::string& path, const connection_settings& settings)
    : writers_(path), busy_timeout_(settings.busy_timeout_ms), bulk_writer_(settings.bulk_writer) {
    configure_sqlite_once();

    // Open the file in multi-thread mode: the pool hands a connection to one thread at a time.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr); rc != SQLITE_OK) {
        std::string message = "cannot open database '" + path + "': " + errmsg(db_, rc);
        sqlite3_close_v2(db_);
        throw core::backend_error(std::move(message), false);
    }
    try {
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_handler(db_, &connection::on_busy, this);

        // Refuse a file SQLite could only open read-only: every unit of work may write.
        if (sqlite3_db_readonly(db_, "main") == 1) {
            throw core::backend_error("the file is read-only", false);
        }

        // Switch to WAL (it persists in the file) and check it took: an in-memory database refuses it.
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode = WAL", -1, &stmt, nullptr);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(stmt);
        }
        const auto* mode = rc == SQLITE_ROW ? sqlite3_column_text(stmt, 0) : nullptr;
        const std::string journal_mode = mode != nullptr ? reinterpret_cast<const char*>(mode) : "";
        sqlite3_finalize(stmt);
        if (rc != SQLITE_ROW) {
            throw_error(db_, rc, "journal_mode");
        }
        if (journal_mode != "wal") {
            throw core::backend_error("WAL journal mode unavailable (got '" + journal_mode + "')", false);
        }

        // Make commits durable, enforce foreign keys, overwrite deleted content with zeros (an erased guest
        // leaves no bytes behind in freed space), and size the page cache.
        exec("pragmas", "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; "
                        "PRAGMA cache_size = -" +
                            std::to_string(settings.cache_kib) + ";");
    } catch (const core::backend_error& e) {
        sqlite3_close_v2(db_);
        throw core::backend_error("cannot open database '" + path + "': " + e.what(), e.transient());
    }
}

int connection::on_busy(void* self, int attempt) noexcept {
    auto& c = *static_cast<connection*>(self);
    const auto now = std::chrono::steady_clock::now();
    if (attempt == 0) c.busy_since_ = now;
    if (now - c.busy_since_ >= c.busy_timeout_) return 0;  // give up: the call answers SQLITE_BUSY
    if (!c.bulk_writer_) c.writers_.wait_in_line();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return 1;
}

connection::~connection() {
    for (auto& [q, stmt] : cache_) {
        sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(db_);
}

void connection::exec(std::string_view what, const std::string& sql) {
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    done_waiting();
    if (rc != SQLITE_OK) {
        throw_error(db_, rc, what);
    }
}

sqlite3_stmt* connection::prepared(const query& q) {
    if (auto it = cache_.find(&q); it != cache_.end()) {
        return it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = sqlite_placeholders(q.sqlite_text());
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                      nullptr);
    done_waiting();
    if (rc != SQLITE_OK) {
        throw_error(db_, rc, q.name);
    }
    if (stmt == nullptr) {
        throw core::backend_error("sqlite: " + std::string(q.name) + ": empty statement", false);
    }
    cache_.emplace(&q, stmt);
    return stmt;
}

bool connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

std::int64_t connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

std::string sqlite_placeholders(std::string_view sql) {
    // Walk the text, skipping '...' strings, "..." identifiers and -- comments, where a $ is not a placeholder.
    std::string out(sql);
    char quote = 0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        const char ch = out[i];
        if (quote != 0) {
            if (ch == quote) quote = 0;  // a doubled quote closes and reopens: the same outcome
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
        } else if (ch == '-' && i + 1 < out.size() && out[i + 1] == '-') {
            i = std::min(out.find('\n', i), out.size());
        } else if (ch == '$' && i + 1 < out.size() && out[i + 1] >= '1' && out[i + 1] <= '9') {
            out[i] = '?';
        }
    }
    return out;
}

statement::statement(connection& c, const query& q, arity args) : conn_(c), query_(q), stmt_(c.prepared(q)) {
    // Catch a call site whose arguments do not match the query's parameters, and nested use of one query.
    if (std::cmp_not_equal(sqlite3_bind_parameter_count(stmt_), args.count)) {
        throw core::backend_error("sqlite: " + std::string(q.name) + ": expects " +
                                      std::to_string(sqlite3_bind_parameter_count(stmt_)) + " parameters, got " +
                                      std::to_string(args.count),
                                  false);
    }
    if (sqlite3_stmt_busy(stmt_) != 0) {
        throw core::backend_error("sqlite: " + std::string(q.name) + ": already running on this connection", false);
    }
}

statement::~statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool statement::step() {
    const int rc = sqlite3_step(stmt_);
    conn_.done_waiting();
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    throw_error(conn_.handle(), rc, query_.name);
}

std::int64_t statement::run() {
    while (step()) {
    }
    return sqlite3_changes64(conn_.handle());
}

std::int64_t statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> statement::opt_int64(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) {
        return std::nullopt;
    }
    return sqlite3_column_int64(stmt_, column);
}

std::string statement::text(int column) const {
    const auto* data = sqlite3_column_text(stmt_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return data != nullptr ? std::string(reinterpret_cast<const char*>(data), size) : std::string();
}

std::optional<std::string> statement::opt_text(int column) const {
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) {
        return std::nullopt;
    }
    return text(column);
}

std::string statement::bytes(int column) const {
    const auto* data = sqlite3_column_blob(stmt_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return data != nullptr ? std::string(static_cast<const char*>(data), size) : std::string();
}

void statement::bind(int index, std::int64_t value) { check(sqlite3_bind_int64(stmt_, index, value)); }

void statement::bind(int index, std::string_view value) {
    // An empty view may carry a null pointer, which SQLite would bind as NULL rather than ''.
    const char* data = value.data() != nullptr ? value.data() : "";
    check(sqlite3_bind_text64(stmt_, index, data, value.size(), copy_value, SQLITE_UTF8));
}

void statement::bind(int index, const std::optional<std::string>& value) {
    if (value) {
        bind(index, std::string_view(*value));
    } else {
        bind(index, std::nullopt);
    }
}

void statement::bind(int index, const std::optional<std::int64_t>& value) {
    if (value) {
        bind(index, *value);
    } else {
        bind(index, std::nullopt);
    }
}

void statement::bind(int index, std::optional<std::string_view> value) {
    if (value) {
        bind(index, *value);
    } else {
        bind(index, std::nullopt);
    }
}

void statement::bind(int index, std::nullopt_t) { check(sqlite3_bind_null(stmt_, index)); }

void statement::bind(int index, blob value) {
    if (value.bytes.empty()) {
        check(sqlite3_bind_zeroblob(stmt_, index, 0));
    } else {
        check(sqlite3_bind_blob64(stmt_, index, value.bytes.data(), value.bytes.size(), copy_value));
    }
}

void statement::bind(int index, const std::optional<blob>& value) {
    if (value) {
        bind(index, *value);
    } else {
        bind(index, std::nullopt);
    }
}

void statement::check(int rc) const {
    if (rc != SQLITE_OK) {
        throw_error(conn_.handle(), rc, query_.name);
    }
}

}  // namespace guestd::store::sqlite
