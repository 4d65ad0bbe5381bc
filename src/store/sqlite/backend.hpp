// The SQLite side of the stores written once (store/sql/stores.hpp): the types they run statements through, and
// the hooks where SQLite differs from PostgreSQL. backend.cpp instantiates the shared stores for it.
#pragma once

#include "store/sql/stores.hpp"
#include "store/sqlite/connection.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace guestd::store::sqlite {

struct backend {
    using connection = sqlite::connection;
    using statement = sqlite::statement;
    using blob = sqlite::blob;
    using unique_violation = sqlite::unique_violation;

    /// q itself: SQLite has no row locks, and needs none, since BEGIN IMMEDIATE keeps every other writer out.
    static const sql::query& for_update(connection&, const sql::query& q) { return q; }

    /// Runs st, an INSERT ... ON CONFLICT DO NOTHING without RETURNING (which would cost SQLite a temporary
    /// table per row); the new row's id, or none when it inserted nothing.
    static std::optional<std::int64_t> inserted_id(connection& c, statement& st) {
        if (st.run() == 0) return std::nullopt;
        return c.last_insert_rowid();
    }

    /// Inserts the owner's custom fields one statement each (SQLite has no arrays; a prepared statement costs it
    /// no round trip): insert takes owner, position, name, value.
    template <class Id>
    static void insert_fields(connection& c, const sql::query& insert, Id owner,
                              const std::vector<custom_field>& fields) {
        for (std::size_t i = 0; i < fields.size(); ++i) {
            statement(c, insert, owner, static_cast<std::int64_t>(i), fields[i].name, fields[i].value).run();
        }
    }

    /// Raises the floor new guest ids are numbered above (PostgreSQL's identity sequence needs no such thing).
    static void retire_guest_id(connection& c, core::guest_id g);

    /// Reads up to limit (> 0) due messages, oldest first, then leases each one: BEGIN IMMEDIATE already keeps
    /// every other writer out, so the two steps cannot race.
    static std::vector<outbox_message> claim_outbox(connection& c, unix_seconds now, unix_seconds lease_until,
                                                    int limit);
};

}  // namespace guestd::store::sqlite

namespace guestd::store::sql {
extern template class merchant_store<sqlite::backend>;
extern template class partner_store<sqlite::backend>;
extern template class guest_store<sqlite::backend>;
extern template class account_store<sqlite::backend>;
extern template class session_store<sqlite::backend>;
extern template class reservation_store<sqlite::backend>;
extern template class email_list_store<sqlite::backend>;
extern template class reset_store<sqlite::backend>;
extern template class throttle_store<sqlite::backend>;
extern template class outbox_store<sqlite::backend>;
extern template class audit_store<sqlite::backend>;
extern template class consent_store<sqlite::backend>;
}  // namespace guestd::store::sql
