#include "domain/crm.hpp"

#include "core/text.hpp"
#include "store/records.hpp"

#include <algorithm>
#include <cctype>

namespace guestd::domain {
namespace {

/// The personal-space fields a PMS customer carries; mobile is the guest's own and survives a push.
constexpr store::opt_string store::profile::*pms_owned[] = {
    &store::profile::title,    &store::profile::firstname, &store::profile::lastname,  &store::profile::phone,
    &store::profile::email,    &store::profile::street,    &store::profile::zip_code,  &store::profile::city,
    &store::profile::state,    &store::profile::country,   &store::profile::birthdate, &store::profile::language,
    &store::profile::nationality};

std::string at(std::string_view list, std::size_t i, std::string_view field) {
    std::string path(list);
    path += '[';
    path += std::to_string(i);
    path += "]";
    if (!field.empty()) {
        path += '.';
        path += field;
    }
    return path;
}

/// Replaces the values of every field named in `named`, keeping the position of the first old value.
void replace_named(std::vector<store::custom_field>& fields, const std::vector<store::custom_field>& named) {
    std::vector<store::custom_field> out;
    std::vector<std::string> done;
    for (const auto& f : fields) {
        const bool renamed = std::any_of(named.begin(), named.end(), [&](const auto& n) { return n.name == f.name; });
        if (!renamed) {
            out.push_back(f);
        } else if (std::find(done.begin(), done.end(), f.name) == done.end()) {
            for (const auto& n : named)
                if (n.name == f.name) out.push_back(n);
            done.push_back(f.name);
        }
    }
    for (const auto& n : named)
        if (std::find(done.begin(), done.end(), n.name) == done.end()) out.push_back(n);
    fields = std::move(out);
}

/// Finds or creates the guest a PMS customer stands for, applies the full replacement of its PMS fields and
/// keeps the reference as an alias. Returns the guest id and whether it was created, or a field error.
struct resolved {
    core::guest_id id;
    bool created = false;
};

core::result<resolved> upsert_customer(store::unit_of_work& uow, core::merchant_id m, const pms_customer& c,
                                       core::unix_seconds now, std::string_view prefix) {
    const auto clash = [&] {
        return core::invalid("invalid request", {{std::string(prefix) + "email", "already used by another guest"}});
    };
    auto by_reference = uow.guests().find_by_reference(m, c.reference);
    // The email needs its own look-up only when it is not already the referenced guest's.
    const bool same_email = by_reference && c.fields.email && by_reference->fields.email &&
                            core::iequals(*by_reference->fields.email, *c.fields.email);
    std::optional<store::guest> by_email;
    if (c.fields.email && !same_email) by_email = uow.guests().find_by_email(m, *c.fields.email);
    if (by_reference && by_email && by_reference->id != by_email->id) return clash();

    const bool found_by_reference = by_reference.has_value();
    std::optional<store::guest> existing = by_reference ? std::move(by_reference) : std::move(by_email);
    store::guest g = existing ? *existing : store::guest{.merchant = m};
    for (const auto member : pms_owned) g.fields.*member = c.fields.*member;
    g.identity_document_number = c.identity_document_number;
    if (c.extra_attributes) g.custom_fields = *c.extra_attributes;

    resolved r;
    if (existing) {
        // A push that changes nothing writes nothing: the version (the ETag partners hold) stays.
        const bool changed = g.fields != existing->fields || g.identity_document_number != existing->identity_document_number ||
                             g.custom_fields != existing->custom_fields;
        if (changed && !uow.guests().update(g)) return clash();
        r.id = g.id;
    } else {
        g.created_at = now;
        auto id = uow.guests().insert(g);
        if (!id) return clash();
        r = {*id, true};
    }
    if (!found_by_reference) uow.guests().set_reference(m, c.reference, r.id);
    return r;
}

core::result<void> booking_rules(const pms_booking& b, std::size_t i) {
    if (b.arrival && b.departure && *b.departure < *b.arrival)
        return core::invalid("invalid request", {{at("bookings", i, "departure"), "must not be before arrival"}});
    return {};
}

}  // namespace

crm::crm(store::database& db, const core::clock& clock) : db_(db), clock_(clock) {}

core::result<batch_counts> crm::push_bookings(core::merchant_id m, const std::vector<pms_booking>& bookings) {
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<batch_counts> {
        const auto now = clock_.now();
        batch_counts counts;
        for (std::size_t i = 0; i < bookings.size(); ++i) {
            const auto& b = bookings[i];
            if (auto ok = booking_rules(b, i); !ok) return std::unexpected(ok.error());
            auto guest = upsert_customer(uow, m, b.customer, now, at("bookings", i, "customer."));
            if (!guest) return std::unexpected(guest.error());

            // The booking replaces the stored one with the same reference entirely; stay custom fields set through
            // the custom-fields API go with it, as the PMS full-replacement rule says.
            store::reservation r{.merchant = m, .guest = guest->id, .reference = b.reference, .status = b.status,
                                 .creation = b.creation, .arrival = b.arrival, .departure = b.departure,
                                 .total_amount = b.total_amount, .currency = b.currency, .room_type = b.room_type,
                                 .room_name = b.room_name, .custom_fields = b.extra_attributes, .payload = b.payload,
                                 .updated_at = now};
            if (uow.reservations().upsert(r))
                ++counts.created;
            else
                ++counts.updated;
        }
        uow.commit();
        return counts;
    });
}

