// guestd's embedded storage backend: one SQLite file in WAL mode, reached through a pool of connections, one
// per unit of work in flight. app/ opens it from the serve configuration; the CLI opens it for admin commands.
// Its schema comes from the migrations embedded in the binary, applied on open.
#pragma once

#include "core/clock.hpp"
#include "store/store.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace guestd::store::sqlite {

struct options {
    std::string path;               // the database file; created when missing
    unsigned pool_size = 8;         // connections at most, so units of work in flight at once
    int busy_timeout_ms = 5000;     // how long begin() and a locked database are waited for before failing
    std::int64_t cache_kib = 8192;  // page cache per connection
    bool bulk_writer = false;       // guestd import: before each write transaction, lets writers of other
                                    // processes that wait for the write lock go first (turnstile.hpp)
};

/// Opens (creating if needed) the database, applies pending migrations in order inside a transaction, returns it.
/// Throws core::backend_error with a clear message on failure (unwritable path, not a database, a migration
/// failing, a schema newer than this binary). The clock stamps created_at / updated_at and must outlive the
/// database and its units of work.
std::unique_ptr<store::database> open(const options& opts, const core::clock& clock);

}  // namespace guestd::store::sqlite
