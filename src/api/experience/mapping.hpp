// JSON <-> domain for the Experience dialect: the guest-informations object, the reservation view, and the PMS
// booking and customer pushes (the field mappings design.md fixes). Bodies reaching these were validated
// against experience/schemas, so shapes are trusted; value rules beyond the schema are checked here.
#pragma once

#include "core/error.hpp"
#include "domain/accounts.hpp"
#include "domain/crm.hpp"
#include "store/records.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

namespace guestd::api::experience {

/// GET guest-informations: every profile field (null when unknown), custom_fields, privilege_badges; allocated
/// from sp (the default resource when none).
boost::json::object guest_to_json(const store::guest& g, boost::json::storage_ptr sp = {});

/// One entry of guest-reservations, mapped as design.md says.
boost::json::object reservation_to_json(const store::reservation& r, std::string_view hotel_name,
                                        boost::json::storage_ptr sp = {});

/// A PUT guest-informations body as profile changes, in the order the fields appear in the table.
std::vector<domain::profile_change> profile_changes(const boost::json::object& body);

/// A pushed customer object as the domain's PMS customer.
domain::pms_customer customer_from_json(const boost::json::object& c);

/// The bookings of a push; invalid_argument naming "bookings[i].<field>" for a value the schema cannot check.
core::result<std::vector<domain::pms_booking>> bookings_from_json(const boost::json::array& bookings);

/// A decimal as pushed ("460", 460, "282.50") as a JSON number; null when absent or not a number.
boost::json::value amount_to_json(const std::optional<std::string>& decimal);

/// A JSON string or number as text: 16 -> "16", "16" -> "16", 2.5 -> "2.5"; nullopt for null or absent.
std::optional<std::string> scalar_text(const boost::json::value* v);

}  // namespace guestd::api::experience
