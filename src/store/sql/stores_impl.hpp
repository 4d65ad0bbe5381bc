// The definitions of the store templates of stores.hpp. Included only by each backend's backend.cpp, which
// instantiates them for its Backend; nothing else needs them.
#pragma once

#include "store/sql/stores.hpp"
#include "store/sql/text.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <exception>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace guestd::store::sql {

/// Row readers and value helpers the stores share; backend.cpp reads the outbox claim's rows with them too.
namespace detail {

inline std::optional<std::string> normalized(const std::optional<std::string>& s) {
    return s ? std::optional<std::string>(ascii_lower(*s)) : std::nullopt;
}

// Lists of strings (privilege badges, reset verification fields) are stored as JSON arrays in one column.
inline std::string strings_to_json(const std::vector<std::string>& values) {
    boost::json::array out;
    for (const auto& value : values) {
        out.emplace_back(value);
    }
    return boost::json::serialize(out);
}

/// `column` names the column in the error, as "table.column".
inline std::vector<std::string> strings_from_json(const std::string& text, std::string_view column) {
    try {
        std::vector<std::string> out;
        const boost::json::value parsed = boost::json::parse(text);
        for (const auto& value : parsed.as_array()) {
            out.emplace_back(value.as_string());
        }
        return out;
    } catch (const std::exception&) {
        throw core::backend_error("store: " + std::string(column) + " is not a JSON array of strings", false);
    }
}

template <class Backend, class Id>
std::vector<custom_field> read_custom_fields(typename Backend::connection& c, const query& q, Id owner) {
    std::vector<custom_field> out;
    typename Backend::statement st(c, q, owner);
    while (st.step()) {
        out.push_back({st.text(0), st.text(1)});
    }
    return out;
}

/// Replaces the owner's custom fields: deletes them, then inserts the new ones as the backend does best.
template <class Backend, class Id>
void write_fields(typename Backend::connection& c, const query& remove, const query& insert, Id owner,
                  const std::vector<custom_field>& fields) {
    typename Backend::statement(c, remove, owner).run();
    Backend::insert_fields(c, insert, owner, fields);
}

// Column order of find_merchant and friends.
inline merchant read_merchant(const auto& st) {
    merchant m;
    m.id = core::merchant_id{st.int64(0)};
    m.name = st.text(1);
    m.created_at = st.int64(2);
    m.password_min_length = static_cast<int>(st.int64(3));
    m.reset_verification_fields = strings_from_json(st.text(4), "merchants.reset_verification_fields");
    m.reset_link_template = st.text(5);
    m.reset_code_ttl = static_cast<int>(st.int64(6));
    m.mail_from = st.text(7);
    m.audit_retention_days = static_cast<int>(st.int64(8));
    return m;
}

// Column order of find_mail_template and friends.
inline mail_template read_mail_template(const auto& st) {
    return mail_template{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4)};
}

// Column order of find_guest and friends.
inline guest read_guest(const auto& st) {
    guest g;
    g.id = core::guest_id{st.int64(0)};
    g.merchant = core::merchant_id{st.int64(1)};
    profile& p = g.fields;
    p.title = st.opt_text(2);
    p.firstname = st.opt_text(3);
    p.lastname = st.opt_text(4);
    p.phone = st.opt_text(5);
    p.mobile = st.opt_text(6);
    p.email = st.opt_text(7);
    p.street = st.opt_text(8);
    p.zip_code = st.opt_text(9);
    p.city = st.opt_text(10);
    p.state = st.opt_text(11);
    p.country = st.opt_text(12);
    p.birthdate = st.opt_text(13);
    p.language = st.opt_text(14);
    p.nationality = st.opt_text(15);
    g.identity_document_number = st.opt_text(16);
    g.privilege_badges = strings_from_json(st.text(17), "guests.privilege_badges");
    g.version = st.int64(18);
    g.created_at = st.int64(19);
    g.updated_at = st.int64(20);
    g.address2 = st.opt_text(21);
    g.address_label = st.opt_text(22);
    g.opt_in = st.boolean(23);
    g.text_campaign_opt_in = st.boolean(24);
    g.sms_opt_in_verified = st.boolean(25);
    g.email_verified = st.boolean(26);
    return g;
}

// Column order of find_account and friends.
inline account read_account(const auto& st) {
    account a;
    a.id = core::account_id{st.int64(0)};
    a.merchant = core::merchant_id{st.int64(1)};
    a.guest = core::guest_id{st.int64(2)};
    a.username = st.text(3);
    a.printed_card_number = st.text(4);
    a.password_hash = st.text(5);
    a.failed_logins = static_cast<int>(st.int64(6));
    a.lock_level = static_cast<int>(st.int64(7));
    a.locked_until = st.int64(8);
    a.created_at = st.int64(9);
    a.password_changed_at = st.int64(10);
    a.last_login_at = st.opt_int64(11);
    return a;
}

/// A family of id from its other columns, merchant_id to revoked_at, starting at column `at`.
inline oauth_family read_oauth_family(const auto& st, std::int64_t id, int at) {
    oauth_family f;
    f.id = id;
    f.merchant = core::merchant_id{st.int64(at)};
    f.partner = core::partner_id{st.int64(at + 1)};
    f.account = core::account_id{st.int64(at + 2)};
    f.scope = st.text(at + 3);
    f.created_at = st.int64(at + 4);
    f.expires_at = st.int64(at + 5);
    f.revoked_at = st.opt_int64(at + 6);
    return f;
}

