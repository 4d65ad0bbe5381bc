#include "api/experience/mapping.hpp"

#include "api/validate.hpp"
#include "domain/profile_fields.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace guestd::api::experience {
namespace {

namespace json = boost::json;

json::value nullable(const store::opt_string& s, const json::storage_ptr& sp = {}) {
    return s ? json::value(*s, sp) : json::value(nullptr, sp);
}

store::opt_string string_at(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
}

json::array name_values(const std::vector<store::custom_field>& fields, const json::storage_ptr& sp = {}) {
    json::array out(sp);
    out.reserve(fields.size());
    for (const auto& f : fields) out.push_back(json::object({{"name", f.name}, {"value", f.value}}, sp));
    return out;
}

std::vector<store::custom_field> attributes(const json::value* v) {
    std::vector<store::custom_field> out;
    if (v == nullptr || !v->is_object()) return out;
    for (const auto& kv : v->get_object())
        if (kv.value().is_string()) out.push_back({std::string(kv.key()), std::string(kv.value().get_string())});
    return out;
}

}  // namespace

json::object guest_to_json(const store::guest& g, json::storage_ptr sp) {
    json::object o(domain::profile_fields.size() + 2, sp);  // sized once: growing it rehashes the keys each time
    for (const auto& f : domain::profile_fields) o.emplace(f.name, nullable(g.fields.*(f.member), sp));
    o.emplace("custom_fields", name_values(g.custom_fields, sp));
    json::array badges(sp);
    for (const auto& b : g.privilege_badges) badges.emplace_back(b);
    o.emplace("privilege_badges", std::move(badges));
    return o;
}

json::value amount_to_json(const std::optional<std::string>& decimal) {
    if (!decimal || !matches(string_format::decimal, *decimal)) return nullptr;
    const std::string_view text = *decimal;
    const auto digits = text.substr(text.front() == '+' ? 1 : 0);
    if (digits.find('.') == std::string_view::npos) {
        std::int64_t n = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
        if (ec == std::errc{} && end == digits.data() + digits.size()) return n;
    }
    double d = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
    if (ec != std::errc{}) return nullptr;
    return d;
}

json::object reservation_to_json(const store::reservation& r, std::string_view hotel_name, json::storage_ptr sp) {
    return json::object({{"reference", r.reference},
                         {"reservation_date", nullable(r.creation, sp)},
                         {"arrival_date", nullable(r.arrival, sp)},
                         {"departure_date", nullable(r.departure, sp)},
                         {"amount", amount_to_json(r.total_amount)},
                         {"room_type", nullable(r.room_type, sp)},
                         {"room_name", nullable(r.room_name, sp)},
                         {"custom_fields", name_values(r.custom_fields, sp)},
                         {"hotel_name", hotel_name}},
                        sp);
}

std::vector<domain::profile_change> profile_changes(const json::object& body) {
    std::vector<domain::profile_change> changes;
    for (const auto& f : domain::profile_fields) {
        const auto* v = body.if_contains(f.name);
        if (v == nullptr) continue;
        changes.emplace_back(&f, v->is_string() ? store::opt_string(std::string(v->get_string())) : std::nullopt);
    }
    return changes;
}

std::optional<std::string> scalar_text(const json::value* v) {
    if (v == nullptr) return std::nullopt;
    if (v->is_string()) return std::string(v->get_string());
    if (v->is_int64()) return std::to_string(v->get_int64());
    if (v->is_uint64()) return std::to_string(v->get_uint64());
    if (v->is_double()) {
        // The shortest plain decimal that reads back as the same double ("%.15g" wrote 1e-05, which is no
        // decimal, and rounded away digits); validation keeps the magnitude below 10^15
        char buf[400];  // the longest fixed form of a double, 5e-324 or 1.8e308, is under 330 characters
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v->get_double(), std::chars_format::fixed);
        if (ec != std::errc{}) return std::nullopt;
        return std::string(buf, end);
    }
    return std::nullopt;
}

domain::pms_customer customer_from_json(const json::object& c) {
    domain::pms_customer out;
    out.reference = std::string(c.at("reference").get_string());
    auto& p = out.fields;
    p.title = string_at(c, "title");
    p.firstname = string_at(c, "firstname");
    p.lastname = string_at(c, "lastname");
    p.email = string_at(c, "email");
    p.phone = string_at(c, "phone");
    p.birthdate = string_at(c, "birthdate");
    p.country = string_at(c, "country");
    p.language = string_at(c, "language");
    p.nationality = string_at(c, "nationality");
    p.street = string_at(c, "address_street_number_and_name");
    p.zip_code = string_at(c, "address_postal_code");
    p.city = string_at(c, "address_city");
    p.state = string_at(c, "address_state");
    out.identity_document_number = string_at(c, "identity_document_number");
    // Absent extra_attributes leave the guest's custom fields alone; present (even empty) replace them.
    if (const auto* extra = c.if_contains("extra_attributes")) out.extra_attributes = attributes(extra);
    return out;
}

core::result<std::vector<domain::pms_booking>> bookings_from_json(const json::array& bookings) {
    std::vector<domain::pms_booking> out;
    out.reserve(bookings.size());
    for (std::size_t i = 0; i < bookings.size(); ++i) {
        const auto& b = bookings[i].get_object();
        domain::pms_booking booking;
        booking.reference = std::string(b.at("reference").get_string());
        booking.status = std::string(b.at("status").get_string());
        booking.creation = string_at(b, "creation");
        booking.arrival = string_at(b, "arrival");
        booking.departure = string_at(b, "departure");
        booking.currency = string_at(b, "currency");
        booking.total_amount = scalar_text(b.if_contains("totalamount"));
        if (booking.total_amount && !matches(string_format::decimal, *booking.total_amount))
            return core::invalid("invalid request",
                                 {{"bookings[" + std::to_string(i) + "].totalamount", "must be a decimal number"}});
        if (const auto* rooms = b.if_contains("rooms"); rooms && rooms->is_array() && !rooms->get_array().empty()) {
            const auto& first = rooms->get_array().front().get_object();
            booking.room_type = string_at(first, "name");
            booking.room_name = scalar_text(first.if_contains("number"));
        }
        booking.extra_attributes = attributes(b.if_contains("extra_attributes"));
        booking.payload = json::serialize(b);
        booking.customer = customer_from_json(b.at("customer").get_object());
        out.push_back(std::move(booking));
    }
    return out;
}

}  // namespace guestd::api::experience
