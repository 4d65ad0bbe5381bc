// The statements only the PostgreSQL backend runs: transaction control, the outbox claim in one statement,
// scrubbing and the migrations table. Every other statement is shared with SQLite (store/sql/queries.hpp). Like
// those, each is prepared once per connection under its name.
#pragma once

#include "store/sql/queries.hpp"

namespace guestd::store::postgres {

using sql::query;

namespace queries {

// Transactions. Writers run side by side, in READ COMMITTED, and take no lock shared with other writers: a write
// unit locks the guest and account rows it reads (its finders add FOR UPDATE, connection::for_update), so a unit
// that reads and then writes (a login counting a failure, a profile update with If-Match, a password set) works
// from the latest committed row and the next writer of that row waits for it; other rows, guests and merchants
// never wait. Single statements are atomic on their own (the throttle upsert, conditional updates such as
// mark_reset_used, ON CONFLICT inserts), and the outbox claim skips rows another claim holds (SKIP LOCKED). A
// deadlock or serialization failure throws store::write_conflict, and store::write() runs the unit again.
// Readers take a snapshot and never wait for writers.

inline constexpr query begin_read{"begin_read", R"sql(BEGIN ISOLATION LEVEL REPEATABLE READ)sql"};

inline constexpr query begin_write{"begin_write", R"sql(BEGIN ISOLATION LEVEL READ COMMITTED)sql"};

/// Migrations wait as long as another node's migrations take (no lock timeout), under their own lock.
inline constexpr query begin_migrations{"begin_migrations", R"sql(
BEGIN ISOLATION LEVEL READ COMMITTED;
SET LOCAL lock_timeout = 0;
SELECT pg_advisory_xact_lock(7455793200185655297)
)sql"};

/// Leases up to $2 pending messages due at $1 until $3, in one statement; the columns of find_outbox and then
/// the due time each had (the order to return them in). SKIP LOCKED: a message another transaction is leasing
/// right now is left to it, so two nodes never take the same message.
inline constexpr query claim_outbox{"claim_outbox", R"sql(
WITH due AS (
    SELECT id, next_attempt_at FROM outbox
    WHERE status = 'pending' AND next_attempt_at <= $1
    ORDER BY next_attempt_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox AS o SET next_attempt_at = $3
FROM due
WHERE o.id = due.id
RETURNING o.id, o.merchant_id, o.message_id, o.recipient, o.sender, o.subject, o.content, o.status, o.attempts,
          o.created_at, o.next_attempt_at, o.sent_at, o.last_error, due.next_attempt_at
)sql"};

/// Every table an erasure deletes from. VACUUM removes the dead row versions no transaction can see any more,
/// and INDEX_CLEANUP ON removes their index entries too (PostgreSQL may otherwise skip that step when few rows
/// died). It runs outside any transaction, on a connection of its own.
inline constexpr query vacuum_personal_data{"vacuum_personal_data", R"sql(
VACUUM (INDEX_CLEANUP ON) guests, guest_references, guest_custom_fields, accounts, sessions, resets,
    reservations, reservation_custom_fields, email_list_members, consent_events, outbox, audit_events
)sql"};

inline constexpr query create_schema_migrations{"create_schema_migrations", R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY,
    name       TEXT   NOT NULL,
    applied_at BIGINT NOT NULL
)
)sql"};

}  // namespace queries
}  // namespace guestd::store::postgres
