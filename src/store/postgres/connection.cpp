#include "store/postgres/connection.hpp"

#include "store/store.hpp"

#include "core/text.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace guestd::store::postgres {

namespace {

// The type OIDs the backend binds and reads; fixed by PostgreSQL (its pg_type.dat), not by the database.
constexpr Oid bool_oid = 16;
constexpr Oid bytea_oid = 17;
constexpr Oid int8_oid = 20;
constexpr Oid int2_oid = 21;
constexpr Oid int4_oid = 23;
constexpr Oid text_oid = 25;
constexpr Oid text_array_oid = 1009;

std::string trimmed(std::string message) {
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
        message.pop_back();
    }
    return message;
}

bool starts_with(const char* text, std::string_view prefix) {
    return text != nullptr && std::string_view(text).starts_with(prefix);
}

/// True for the SQLSTATEs after which the same work may succeed when tried again.
bool transient_state(const char* state) {
    static constexpr std::string_view transient[] = {
        "40001",  // serialization_failure
        "40P01",  // deadlock_detected
        "55P03",  // lock_not_available: lock_timeout on a row lock
        "57014",  // query_canceled: statement_timeout
        "57P01",  // admin_shutdown
        "57P02",  // crash_shutdown
        "57P03",  // cannot_connect_now: starting up or in recovery
        "53300",  // too_many_connections
        "25006",  // read_only_sql_transaction: connected to a standby after a failover
    };
    if (state == nullptr) {
        return false;
    }
    return starts_with(state, "08") ||
           std::ranges::find(transient, std::string_view(state)) != std::end(transient);
}

/// After these, the connection is not worth returning to the pool: the server is going away or read-only.
bool poisoning_state(const char* state) {
    return starts_with(state, "08") || starts_with(state, "57P") || starts_with(state, "25006");
}

void put_be(char* out, std::uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) {
        out[i] = static_cast<char>(value & 0xff);
        value >>= 8;
    }
}

std::uint64_t get_be(const char* in, int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) {
        value = (value << 8) | static_cast<unsigned char>(in[i]);
    }
    return value;
}

void append_be32(std::string& out, std::uint32_t value) {
    char word[4];
    put_be(word, value, 4);
    out.append(word, 4);
}

/// "host h port p database d" of a connection, for messages: never the user's password.
std::string target_of(PGconn* conn) {
    std::string out;
    const auto add = [&](const char* label, const char* value) {
        if (value != nullptr && *value != '\0') {
            out += core::concat(out.empty() ? "" : " ", label, " ", value);
        }
    };
    add("host", PQhost(conn));
    add("port", PQport(conn));
    add("database", PQdb(conn));
    return out.empty() ? "the server" : out;
}

}  // namespace

void throw_error(connection& c, PGresult* result, std::string_view what) {
    // No result at all means no answer came: like a lost connection, the outcome is unknown.
    const bool answered = result != nullptr;

    // Keep the primary message and the SQLSTATE only: DETAIL would quote the row's values.
    const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    const char* primary = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = "postgres: " + std::string(what) + ": " +
                          trimmed(primary != nullptr ? primary : PQerrorMessage(c.handle()));
    const std::string sqlstate = state != nullptr ? state : "";
    if (!sqlstate.empty()) {
        message += " (SQLSTATE " + sqlstate + ")";
    }
    PQclear(result);

    // Classify: a lost connection has no SQLSTATE but a bad status.
    const bool lost = !answered || PQstatus(c.handle()) != CONNECTION_OK;
    if (lost || poisoning_state(sqlstate.c_str())) {
        c.poison();
    }
    if (sqlstate == "23505") {
        throw unique_violation(std::move(message), false);
    }
    if (sqlstate == "40001" || sqlstate == "40P01") {
        throw write_conflict(std::move(message));
    }
    throw core::backend_error(std::move(message), lost || transient_state(sqlstate.c_str()));
}

