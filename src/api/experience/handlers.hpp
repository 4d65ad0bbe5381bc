// The Experience dialect's handlers: each translates the validated request into one domain call and the result
// into the wire shape. No rule lives here; the rules are in domain/.
#pragma once

#include "api/endpoint.hpp"

namespace guestd::api::experience {

core::result<response> account_exists(const call& c);
core::result<response> update_password(const call& c);
core::result<response> login(const call& c);
core::result<response> get_guest_information(const call& c);
core::result<response> put_guest_information(const call& c);
core::result<response> guest_reservations(const call& c);
core::result<response> push_bookings(const call& c);
core::result<response> push_customers(const call& c);
core::result<response> add_list_members(const call& c);
core::result<response> remove_list_member(const call& c);
core::result<response> set_custom_fields(const call& c);
core::result<response> get_custom_fields(const call& c);

}  // namespace guestd::api::experience