// Column order of find_oauth_token: the token, then its family's columns.
inline oauth_grant read_oauth_grant(const auto& st) {
    oauth_grant g;
    g.token.token_hash = st.bytes(0);
    g.token.family = st.int64(1);
    g.token.kind = st.text(2) == "refresh" ? oauth_token_kind::refresh : oauth_token_kind::access;
    g.token.created_at = st.int64(3);
    g.token.expires_at = st.int64(4);
    g.token.spent_at = st.opt_int64(5);
    g.family = read_oauth_family(st, g.token.family, 6);
    return g;
}

// Column order of find_reservation and friends.
inline reservation read_reservation(const auto& st) {
    reservation r;
    r.id = core::reservation_id{st.int64(0)};
    r.merchant = core::merchant_id{st.int64(1)};
    r.guest = core::guest_id{st.int64(2)};
    r.reference = st.text(3);
    r.status = st.text(4);
    r.creation = st.opt_text(5);
    r.arrival = st.opt_text(6);
    r.departure = st.opt_text(7);
    r.total_amount = st.opt_text(8);
    r.currency = st.opt_text(9);
    r.room_type = st.opt_text(10);
    r.room_name = st.opt_text(11);
    r.payload = st.text(12);
    r.updated_at = st.int64(13);
    return r;
}

// Column order of find_partner and friends; the merchants are read separately.
inline partner read_partner(const auto& st) {
    partner p;
    p.id = core::partner_id{st.int64(0)};
    p.name = st.text(1);
    p.client_id = st.text(2);
    p.client_secret_hash = st.bytes(3);
    p.b2b = st.boolean(4);
    p.disabled = st.boolean(5);
    p.created_at = st.int64(6);
    p.previous_client_secret_hash = st.bytes(7);
    p.previous_valid_until = st.int64(8);
    p.caller_reset_codes = st.boolean(9);
    return p;
}

// Column order of find_session and friends.
inline session read_session(const auto& st) {
    return session{st.bytes(0),    core::merchant_id{st.int64(1)}, core::partner_id{st.int64(2)},
                   core::account_id{st.int64(3)}, st.int64(4), st.int64(5), st.opt_int64(6)};
}

/// The columns of a wider statement's row from `first` on, numbered from 0: reads an entity where a statement
/// that returns several put its columns (find_signed_in).
template <class Statement>
struct columns_from {
    const Statement& st;
    int first;
    std::int64_t int64(int c) const { return st.int64(first + c); }
    std::optional<std::int64_t> opt_int64(int c) const { return st.opt_int64(first + c); }
    bool boolean(int c) const { return st.boolean(first + c); }
    std::string text(int c) const { return st.text(first + c); }
    std::optional<std::string> opt_text(int c) const { return st.opt_text(first + c); }
    std::string bytes(int c) const { return st.bytes(first + c); }
};

/// Custom fields from a JSON array of [name, value] pairs (find_signed_in's aggregate).
inline std::vector<custom_field> custom_fields_from_json(const std::string& text) {
    try {
        std::vector<custom_field> out;
        const boost::json::value parsed = boost::json::parse(text);
        for (const auto& pair : parsed.as_array()) {
            const auto& p = pair.as_array();
            out.push_back({std::string(p.at(0).as_string()), std::string(p.at(1).as_string())});
        }
        return out;
    } catch (const std::exception&) {
        throw core::backend_error("store: custom fields are not a JSON array of [name, value] pairs", false);
    }
}

/// A digest bound as NULL when empty (a partner without a client secret).
template <class Backend>
std::optional<typename Backend::blob> opt_blob(const secret_hash& digest) {
    return digest.empty() ? std::nullopt : std::optional(typename Backend::blob{digest});
}

template <class Id>
std::optional<Id> opt_id(const std::optional<std::int64_t>& value) {
    return value ? std::optional(Id{*value}) : std::nullopt;
}

// Column order of list_audit_events and friends.
inline audit_event read_audit_event(const auto& st) {
    audit_event e;
    e.id = st.int64(0);
    e.merchant = core::merchant_id{st.int64(1)};
    e.at = st.int64(2);
    e.kind = st.text(3);
    e.outcome = st.text(4);
    e.partner = opt_id<core::partner_id>(st.opt_int64(5));
    e.guest = opt_id<core::guest_id>(st.opt_int64(6));
    e.client_address = st.text(7);
    e.request_id = st.text(8);
    e.detail = st.text(9);
    return e;
}

// Column order of list_guest_consent_events.
inline consent_event read_consent_event(const auto& st) {
    consent_event e;
    e.id = st.int64(0);
    e.merchant = core::merchant_id{st.int64(1)};
    e.guest = core::guest_id{st.int64(2)};
    e.at = st.int64(3);
    e.kind = st.text(4);
    e.partner = opt_id<core::partner_id>(st.opt_int64(5));
    e.source_address = st.text(6);
    e.detail = st.text(7);
    return e;
}

// Column order of find_reset_by_code.
inline reset read_reset(const auto& st) {
    reset r;
    r.id = st.int64(0);
    r.merchant = core::merchant_id{st.int64(1)};
    r.account = core::account_id{st.int64(2)};
    r.code_hash = st.bytes(3);
    r.created_at = st.int64(4);
    r.expires_at = st.int64(5);
    r.used_at = st.opt_int64(6);
    r.voided_at = st.opt_int64(7);
    return r;
}