connection::connection(const connection_settings& settings) {
    // Defaults first, the caller's conninfo (expanded from dbname) next so its own settings win, and the
    // settings guestd relies on last so nothing overrides them.
    const std::string timeout = std::to_string(settings.connect_timeout_s);
    std::vector<const char*> keys{"application_name", "keepalives_idle", "keepalives_interval", "keepalives_count"};
    std::vector<const char*> values{"guestd", "30", "10", "3"};
    const auto add = [&](const char* key, const char* value) {
        keys.push_back(key);
        values.push_back(value);
    };
    if (!settings.force_connect_timeout) {
        add("connect_timeout", timeout.c_str());
    }
    add("dbname", settings.conninfo.c_str());
    if (settings.force_connect_timeout) {
        add("connect_timeout", timeout.c_str());
    }
    add("client_encoding", "UTF8");
    add(nullptr, nullptr);

    conn_ = PQconnectdbParams(keys.data(), values.data(), 1);
    if (conn_ == nullptr) {
        throw std::bad_alloc();
    }
    if (PQstatus(conn_) != CONNECTION_OK) {
        std::string message = "postgres: cannot connect to " + target_of(conn_) + ": " +
                              trimmed(PQerrorMessage(conn_));
        PQfinish(conn_);
        throw core::backend_error(std::move(message), true);
    }

    // Keep the server's warnings for the caller to read (a COMMIT whose wait for the synchronous standby was
    // cancelled succeeds with one) and drop its other notices ("relation already exists, skipping"), which libpq
    // would print to stderr.
    PQsetNoticeReceiver(
        conn_,
        [](void* self, const PGresult* notice) {
            const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
            if (severity == nullptr || std::string_view(severity) != "WARNING") {
                return;
            }
            const char* primary = PQresultErrorField(notice, PG_DIAG_MESSAGE_PRIMARY);
            const char* state = PQresultErrorField(notice, PG_DIAG_SQLSTATE);
            static_cast<connection*>(self)->warning_ = std::string(primary != nullptr ? primary : "warning") +
                                                       " (SQLSTATE " + (state != nullptr ? state : "?") + ")";
        },
        this);

    // Bound every lock wait (row locks included), so a stuck writer turns into a transient error; and let
    // the server end a transaction its client abandoned (a hung or cut-off node), which releases its locks.
    try {
        exec("connection settings",
             "SET lock_timeout = " + std::to_string(std::max(settings.lock_timeout_ms, 1)) +
                 "; SET idle_in_transaction_session_timeout = " +
                 std::to_string(std::max(settings.idle_in_transaction_timeout_s, 0) * 1000));
    } catch (...) {
        PQfinish(conn_);
        throw;
    }
    fresh_ = true;
}

connection::~connection() { PQfinish(conn_); }

std::string connection::exec(std::string_view what, std::string_view sql) {
    fresh_ = false;
    PGresult* result = PQexec(conn_, std::string(sql).c_str());
    const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw_error(*this, result, what);
    }
    std::string tag = PQcmdStatus(result);
    PQclear(result);
    return tag;
}

bool connection::ping(std::string_view sql, std::chrono::steady_clock::time_point deadline) {
    // Send the query without waiting, then wait for the socket at most until the deadline.
    fresh_ = false;
    if (PQsendQuery(conn_, std::string(sql).c_str()) == 0) {
        poisoned_ = true;
        return false;
    }
    while (PQisBusy(conn_) != 0) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        pollfd fd{PQsocket(conn_), POLLIN, 0};
        if (left.count() <= 0 || fd.fd < 0 || poll(&fd, 1, static_cast<int>(left.count())) <= 0 ||
            PQconsumeInput(conn_) == 0) {
            // The answer is late or the socket broke: this connection is of no further use.
            poisoned_ = true;
            return false;
        }
    }

    // Read every result of the query; the first must be the one row "1".
    bool ok = false;
    bool first = true;
    while (PGresult* result = PQgetResult(conn_)) {
        if (first) {
            ok = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1 &&
                 std::string_view(PQgetvalue(result, 0, 0)) == "1";
            first = false;
        }
        PQclear(result);
    }
    if (!ok) {
        poisoned_ = true;
    }
    return ok;
}

void connection::prepare(const query& q, std::span<const unsigned> types) {
    // Reuse the statement prepared earlier, if its parameter types are the ones given now.
    if (auto it = prepared_.find(q.name); it != prepared_.end()) {
        if (!std::ranges::equal(it->second, types)) {
            throw core::backend_error("postgres: " + std::string(q.name) + ": bound with other parameter types", false);
        }
        return;
    }
    fresh_ = false;
    std::vector<Oid> oids(types.begin(), types.end());
    PGresult* result = PQprepare(conn_, std::string(q.name).c_str(), std::string(q.sql).c_str(),
                                 static_cast<int>(oids.size()), oids.data());
    if (result == nullptr || PQresultStatus(result) != PGRES_COMMAND_OK) {
        throw_error(*this, result, q.name);
    }
    PQclear(result);
    prepared_.emplace(q.name, std::vector<unsigned>(types.begin(), types.end()));
}

bool connection::alive() {
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    if (fd.fd < 0 || poll(&fd, 1, 0) != 0) {
        poisoned_ = true;
    }
    return usable();
}

bool connection::usable() const { return !poisoned_ && PQstatus(conn_) == CONNECTION_OK; }

bool connection::idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

bool connection::failed() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

// Statements.

