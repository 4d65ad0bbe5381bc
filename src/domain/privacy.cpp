#include "domain/privacy.hpp"

#include "domain/profile_fields.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value_from.hpp>

namespace guestd::domain {
namespace {

namespace json = boost::json;

json::value text(const store::opt_string& s) { return s ? json::value(*s) : json::value(nullptr); }
json::value time(core::unix_seconds t) { return json::value(core::format_iso8601(t)); }
json::value time(const std::optional<core::unix_seconds>& t) { return t ? time(*t) : json::value(nullptr); }

json::array pairs(const std::vector<store::custom_field>& fields) {
    json::array out;
    for (const auto& f : fields) out.push_back(json::object{{"name", f.name}, {"value", f.value}});
    return out;
}

json::value parsed_or_text(const std::string& s) {
    boost::system::error_code ec;
    auto v = json::parse(s, ec);
    return ec ? json::value(s) : v;
}

json::object reservation_json(const store::reservation& r) {
    return {{"reference", r.reference},        {"status", r.status},           {"creation", text(r.creation)},
            {"arrival", text(r.arrival)},      {"departure", text(r.departure)}, {"total_amount", text(r.total_amount)},
            {"currency", text(r.currency)},    {"room_type", text(r.room_type)}, {"room_name", text(r.room_name)},
            {"custom_fields", pairs(r.custom_fields)}, {"as_pushed", parsed_or_text(r.payload)},
            {"updated_at", time(r.updated_at)}};
}

}  // namespace

json::object audit_to_json(const store::audit_event& e) {
    return {{"id", e.id},
            {"at", time(e.at)},
            {"merchant_id", e.merchant.value},
            {"kind", e.kind},
            {"outcome", e.outcome},
            {"partner_id", e.partner ? json::value(e.partner->value) : json::value(nullptr)},
            {"guest_id", e.guest ? json::value(e.guest->value) : json::value(nullptr)},
            {"client_address", e.client_address},
            {"request_id", e.request_id},
            {"detail", parsed_or_text(e.detail)}};
}

privacy::privacy(store::database& db, const core::clock& clock) : db_(db), clock_(clock) {}

core::result<json::object> privacy::export_guest(core::merchant_id m, std::string_view email, const actor& who) {
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<json::object> {
        const auto merchant = uow.merchants().find(m);
        const auto guest = uow.guests().find_by_email(m, email);
        if (!merchant || !guest) return core::fail(core::errc::not_found, "customer not found");
        const auto now = clock_.now();

        json::object profile;
        for (const auto& f : profile_fields) profile[f.name] = text(guest->fields.*(f.member));
        profile["identity_document_number"] = text(guest->identity_document_number);
        profile["address2"] = text(guest->address2);
        profile["address_label"] = text(guest->address_label);
        profile["opt_in"] = guest->opt_in;
        profile["text_campaign_opt_in"] = guest->text_campaign_opt_in;
        profile["sms_opt_in_verified"] = guest->sms_opt_in_verified;
        profile["email_verified"] = guest->email_verified;

        json::array reservations;
        for (const auto& r : uow.reservations().list_all(m, guest->id)) reservations.push_back(reservation_json(r));
        json::array lists;
        for (const auto& l : uow.email_lists().lists_of(m, guest->id)) lists.push_back(json::value(l));
        json::array consents;
        for (const auto& c : uow.consents().list_for_guest(m, guest->id))
            consents.push_back(json::object{{"at", time(c.at)}, {"kind", c.kind},
                                            {"partner_id", c.partner ? json::value(c.partner->value) : json::value(nullptr)},
                                            {"source_address", c.source_address}, {"detail", c.detail}});

        json::value account = nullptr;
        json::array sessions, resets;
        if (const auto a = uow.accounts().find_by_guest(m, guest->id)) {
            account = json::object{{"account_id", a->id.value},
                                   {"username", a->username},
                                   {"printed_card_number", a->printed_card_number},
                                   {"created_at", time(a->created_at)},
                                   {"password_changed_at", time(a->password_changed_at)},
                                   {"last_login_at", time(a->last_login_at)},
                                   {"locked_until", a->locked_until > now ? time(a->locked_until) : json::value(nullptr)}};
            // Sessions and resets without their digests: the export must not become a credential.
            for (const auto& s : uow.sessions().list_for_account(a->id))
                sessions.push_back(json::object{{"partner_id", s.partner.value}, {"created_at", time(s.created_at)},
                                                {"expires_at", time(s.expires_at)}, {"revoked_at", time(s.revoked_at)}});
            for (const auto& r : uow.resets().list_for_account(a->id))
                resets.push_back(json::object{{"created_at", time(r.created_at)}, {"expires_at", time(r.expires_at)},
                                              {"used_at", time(r.used_at)}, {"voided_at", time(r.voided_at)}});
        }
        audit(uow, m, who, audit_kind::guest_exported, "ok", guest->id, now);
        json::array events;
        for (const auto& e : uow.audit().list(m, guest->id, std::nullopt, std::nullopt, 100000))
            events.push_back(audit_to_json(e));
        uow.commit();

        return json::object{{"exported_at", time(now)},
                            {"merchant", json::object{{"merchant_id", m.value}, {"name", merchant->name}}},
                            {"guest_id", guest->id.value},
                            {"profile", std::move(profile)},
                            {"custom_fields", pairs(guest->custom_fields)},
                            {"privilege_badges", json::value_from(guest->privilege_badges)},
                            {"reservations", std::move(reservations)},
                            {"email_lists", std::move(lists)},
                            {"consents", std::move(consents)},
                            {"account", std::move(account)},
                            {"sessions", std::move(sessions)},
                            {"resets", std::move(resets)},
                            {"audit_events", std::move(events)}};
    });
}