// Column order of find_outbox and friends.
inline outbox_message read_outbox_message(const auto& st) {
    outbox_message m;
    m.id = st.int64(0);
    m.merchant = core::merchant_id{st.int64(1)};
    m.message_id = st.text(2);
    m.recipient = st.text(3);
    m.sender = st.text(4);
    m.subject = st.text(5);
    m.content = st.text(6);
    m.status = st.text(7);
    m.attempts = static_cast<int>(st.int64(8));
    m.created_at = st.int64(9);
    m.next_attempt_at = st.int64(10);
    m.sent_at = st.opt_int64(11);
    m.last_error = st.text(12);
    return m;
}

/// The start of the fixed window of that length holding now: now rounded down to a multiple of window.
inline unix_seconds window_start(unix_seconds now, unix_seconds window) {
    if (window <= 0) {
        throw std::invalid_argument("throttle window must be positive");
    }
    return now - ((now % window) + window) % window;
}

}  // namespace detail

// Merchants.

template <class Backend>
core::result<void> merchant_store<Backend>::insert(const merchant& m, const secret_hash& hotel_token_hash) {
    // A taken id or hotel token inserts nothing (ON CONFLICT), which leaves the transaction usable.
    const auto inserted = statement(conn_, queries::insert_merchant, m.id, m.name, blob{hotel_token_hash},
                                    m.password_min_length, detail::strings_to_json(m.reset_verification_fields),
                                    m.reset_link_template, m.reset_code_ttl, m.mail_from, m.audit_retention_days,
                                    clock_.now())
                              .run();
    if (inserted == 0) {
        return core::fail(core::errc::already_exists, "merchant already exists", "insert_merchant: id or token taken");
    }
    return {};
}

template <class Backend>
std::optional<merchant> merchant_store<Backend>::find(core::merchant_id id) {
    statement st(conn_, queries::find_merchant, id);
    return st.step() ? std::optional(detail::read_merchant(st)) : std::nullopt;
}

template <class Backend>
std::optional<merchant> merchant_store<Backend>::find_by_hotel_token(const secret_hash& hotel_token_hash) {
    if (statement st(conn_, queries::find_merchant_by_hotel_token, blob{hotel_token_hash}); st.step()) {
        return detail::read_merchant(st);
    }
    statement st(conn_, queries::find_merchant_by_previous_hotel_token, blob{hotel_token_hash}, clock_.now());
    return st.step() ? std::optional(detail::read_merchant(st)) : std::nullopt;
}

template <class Backend>
std::vector<merchant> merchant_store<Backend>::list() {
    std::vector<merchant> out;
    statement st(conn_, queries::list_merchants);
    while (st.step()) {
        out.push_back(detail::read_merchant(st));
    }
    return out;
}

template <class Backend>
bool merchant_store<Backend>::set_hotel_token(core::merchant_id id, const secret_hash& hotel_token_hash,
                                              unix_seconds old_valid_until) {
    return statement(conn_, queries::set_merchant_hotel_token, id, blob{hotel_token_hash}, old_valid_until).run() == 1;
}

template <class Backend>
bool merchant_store<Backend>::update_settings(const merchant& m) {
    return statement(conn_, queries::update_merchant_settings, m.id, m.password_min_length,
                     detail::strings_to_json(m.reset_verification_fields), m.reset_link_template, m.reset_code_ttl,
                     m.mail_from, m.audit_retention_days)
               .run() == 1;
}

template <class Backend>
void merchant_store<Backend>::set_template(core::merchant_id id, const mail_template& t) {
    statement(conn_, queries::set_mail_template, id, t.kind, t.language, t.subject, t.text, t.html).run();
}

template <class Backend>
bool merchant_store<Backend>::remove_template(core::merchant_id id, std::string_view kind, std::string_view language) {
    return statement(conn_, queries::remove_mail_template, id, kind, language).run() == 1;
}

template <class Backend>
std::optional<mail_template> merchant_store<Backend>::find_template(core::merchant_id id, std::string_view kind,
                                                                    std::string_view language) {
    statement st(conn_, queries::find_mail_template, id, kind, language);
    return st.step() ? std::optional(detail::read_mail_template(st)) : std::nullopt;
}

template <class Backend>
std::vector<mail_template> merchant_store<Backend>::templates(core::merchant_id id) {
    std::vector<mail_template> out;
    statement st(conn_, queries::list_mail_templates, id);
    while (st.step()) {
        out.push_back(detail::read_mail_template(st));
    }
    return out;
}

// Partners.

template <class Backend>
core::partner_id partner_store<Backend>::insert(const partner& p, const secret_hash& partner_token_hash) {
    // Insert the partner, then its grants (the merchants must exist: a foreign key checks it).
    core::partner_id id;
    {
        statement st(conn_, queries::insert_partner, p.name, blob{partner_token_hash}, p.client_id,
                     detail::opt_blob<Backend>(p.client_secret_hash), p.b2b, p.disabled, clock_.now(),
                     p.caller_reset_codes);
        st.step();
        id = core::partner_id{st.int64(0)};
    }
    for (const auto m : p.merchants) {
        statement(conn_, queries::insert_partner_merchant, id, m).run();
    }
    return id;
}

template <class Backend>
template <class... Args>
std::optional<partner> partner_store<Backend>::find_with(const query& q, const Args&... args) {
    std::optional<partner> p;
    {
        statement st(conn_, q, args...);
        if (!st.step()) {
            return std::nullopt;
        }
        p = detail::read_partner(st);
    }
    read_merchants(*p);
    return p;
}

