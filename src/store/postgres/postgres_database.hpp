// guestd's PostgreSQL storage backend, for several nodes sharing one database: a pool of libpq connections, one
// per unit of work in flight, opened on demand. app/ opens it when --db is a postgresql:// URI or key=value
// conninfo. Its schema comes from the migrations embedded in the binary, applied on open under an advisory lock.
#pragma once

#include "core/clock.hpp"
#include "store/store.hpp"

#include <memory>
#include <string>

namespace guestd::store::postgres {

struct options {
    std::string conninfo;        // "postgresql://user:pass@host:port/dbname" or "host=... dbname=..."; never logged
    unsigned pool_size = 8;      // connections at most, so units of work in flight at once
    int connect_timeout_s = 5;   // how long opening a connection may take (a connect_timeout in conninfo wins)
    int busy_timeout_ms = 5000;  // how long begin() waits for a free connection and a statement for a row lock
    int ping_timeout_ms = 2000;  // how long ping() waits for the answer (connecting takes at least 2 s to time out)
    int idle_in_transaction_timeout_s = 60;  // the server ends a unit of work left idle this long (a hung node),
                                             // so the row locks it holds are released (0: never)
};

/// Connects, applies pending migrations in order inside a transaction (waiting for another node doing the same),
/// returns the database. Throws core::backend_error with a clear message on failure (a malformed conninfo, an
/// unreachable server or a refused login, a database not in UTF-8, a server older than PostgreSQL 12, a
/// migration failing, a schema newer than this binary); the message never holds the password. The clock
/// stamps created_at / updated_at and must outlive the database and its units of work.
std::unique_ptr<store::database> open(const options& opts, const core::clock& clock);

}  // namespace guestd::store::postgres