core::result<core::guest_id> privacy::erase_guest(core::merchant_id m, std::string_view email, std::string_view reason,
                                                  const actor& who) {
    const auto erased = store::write(db_, [&](store::unit_of_work& uow) -> std::optional<core::guest_id> {
        const auto guest = uow.guests().find_by_email(m, email);
        if (!guest) return std::nullopt;
        const auto now = clock_.now();
        // Emails to the person go first: they hold the address and the name.
        int emails = 0;
        if (guest->fields.email) emails = uow.outbox().erase_recipient(m, *guest->fields.email);
        uow.guests().erase(m, guest->id);
        audit(uow, m, who, audit_kind::guest_erased, "ok", guest->id, now,
              {{"reason", reason}, {"emails_deleted", emails}});
        uow.commit();
        return guest->id;
    });
    // Overwrite what the deletion freed, with the unit of work closed so its connection does not hold the WAL.
    // An erasure retried after a failed scrub finds no guest but scrubs again.
    try {
        db_.scrub();
    } catch (const core::backend_error& e) {
        return core::fail(core::errc::unavailable,
                          "the data is deleted, but the database files could not be scrubbed yet; run erase again "
                          "when the server is less busy",
                          e.what());
    }
    if (!erased) return core::fail(core::errc::not_found, "customer not found");
    return *erased;
}

core::result<std::vector<store::audit_event>> privacy::audit_events(core::merchant_id m,
                                                                     std::optional<std::string> email,
                                                                     std::optional<core::unix_seconds> since,
                                                                     std::optional<std::string> kind, int limit) {
    auto uow = db_.begin(store::tx::read);
    if (!uow->merchants().find(m)) return core::fail(core::errc::not_found, "merchant does not exist");
    std::optional<core::guest_id> guest;
    if (email) {
        const auto g = uow->guests().find_by_email(m, *email);
        if (!g) return core::fail(core::errc::not_found, "customer not found");
        guest = g->id;
    }
    std::optional<std::string_view> kind_view;
    if (kind) kind_view = *kind;
    return uow->audit().list(m, guest, since, kind_view, limit);
}

int privacy::purge_expired_audit() {
    return store::write(db_, [&](store::unit_of_work& uow) -> int {
        const auto now = clock_.now();
        int purged = 0;
        // Server-wide events (merchant 0) are kept: they record credentials, not guests.
        for (const auto& m : uow.merchants().list())
            if (m.audit_retention_days > 0)
                purged += uow.audit().purge_before(m.id, now - static_cast<core::unix_seconds>(m.audit_retention_days) * 86400);
        uow.commit();
        return purged;
    });
}

}  // namespace guestd::domain
