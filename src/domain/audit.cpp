#include "domain/audit.hpp"

#include <boost/json/serialize.hpp>

namespace guestd::domain {

void audit(store::unit_of_work& uow, core::merchant_id m, const actor& who, std::string_view kind,
           std::string_view outcome, std::optional<core::guest_id> guest, core::unix_seconds now,
           const boost::json::object& detail) {
    uow.audit().append({.merchant = m,
                        .at = now,
                        .kind = std::string(kind),
                        .outcome = std::string(outcome),
                        .partner = who.partner,
                        .guest = guest,
                        .client_address = who.client_address,
                        .request_id = who.request_id,
                        .detail = boost::json::serialize(detail)});
}

}  // namespace guestd::domain
