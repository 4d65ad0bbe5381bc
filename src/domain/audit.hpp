// Who acted, and the audit trail of what they did: every security-relevant action appends an event in the same
// transaction as the change it records, so the trail and the data can never disagree. Events never hold a
// secret, and name guests only by id.
#pragma once

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace guestd::domain {

/// The caller behind a domain call: a partner over HTTP (with its address and request id), or the operator's
/// CLI (no partner, no address).
struct actor {
    std::optional<core::partner_id> partner;
    std::string client_address;
    std::string request_id;
};

/// Audit event kinds (docs/operations.md lists them with their outcomes and details).
namespace audit_kind {
inline constexpr std::string_view login = "login";                      // ok | failed | refused (locked)
inline constexpr std::string_view account_locked = "account.locked";    // ok, detail: seconds
inline constexpr std::string_view password_set = "password.set";        // ok, detail: created
inline constexpr std::string_view reset_requested = "reset.requested";  // ok | refused, detail: reason
inline constexpr std::string_view reset_completed = "reset.completed";  // ok | refused, detail: reason
inline constexpr std::string_view profile_changed = "profile.changed";  // ok, detail: field names
inline constexpr std::string_view sessions_revoked = "sessions.revoked";  // ok, detail: count
inline constexpr std::string_view oauth_family_revoked = "oauth.family_revoked";  // ok, detail: reason, family
inline constexpr std::string_view credentials_created = "credentials.created";
inline constexpr std::string_view credentials_rotated = "credentials.rotated";
inline constexpr std::string_view credentials_disabled = "credentials.disabled";
inline constexpr std::string_view credentials_changed = "credentials.changed";  // ok, detail: the right changed
inline constexpr std::string_view guest_exported = "guest.exported";
inline constexpr std::string_view guest_erased = "guest.erased";
}  // namespace audit_kind

/// Appends one event to uow's audit trail.
void audit(store::unit_of_work& uow, core::merchant_id m, const actor& who, std::string_view kind,
           std::string_view outcome, std::optional<core::guest_id> guest, core::unix_seconds now,
           const boost::json::object& detail = {});

}  // namespace guestd::domain