void statement::execute(std::span<param> params) {
    if (conn_.one_statement_ && std::exchange(conn_.ran_one_, true)) {
        throw core::backend_error("postgres: " + std::string(query_.name) +
                                      ": a second statement in a unit of work that runs one (tx::statement)",
                                  false);
    }

    // Prepare on first use, with the parameter types the C++ arguments carry.
    std::vector<unsigned> types;
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats(params.size(), 1);
    for (const param& p : params) {
        types.push_back(p.type);
        values.push_back(p.data);
        lengths.push_back(p.length);
    }
    conn_.prepare(query_, types);

    // Run it with binary parameters and binary results.
    PGresult* result = PQexecPrepared(conn_.handle(), std::string(query_.name).c_str(), static_cast<int>(params.size()),
                                      values.data(), lengths.data(), formats.data(), 1);
    const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw_error(conn_, result, query_.name);
    }
    result_ = result;
    rows_ = PQntuples(result);
}

statement::~statement() { PQclear(result_); }

bool statement::step() {
    if (row_ + 1 >= rows_) {
        row_ = rows_;
        return false;
    }
    ++row_;
    return true;
}

std::int64_t statement::run() const {
    const char* affected = PQcmdTuples(result_);
    return affected != nullptr && *affected != '\0' ? std::stoll(affected) : 0;
}

bool statement::is_null(int column) const { return PQgetisnull(result_, row_, column) != 0; }

std::int64_t statement::int64(int column) const {
    // Widen whichever integer type the column has; a boolean reads as 0 or 1.
    const char* data = PQgetvalue(result_, row_, column);
    const int length = PQgetlength(result_, row_, column);
    const Oid type = PQftype(result_, column);
    if (is_null(column)) {
        return 0;
    }
    const auto sized = [&](int bytes) {
        if (length != bytes) {
            throw core::backend_error("postgres: " + std::string(query_.name) + ": column " + std::to_string(column) +
                                          " has an unexpected size",
                                      false);
        }
        return get_be(data, bytes);
    };
    switch (type) {
        case int8_oid:
            return static_cast<std::int64_t>(sized(8));
        case int4_oid:
            return static_cast<std::int32_t>(static_cast<std::uint32_t>(sized(4)));
        case int2_oid:
            return static_cast<std::int16_t>(static_cast<std::uint16_t>(sized(2)));
        case bool_oid:
            return sized(1) != 0 ? 1 : 0;
        default:
            throw core::backend_error("postgres: " + std::string(query_.name) + ": column " + std::to_string(column) +
                                          " is not an integer",
                                      false);
    }
}

std::optional<std::int64_t> statement::opt_int64(int column) const {
    return is_null(column) ? std::nullopt : std::optional(int64(column));
}

bool statement::boolean(int column) const { return int64(column) != 0; }

std::string statement::text(int column) const {
    // Text and bytea both arrive as their raw bytes in the binary format.
    const char* data = PQgetvalue(result_, row_, column);
    const auto length = static_cast<std::size_t>(PQgetlength(result_, row_, column));
    return std::string(data, length);
}

std::optional<std::string> statement::opt_text(int column) const {
    return is_null(column) ? std::nullopt : std::optional(text(column));
}

void statement::encode(param& p, std::int64_t value) {
    p.type = int8_oid;
    put_be(p.word, static_cast<std::uint64_t>(value), 8);
    p.data = p.word;
    p.length = 8;
}

void statement::encode(param& p, bool value) {
    p.type = bool_oid;
    p.word[0] = value ? 1 : 0;
    p.data = p.word;
    p.length = 1;
}

void statement::encode(param& p, std::string_view value) {
    // An empty view may carry a null pointer, which libpq would send as NULL rather than ''.
    p.type = text_oid;
    p.data = value.data() != nullptr ? value.data() : "";
    p.length = static_cast<int>(value.size());
}

void statement::encode(param& p, bytea value) {
    encode(p, value.bytes);
    p.type = bytea_oid;
}

void statement::encode(param& p, text_array value) {
    // The binary array format: dimensions, a has-nulls flag, the element type, each dimension's length and
    // lower bound, then each element as its length and bytes.
    p.type = text_array_oid;
    std::string& out = p.owned;
    const bool empty = value.values.empty();
    append_be32(out, empty ? 0 : 1);
    append_be32(out, 0);
    append_be32(out, text_oid);
    if (!empty) {
        append_be32(out, static_cast<std::uint32_t>(value.values.size()));
        append_be32(out, 1);
    }
    for (const auto& element : value.values) {
        append_be32(out, static_cast<std::uint32_t>(element.size()));
        out += element;
    }
    p.data = out.data();
    p.length = static_cast<int>(out.size());
}

const query& connection::for_update(const query& q) {
    auto [it, added] = locking_.try_emplace(&q);
    if (added) {
        it->second.name = std::string(q.name) + "_for_update";
        it->second.sql = std::string(q.sql) + "FOR UPDATE\n";
        it->second.q = query{.name = it->second.name, .sql = it->second.sql, .sqlite_sql = {}};
    }
    return it->second.q;
}

}  // namespace guestd::store::postgres
