#include "api/experience/handlers.hpp"

#include "api/actor.hpp"
#include "api/errors.hpp"
#include "api/experience/mapping.hpp"
#include "core/text.hpp"
#include "domain/accounts.hpp"
#include "domain/credentials.hpp"
#include "domain/crm.hpp"
#include "domain/services.hpp"

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>

#include <array>
#include <charconv>

namespace guestd::api::experience {
namespace {

namespace json = boost::json;

domain::bearer_identity bearer(const call& c) { return {*c.who.partner, *c.who.merchant}; }

std::string_view field(const call& c, std::string_view key) { return c.body.as_object().at(key).as_string(); }

std::string etag(std::int64_t version) { return core::concat("\"", std::to_string(version), "\""); }

response guest_response(const store::guest& g) {
    // The document lives only until it is serialised: build it in one block on the stack rather than in dozens
    // of heap allocations.
    std::array<unsigned char, 4096> scratch;
    json::monotonic_resource memory(scratch.data(), scratch.size());
    auto r = json_response(200, guest_to_json(g, &memory));
    r.headers.push_back({"etag", etag(g.version)});
    return r;
}

/// If-Match: absent -> no condition; "*" -> any version; "N" or W/"N" -> that version; anything else can
/// match no version (-1).
std::optional<std::int64_t> if_match(const request& req) {
    auto value = req.header_value("if-match");
    if (!value) return std::nullopt;
    std::string_view v = *value;
    if (v == "*") return std::nullopt;
    if (v.starts_with("W/")) v.remove_prefix(2);
    if (v.size() < 3 || v.front() != '"' || v.back() != '"') return -1;
    v = v.substr(1, v.size() - 2);
    std::int64_t n = -1;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || end != v.data() + v.size()) return -1;
    return n;
}

response batch_response(const domain::batch_counts& counts) {
    return json_response(200, json::object{{"success", true},
                                           {"message", json::object{{"created", counts.created},
                                                                    {"updated", counts.updated}}}});
}

/// The custom-fields API answers an unknown email with the bare JSON string, as the public docs show.
core::result<response> customer_not_found_string() { return json_response(404, json::value("customer not found")); }

core::result<response> empty_batch(std::string_view key) {
    return core::invalid("invalid request", {{std::string(key), "must not be empty"}});
}

}  // namespace

core::result<response> account_exists(const call& c) {
    const auto exists = c.services.accounts().exists(*c.who.merchant, *c.req.query("email"));
    if (!exists) return std::unexpected(exists.error());
    return json_response(200, json::object{{"account-exists", *exists}});
}

core::result<response> update_password(const call& c) {
    if (auto done = c.services.accounts().set_password(*c.who.merchant, field(c, "email"), field(c, "password"), actor_of(c)); !done)
        return std::unexpected(done.error());
    return response{.status = 200, .body = {}, .content_type = {}};
}

core::result<response> login(const call& c) {
    auto token = c.services.accounts().login(bearer(c), field(c, "email"), field(c, "password"), actor_of(c));
    if (!token) return std::unexpected(token.error());
    return json_response(200, json::object{{"token", *token}});
}

// The guest-token check read the guest already, in the same statement (one round trip to the database).
core::result<response> get_guest_information(const call& c) {
    if (!c.who.signed_in) return core::fail(core::errc::internal, "internal error", "no guest token was checked");
    return guest_response(*c.who.signed_in);
}

core::result<response> put_guest_information(const call& c) {
    auto guest = c.services.accounts().update_profile(*c.who.merchant, *c.who.guest,
                                                      profile_changes(c.body.as_object()), if_match(c.req), actor_of(c));
    if (!guest) return std::unexpected(guest.error());
    return guest_response(*guest);
}

core::result<response> guest_reservations(const call& c) {
    const auto list = c.services.accounts().reservations(*c.who.merchant, *c.who.guest);
    if (!list) return std::unexpected(list.error());
    // Like guest_response: the document lives only until it is serialised.
    std::array<unsigned char, 8192> scratch;
    json::monotonic_resource memory(scratch.data(), scratch.size());
    json::array out(&memory);
    out.reserve(list->size());
    for (const auto& v : *list) out.push_back(reservation_to_json(v.reservation, v.hotel_name, &memory));
    return json_response(200, out);
}

core::result<response> push_bookings(const call& c) {
    const auto& items = c.body.as_object().at("bookings").as_array();
    if (items.empty()) return empty_batch("bookings");
    auto bookings = bookings_from_json(items);
    if (!bookings) return std::unexpected(bookings.error());
    const auto counts = c.services.crm().push_bookings(*c.who.merchant, *bookings);
    if (!counts) return std::unexpected(counts.error());
    return batch_response(*counts);
}

