// The PostgreSQL side of the stores written once (store/sql/stores.hpp): the types they run statements through,
// and the hooks where PostgreSQL differs from SQLite. backend.cpp instantiates the shared stores for it.
#pragma once

#include "store/postgres/connection.hpp"
#include "store/sql/stores.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace guestd::store::postgres {

struct backend {
    using connection = postgres::connection;
    using statement = postgres::statement;
    using blob = postgres::bytea;
    using unique_violation = postgres::unique_violation;

    /// q with FOR UPDATE: a write unit locks the rows it reads, so what it writes next rests on what it read.
    static const sql::query& for_update(connection& c, const sql::query& q) { return c.for_update(q); }

    /// Runs st, an INSERT ... ON CONFLICT DO NOTHING RETURNING id; the new row's id, or none when it inserted
    /// nothing.
    static std::optional<std::int64_t> inserted_id(connection&, statement& st) {
        if (!st.step()) return std::nullopt;
        return st.int64(0);
    }

    /// Inserts all the owner's custom fields in one statement, names and values as two text[], whatever their
    /// number: insert takes owner, names, values.
    template <class Id>
    static void insert_fields(connection& c, const sql::query& insert, Id owner,
                              const std::vector<custom_field>& fields) {
        if (fields.empty()) return;
        std::vector<std::string> names;
        std::vector<std::string> values;
        for (const auto& field : fields) {
            names.push_back(field.name);
            values.push_back(field.value);
        }
        statement(c, insert, owner, text_array{names}, text_array{values}).run();
    }

    /// Nothing to do: ids come from an identity sequence, which never hands one out again.
    static void retire_guest_id(connection&, core::guest_id) {}

    /// Leases up to limit (> 0) due messages in one statement, oldest first. SKIP LOCKED leaves a message another
    /// transaction is leasing right now to it, so two workers (or nodes) never take the same message.
    static std::vector<outbox_message> claim_outbox(connection& c, unix_seconds now, unix_seconds lease_until,
                                                    int limit);
};

}  // namespace guestd::store::postgres

namespace guestd::store::sql {
extern template class merchant_store<postgres::backend>;
extern template class partner_store<postgres::backend>;
extern template class guest_store<postgres::backend>;
extern template class account_store<postgres::backend>;
extern template class session_store<postgres::backend>;
extern template class reservation_store<postgres::backend>;
extern template class email_list_store<postgres::backend>;
extern template class reset_store<postgres::backend>;
extern template class throttle_store<postgres::backend>;
extern template class outbox_store<postgres::backend>;
extern template class audit_store<postgres::backend>;
extern template class consent_store<postgres::backend>;
}  // namespace guestd::store::sql
