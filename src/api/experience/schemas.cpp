#include "api/experience/schemas.hpp"

namespace guestd::api::experience::schemas {
namespace {

using enum json_type;
using f = string_format;

property str(std::string_view name, string_format format = f::none, std::size_t max = 0) {
    return {.name = name, .type = string, .nullable = true, .max_length = max, .format = format};
}

property required_str(std::string_view name, string_format format = f::none, std::size_t max = 0) {
    return {.name = name, .type = string, .required = true, .max_length = max, .format = format};
}

/// The profile fields of the personal-space view; `clearable` marks the ones a PUT may null.
std::vector<property> profile_properties(bool for_update) {
    auto field = [&](std::string_view name, string_format format, bool clearable, std::size_t max = 0) {
        property p = str(name, format, max);
        p.nullable = for_update ? clearable : true;
        p.required = !for_update;
        return p;
    };
    return {field("title", f::none, true),        field("firstname", f::none, true),
            field("lastname", f::none, true),     field("phone", f::none, true),
            field("mobile", f::phone, false),     field("email", f::email, false, 254),
            field("street", f::none, true),       field("zip_code", f::none, true),
            field("city", f::none, true),         field("state", f::none, true),
            field("country", f::country, true),   field("birthdate", f::date, false),
            field("language", f::language, true), field("nationality", f::country, true)};
}

std::vector<property> with(std::vector<property> base, std::initializer_list<property> more) {
    base.insert(base.end(), more);
    return base;
}

// extra_attributes: an object whose values are strings.
const schema string_map{
    .name = "StringMap",
    .additional_properties = true,
    .string_values = true,
};

}  // namespace

const schema name_value{
    .name = "NameValue",
    .properties = {required_str("name"), required_str("value")},
    .description = "A custom field: one name and one value.",
};

const schema credentials{
    .name = "Credentials",
    .properties = {required_str("email", f::email, 254),
                   {.name = "password", .type = string, .required = true, .max_length = 1024}},
    .example = R"({"email": "john.doe@example.com", "password": "correct horse battery staple"})",
};

const schema account_exists{
    .name = "AccountExists",
    .properties = {{.name = "account-exists", .type = boolean, .required = true}},
    .example = R"({"account-exists": true})",
};

const schema token{
    .name = "GuestToken",
    .properties = {{.name = "token", .type = string, .required = true,
                    .description = "Opaque guest token for x-guest-token, valid 30 days"}},
};

const schema guest_information{
    .name = "GuestInformation",
    .properties = with(profile_properties(false),
                       {{.name = "custom_fields", .type = array, .required = true, .items = &name_value},
                        {.name = "privilege_badges", .type = array, .required = true, .item_type = string}}),
    .description = "Every field of the guest; null when unknown.",
};

const schema guest_information_update{
    .name = "GuestInformationUpdate",
    .properties = profile_properties(true),
    .description = "Any subset of the profile fields. null clears a field, except mobile, birthdate and email.",
    .example = R"({"mobile": "+33601020304", "city": "Lyon"})",
};

const schema reservation{
    .name = "Reservation",
    .properties = {required_str("reference"), str("reservation_date", f::date_time), str("arrival_date", f::date),
                   str("departure_date", f::date), {.name = "amount", .type = number, .nullable = true},
                   str("room_type"), str("room_name"),
                   {.name = "custom_fields", .type = array, .required = true, .items = &name_value},
                   required_str("hotel_name")},
};

const schema reservations{
    .name = "Reservations",
    .type = array,
    .items = &reservation,
    .description = "Non-cancelled reservations, newest arrival first.",
};

const schema pms_customer{
    .name = "PmsCustomer",
    .properties = {required_str("reference", f::non_empty, 128), str("title"), str("firstname"), str("lastname"),
                   str("email", f::email, 254), str("phone"), str("birthdate", f::date), str("country", f::country),
                   str("language", f::language), str("address_street_number_and_name"), str("address_postal_code"),
                   str("address_state"), str("address_city"), str("nationality", f::country),
                   str("identity_document_number"),
                   {.name = "extra_attributes", .type = object, .nullable = true, .object = &string_map}},
    .additional_properties = true,
    .description = "A customer as a PMS pushes it. Unknown keys are accepted and ignored.",
};

const schema room{
    .name = "Room",
    .properties = {str("type"), str("name"), {.name = "number", .type = scalar, .nullable = true}},
    .additional_properties = true,
};

const schema booking{
    .name = "Booking",
    .properties = {required_str("reference", f::non_empty, 128),
                   {.name = "status", .type = string, .required = true, .allowed = {"valid", "option", "cancelled"}},
                   str("creation", f::date_time), str("arrival", f::date), str("departure", f::date),
                   str("arrival_time", f::time), str("ratecode"), str("sourcecode"), str("segmentcode"),
                   {.name = "adult_count", .type = scalar, .nullable = true},
                   {.name = "child_count", .type = scalar, .nullable = true},
                   {.name = "totalamount", .type = scalar, .nullable = true, .format = f::decimal},
                   str("currency"),
                   {.name = "extra_attributes", .type = object, .nullable = true, .object = &string_map},
                   {.name = "rooms", .type = array, .nullable = true, .items = &room, .max_items = 100},
                   {.name = "customer", .type = object, .required = true, .object = &pms_customer}},
    .additional_properties = true,
    .description = "A booking as a PMS pushes it; it replaces the stored booking with the same reference.",
};

const schema bookings_push{
    .name = "BookingsPush",
    .properties = {{.name = "bookings", .type = array, .required = true, .items = &booking, .max_items = 1000}},
    .example = R"({"bookings": [{"reference": "BK-1001", "status": "valid", "arrival": "2021-09-17", )"
               R"("departure": "2021-09-20", "customer": {"reference": "C-1", "email": "john.doe@example.com"}}]})",
};

const schema customers_push{
    .name = "CustomersPush",
    .properties = {{.name = "customers", .type = array, .required = true, .items = &pms_customer, .max_items = 1000}},
};

namespace {
const schema batch_counts{
    .name = "BatchCounts",
    .properties = {{.name = "created", .type = integer, .required = true},
                   {.name = "updated", .type = integer, .required = true}},
};
}  // namespace

const schema batch_success{
    .name = "BatchSuccess",
    .properties = {{.name = "success", .type = boolean, .required = true},
                   {.name = "message", .type = object, .required = true, .object = &batch_counts}},
    .example = R"({"success": true, "message": {"created": 1, "updated": 0}})",
};

const schema list_member{
    .name = "ListMember",
    .properties = {required_str("email", f::email, 254), str("firstname"), str("lastname"),
                   str("language", f::language)},
};

const schema list_add{
    .name = "EmailListAdd",
    .properties = {required_str("list", f::non_empty, 200),
                   {.name = "members", .type = array, .required = true, .items = &list_member, .max_items = 1000}},
    .example = R"({"list": "newsletter", "members": [{"email": "jane@example.com", "firstname": "Jane"}]})",
};

const schema list_add_result{
    .name = "EmailListAddResult",
    .properties = {{.name = "added", .type = integer, .required = true},
                   {.name = "updated", .type = integer, .required = true}},
};

const schema list_remove_result{
    .name = "EmailListRemoveResult",
    .properties = {{.name = "removed", .type = boolean, .required = true}},
};

namespace {
const schema customer_field_values{
    .name = "CustomerCustomField",
    .properties = {required_str("name", f::non_empty, 200),
                   {.name = "values", .type = array, .required = true, .item_type = string, .max_items = 100}},
};
const schema stay_field_values{
    .name = "StayCustomFields",
    .properties = {required_str("stay_reference", f::non_empty, 128),
                   {.name = "data", .type = array, .required = true, .items = &name_value, .max_items = 100}},
};
const schema custom_field_names{
    .name = "CustomFieldNames",
    .properties = {{.name = "customer_custom_fields", .type = array, .required = true, .item_type = string},
                   {.name = "stay_custom_fields", .type = array, .required = true, .item_type = string}},
};
}  // namespace

const schema custom_fields_update{
    .name = "CustomFieldsUpdate",
    .properties = {{.name = "customer_custom_fields", .type = array, .items = &customer_field_values, .max_items = 100},
                   {.name = "stay_custom_fields", .type = array, .items = &stay_field_values, .max_items = 100}},
    .example = R"({"customer_custom_fields": [{"name": "Loyalty level", "values": ["Silver"]}]})",
};

const schema custom_fields_result{
    .name = "CustomFieldsResult",
    .properties = {{.name = "successes", .type = object, .required = true, .object = &custom_field_names},
                   {.name = "errors", .type = object, .required = true, .object = &custom_field_names}},
};

const schema custom_fields{
    .name = "CustomFields",
    .properties = {{.name = "customer_custom_fields", .type = array, .required = true, .items = &customer_field_values},
                   {.name = "stay_custom_fields", .type = array, .required = true, .items = &stay_field_values}},
};

const schema customer_not_found{
    .name = "CustomerNotFound",
    .type = string,
    .description = "The bare JSON string \"customer not found\", as the public docs show.",
    .example = R"("customer not found")",
};

}  // namespace guestd::api::experience::schemas
