// The operator's answers to data subjects and auditors: export everything guestd holds about a guest (GDPR
// art. 15/20), erase it (art. 17) leaving only a pseudonymous audit record, read the audit trail, and apply
// each merchant's audit retention.
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "domain/audit.hpp"
#include "store/store.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::domain {

class privacy {
public:
    privacy(store::database& db, const core::clock& clock);

    /// One JSON document: profile, custom fields, reservations (as pushed), email lists, consents, account facts,
    /// sessions and resets (no secrets, no codes) and the audit events about the guest. Audited.
    core::result<boost::json::object> export_guest(core::merchant_id m, std::string_view email, const actor& who = {});

    /// Removes the guest's personal data everywhere (guest, account, sessions, resets, reservations, list
    /// memberships, consents, queued and sent emails), keeps an audit record naming the guest by id only, and
    /// scrubs the freed bytes from the database files. Returns the erased guest's id.
    core::result<core::guest_id> erase_guest(core::merchant_id m, std::string_view email, std::string_view reason,
                                             const actor& who = {});

    /// The merchant's audit events, oldest first; email narrows to one guest (not_found when unknown).
    core::result<std::vector<store::audit_event>> audit_events(core::merchant_id m, std::optional<std::string> email,
                                                               std::optional<core::unix_seconds> since,
                                                               std::optional<std::string> kind, int limit);

    /// Deletes audit events older than each merchant's retention; returns how many.
    int purge_expired_audit();

private:
    store::database& db_;
    const core::clock& clock_;
};

/// An audit event as JSON (the CLI's JSON Lines and the export).
boost::json::object audit_to_json(const store::audit_event& e);

}  // namespace guestd::domain
