// The bodies of the Experience dialect as schemas: request bodies are validated against them before a handler
// runs, and every one of them appears in docs/openapi.yaml.
#pragma once

#include "api/schema.hpp"

namespace guestd::api::experience::schemas {

extern const schema name_value;
extern const schema credentials;            // {email, password}: update-password and login
extern const schema account_exists;         // {"account-exists": bool}
extern const schema token;                  // {token}
extern const schema guest_information;      // GET answer
extern const schema guest_information_update;  // PUT body
extern const schema reservation;
extern const schema reservations;           // array of reservation
extern const schema pms_customer;
extern const schema room;
extern const schema booking;
extern const schema bookings_push;          // {bookings: [...]}
extern const schema customers_push;         // {customers: [...]}
extern const schema batch_success;          // {success, message: {created, updated}}
extern const schema list_member;
extern const schema list_add;               // {list, members}
extern const schema list_add_result;        // {added, updated}
extern const schema list_remove_result;     // {removed}
extern const schema custom_fields_update;   // {customer_custom_fields, stay_custom_fields}
extern const schema custom_fields_result;   // {successes, errors}
extern const schema custom_fields;          // GET answer
extern const schema customer_not_found;     // the bare JSON string "customer not found"

}  // namespace guestd::api::experience::schemas
