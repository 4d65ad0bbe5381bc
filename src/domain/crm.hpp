// Filling the CRM: PMS pushes of bookings and customers (atomic batches, full replacement by reference),
// email-list memberships, and the custom-fields API. Free of HTTP and SQL: handlers map JSON to these structs.
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "domain/audit.hpp"
#include "store/store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::domain {

/// A customer as a PMS pushes it; the profile holds the mapped personal-space fields (street <- address_...).
struct pms_customer {
    std::string reference;
    store::profile fields;  // mobile is not a PMS field and is ignored here
    store::opt_string identity_document_number;
    std::optional<std::vector<store::custom_field>> extra_attributes;  // nullopt: the key was absent
};

struct pms_booking {
    std::string reference;
    std::string status;  // valid | option | cancelled
    store::opt_string creation, arrival, departure, total_amount, currency, room_type, room_name;
    std::vector<store::custom_field> extra_attributes;
    std::string payload;  // the booking as pushed, JSON
    pms_customer customer;
};

struct batch_counts {
    int created = 0;
    int updated = 0;
};

struct list_member {
    std::string email;
    store::opt_string firstname, lastname, language;
};

/// One customer custom field with all its values; one stay field of a reservation.
struct customer_field_values {
    std::string name;
    std::vector<std::string> values;
};
struct stay_fields {
    std::string stay_reference;
    std::vector<store::custom_field> data;
};

struct custom_fields_result {
    std::vector<std::string> customer_successes;
    std::vector<std::string> stay_successes;
    std::vector<std::string> stay_errors;  // references that are not the guest's reservations
};

struct custom_fields_view {
    std::vector<customer_field_values> customer;
    std::vector<stay_fields> stays;
};

/// Keeps the consent ledger in step with the two Paytronix opt-ins: appends "email_opt_in.granted" or
/// ".withdrawn" when optIn differs between before and after, and "sms_opt_in.granted" or ".withdrawn" for
/// textCampaignOptIn. A new guest's before is a default store::guest. Every writer of the opt-ins calls it in the
/// unit of work that writes the guest.
void record_opt_in_consents(store::unit_of_work& uow, const store::guest& before, const store::guest& after,
                            const actor& who, core::unix_seconds now);

class crm {
public:
    crm(store::database& db, const core::clock& clock);

    /// Stores every booking (and its customer) or none. Counts reservations created and replaced. On a rule
    /// broken by an item, invalid_argument with fields "bookings[i].<field>".
    core::result<batch_counts> push_bookings(core::merchant_id m, const std::vector<pms_booking>& bookings);

    /// Stores every customer or none. Counts guests created and updated; fields "customers[i].<field>".
    core::result<batch_counts> push_customers(core::merchant_id m, const std::vector<pms_customer>& customers);

    /// Adds members to a list, creating unknown guests. added = new memberships, updated = already members.
    core::result<batch_counts> add_to_list(core::merchant_id m, std::string_view list,
                                           const std::vector<list_member>& members, const actor& who = {});

    /// Removes the guest with that email from the list; not_found when not a member.
    core::result<void> remove_from_list(core::merchant_id m, std::string_view list, std::string_view email,
                                        const actor& who = {});

    /// Replaces the named customer fields' values and the named stay fields of the guest's reservations.
    core::result<custom_fields_result> set_custom_fields(core::merchant_id m, std::string_view email,
                                                         const std::vector<customer_field_values>& customer,
                                                         const std::vector<stay_fields>& stays);

    /// The guest's customer custom fields and the stay fields of its non-cancelled reservations.
    core::result<custom_fields_view> custom_fields(core::merchant_id m, std::string_view email);

private:
    store::database& db_;
    const core::clock& clock_;
};

}  // namespace guestd::domain
