#include "store/sqlite/stores.hpp"

#include "store/sqlite/queries.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <exception>
#include <limits>
#include <stdexcept>

namespace guestd::store::sqlite {

namespace {

std::optional<std::string> normalized(const std::optional<std::string>& s) {
    return s ? std::optional<std::string>(ascii_lower(*s)) : std::nullopt;
}

// Lists of strings (privilege badges, reset verification fields) are stored as JSON arrays in one column.
std::string strings_to_json(const std::vector<std::string>& values) {
    boost::json::array out;
    for (const auto& value : values) {
        out.emplace_back(value);
    }
    return boost::json::serialize(out);
}

/// `column` names the column in the error, as "table.column".
std::vector<std::string> strings_from_json(const std::string& text, std::string_view column) {
    try {
        std::vector<std::string> out;
        const boost::json::value parsed = boost::json::parse(text);
        for (const auto& value : parsed.as_array()) {
            out.emplace_back(value.as_string());
        }
        return out;
    } catch (const std::exception&) {
        throw core::backend_error("sqlite: " + std::string(column) + " is not a JSON array of strings", false);
    }
}

template <class Id>
std::vector<custom_field> read_custom_fields(connection& c, const query& q, Id owner) {
    std::vector<custom_field> out;
    statement st(c, q, owner);
    while (st.step()) {
        out.push_back({st.text(0), st.text(1)});
    }
    return out;
}

template <class Id>
void insert_fields(connection& c, const query& insert, Id owner, const std::vector<custom_field>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        statement(c, insert, owner, static_cast<std::int64_t>(i), fields[i].name, fields[i].value).run();
    }
}

template <class Id>
void write_fields(connection& c, const query& remove, const query& insert, Id owner,
                  const std::vector<custom_field>& fields) {
    statement(c, remove, owner).run();
    insert_fields(c, insert, owner, fields);
}

// Column order of find_merchant and friends.
merchant read_merchant(const statement& st) {
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
mail_template read_mail_template(const statement& st) {
    return mail_template{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4)};
}

// Column order of find_guest and friends.
guest read_guest(const statement& st) {
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
    return g;
}

// Column order of find_account and friends.
account read_account(const statement& st) {
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

// Column order of find_reservation and friends.
reservation read_reservation(const statement& st) {
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
partner read_partner(const statement& st) {
    partner p;
    p.id = core::partner_id{st.int64(0)};
    p.name = st.text(1);
    p.client_id = st.text(2);
    p.client_secret_hash = st.bytes(3);
    p.b2b = st.int64(4) != 0;
    p.disabled = st.int64(5) != 0;
    p.created_at = st.int64(6);
    p.previous_client_secret_hash = st.bytes(7);
    p.previous_valid_until = st.int64(8);
    p.caller_reset_codes = st.int64(9) != 0;
    return p;
}

// Column order of find_session and friends.
session read_session(const statement& st) {
    return session{st.bytes(0),    core::merchant_id{st.int64(1)}, core::partner_id{st.int64(2)},
                   core::account_id{st.int64(3)}, st.int64(4), st.int64(5), st.opt_int64(6)};
}

template <class Id>
std::optional<Id> opt_id(const std::optional<std::int64_t>& value) {
    return value ? std::optional(Id{*value}) : std::nullopt;
}

// Column order of list_audit_events and friends.
audit_event read_audit_event(const statement& st) {
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
consent_event read_consent_event(const statement& st) {
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
reset read_reset(const statement& st) {
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
outbox_message read_outbox_message(const statement& st) {
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
unix_seconds window_start(unix_seconds now, unix_seconds window) {
    if (window <= 0) {
        throw std::invalid_argument("throttle window must be positive");
    }
    return now - ((now % window) + window) % window;
}

}  // namespace

// Merchants.

core::result<void> merchant_store::insert(const merchant& m, const secret_hash& hotel_token_hash) {
    try {
        statement(conn_, queries::insert_merchant, m.id, m.name, blob{hotel_token_hash}, m.password_min_length,
                  strings_to_json(m.reset_verification_fields), m.reset_link_template, m.reset_code_ttl, m.mail_from,
                  m.audit_retention_days, clock_.now())
            .run();
    } catch (const unique_violation& e) {
        return core::fail(core::errc::already_exists, "merchant already exists", e.what());
    }
    return {};
}

std::optional<merchant> merchant_store::find(core::merchant_id id) {
    statement st(conn_, queries::find_merchant, id);
    return st.step() ? std::optional(read_merchant(st)) : std::nullopt;
}

std::optional<merchant> merchant_store::find_by_hotel_token(const secret_hash& hotel_token_hash) {
    if (statement st(conn_, queries::find_merchant_by_hotel_token, blob{hotel_token_hash}); st.step()) {
        return read_merchant(st);
    }
    statement st(conn_, queries::find_merchant_by_previous_hotel_token, blob{hotel_token_hash}, clock_.now());
    return st.step() ? std::optional(read_merchant(st)) : std::nullopt;
}

std::vector<merchant> merchant_store::list() {
    std::vector<merchant> out;
    statement st(conn_, queries::list_merchants);
    while (st.step()) {
        out.push_back(read_merchant(st));
    }
    return out;
}

bool merchant_store::set_hotel_token(core::merchant_id id, const secret_hash& hotel_token_hash,
                                     unix_seconds old_valid_until) {
    return statement(conn_, queries::set_merchant_hotel_token, id, blob{hotel_token_hash}, old_valid_until).run() == 1;
}

bool merchant_store::update_settings(const merchant& m) {
    return statement(conn_, queries::update_merchant_settings, m.id, m.password_min_length,
                     strings_to_json(m.reset_verification_fields), m.reset_link_template, m.reset_code_ttl,
                     m.mail_from, m.audit_retention_days)
               .run() == 1;
}

void merchant_store::set_template(core::merchant_id id, const mail_template& t) {
    statement(conn_, queries::set_mail_template, id, t.kind, t.language, t.subject, t.text, t.html).run();
}

bool merchant_store::remove_template(core::merchant_id id, std::string_view kind, std::string_view language) {
    return statement(conn_, queries::remove_mail_template, id, kind, language).run() == 1;
}

std::optional<mail_template> merchant_store::find_template(core::merchant_id id, std::string_view kind,
                                                           std::string_view language) {
    statement st(conn_, queries::find_mail_template, id, kind, language);
    return st.step() ? std::optional(read_mail_template(st)) : std::nullopt;
}

std::vector<mail_template> merchant_store::templates(core::merchant_id id) {
    std::vector<mail_template> out;
    statement st(conn_, queries::list_mail_templates, id);
    while (st.step()) {
        out.push_back(read_mail_template(st));
    }
    return out;
}

// Partners.

core::partner_id partner_store::insert(const partner& p, const secret_hash& partner_token_hash) {
    // Insert the partner, then its grants (the merchants must exist: a foreign key checks it).
    core::partner_id id;
    {
        statement st(conn_, queries::insert_partner, p.name, blob{partner_token_hash}, p.client_id,
                     blob{p.client_secret_hash}, p.b2b ? 1 : 0, p.disabled ? 1 : 0, clock_.now(),
                     p.caller_reset_codes ? 1 : 0);
        st.step();
        id = core::partner_id{st.int64(0)};
    }
    for (const auto m : p.merchants) {
        statement(conn_, queries::insert_partner_merchant, id, m).run();
    }
    return id;
}

template <class... Args>
std::optional<partner> partner_store::find_with(const query& q, const Args&... args) {
    std::optional<partner> p;
    {
        statement st(conn_, q, args...);
        if (!st.step()) {
            return std::nullopt;
        }
        p = read_partner(st);
    }
    read_merchants(*p);
    return p;
}

void partner_store::read_merchants(partner& p) {
    statement st(conn_, queries::list_partner_merchants, p.id);
    while (st.step()) {
        p.merchants.emplace_back(st.int64(0));
    }
}

std::optional<partner> partner_store::find(core::partner_id id) { return find_with(queries::find_partner, id); }

std::optional<partner> partner_store::find_by_token(const secret_hash& partner_token_hash) {
    if (auto p = find_with(queries::find_partner_by_token, blob{partner_token_hash})) return p;
    return find_with(queries::find_partner_by_previous_token, blob{partner_token_hash}, clock_.now());
}

std::optional<partner> partner_store::find_by_client_id(std::string_view client_id) {
    return find_with(queries::find_partner_by_client_id, client_id);
}

bool partner_store::rotate(core::partner_id id, const secret_hash& token_hash, const secret_hash& client_secret_hash,
                           unix_seconds old_valid_until) {
    return statement(conn_, queries::rotate_partner, id, blob{token_hash}, blob{client_secret_hash}, old_valid_until)
               .run() == 1;
}

bool partner_store::set_disabled(core::partner_id id, bool disabled) {
    return statement(conn_, queries::set_partner_disabled, id, disabled ? 1 : 0).run() == 1;
}

bool partner_store::set_caller_reset_codes(core::partner_id id, bool granted) {
    return statement(conn_, queries::set_partner_caller_reset_codes, id, granted ? 1 : 0).run() == 1;
}

std::int64_t partner_store::credentials_generation() {
    statement st(conn_, queries::credentials_generation);
    return st.step() ? st.int64(0) : 0;
}

std::vector<partner> partner_store::list() {
    std::vector<partner> out;
    {
        statement st(conn_, queries::list_partners);
        while (st.step()) {
            out.push_back(read_partner(st));
        }
    }
    for (auto& p : out) {
        read_merchants(p);
    }
    return out;
}

// Guests.

template <class... Args>
std::optional<guest> guest_store::find_with(const query& q, const Args&... args) {
    std::optional<guest> g;
    {
        statement st(conn_, q, args...);
        if (!st.step()) {
            return std::nullopt;
        }
        g = read_guest(st);
    }
    g->custom_fields = read_custom_fields(conn_, queries::list_guest_custom_fields, g->id);
    return g;
}

std::optional<guest> guest_store::find(core::merchant_id m, core::guest_id id) {
    return find_with(queries::find_guest, m, id);
}

std::optional<guest> guest_store::find_by_email(core::merchant_id m, std::string_view email) {
    return find_with(queries::find_guest_by_email, m, ascii_lower(email));
}

std::optional<guest> guest_store::find_by_reference(core::merchant_id m, std::string_view reference) {
    return find_with(queries::find_guest_by_reference, m, reference);
}

core::result<core::guest_id> guest_store::insert(const guest& g) {
    // Insert the row first: a taken email fails here, before anything else is written.
    const profile& p = g.fields;
    core::guest_id id;
    try {
        statement(conn_, queries::insert_guest, g.merchant, p.title, p.firstname, p.lastname, p.phone, p.mobile,
                  p.email, normalized(p.email), p.street, p.zip_code, p.city, p.state, p.country, p.birthdate,
                  p.language, p.nationality, g.identity_document_number, strings_to_json(g.privilege_badges),
                  clock_.now())
            .run();
        id = core::guest_id{conn_.last_insert_rowid()};
    } catch (const unique_violation& e) {
        return core::fail(core::errc::already_exists, "email already used by another guest", e.what());
    }
    // A new guest has no custom fields to replace: the foreign key keeps none behind for a reused id.
    insert_fields(conn_, queries::insert_guest_custom_field, id, g.custom_fields);
    return id;
}

core::result<void> guest_store::update(const guest& g) {
    // Update the row first: a taken email fails here, before the custom fields are touched.
    const profile& p = g.fields;
    std::int64_t changed = 0;
    try {
        changed = statement(conn_, queries::update_guest, g.merchant, g.id, p.title, p.firstname, p.lastname,
                            p.phone, p.mobile, p.email, normalized(p.email), p.street, p.zip_code, p.city, p.state,
                            p.country, p.birthdate, p.language, p.nationality, g.identity_document_number,
                            strings_to_json(g.privilege_badges), clock_.now())
                      .run();
    } catch (const unique_violation& e) {
        return core::fail(core::errc::already_exists, "email already used by another guest", e.what());
    }
    if (changed == 0) {
        return core::fail(core::errc::not_found, "guest not found");
    }
    write_custom_fields(g.id, g.custom_fields);
    return {};
}

void guest_store::write_custom_fields(core::guest_id g, const std::vector<custom_field>& fields) {
    write_fields(conn_, queries::delete_guest_custom_fields, queries::insert_guest_custom_field, g, fields);
}

void guest_store::set_reference(core::merchant_id m, std::string_view reference, core::guest_id g) {
    statement(conn_, queries::set_guest_reference, m, reference, g).run();
}

bool guest_store::qualifies(core::merchant_id m, core::guest_id g) {
    statement st(conn_, queries::guest_qualifies, m, g);
    st.step();
    return st.int64(0) != 0;
}

bool guest_store::erase(core::merchant_id m, core::guest_id g) {
    // Delete what hangs off the account, then the account.
    statement(conn_, queries::erase_guest_sessions, m, g).run();
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
    statement(conn_, queries::raise_guest_id_floor, g).run();
    return true;
}

// Accounts.

template <class... Args>
std::optional<account> account_store::find_with(const query& q, const Args&... args) {
    statement st(conn_, q, args...);
    return st.step() ? std::optional(read_account(st)) : std::nullopt;
}

std::optional<account> account_store::find(core::merchant_id m, core::account_id id) {
    return find_with(queries::find_account, m, id);
}

std::optional<account> account_store::find_by_guest(core::merchant_id m, core::guest_id g) {
    return find_with(queries::find_account_by_guest, m, g);
}

core::result<core::account_id> account_store::insert(const account& a) {
    // An account is created with its first password, so password_changed_at defaults to the creation time.
    const unix_seconds now = clock_.now();
    try {
        statement st(conn_, queries::insert_account, a.merchant, a.guest, a.username, ascii_lower(a.username),
                     a.printed_card_number, a.password_hash, a.failed_logins, a.lock_level, a.locked_until, now,
                     a.password_changed_at != 0 ? a.password_changed_at : now, a.last_login_at);
        st.step();
        return core::account_id{st.int64(0)};
    } catch (const unique_violation& e) {
        return core::fail(core::errc::already_exists, "card number, username or guest already has an account",
                          e.what());
    }
}

void account_store::set_password(core::account_id id, std::string_view password_hash, unix_seconds now) {
    statement(conn_, queries::set_account_password, id, password_hash, now).run();
}

void account_store::set_lock_state(core::account_id id, int failed_logins, int lock_level,
                                   unix_seconds locked_until) {
    statement(conn_, queries::set_account_lock_state, id, failed_logins, lock_level, locked_until).run();
}

void account_store::record_login(core::account_id id, unix_seconds now, const std::optional<std::string>& new_hash) {
    statement(conn_, queries::record_account_login, id, now, new_hash).run();
}

void account_store::set_username(core::account_id id, std::string_view username) {
    statement(conn_, queries::set_account_username, id, username, ascii_lower(username)).run();
}

std::optional<account> account_store::find_by_username(core::merchant_id m, std::string_view username) {
    return find_with(queries::find_account_by_username, m, ascii_lower(username));
}

std::optional<account> account_store::find_by_card(core::merchant_id m, std::string_view printed_card_number) {
    return find_with(queries::find_account_by_card, m, printed_card_number);
}

// Sessions.

void session_store::insert(const session& s) {
    statement(conn_, queries::insert_session, blob{s.token_hash}, s.merchant, s.partner, s.account, s.created_at,
              s.expires_at, s.revoked_at)
        .run();
}

std::optional<session> session_store::find(const secret_hash& token_hash) {
    statement st(conn_, queries::find_session, blob{token_hash});
    return st.step() ? std::optional(read_session(st)) : std::nullopt;
}

int session_store::revoke_all(core::account_id account, unix_seconds now) {
    return static_cast<int>(statement(conn_, queries::revoke_account_sessions, account, now).run());
}

std::vector<session> session_store::list_for_account(core::account_id account) {
    std::vector<session> out;
    statement st(conn_, queries::list_account_sessions, account);
    while (st.step()) {
        out.push_back(read_session(st));
    }
    return out;
}

// Reservations.

std::vector<custom_field> reservation_store::custom_fields_of(std::int64_t reservation) {
    return read_custom_fields(conn_, queries::list_reservation_custom_fields, reservation);
}

std::optional<reservation> reservation_store::find(core::merchant_id m, std::string_view reference) {
    std::optional<reservation> r;
    {
        statement st(conn_, queries::find_reservation, m, reference);
        if (!st.step()) {
            return std::nullopt;
        }
        r = read_reservation(st);
    }
    r->custom_fields = custom_fields_of(r->id.value);
    return r;
}

bool reservation_store::upsert(const reservation& r) {
    // Find the stored reservation with this reference, if any.
    std::optional<std::int64_t> id;
    {
        statement st(conn_, queries::find_reservation_id, r.merchant, r.reference);
        if (st.step()) {
            id = st.int64(0);
        }
    }

    // Replace every column of it, or insert a new one.
    const unix_seconds now = clock_.now();
    const bool created = !id;
    if (id) {
        statement(conn_, queries::replace_reservation, r.merchant, r.reference, r.guest, r.status, r.creation,
                  r.arrival, r.departure, r.total_amount, r.currency, r.room_type, r.room_name, r.payload, now)
            .run();
    } else {
        statement(conn_, queries::insert_reservation, r.merchant, r.reference, r.guest, r.status, r.creation,
                  r.arrival, r.departure, r.total_amount, r.currency, r.room_type, r.room_name, r.payload, now)
            .run();
        id = conn_.last_insert_rowid();
    }

    // Replace its custom fields (a new reservation has none: the foreign key keeps none behind for a reused id).
    if (created) {
        insert_fields(conn_, queries::insert_reservation_custom_field, *id, r.custom_fields);
    } else {
        write_fields(conn_, queries::delete_reservation_custom_fields, queries::insert_reservation_custom_field, *id,
                     r.custom_fields);
    }
    return created;
}

std::vector<reservation> reservation_store::list_active(core::merchant_id m, core::guest_id g) {
    return list_with(queries::list_active_reservations, m, g);
}

std::vector<reservation> reservation_store::list_all(core::merchant_id m, core::guest_id g) {
    return list_with(queries::list_all_reservations, m, g);
}

std::vector<reservation> reservation_store::list_with(const query& q, core::merchant_id m, core::guest_id g) {
    std::vector<reservation> out;
    {
        statement st(conn_, q, m, g);
        while (st.step()) {
            out.push_back(read_reservation(st));
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

int reservation_store::count(core::merchant_id m, core::guest_id g) {
    statement st(conn_, queries::count_reservations, m, g);
    st.step();
    return static_cast<int>(st.int64(0));
}

// Email lists.

bool email_list_store::add(core::merchant_id m, std::string_view list, core::guest_id g, unix_seconds now) {
    return statement(conn_, queries::add_email_list_member, m, list, g, now).run() == 1;
}

bool email_list_store::remove(core::merchant_id m, std::string_view list, core::guest_id g) {
    return statement(conn_, queries::remove_email_list_member, m, list, g).run() == 1;
}

std::vector<std::string> email_list_store::lists_of(core::merchant_id m, core::guest_id g) {
    std::vector<std::string> out;
    statement st(conn_, queries::list_email_lists_of_guest, m, g);
    while (st.step()) {
        out.push_back(st.text(0));
    }
    return out;
}

// Resets.

core::result<std::int64_t> reset_store::replace(const reset& r) {
    // Insert first: a code already in use fails here, before any older reset is voided.
    std::int64_t id = 0;
    try {
        statement st(conn_, queries::insert_reset, r.merchant, r.account, blob{r.code_hash}, r.created_at,
                     r.expires_at, r.used_at, r.voided_at);
        st.step();
        id = st.int64(0);
    } catch (const unique_violation& e) {
        return core::fail(core::errc::already_exists, "reset code already in use", e.what());
    }

    // Void the account's other live resets as of the new one's creation.
    statement(conn_, queries::void_other_resets, r.account, r.created_at, id).run();
    return id;
}

std::optional<reset> reset_store::find_by_code(core::merchant_id m, const secret_hash& code_hash) {
    statement st(conn_, queries::find_reset_by_code, m, blob{code_hash});
    return st.step() ? std::optional(read_reset(st)) : std::nullopt;
}

bool reset_store::mark_used(std::int64_t id, unix_seconds now) {
    return statement(conn_, queries::mark_reset_used, id, now).run() == 1;
}

int reset_store::void_all(core::account_id account, unix_seconds now) {
    return static_cast<int>(statement(conn_, queries::void_account_resets, account, now).run());
}

int reset_store::count_since(core::account_id account, unix_seconds since) {
    statement st(conn_, queries::count_resets_since, account, since);
    st.step();
    return static_cast<int>(st.int64(0));
}

std::vector<reset> reset_store::list_for_account(core::account_id account) {
    std::vector<reset> out;
    statement st(conn_, queries::list_account_resets, account);
    while (st.step()) {
        out.push_back(read_reset(st));
    }
    return out;
}

// Throttles.

int throttle_store::hit(std::string_view key, unix_seconds now, unix_seconds window) {
    statement st(conn_, queries::hit_throttle, key, window_start(now, window));
    st.step();
    return static_cast<int>(st.int64(0));
}

int throttle_store::hits(std::string_view key, unix_seconds now, unix_seconds window) {
    statement st(conn_, queries::throttle_hits, key, window_start(now, window));
    st.step();
    return static_cast<int>(st.int64(0));
}

// Outbox.

std::int64_t outbox_store::enqueue(const outbox_message& m) {
    statement st(conn_, queries::enqueue_outbox, m.merchant, m.message_id, m.recipient, m.sender, m.subject,
                 m.content, clock_.now(), m.next_attempt_at);
    st.step();
    return st.int64(0);
}

std::vector<outbox_message> outbox_store::claim(unix_seconds now, unix_seconds lease_until, int limit) {
    // Read the due messages (SQLite would take a negative LIMIT as none).
    std::vector<outbox_message> out;
    if (limit <= 0) {
        return out;
    }
    {
        statement st(conn_, queries::list_due_outbox, now, limit);
        while (st.step()) {
            out.push_back(read_outbox_message(st));
        }
    }

    // Lease each one in the same transaction, so no other worker sees it due until lease_until.
    for (auto& m : out) {
        statement(conn_, queries::lease_outbox, m.id, lease_until).run();
        m.next_attempt_at = lease_until;
    }
    return out;
}

void outbox_store::mark_sent(std::int64_t id, unix_seconds now) {
    statement(conn_, queries::mark_outbox_sent, id, now).run();
}

void outbox_store::mark_failed(std::int64_t id, unix_seconds next_attempt_at, std::string_view error) {
    statement(conn_, queries::mark_outbox_failed, id, next_attempt_at, error).run();
}

void outbox_store::mark_dead(std::int64_t id, std::string_view error) {
    statement(conn_, queries::mark_outbox_dead, id, error).run();
}

std::vector<outbox_message> outbox_store::list(std::optional<std::string_view> status, int limit) {
    std::vector<outbox_message> out;
    if (limit <= 0) {
        return out;
    }
    const auto read_all = [&](statement& st) {
        while (st.step()) {
            out.push_back(read_outbox_message(st));
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

std::optional<outbox_message> outbox_store::find(std::int64_t id) {
    statement st(conn_, queries::find_outbox, id);
    return st.step() ? std::optional(read_outbox_message(st)) : std::nullopt;
}

bool outbox_store::retry(std::int64_t id, unix_seconds now) {
    return statement(conn_, queries::retry_outbox, id, now).run() == 1;
}

int outbox_store::backlog() {
    statement st(conn_, queries::count_outbox_backlog);
    st.step();
    return static_cast<int>(st.int64(0));
}

int outbox_store::erase_recipient(core::merchant_id m, std::string_view recipient) {
    return static_cast<int>(statement(conn_, queries::erase_outbox_recipient, m, recipient).run());
}

// Audit events.

void audit_store::append(const audit_event& e) {
    statement(conn_, queries::append_audit_event, e.merchant, e.at, e.kind, e.outcome, e.partner, e.guest,
              e.client_address, e.request_id, e.detail)
        .run();
}

std::vector<audit_event> audit_store::list(core::merchant_id m, std::optional<core::guest_id> g,
                                           std::optional<unix_seconds> since, std::optional<std::string_view> kind,
                                           int limit) {
    // Nothing to read for no room (SQLite would take a negative LIMIT as none).
    std::vector<audit_event> out;
    if (limit <= 0) {
        return out;
    }

    // Pick the query whose index serves the filters given; no lower bound is the smallest time.
    const unix_seconds from = since.value_or(std::numeric_limits<unix_seconds>::min());
    const auto read_all = [&](statement& st) {
        while (st.step()) {
            out.push_back(read_audit_event(st));
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

int audit_store::purge_before(core::merchant_id m, unix_seconds before) {
    return static_cast<int>(statement(conn_, queries::purge_audit_events, m, before).run());
}

// Consent events.

void consent_store::append(const consent_event& e) {
    statement(conn_, queries::append_consent_event, e.merchant, e.guest, e.at, e.kind, e.partner, e.source_address,
              e.detail)
        .run();
}

std::vector<consent_event> consent_store::list_for_guest(core::merchant_id m, core::guest_id g) {
    std::vector<consent_event> out;
    statement st(conn_, queries::list_guest_consent_events, m, g);
    while (st.step()) {
        out.push_back(read_consent_event(st));
    }
    return out;
}

}  // namespace guestd::store::sqlite