template <class Backend>
void partner_store<Backend>::read_merchants(partner& p) {
    statement st(conn_, queries::list_partner_merchants, p.id);
    while (st.step()) {
        p.merchants.emplace_back(st.int64(0));
    }
}

template <class Backend>
std::optional<partner> partner_store<Backend>::find(core::partner_id id) {
    return find_with(queries::find_partner, id);
}

template <class Backend>
std::optional<partner> partner_store<Backend>::find_by_token(const secret_hash& partner_token_hash) {
    if (auto p = find_with(queries::find_partner_by_token, blob{partner_token_hash})) return p;
    return find_with(queries::find_partner_by_previous_token, blob{partner_token_hash}, clock_.now());
}

template <class Backend>
std::optional<partner> partner_store<Backend>::find_by_client_id(std::string_view client_id) {
    return find_with(queries::find_partner_by_client_id, client_id);
}

template <class Backend>
bool partner_store<Backend>::rotate(core::partner_id id, const secret_hash& token_hash,
                                    const secret_hash& client_secret_hash, unix_seconds old_valid_until) {
    return statement(conn_, queries::rotate_partner, id, blob{token_hash},
                     detail::opt_blob<Backend>(client_secret_hash), old_valid_until)
               .run() == 1;
}

template <class Backend>
bool partner_store<Backend>::set_disabled(core::partner_id id, bool disabled) {
    return statement(conn_, queries::set_partner_disabled, id, disabled).run() == 1;
}

template <class Backend>
bool partner_store<Backend>::set_caller_reset_codes(core::partner_id id, bool granted) {
    return statement(conn_, queries::set_partner_caller_reset_codes, id, granted).run() == 1;
}

template <class Backend>
std::int64_t partner_store<Backend>::credentials_generation() {
    statement st(conn_, queries::credentials_generation);
    return st.step() ? st.int64(0) : 0;
}

template <class Backend>
std::vector<partner> partner_store<Backend>::list() {
    std::vector<partner> out;
    {
        statement st(conn_, queries::list_partners);
        while (st.step()) {
            out.push_back(detail::read_partner(st));
        }
    }
    for (auto& p : out) {
        read_merchants(p);
    }
    return out;
}

// Guests.

template <class Backend>
template <class... Args>
std::optional<guest> guest_store<Backend>::find_with(const query& q, const Args&... args) {
    std::optional<guest> g;
    {
        statement st(conn_, q, args...);
        if (!st.step()) {
            return std::nullopt;
        }
        g = detail::read_guest(st);
    }
    g->custom_fields = detail::read_custom_fields<Backend>(conn_, queries::list_guest_custom_fields, g->id);
    return g;
}

template <class Backend>
std::optional<guest> guest_store<Backend>::find(core::merchant_id m, core::guest_id id) {
    return find_with(finder(queries::find_guest), m, id);
}

template <class Backend>
std::optional<guest> guest_store<Backend>::find_by_email(core::merchant_id m, std::string_view email) {
    return find_with(finder(queries::find_guest_by_email), m, ascii_lower(email));
}

template <class Backend>
std::optional<guest> guest_store<Backend>::find_by_reference(core::merchant_id m, std::string_view reference) {
    return find_with(finder(queries::find_guest_by_reference), m, reference);
}

template <class Backend>
core::result<core::guest_id> guest_store<Backend>::insert(const guest& g) {
    // Insert the row first: a taken email inserts nothing, before anything else is written.
    const profile& p = g.fields;
    core::guest_id id;
    {
        statement st(conn_, queries::insert_guest, g.merchant, p.title, p.firstname, p.lastname, p.phone, p.mobile,
                     p.email, detail::normalized(p.email), p.street, p.zip_code, p.city, p.state, p.country,
                     p.birthdate, p.language, p.nationality, g.identity_document_number,
                     detail::strings_to_json(g.privilege_badges), clock_.now(), g.address2, g.address_label,
                     g.opt_in, g.text_campaign_opt_in, g.sms_opt_in_verified, g.email_verified);
        const auto inserted = Backend::inserted_id(conn_, st);
        if (!inserted) {
            return core::fail(core::errc::already_exists, "email already used by another guest",
                              "insert_guest: email taken");
        }
        id = core::guest_id{*inserted};
    }
    // A new guest has no custom fields to replace: its id was never anyone else's.
    Backend::insert_fields(conn_, queries::insert_guest_custom_fields, id, g.custom_fields);
    return id;
}

template <class Backend>
core::result<std::pair<std::int64_t, unix_seconds>> guest_store<Backend>::write_row(const guest& g) {
    // Update the row first: a taken email changes nothing, before the custom fields are touched. The unique index
    // stays the last line of defence against a concurrent writer that took the email meanwhile.
    const profile& p = g.fields;
    std::optional<std::pair<std::int64_t, unix_seconds>> written;
    try {
        statement st(conn_, queries::update_guest, g.merchant, g.id, p.title, p.firstname, p.lastname, p.phone,
                     p.mobile, p.email, detail::normalized(p.email), p.street, p.zip_code, p.city, p.state, p.country,
                     p.birthdate, p.language, p.nationality, g.identity_document_number,
                     detail::strings_to_json(g.privilege_badges), clock_.now(), g.address2, g.address_label, g.opt_in,
                     g.text_campaign_opt_in, g.sms_opt_in_verified, g.email_verified);
        if (st.step()) {
            written.emplace(st.int64(0), st.int64(1));
        }
    } catch (const typename Backend::unique_violation& e) {
        return core::fail(core::errc::already_exists, "email already used by another guest", e.what());
    }

    // Nothing changed: either there is no such guest or its new email is taken.
    if (!written) {
        statement st(conn_, queries::guest_exists, g.merchant, g.id);
        if (st.step() && st.boolean(0)) {
            return core::fail(core::errc::already_exists, "email already used by another guest",
                              "update_guest: email taken");
        }
        return core::fail(core::errc::not_found, "guest not found");
    }
    return *written;
}