core::result<response> push_customers(const call& c) {
    const auto& items = c.body.as_object().at("customers").as_array();
    if (items.empty()) return empty_batch("customers");
    std::vector<domain::pms_customer> customers;
    customers.reserve(items.size());
    for (const auto& item : items) customers.push_back(customer_from_json(item.as_object()));
    const auto counts = c.services.crm().push_customers(*c.who.merchant, customers);
    if (!counts) return std::unexpected(counts.error());
    return batch_response(*counts);
}

core::result<response> add_list_members(const call& c) {
    const auto& body = c.body.as_object();
    const auto& items = body.at("members").as_array();
    if (items.empty()) return empty_batch("members");
    std::vector<domain::list_member> members;
    for (const auto& item : items) {
        const auto& m = item.as_object();
        auto text = [&](std::string_view key) -> store::opt_string {
            const auto* v = m.if_contains(key);
            return v && v->is_string() ? store::opt_string(std::string(v->get_string())) : std::nullopt;
        };
        members.push_back({std::string(m.at("email").as_string()), text("firstname"), text("lastname"), text("language")});
    }
    const auto counts = c.services.crm().add_to_list(*c.who.merchant, body.at("list").as_string(), members, actor_of(c));
    if (!counts) return std::unexpected(counts.error());
    return json_response(200, json::object{{"added", counts->created}, {"updated", counts->updated}});
}

core::result<response> remove_list_member(const call& c) {
    if (auto done = c.services.crm().remove_from_list(*c.who.merchant, *c.req.query("list"), *c.req.query("email"), actor_of(c)); !done)
        return std::unexpected(done.error());
    return json_response(200, json::object{{"removed", true}});
}

core::result<response> set_custom_fields(const call& c) {
    const auto& body = c.body.as_object();
    std::vector<domain::customer_field_values> customer;
    if (const auto* list = body.if_contains("customer_custom_fields"); list && list->is_array()) {
        for (const auto& item : list->get_array()) {
            domain::customer_field_values f{std::string(item.at("name").as_string()), {}};
            for (const auto& v : item.at("values").as_array()) f.values.emplace_back(v.as_string());
            customer.push_back(std::move(f));
        }
    }
    std::vector<domain::stay_fields> stays;
    if (const auto* list = body.if_contains("stay_custom_fields"); list && list->is_array()) {
        for (const auto& item : list->get_array()) {
            domain::stay_fields s{std::string(item.at("stay_reference").as_string()), {}};
            for (const auto& d : item.at("data").as_array())
                s.data.push_back({std::string(d.at("name").as_string()), std::string(d.at("value").as_string())});
            stays.push_back(std::move(s));
        }
    }
    const auto done = c.services.crm().set_custom_fields(*c.who.merchant, *c.req.query("email"), customer, stays);
    if (!done) {
        if (done.error().code == core::errc::not_found) return customer_not_found_string();
        return std::unexpected(done.error());
    }
    auto strings = [](const std::vector<std::string>& v) {
        json::array a;
        for (const auto& s : v) a.push_back(json::value(s));
        return a;
    };
    return json_response(
        200, json::object{{"successes", json::object{{"customer_custom_fields", strings(done->customer_successes)},
                                                     {"stay_custom_fields", strings(done->stay_successes)}}},
                          {"errors", json::object{{"customer_custom_fields", json::array{}},
                                                  {"stay_custom_fields", strings(done->stay_errors)}}}});
}

core::result<response> get_custom_fields(const call& c) {
    const auto view = c.services.crm().custom_fields(*c.who.merchant, *c.req.query("email"));
    if (!view) {
        if (view.error().code == core::errc::not_found) return customer_not_found_string();
        return std::unexpected(view.error());
    }
    json::array customer;
    for (const auto& f : view->customer) {
        json::array values;
        for (const auto& v : f.values) values.push_back(json::value(v));
        customer.push_back(json::object{{"name", f.name}, {"values", std::move(values)}});
    }
    json::array stays;
    for (const auto& s : view->stays) {
        json::array data;
        for (const auto& d : s.data) data.push_back(json::object{{"name", d.name}, {"value", d.value}});
        stays.push_back(json::object{{"stay_reference", s.stay_reference}, {"data", std::move(data)}});
    }
    return json_response(200, json::object{{"customer_custom_fields", std::move(customer)},
                                           {"stay_custom_fields", std::move(stays)}});
}

}  // namespace guestd::api::experience
