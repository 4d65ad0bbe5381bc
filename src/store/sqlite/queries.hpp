// The statements only the SQLite backend runs: transaction control, the outbox claim in two steps, the guest id
// floor, WAL checkpoints, foreign key checks and the migrations table. Every other statement is shared with
// PostgreSQL (store/sql/queries.hpp). A connection prepares each once and caches it by the constant's address.
#pragma once

#include "store/sql/queries.hpp"

namespace guestd::store::sqlite {

using sql::query;

namespace queries {

// Transaction control, prepared once per connection like every other query: parsing BEGIN and COMMIT anew
// cost a read about a tenth of its instructions. IMMEDIATE takes the write lock at once, so a write never
// fails to upgrade later.
inline constexpr query begin_read{"begin read", R"sql(BEGIN)sql"};
inline constexpr query begin_write{"begin write", R"sql(BEGIN IMMEDIATE)sql"};
inline constexpr query commit{"commit", R"sql(COMMIT)sql"};
inline constexpr query rollback{"rollback", R"sql(ROLLBACK)sql"};

/// Retires an erased guest's id: insert_guest numbers new guests above it.
inline constexpr query raise_guest_id_floor{"raise_guest_id_floor", R"sql(
UPDATE guest_id_floor SET highest_erased = max(highest_erased, ?1)
)sql"};

// The outbox claim (PostgreSQL does it in one statement with SKIP LOCKED): BEGIN IMMEDIATE already keeps every
// other writer out, so reading the due messages and then leasing each one cannot race.

/// Due pending messages at ?1, oldest first, at most ?2 (served by the outbox_due index).
inline constexpr query list_due_outbox{"list_due_outbox", R"sql(
SELECT id, merchant_id, message_id, recipient, sender, subject, content, status, attempts, created_at,
       next_attempt_at, sent_at, last_error
FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1
ORDER BY next_attempt_at, id
LIMIT ?2
)sql"};

inline constexpr query lease_outbox{"lease_outbox", R"sql(
UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1
)sql"};

/// Copies the whole WAL into the database file and truncates it to zero bytes; answers one row (busy, log
/// frames, checkpointed frames), busy = 1 when readers kept it from finishing.
inline constexpr query checkpoint_truncate{"checkpoint_truncate", R"sql(PRAGMA wal_checkpoint(TRUNCATE))sql"};

inline constexpr query create_schema_migrations{"create_schema_migrations", R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
) STRICT
)sql"};

/// 1 when this connection enforces foreign keys.
inline constexpr query foreign_keys_enabled{"foreign_keys_enabled", R"sql(PRAGMA foreign_keys)sql"};

/// One row per reference with no parent: (table, rowid, parent table, foreign key id); none when all hold.
inline constexpr query foreign_key_check{"foreign_key_check", R"sql(PRAGMA foreign_key_check)sql"};

}  // namespace queries
}  // namespace guestd::store::sqlite