template <class Backend>
core::result<void> guest_store<Backend>::update(const guest& g) {
    if (auto written = write_row(g); !written) {
        return std::unexpected(written.error());
    }
    write_custom_fields(g.id, g.custom_fields);
    return {};
}

template <class Backend>
core::result<void> guest_store<Backend>::update_profile(guest& g) {
    auto written = write_row(g);
    if (!written) {
        return std::unexpected(written.error());
    }
    std::tie(g.version, g.updated_at) = *written;
    return {};
}

template <class Backend>
void guest_store<Backend>::write_custom_fields(core::guest_id g, const std::vector<custom_field>& fields) {
    detail::write_fields<Backend>(conn_, queries::delete_guest_custom_fields, queries::insert_guest_custom_fields, g,
                                  fields);
}

template <class Backend>
void guest_store<Backend>::set_reference(core::merchant_id m, std::string_view reference, core::guest_id g) {
    statement(conn_, queries::set_guest_reference, m, reference, g).run();
}

template <class Backend>
bool guest_store<Backend>::qualifies(core::merchant_id m, core::guest_id g) {
    statement st(conn_, queries::guest_qualifies, m, g);
    st.step();
    return st.boolean(0);
}

template <class Backend>
bool guest_store<Backend>::erase(core::merchant_id m, core::guest_id g) {
    // Delete what hangs off the account, then the account.
    statement(conn_, queries::erase_guest_sessions, m, g).run();
    statement(conn_, queries::erase_guest_oauth_tokens, m, g).run();
    statement(conn_, queries::erase_guest_oauth_families, m, g).run();
    statement(conn_, queries::erase_guest_resets, m, g).run();
    statement(conn_, queries::erase_guest_account, m, g).run();

    // Delete the reservations with their custom fields.
    statement(conn_, queries::erase_guest_reservation_custom_fields, m, g).run();
    statement(conn_, queries::erase_guest_reservations, m, g).run();

    // Delete the rest that names the guest, then the guest itself.
    statement(conn_, queries::erase_guest_list_memberships, m, g).run();
    statement(conn_, queries::erase_guest_consents, m, g).run();
    statement(conn_, queries::erase_guest_references, m, g).run();
    statement(conn_, queries::erase_guest_custom_fields, m, g).run();
    if (statement(conn_, queries::erase_guest, m, g).run() != 1) {
        return false;
    }

    // Retire its id: the audit events that name it must never seem to be about a later guest.
    Backend::retire_guest_id(conn_, g);
    return true;
}

// Accounts.

template <class Backend>
template <class... Args>
std::optional<account> account_store<Backend>::find_with(const query& q, const Args&... args) {
    statement st(conn_, q, args...);
    return st.step() ? std::optional(detail::read_account(st)) : std::nullopt;
}

template <class Backend>
std::optional<account> account_store<Backend>::find(core::merchant_id m, core::account_id id) {
    return find_with(finder(queries::find_account), m, id);
}

template <class Backend>
std::optional<account> account_store<Backend>::find_by_guest(core::merchant_id m, core::guest_id g) {
    return find_with(finder(queries::find_account_by_guest), m, g);
}

template <class Backend>
core::result<core::account_id> account_store<Backend>::insert(const account& a) {
    // An account is created with its first password, so password_changed_at defaults to the creation time.
    // A taken card number, username or guest inserts nothing, so the caller can try another card number.
    const unix_seconds now = clock_.now();
    statement st(conn_, queries::insert_account, a.merchant, a.guest, a.username, ascii_lower(a.username),
                 a.printed_card_number, a.password_hash, a.failed_logins, a.lock_level, a.locked_until, now,
                 a.password_changed_at != 0 ? a.password_changed_at : now, a.last_login_at);
    if (!st.step()) {
        return core::fail(core::errc::already_exists, "card number, username or guest already has an account",
                          "insert_account: taken");
    }
    return core::account_id{st.int64(0)};
}

template <class Backend>
void account_store<Backend>::set_password(core::account_id id, std::string_view password_hash, unix_seconds now) {
    statement(conn_, queries::set_account_password, id, password_hash, now).run();
}

template <class Backend>
void account_store<Backend>::set_lock_state(core::account_id id, int failed_logins, int lock_level,
                                            unix_seconds locked_until) {
    statement(conn_, queries::set_account_lock_state, id, failed_logins, lock_level, locked_until).run();
}

template <class Backend>
void account_store<Backend>::record_login(core::account_id id, unix_seconds now,
                                          const std::optional<std::string>& new_hash) {
    statement(conn_, queries::record_account_login, id, now, new_hash).run();
}

template <class Backend>
void account_store<Backend>::set_username(core::account_id id, std::string_view username) {
    statement(conn_, queries::set_account_username, id, username, ascii_lower(username)).run();
}

template <class Backend>
std::optional<account> account_store<Backend>::find_by_username(core::merchant_id m, std::string_view username) {
    return find_with(finder(queries::find_account_by_username), m, ascii_lower(username));
}

