#include "domain/credentials.hpp"

#include "domain/secrets.hpp"

#include <algorithm>

namespace guestd::domain {
namespace {

constexpr std::size_t max_token_length = 256;

core::result<bearer_identity> not_authenticated(std::string_view why) {
    return core::fail(core::errc::unauthenticated, "invalid partner credentials", std::string(why));
}

}  // namespace

credentials::credentials(store::database& db, const core::clock& clock) : db_(db), clock_(clock) {}

core::result<new_merchant> credentials::add_merchant(core::merchant_id id, std::string_view name) {
    if (id.value <= 0 || id.value > 2'147'483'647)
        return core::invalid("invalid merchant", {{"id", "must be a positive 32-bit integer"}});
    if (name.empty() || name.size() > 200)
        return core::invalid("invalid merchant", {{"name", "must be 1 to 200 bytes"}});

    new_merchant created{id, std::string(name), random_token()};
    auto uow = db_.begin(store::tx::write);
    store::merchant m{.id = id, .name = created.name, .created_at = clock_.now()};
    if (auto r = uow->merchants().insert(m, digest(created.hotel_token)); !r)
        return core::fail(core::errc::already_exists, "merchant " + std::to_string(id.value) + " already exists");
    audit(*uow, id, {}, audit_kind::credentials_created, "ok", std::nullopt, m.created_at,
          {{"credential", "hotel_token"}});
    uow->commit();
    return created;
}

core::result<std::string> credentials::rotate_hotel_token(core::merchant_id id, core::unix_seconds overlap,
                                                          const actor& who) {
    if (overlap < 0 || overlap > 30 * 24 * 3600)
        return core::invalid("invalid overlap", {{"overlap", "must be 0 to 30 days"}});
    std::string token = random_token();
    const auto now = clock_.now();
    auto uow = db_.begin(store::tx::write);
    if (!uow->merchants().set_hotel_token(id, digest(token), overlap > 0 ? now + overlap : 0))
        return core::fail(core::errc::not_found, "merchant " + std::to_string(id.value) + " does not exist");
    audit(*uow, id, who, audit_kind::credentials_rotated, "ok", std::nullopt, now,
          {{"credential", "hotel_token"}, {"overlap_seconds", overlap}});
    uow->commit();
    return token;
}

core::result<new_partner> credentials::rotate_partner(core::partner_id id, core::unix_seconds overlap,
                                                      const actor& who) {
    if (overlap < 0 || overlap > 30 * 24 * 3600)
        return core::invalid("invalid overlap", {{"overlap", "must be 0 to 30 days"}});
    const auto now = clock_.now();
    auto uow = db_.begin(store::tx::write);
    const auto p = uow->partners().find(id);
    if (!p) return core::fail(core::errc::not_found, "partner " + std::to_string(id.value) + " does not exist");
    new_partner rotated{.id = id, .name = p->name, .merchants = p->merchants, .b2b = p->b2b,
                        .caller_reset_codes = p->caller_reset_codes, .partner_token = random_token(),
                        .client_id = p->client_id, .client_secret = random_token()};
    uow->partners().rotate(id, digest(rotated.partner_token), digest(rotated.client_secret),
                           overlap > 0 ? now + overlap : 0);
    for (auto m : p->merchants)
        audit(*uow, m, who, audit_kind::credentials_rotated, "ok", std::nullopt, now,
              {{"credential", "partner"}, {"partner_id", id.value}, {"overlap_seconds", overlap}});
    uow->commit();
    return rotated;
}

core::result<void> credentials::disable_partner(core::partner_id id, const actor& who) {
    const auto now = clock_.now();
    auto uow = db_.begin(store::tx::write);
    const auto p = uow->partners().find(id);
    if (!p) return core::fail(core::errc::not_found, "partner " + std::to_string(id.value) + " does not exist");
    uow->partners().set_disabled(id, true);
    for (auto m : p->merchants)
        audit(*uow, m, who, audit_kind::credentials_disabled, "ok", std::nullopt, now, {{"partner_id", id.value}});
    uow->commit();
    return {};
}

core::result<void> credentials::set_caller_reset_codes(core::partner_id id, bool granted, const actor& who) {
    const auto now = clock_.now();
    auto uow = db_.begin(store::tx::write);
    const auto p = uow->partners().find(id);
    if (!p) return core::fail(core::errc::not_found, "partner " + std::to_string(id.value) + " does not exist");
    uow->partners().set_caller_reset_codes(id, granted);
    for (auto m : p->merchants)
        audit(*uow, m, who, audit_kind::credentials_changed, "ok", std::nullopt, now,
              {{"partner_id", id.value}, {"caller_reset_codes", granted}});
    uow->commit();
    return {};
}

core::result<store::merchant> credentials::update_settings(core::merchant_id id, const settings_change& change) {
    std::vector<core::field_error> bad;
    if (change.reset_verification_fields)
        for (const auto& f : *change.reset_verification_fields)
            if (std::find(std::begin(verification_fields), std::end(verification_fields), f) == std::end(verification_fields))
                bad.push_back({"reset-verification-fields", "unknown field '" + f +
                               "' (firstName, lastName, postalCode, phone, mobilePhone, dateOfBirth, email)"});
    if (const auto& t = change.reset_link_template; t && !t->empty() &&
        (t->find("{code}") == std::string::npos || !(t->starts_with("https://") || t->starts_with("http://"))))
        bad.push_back({"reset-link-template", "must be an http(s) URL containing {code}"});
    if (change.reset_code_ttl && (*change.reset_code_ttl < 60 || *change.reset_code_ttl > 86400))
        bad.push_back({"reset-code-ttl", "must be 60 to 86400 seconds"});
    if (const auto& f = change.mail_from; f && !f->empty() &&
        (f->find('@') == std::string::npos || f->find_first_of("\r\n") != std::string::npos))
        bad.push_back({"mail-from", "must be an email address, optionally \"Name <address>\""});
    if (change.password_min_length && (*change.password_min_length < 8 || *change.password_min_length > 128))
        bad.push_back({"password-min-length", "must be 8 to 128"});
    if (change.audit_retention_days && (*change.audit_retention_days < 0 || *change.audit_retention_days > 36500))
        bad.push_back({"audit-retention-days", "must be 0 (keep forever) to 36500"});
    if (!bad.empty()) return core::invalid("invalid settings", std::move(bad));

    auto uow = db_.begin(store::tx::write);
    auto m = uow->merchants().find(id);
    if (!m) return core::fail(core::errc::not_found, "merchant " + std::to_string(id.value) + " does not exist");
    if (change.reset_verification_fields) m->reset_verification_fields = *change.reset_verification_fields;
    if (change.reset_link_template) m->reset_link_template = *change.reset_link_template;
    if (change.reset_code_ttl) m->reset_code_ttl = *change.reset_code_ttl;
    if (change.mail_from) m->mail_from = *change.mail_from;
    if (change.password_min_length) m->password_min_length = *change.password_min_length;
    if (change.audit_retention_days) m->audit_retention_days = *change.audit_retention_days;
    uow->merchants().update_settings(*m);
    uow->commit();
    return *m;
}

core::result<void> credentials::set_template(core::merchant_id id, const store::mail_template& t, bool remove) {
    if (t.kind != "reset" && t.kind != "password_changed")
        return core::invalid("invalid template", {{"kind", "must be reset or password_changed"}});
    if (t.language.size() != 2 || !std::all_of(t.language.begin(), t.language.end(), [](char c) { return c >= 'a' && c <= 'z'; }))
        return core::invalid("invalid template", {{"language", "must be two lower-case letters (ISO 639-1)"}});
    auto uow = db_.begin(store::tx::write);
    if (!uow->merchants().find(id))
        return core::fail(core::errc::not_found, "merchant " + std::to_string(id.value) + " does not exist");
    if (remove) {
        if (!uow->merchants().remove_template(id, t.kind, t.language))
            return core::fail(core::errc::not_found, "no such template");
    } else {
        if (t.subject.empty() || t.text.empty() || t.html.empty())
            return core::invalid("invalid template", {{"template", "subject, text and html are all required"}});
        if (t.kind == "reset" && t.text.find("{link}") == std::string::npos)
            return core::invalid("invalid template", {{"text", "a reset email must contain {link}"}});
        uow->merchants().set_template(id, t);
    }
    uow->commit();
    return {};
}

core::result<new_partner> credentials::add_partner(std::string_view name,
                                                   const std::vector<core::merchant_id>& merchants, bool b2b,
                                                   bool caller_reset_codes) {
    if (name.empty() || name.size() > 200)
        return core::invalid("invalid partner", {{"name", "must be 1 to 200 bytes"}});
    if (merchants.empty()) return core::invalid("invalid partner", {{"merchant", "at least one is required"}});

    auto uow = db_.begin(store::tx::write);
    std::vector<core::merchant_id> granted = merchants;
    std::sort(granted.begin(), granted.end());
    granted.erase(std::unique(granted.begin(), granted.end()), granted.end());
    for (auto m : granted)
        if (!uow->merchants().find(m))
            return core::fail(core::errc::not_found, "merchant " + std::to_string(m.value) + " does not exist");

    new_partner created{.name = std::string(name), .merchants = granted, .b2b = b2b,
                        .caller_reset_codes = caller_reset_codes, .partner_token = random_token(),
                        .client_id = "gd_" + random_token(12), .client_secret = random_token()};
    store::partner p{.name = created.name, .client_id = created.client_id,
                     .client_secret_hash = digest(created.client_secret), .b2b = b2b,
                     .caller_reset_codes = caller_reset_codes, .merchants = granted, .created_at = clock_.now()};
    created.id = uow->partners().insert(p, digest(created.partner_token));
    for (auto m : granted)
        audit(*uow, m, {}, audit_kind::credentials_created, "ok", std::nullopt, p.created_at,
              {{"credential", "partner"}, {"partner_id", created.id.value}, {"b2b", b2b},
               {"caller_reset_codes", caller_reset_codes}});
    uow->commit();
    return created;
}

std::optional<credentials::bearer_pair> credentials::split_bearer(std::string_view creds) {
    const auto colon = creds.find(':');
    if (colon == std::string_view::npos || creds.size() > 2 * max_token_length) return std::nullopt;
    const auto partner_token = creds.substr(0, colon);
    const auto hotel_token = creds.substr(colon + 1);
    if (partner_token.empty() || hotel_token.empty()) return std::nullopt;
    // Look secrets up by their digest: no comparison ever runs over the secret's own bytes.
    return bearer_pair{digest(partner_token), digest(hotel_token)};
}

std::optional<credentials::remembered_bearer> credentials::recall(const bearer_pair& pair) const {
    std::lock_guard lock(bearers_mutex_);
    const auto it = bearers_.find(pair.partner_digest + pair.hotel_digest);
    return it != bearers_.end() ? std::optional(it->second) : std::nullopt;
}

core::result<bearer_identity> credentials::authenticate_bearer(std::string_view creds) const {
    const auto pair = split_bearer(creds);
    if (!pair) return not_authenticated("bearer is not <partner_token>:<hotel_token> (both non-empty)");
    auto uow = db_.begin(store::tx::read);
    const auto generation = uow->partners().credentials_generation();
    const auto now = clock_.now();
    if (const auto known = recall(*pair); known && known->generation == generation && known->second == now)
        return known->identity;

    const auto partner = uow->partners().find_by_token(pair->partner_digest);
    if (!partner || partner->disabled) return not_authenticated("unknown or disabled partner");
    const auto merchant = uow->merchants().find_by_hotel_token(pair->hotel_digest);
    if (!merchant) return not_authenticated("unknown hotel token");
    if (!std::binary_search(partner->merchants.begin(), partner->merchants.end(), merchant->id))
        return not_authenticated("partner not granted this merchant");
    const bearer_identity identity{partner->id, merchant->id};

    auto key = pair->partner_digest + pair->hotel_digest;
    std::lock_guard lock(bearers_mutex_);
    if (bearers_.size() >= max_remembered_bearers && !bearers_.contains(key)) bearers_.clear();
    bearers_.insert_or_assign(std::move(key), remembered_bearer{identity, generation, now});
    return identity;
}

core::result<basic_identity> credentials::authenticate_basic(std::string_view client_id,
                                                             std::string_view secret) const {
    const auto refuse = [] { return core::fail(core::errc::unauthenticated, "invalid client credentials"); };
    if (client_id.empty() || client_id.size() > max_token_length || secret.size() > max_token_length) return refuse();
    auto uow = db_.begin(store::tx::read);
    const auto partner = uow->partners().find_by_client_id(client_id);
    // Hash the presented secret whether or not the client exists, then compare in constant time with the
    // current secret and, during a rotation's overlap, the previous one.
    const auto presented = digest(secret);
    if (!partner || partner->disabled) return refuse();
    const bool current = digests_equal(presented, partner->client_secret_hash);
    const bool previous = partner->previous_valid_until > clock_.now() &&
                          digests_equal(presented, partner->previous_client_secret_hash);
    if (!current && !previous) return refuse();
    return basic_identity{partner->id, partner->b2b, partner->caller_reset_codes, partner->merchants};
}

namespace {

bool well_formed_token(std::string_view token) { return !token.empty() && token.size() <= max_token_length; }

core::result<guest_session> refuse_token(std::string why) {
    return core::fail(core::errc::unauthenticated, "invalid or expired guest token", std::move(why));
}

/// What a guest token must be besides known: unrevoked, unexpired, and issued to this partner for this merchant.
core::result<guest_session> check_session(const store::signed_in& found, const bearer_identity& by,
                                          core::unix_seconds now) {
    const auto& s = found.session;
    if (s.revoked_at) return refuse_token("revoked token");
    if (s.expires_at <= now) return refuse_token("expired token");
    if (s.merchant != by.merchant || s.partner != by.partner) return refuse_token("token issued to another caller");
    return guest_session{s.account, found.guest.id};
}

}  // namespace

std::optional<store::signed_in> credentials::find_signed_in(std::string_view token) const {
    if (!well_formed_token(token)) return std::nullopt;
    auto uow = db_.begin(store::tx::statement);
    return uow->sessions().find_signed_in(digest(token));
}

core::result<guest_session> credentials::authenticate_guest_token(std::string_view token,
                                                                  const bearer_identity& by) const {
    if (!well_formed_token(token)) return refuse_token("malformed token");
    const auto found = find_signed_in(token);
    if (!found) return refuse_token("unknown token, or its account is gone");
    return check_session(*found, by, clock_.now());
}

core::result<guest_call> credentials::authenticate_guest_call(std::string_view bearer, std::string_view token) const {
    // The token's statement first: it also reads the credentials generation, which tells whether the bearer pair
    // checked earlier this second still stands. Only when it does not is the bearer checked against the store.
    const auto pair = split_bearer(bearer);
    auto found = pair ? find_signed_in(token) : std::nullopt;
    const auto now = clock_.now();
    bearer_identity by;
    if (const auto known = pair && found ? recall(*pair) : std::nullopt;
        known && known->generation == found->credentials_generation && known->second == now) {
        by = known->identity;
    } else {
        auto checked = authenticate_bearer(bearer);
        if (!checked) return std::unexpected(checked.error());
        by = *checked;
    }

    if (!well_formed_token(token)) return std::unexpected(refuse_token("malformed token").error());
    if (!found) return std::unexpected(refuse_token("unknown token, or its account is gone").error());
    auto session = check_session(*found, by, now);
    if (!session) return std::unexpected(session.error());
    return guest_call{by, *session, std::move(found->guest)};
}

}  // namespace guestd::domain
