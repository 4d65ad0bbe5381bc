#include "store/postgres/backend.hpp"

#include "store/postgres/queries.hpp"
#include "store/sql/stores_impl.hpp"

#include <algorithm>
#include <utility>

namespace guestd::store::postgres {

std::vector<outbox_message> backend::claim_outbox(connection& c, unix_seconds now, unix_seconds lease_until,
                                                  int limit) {
    // Lease the due messages in one statement, noting the due time each had.
    std::vector<std::pair<unix_seconds, outbox_message>> leased;
    {
        statement st(c, queries::claim_outbox, now, limit, lease_until);
        while (st.step()) {
            leased.emplace_back(st.int64(13), sql::detail::read_outbox_message(st));
        }
    }

    // Return them oldest due first, as they were chosen (RETURNING keeps no order).
    std::ranges::sort(leased, [](const auto& a, const auto& b) {
        return std::pair(a.first, a.second.id) < std::pair(b.first, b.second.id);
    });
    std::vector<outbox_message> out;
    for (auto& [due, m] : leased) {
        out.push_back(std::move(m));
    }
    return out;
}

}  // namespace guestd::store::postgres

namespace guestd::store::sql {
template class merchant_store<postgres::backend>;
template class partner_store<postgres::backend>;
template class guest_store<postgres::backend>;
template class account_store<postgres::backend>;
template class session_store<postgres::backend>;
template class oauth_token_store<postgres::backend>;
template class reservation_store<postgres::backend>;
template class email_list_store<postgres::backend>;
template class reset_store<postgres::backend>;
template class throttle_store<postgres::backend>;
template class outbox_store<postgres::backend>;
template class audit_store<postgres::backend>;
template class consent_store<postgres::backend>;
}  // namespace guestd::store::sql