template <class Backend>
std::optional<account> account_store<Backend>::find_by_card(core::merchant_id m, std::string_view printed_card_number) {
    return find_with(finder(queries::find_account_by_card), m, printed_card_number);
}

// Sessions.

template <class Backend>
void session_store<Backend>::insert(const session& s) {
    statement(conn_, queries::insert_session, blob{s.token_hash}, s.merchant, s.partner, s.account, s.created_at,
              s.expires_at, s.revoked_at)
        .run();
}

template <class Backend>
std::optional<session> session_store<Backend>::find(const secret_hash& token_hash) {
    statement st(conn_, queries::find_session, blob{token_hash});
    return st.step() ? std::optional(detail::read_session(st)) : std::nullopt;
}

template <class Backend>
std::optional<signed_in> session_store<Backend>::find_signed_in(const secret_hash& token_hash) {
    statement st(conn_, queries::find_signed_in, blob{token_hash});
    if (!st.step()) {
        return std::nullopt;
    }
    signed_in out{.session = detail::read_session(detail::columns_from<statement>{st, 27}),
                  .guest = detail::read_guest(st),
                  .credentials_generation = st.int64(34)};
    out.guest.custom_fields = detail::custom_fields_from_json(st.text(35));
    return out;
}

template <class Backend>
int session_store<Backend>::revoke_all(core::account_id account, unix_seconds now) {
    return static_cast<int>(statement(conn_, queries::revoke_account_sessions, account, now).run());
}

template <class Backend>
std::vector<session> session_store<Backend>::list_for_account(core::account_id account) {
    std::vector<session> out;
    statement st(conn_, queries::list_account_sessions, account);
    while (st.step()) {
        out.push_back(detail::read_session(st));
    }
    return out;
}

// Paytronix OAuth tokens.

template <class Backend>
std::int64_t oauth_token_store<Backend>::insert_family(const oauth_family& f) {
    statement st(conn_, queries::insert_oauth_family, f.merchant, f.partner, f.account, f.scope, f.created_at,
                 f.expires_at, f.revoked_at);
    const auto id = Backend::inserted_id(conn_, st);
    if (!id) throw core::backend_error("store: insert_oauth_family inserted nothing", false);
    return *id;
}

template <class Backend>
void oauth_token_store<Backend>::insert_token(const oauth_token& t) {
    const std::string_view kind = t.kind == oauth_token_kind::refresh ? "refresh" : "access";
    statement(conn_, queries::insert_oauth_token, blob{t.token_hash}, t.family, kind, t.created_at, t.expires_at,
              t.spent_at)
        .run();
}

template <class Backend>
std::optional<oauth_grant> oauth_token_store<Backend>::find(const secret_hash& token_hash) {
    // A write unit locks the token and its family (PostgreSQL): a rotation and a revocation take turns.
    const query& q = mode_ == tx::write ? Backend::for_update(conn_, queries::find_oauth_token)
                                        : queries::find_oauth_token;
    statement st(conn_, q, blob{token_hash});
    if (!st.step()) return std::nullopt;
    return detail::read_oauth_grant(st);
}

template <class Backend>
bool oauth_token_store<Backend>::spend_refresh(const secret_hash& token_hash, unix_seconds now) {
    return statement(conn_, queries::spend_oauth_refresh, blob{token_hash}, now).run() == 1;
}

template <class Backend>
bool oauth_token_store<Backend>::revoke_family(std::int64_t family, unix_seconds now) {
    return statement(conn_, queries::revoke_oauth_family, family, now).run() == 1;
}

template <class Backend>
int oauth_token_store<Backend>::revoke_all(core::account_id account, unix_seconds now) {
    return static_cast<int>(statement(conn_, queries::revoke_account_oauth_families, account, now).run());
}

template <class Backend>
std::vector<oauth_family> oauth_token_store<Backend>::families_of(core::account_id account) {
    std::vector<oauth_family> out;
    statement st(conn_, queries::list_account_oauth_families, account);
    while (st.step()) {
        out.push_back(detail::read_oauth_family(st, st.int64(0), 1));
    }
    return out;
}

// Reservations.

template <class Backend>
std::vector<custom_field> reservation_store<Backend>::custom_fields_of(std::int64_t reservation) {
    return detail::read_custom_fields<Backend>(conn_, queries::list_reservation_custom_fields, reservation);
}

template <class Backend>
std::optional<reservation> reservation_store<Backend>::find(core::merchant_id m, std::string_view reference) {
    std::optional<reservation> r;
    {
        statement st(conn_, queries::find_reservation, m, reference);
        if (!st.step()) {
            return std::nullopt;
        }
        r = detail::read_reservation(st);
    }
    r->custom_fields = custom_fields_of(r->id.value);
    return r;
}

