#include "store/sqlite/stores.hpp"

#include "store/sqlite/queries.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <exception>

namespace guestd::store::sqlite {

namespace {

std::optional<std::string> normalized(const std::optional<std::string>& s) {
    return s ? std::optional<std::string>(ascii_lower(*s)) : std::nullopt;
}

std::string badges_to_json(const std::vector<std::string>& badges) {
    boost::json::array out;
    for (const auto& badge : badges) {
        out.emplace_back(badge);
    }
    return boost::json::serialize(out);
}

std::vector<std::string> badges_from_json(const std::string& text) {
    try {
        std::vector<std::string> out;
        const boost::json::value parsed = boost::json::parse(text);
        for (const auto& badge : parsed.as_array()) {
            out.emplace_back(badge.as_string());
        }
        return out;
    } catch (const std::exception&) {
        throw core::backend_error("sqlite: guests.privilege_badges is not a JSON array of strings", false);
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
void write_fields(connection& c, const query& remove, const query& insert, Id owner,
                  const std::vector<custom_field>& fields) {
    statement(c, remove, owner).run();
    for (std::size_t i = 0; i < fields.size(); ++i) {
        statement(c, insert, owner, static_cast<std::int64_t>(i), fields[i].name, fields[i].value).run();
    }
}

// Column order of find_merchant and friends.
merchant read_merchant(const statement& st) {
    return merchant{core::merchant_id{st.int64(0)}, st.text(1), st.int64(2), static_cast<int>(st.int64(3))};
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
    g.privilege_badges = badges_from_json(st.text(17));
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

}  // namespace

// Merchants.

core::result<void> merchant_store::insert(const merchant& m, const secret_hash& hotel_token_hash) {
    try {
        statement(conn_, queries::insert_merchant, m.id, m.name, blob{hotel_token_hash}, m.password_min_length,
                  clock_.now())
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
    statement st(conn_, queries::find_merchant_by_hotel_token, blob{hotel_token_hash});
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

bool merchant_store::set_hotel_token(core::merchant_id id, const secret_hash& hotel_token_hash) {
    return statement(conn_, queries::set_merchant_hotel_token, id, blob{hotel_token_hash}).run() == 1;
}

// Partners.

core::partner_id partner_store::insert(const partner& p, const secret_hash& partner_token_hash) {
    // Insert the partner, then its grants (the merchants must exist: a foreign key checks it).
    core::partner_id id;
    {
        statement st(conn_, queries::insert_partner, p.name, blob{partner_token_hash}, p.client_id,
                     blob{p.client_secret_hash}, p.b2b ? 1 : 0, p.disabled ? 1 : 0, clock_.now());
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
        p = partner{core::partner_id{st.int64(0)}, st.text(1), st.text(2), st.bytes(3), st.int64(4) != 0,
                    st.int64(5) != 0, {}, st.int64(6)};
    }
    statement st(conn_, queries::list_partner_merchants, p->id);
    while (st.step()) {
        p->merchants.emplace_back(st.int64(0));
    }
    return p;
}

std::optional<partner> partner_store::find(core::partner_id id) { return find_with(queries::find_partner, id); }

std::optional<partner> partner_store::find_by_token(const secret_hash& partner_token_hash) {
    return find_with(queries::find_partner_by_token, blob{partner_token_hash});
}

std::optional<partner> partner_store::find_by_client_id(std::string_view client_id) {
    return find_with(queries::find_partner_by_client_id, client_id);
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
        statement st(conn_, queries::insert_guest, g.merchant, p.title, p.firstname, p.lastname, p.phone, p.mobile,
                     p.email, normalized(p.email), p.street, p.zip_code, p.city, p.state, p.country, p.birthdate,
                     p.language, p.nationality, g.identity_document_number, badges_to_json(g.privilege_badges),
                     clock_.now());
        st.step();
        id = core::guest_id{st.int64(0)};
    } catch (const unique_violation& e) {
        return core::fail(core::errc::already_exists, "email already used by another guest", e.what());
    }
    write_custom_fields(id, g.custom_fields);
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
                            badges_to_json(g.privilege_badges), clock_.now())
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

// Sessions.

void session_store::insert(const session& s) {
    statement(conn_, queries::insert_session, blob{s.token_hash}, s.merchant, s.partner, s.account, s.created_at,
              s.expires_at, s.revoked_at)
        .run();
}

std::optional<session> session_store::find(const secret_hash& token_hash) {
    statement st(conn_, queries::find_session, blob{token_hash});
    if (!st.step()) {
        return std::nullopt;
    }
    return session{st.bytes(0),    core::merchant_id{st.int64(1)}, core::partner_id{st.int64(2)},
                   core::account_id{st.int64(3)}, st.int64(4), st.int64(5), st.opt_int64(6)};
}

int session_store::revoke_all(core::account_id account, unix_seconds now) {
    return static_cast<int>(statement(conn_, queries::revoke_account_sessions, account, now).run());
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
        statement st(conn_, queries::insert_reservation, r.merchant, r.reference, r.guest, r.status, r.creation,
                     r.arrival, r.departure, r.total_amount, r.currency, r.room_type, r.room_name, r.payload, now);
        st.step();
        id = st.int64(0);
    }

    // Replace its custom fields.
    write_fields(conn_, queries::delete_reservation_custom_fields, queries::insert_reservation_custom_field, *id,
                 r.custom_fields);
    return created;
}

std::vector<reservation> reservation_store::list_active(core::merchant_id m, core::guest_id g) {
    std::vector<reservation> out;
    {
        statement st(conn_, queries::list_active_reservations, m, g);
        while (st.step()) {
            out.push_back(read_reservation(st));
        }
    }
    for (auto& r : out) {
        r.custom_fields = custom_fields_of(r.id.value);
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

}  // namespace guestd::store::sqlite