core::result<batch_counts> crm::push_customers(core::merchant_id m, const std::vector<pms_customer>& customers) {
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<batch_counts> {
        const auto now = clock_.now();
        batch_counts counts;
        for (std::size_t i = 0; i < customers.size(); ++i) {
            auto guest = upsert_customer(uow, m, customers[i], now, at("customers", i, "") + ".");
            if (!guest) return std::unexpected(guest.error());
            if (guest->created)
                ++counts.created;
            else
                ++counts.updated;
        }
        uow.commit();
        return counts;
    });
}

core::result<batch_counts> crm::add_to_list(core::merchant_id m, std::string_view list,
                                            const std::vector<list_member>& members, const actor& who) {
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<batch_counts> {
        const auto now = clock_.now();
        batch_counts counts;
        for (std::size_t i = 0; i < members.size(); ++i) {
            const auto& member = members[i];
            auto guest = uow.guests().find_by_email(m, member.email);
            core::guest_id id;
            if (!guest) {
                store::guest g{.merchant = m, .created_at = now};
                g.fields.email = member.email;
                g.fields.firstname = member.firstname;
                g.fields.lastname = member.lastname;
                g.fields.language = member.language;
                auto inserted = uow.guests().insert(g);
                if (!inserted) return core::invalid("invalid request", {{at("members", i, "email"), "is duplicated"}});
                id = *inserted;
            } else {
                // A list knows less than the PMS: it only fills what the guest does not have yet.
                bool changed = false;
                auto fill = [&](store::opt_string& field, const store::opt_string& value) {
                    if (!field && value) {
                        field = value;
                        changed = true;
                    }
                };
                fill(guest->fields.firstname, member.firstname);
                fill(guest->fields.lastname, member.lastname);
                fill(guest->fields.language, member.language);
                if (changed) (void)uow.guests().update(*guest);
                id = guest->id;
            }
            if (uow.email_lists().add(m, list, id, now)) {
                ++counts.created;
                uow.consents().append({.merchant = m, .guest = id, .at = now, .kind = "email_list.joined",
                                        .partner = who.partner, .source_address = who.client_address,
                                        .detail = std::string(list)});
            } else {
                ++counts.updated;
            }
        }
        uow.commit();
        return counts;
    });
}

core::result<void> crm::remove_from_list(core::merchant_id m, std::string_view list, std::string_view email,
                                     const actor& who) {
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<void> {
        const auto guest = uow.guests().find_by_email(m, email);
        if (!guest || !uow.email_lists().remove(m, list, guest->id))
            return core::fail(core::errc::not_found, "member not found");
        uow.consents().append({.merchant = m, .guest = guest->id, .at = clock_.now(), .kind = "email_list.left",
                                .partner = who.partner, .source_address = who.client_address,
                                .detail = std::string(list)});
        uow.commit();
        return {};
    });
}

core::result<custom_fields_result> crm::set_custom_fields(core::merchant_id m, std::string_view email,
                                                          const std::vector<customer_field_values>& customer,
                                                          const std::vector<stay_fields>& stays) {
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<custom_fields_result> {
        auto guest = uow.guests().find_by_email(m, email);
        if (!guest) return core::fail(core::errc::not_found, "customer not found");

        custom_fields_result out;
        if (!customer.empty()) {
            std::vector<store::custom_field> named;
            for (const auto& f : customer) {
                for (const auto& v : f.values) named.push_back({f.name, v});
                out.customer_successes.push_back(f.name);
            }
            // A field given with no values is removed: replace_named drops names that have no new pairs.
            std::vector<store::custom_field> kept;
            for (const auto& f : guest->custom_fields)
                if (std::none_of(customer.begin(), customer.end(), [&](const auto& c) { return c.name == f.name; }))
                    kept.push_back(f);
            guest->custom_fields = std::move(kept);
            replace_named(guest->custom_fields, named);
            if (!uow.guests().update(*guest)) return core::fail(core::errc::internal, "internal error", "guest update clashed");
        }
        for (const auto& s : stays) {
            auto r = uow.reservations().find(m, s.stay_reference);
            if (!r || r->guest != guest->id) {
                out.stay_errors.push_back(s.stay_reference);
                continue;
            }
            replace_named(r->custom_fields, s.data);
            r->updated_at = clock_.now();
            uow.reservations().upsert(*r);
            out.stay_successes.push_back(s.stay_reference);
        }
        uow.commit();
        return out;
    });
}

core::result<custom_fields_view> crm::custom_fields(core::merchant_id m, std::string_view email) {
    auto uow = db_.begin(store::tx::read);
    const auto guest = uow->guests().find_by_email(m, email);
    if (!guest) return core::fail(core::errc::not_found, "customer not found");
    custom_fields_view view;
    for (const auto& f : guest->custom_fields) {
        auto it = std::find_if(view.customer.begin(), view.customer.end(), [&](const auto& c) { return c.name == f.name; });
        if (it == view.customer.end()) it = view.customer.insert(view.customer.end(), {f.name, {}});
        it->values.push_back(f.value);
    }
    for (const auto& r : uow->reservations().list_active(m, guest->id))
        if (!r.custom_fields.empty()) view.stays.push_back({r.reference, r.custom_fields});
    return view;
}

void record_opt_in_consents(store::unit_of_work& uow, const store::guest& before, const store::guest& after,
                            const actor& who, core::unix_seconds now) {
    const auto append = [&](std::string_view channel, bool granted) {
        uow.consents().append({.merchant = after.merchant, .guest = after.id, .at = now,
                               .kind = std::string(channel) + (granted ? ".granted" : ".withdrawn"),
                               .partner = who.partner, .source_address = who.client_address, .detail = ""});
    };
    if (before.opt_in != after.opt_in) append("email_opt_in", after.opt_in);
    if (before.text_campaign_opt_in != after.text_campaign_opt_in) append("sms_opt_in", after.text_campaign_opt_in);
}

}  // namespace guestd::domain