template <class Backend>
bool reservation_store<Backend>::upsert(const reservation& r) {
    const auto stored_id = [&]() -> std::optional<std::int64_t> {
        statement st(conn_, queries::find_reservation_id, r.merchant, r.reference);
        return st.step() ? std::optional(st.int64(0)) : std::nullopt;
    };

    // Find the stored reservation with this reference, if any; else insert a new one. A concurrent writer may
    // insert the same reference after the lookup (PostgreSQL: the insert then waits for it and inserts nothing):
    // its row is the one to replace.
    const unix_seconds now = clock_.now();
    std::optional<std::int64_t> id = stored_id();
    bool created = false;
    if (!id) {
        statement st(conn_, queries::insert_reservation, r.merchant, r.reference, r.guest, r.status, r.creation,
                     r.arrival, r.departure, r.total_amount, r.currency, r.room_type, r.room_name, r.payload, now);
        id = Backend::inserted_id(conn_, st);
        created = id.has_value();
    }
    if (!created) {
        if (!id) id = stored_id();
        if (!id) {
            throw core::backend_error("store: upsert_reservation: the reservation vanished meanwhile", true);
        }
        statement(conn_, queries::replace_reservation, r.merchant, r.reference, r.guest, r.status, r.creation,
                  r.arrival, r.departure, r.total_amount, r.currency, r.room_type, r.room_name, r.payload, now)
            .run();
    }

    // Replace its custom fields (a new reservation has none: its id was never anyone else's).
    if (created) {
        Backend::insert_fields(conn_, queries::insert_reservation_custom_fields, *id, r.custom_fields);
    } else {
        detail::write_fields<Backend>(conn_, queries::delete_reservation_custom_fields,
                                      queries::insert_reservation_custom_fields, *id, r.custom_fields);
    }
    return created;
}

template <class Backend>
std::vector<reservation> reservation_store<Backend>::list_active(core::merchant_id m, core::guest_id g) {
    return list_with(queries::list_active_reservations, m, g);
}

template <class Backend>
std::vector<reservation> reservation_store<Backend>::list_all(core::merchant_id m, core::guest_id g) {
    return list_with(queries::list_all_reservations, m, g);
}

template <class Backend>
std::vector<reservation> reservation_store<Backend>::list_with(const query& q, core::merchant_id m, core::guest_id g) {
    std::vector<reservation> out;
    {
        statement st(conn_, q, m, g);
        while (st.step()) {
            out.push_back(detail::read_reservation(st));
        }
    }
    if (out.empty()) return out;

    // Every reservation's custom fields in one statement, sorted by reservation and position, then handed out.
    struct located_field {
        std::int64_t reservation;
        std::int64_t position;
        custom_field field;
    };
    std::vector<located_field> fields;
    {
        statement st(conn_, queries::list_guest_reservation_custom_fields, m, g);
        while (st.step()) {
            fields.push_back({st.int64(0), st.int64(1), {st.text(2), st.text(3)}});
        }
    }
    std::ranges::sort(fields, {}, [](const located_field& f) { return std::pair(f.reservation, f.position); });
    for (auto& r : out) {
        auto [first, last] = std::ranges::equal_range(fields, r.id.value, {}, &located_field::reservation);
        for (auto it = first; it != last; ++it) r.custom_fields.push_back(std::move(it->field));
    }
    return out;
}

template <class Backend>
int reservation_store<Backend>::count(core::merchant_id m, core::guest_id g) {
    statement st(conn_, queries::count_reservations, m, g);
    st.step();
    return static_cast<int>(st.int64(0));
}

// Email lists.

template <class Backend>
bool email_list_store<Backend>::add(core::merchant_id m, std::string_view list, core::guest_id g, unix_seconds now) {
    return statement(conn_, queries::add_email_list_member, m, list, g, now).run() == 1;
}

template <class Backend>
bool email_list_store<Backend>::remove(core::merchant_id m, std::string_view list, core::guest_id g) {
    return statement(conn_, queries::remove_email_list_member, m, list, g).run() == 1;
}

template <class Backend>
std::vector<std::string> email_list_store<Backend>::lists_of(core::merchant_id m, core::guest_id g) {
    std::vector<std::string> out;
    statement st(conn_, queries::list_email_lists_of_guest, m, g);
    while (st.step()) {
        out.push_back(st.text(0));
    }
    return out;
}

// Resets.

template <class Backend>
core::result<std::int64_t> reset_store<Backend>::replace(const reset& r) {
    // Insert first: a code already in use inserts nothing, before any older reset is voided.
    std::int64_t id = 0;
    {
        statement st(conn_, queries::insert_reset, r.merchant, r.account, blob{r.code_hash}, r.created_at,
                     r.expires_at, r.used_at, r.voided_at);
        if (!st.step()) {
            return core::fail(core::errc::already_exists, "reset code already in use", "insert_reset: code taken");
        }
        id = st.int64(0);
    }

    // Void the account's other live resets as of the new one's creation.
    statement(conn_, queries::void_other_resets, r.account, r.created_at, id).run();
    return id;
}

template <class Backend>
std::optional<reset> reset_store<Backend>::find_by_code(core::merchant_id m, const secret_hash& code_hash) {
    statement st(conn_, queries::find_reset_by_code, m, blob{code_hash});
    return st.step() ? std::optional(detail::read_reset(st)) : std::nullopt;
}

template <class Backend>
bool reset_store<Backend>::mark_used(std::int64_t id, unix_seconds now) {
    return statement(conn_, queries::mark_reset_used, id, now).run() == 1;
}

template <class Backend>
int reset_store<Backend>::void_all(core::account_id account, unix_seconds now) {
    return static_cast<int>(statement(conn_, queries::void_account_resets, account, now).run());
}

template <class Backend>
int reset_store<Backend>::count_since(core::account_id account, unix_seconds since) {
    statement st(conn_, queries::count_resets_since, account, since);
    st.step();
    return static_cast<int>(st.int64(0));
}

template <class Backend>
std::vector<reset> reset_store<Backend>::list_for_account(core::account_id account) {
    std::vector<reset> out;
    statement st(conn_, queries::list_account_resets, account);
    while (st.step()) {
        out.push_back(detail::read_reset(st));
    }
    return out;
}

// Throttles.

