#include "store/sqlite/backend.hpp"

#include "store/sql/stores_impl.hpp"
#include "store/sqlite/queries.hpp"

namespace guestd::store::sqlite {

void backend::retire_guest_id(connection& c, core::guest_id g) {
    statement(c, queries::raise_guest_id_floor, g).run();
}

std::vector<outbox_message> backend::claim_outbox(connection& c, unix_seconds now, unix_seconds lease_until,
                                                  int limit) {
    // Read the due messages.
    std::vector<outbox_message> out;
    {
        statement st(c, queries::list_due_outbox, now, limit);
        while (st.step()) {
            out.push_back(sql::detail::read_outbox_message(st));
        }
    }

    // Lease each one in the same transaction, so no other worker sees it due until lease_until.
    for (auto& m : out) {
        statement(c, queries::lease_outbox, m.id, lease_until).run();
        m.next_attempt_at = lease_until;
    }
    return out;
}

}  // namespace guestd::store::sqlite

namespace guestd::store::sql {
template class merchant_store<sqlite::backend>;
template class partner_store<sqlite::backend>;
template class guest_store<sqlite::backend>;
template class account_store<sqlite::backend>;
template class session_store<sqlite::backend>;
template class oauth_token_store<sqlite::backend>;
template class reservation_store<sqlite::backend>;
template class email_list_store<sqlite::backend>;
template class reset_store<sqlite::backend>;
template class throttle_store<sqlite::backend>;
template class outbox_store<sqlite::backend>;
template class audit_store<sqlite::backend>;
template class consent_store<sqlite::backend>;
}  // namespace guestd::store::sql