template <class Backend>
int throttle_store<Backend>::hit(std::string_view key, unix_seconds now, unix_seconds window) {
    statement st(conn_, queries::hit_throttle, key, detail::window_start(now, window));
    st.step();
    return static_cast<int>(st.int64(0));
}

template <class Backend>
int throttle_store<Backend>::hits(std::string_view key, unix_seconds now, unix_seconds window) {
    statement st(conn_, queries::throttle_hits, key, detail::window_start(now, window));
    st.step();
    return static_cast<int>(st.int64(0));
}

// Outbox.

template <class Backend>
std::int64_t outbox_store<Backend>::enqueue(const outbox_message& m) {
    statement st(conn_, queries::enqueue_outbox, m.merchant, m.message_id, m.recipient, m.sender, m.subject,
                 m.content, clock_.now(), m.next_attempt_at);
    st.step();
    return st.int64(0);
}

template <class Backend>
std::vector<outbox_message> outbox_store<Backend>::claim(unix_seconds now, unix_seconds lease_until, int limit) {
    // Nothing to take for no room (PostgreSQL refuses a negative LIMIT, SQLite would take it as none).
    if (limit <= 0) {
        return {};
    }
    return Backend::claim_outbox(conn_, now, lease_until, limit);
}

template <class Backend>
void outbox_store<Backend>::mark_sent(std::int64_t id, unix_seconds now) {
    statement(conn_, queries::mark_outbox_sent, id, now).run();
}

template <class Backend>
void outbox_store<Backend>::mark_failed(std::int64_t id, unix_seconds next_attempt_at, std::string_view error) {
    statement(conn_, queries::mark_outbox_failed, id, next_attempt_at, error).run();
}

template <class Backend>
void outbox_store<Backend>::mark_dead(std::int64_t id, std::string_view error) {
    statement(conn_, queries::mark_outbox_dead, id, error).run();
}

template <class Backend>
std::vector<outbox_message> outbox_store<Backend>::list(std::optional<std::string_view> status, int limit) {
    std::vector<outbox_message> out;
    if (limit <= 0) {
        return out;
    }
    const auto read_all = [&](statement& st) {
        while (st.step()) {
            out.push_back(detail::read_outbox_message(st));
        }
    };
    if (status) {
        statement st(conn_, queries::list_outbox_by_status, *status, limit);
        read_all(st);
    } else {
        statement st(conn_, queries::list_outbox, limit);
        read_all(st);
    }
    return out;
}

template <class Backend>
std::optional<outbox_message> outbox_store<Backend>::find(std::int64_t id) {
    statement st(conn_, queries::find_outbox, id);
    return st.step() ? std::optional(detail::read_outbox_message(st)) : std::nullopt;
}

template <class Backend>
bool outbox_store<Backend>::retry(std::int64_t id, unix_seconds now) {
    return statement(conn_, queries::retry_outbox, id, now).run() == 1;
}

template <class Backend>
int outbox_store<Backend>::backlog() {
    statement st(conn_, queries::count_outbox_backlog);
    st.step();
    return static_cast<int>(st.int64(0));
}

template <class Backend>
int outbox_store<Backend>::erase_recipient(core::merchant_id m, std::string_view recipient) {
    return static_cast<int>(statement(conn_, queries::erase_outbox_recipient, m, ascii_lower(recipient)).run());
}

// Audit events.

template <class Backend>
void audit_store<Backend>::append(const audit_event& e) {
    statement(conn_, queries::append_audit_event, e.merchant, e.at, e.kind, e.outcome, e.partner, e.guest,
              e.client_address, e.request_id, e.detail)
        .run();
}

template <class Backend>
std::vector<audit_event> audit_store<Backend>::list(core::merchant_id m, std::optional<core::guest_id> g,
                                                    std::optional<unix_seconds> since,
                                                    std::optional<std::string_view> kind, int limit) {
    // Nothing to read for no room (PostgreSQL refuses a negative LIMIT).
    std::vector<audit_event> out;
    if (limit <= 0) {
        return out;
    }

    // Pick the query whose index serves the filters given; no lower bound is the smallest time.
    const unix_seconds from = since.value_or(std::numeric_limits<unix_seconds>::min());
    const auto read_all = [&](statement& st) {
        while (st.step()) {
            out.push_back(detail::read_audit_event(st));
        }
    };
    if (g) {
        statement st(conn_, queries::list_guest_audit_events, m, *g, from, kind, limit);
        read_all(st);
    } else if (kind) {
        statement st(conn_, queries::list_audit_events_of_kind, m, *kind, from, limit);
        read_all(st);
    } else {
        statement st(conn_, queries::list_audit_events, m, from, limit);
        read_all(st);
    }
    return out;
}

template <class Backend>
int audit_store<Backend>::purge_before(core::merchant_id m, unix_seconds before) {
    return static_cast<int>(statement(conn_, queries::purge_audit_events, m, before).run());
}

// Consent events.

template <class Backend>
void consent_store<Backend>::append(const consent_event& e) {
    statement(conn_, queries::append_consent_event, e.merchant, e.guest, e.at, e.kind, e.partner, e.source_address,
              e.detail)
        .run();
}

template <class Backend>
std::vector<consent_event> consent_store<Backend>::list_for_guest(core::merchant_id m, core::guest_id g) {
    std::vector<consent_event> out;
    statement st(conn_, queries::list_guest_consent_events, m, g);
    while (st.step()) {
        out.push_back(detail::read_consent_event(st));
    }
    return out;
}

}  // namespace guestd::store::sql
