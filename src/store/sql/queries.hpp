// Every SQL statement the stores run, on SQLite and on PostgreSQL, written once as named constants. Parameters
// are $1, $2, ... in the order the C++ call site passes them (the SQLite backend turns them into ?1, ?2, ... when
// it prepares a statement). Where the two databases need different text, the query carries SQLite's own in
// `sqlite_sql`; those few say why. Statements only one backend runs (transaction control, the outbox claim,
// scrubbing, the migrations table) live in that backend's queries.hpp. The schemas live in each backend's
// migrations/.
#pragma once

#include <string_view>

namespace guestd::store::sql {

/// A named SQL statement; `name` is the constant's own name, so logs can say which query failed (never its bound
/// values), and a PostgreSQL connection prepares it under that name.
struct query {
    std::string_view name;
    std::string_view sql;         // both dialects, or PostgreSQL's alone when sqlite_sql is set
    std::string_view sqlite_sql;  // SQLite's text where it differs; empty: `sql` serves both

    /// The text SQLite runs.
    constexpr std::string_view sqlite_text() const { return sqlite_sql.empty() ? sql : sqlite_sql; }
};

namespace queries {

// Merchants. The finders select the same columns in the same order (read by one function). A hotel token
// matches by its current digest, or by the previous one until previous_hotel_token_valid_until ($2 is now); a
// current match wins over a previous one.

/// Inserts nothing when the id or the hotel token digest is taken.
inline constexpr query insert_merchant{"insert_merchant", R"sql(
INSERT INTO merchants (id, name, hotel_token_hash, password_min_length, reset_verification_fields,
                       reset_link_template, reset_code_ttl, mail_from, audit_retention_days, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT DO NOTHING
)sql"};

inline constexpr query find_merchant{"find_merchant", R"sql(
SELECT id, name, created_at, password_min_length, reset_verification_fields, reset_link_template, reset_code_ttl,
       mail_from, audit_retention_days
FROM merchants WHERE id = $1
)sql"};

// Two point lookups, the current digest first and the previous one only on a miss: one statement with OR and
// ORDER BY would cost SQLite a temporary B-tree and a row set on every request.
inline constexpr query find_merchant_by_hotel_token{"find_merchant_by_hotel_token", R"sql(
SELECT id, name, created_at, password_min_length, reset_verification_fields, reset_link_template, reset_code_ttl,
       mail_from, audit_retention_days
FROM merchants WHERE hotel_token_hash = $1
)sql"};

inline constexpr query find_merchant_by_previous_hotel_token{"find_merchant_by_previous_hotel_token", R"sql(
SELECT id, name, created_at, password_min_length, reset_verification_fields, reset_link_template, reset_code_ttl,
       mail_from, audit_retention_days
FROM merchants WHERE previous_hotel_token_hash = $1 AND previous_hotel_token_valid_until > $2
)sql"};

inline constexpr query list_merchants{"list_merchants", R"sql(
SELECT id, name, created_at, password_min_length, reset_verification_fields, reset_link_template, reset_code_ttl,
       mail_from, audit_retention_days
FROM merchants ORDER BY id
)sql"};

/// The current digest becomes the previous one until $3; none when $3 is 0 (SET reads the row as it was).
inline constexpr query set_merchant_hotel_token{"set_merchant_hotel_token", R"sql(
UPDATE merchants
SET hotel_token_hash = $2,
    previous_hotel_token_hash = CASE WHEN $3 > 0 THEN hotel_token_hash END,
    previous_hotel_token_valid_until = CASE WHEN $3 > 0 THEN $3 ELSE 0 END
WHERE id = $1
)sql"};

inline constexpr query update_merchant_settings{"update_merchant_settings", R"sql(
UPDATE merchants
SET password_min_length = $2, reset_verification_fields = $3, reset_link_template = $4, reset_code_ttl = $5,
    mail_from = $6, audit_retention_days = $7
WHERE id = $1
)sql"};

// Mail templates. The finders select the same columns in the same order.

inline constexpr query set_mail_template{"set_mail_template", R"sql(
INSERT INTO mail_templates (merchant_id, kind, language, subject, text_body, html_body)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (merchant_id, kind, language) DO UPDATE
SET subject = excluded.subject, text_body = excluded.text_body, html_body = excluded.html_body
)sql"};

inline constexpr query remove_mail_template{"remove_mail_template", R"sql(
DELETE FROM mail_templates WHERE merchant_id = $1 AND kind = $2 AND language = $3
)sql"};

inline constexpr query find_mail_template{"find_mail_template", R"sql(
SELECT kind, language, subject, text_body, html_body
FROM mail_templates WHERE merchant_id = $1 AND kind = $2 AND language = $3
)sql"};

inline constexpr query list_mail_templates{"list_mail_templates", R"sql(
SELECT kind, language, subject, text_body, html_body
FROM mail_templates WHERE merchant_id = $1 ORDER BY kind, language
)sql"};

// Partners. An empty client_id or client secret digest is stored as NULL (the caller binds NULL for an empty
// digest), and a NULL digest reads back as empty: a partner without Paytronix credentials. The finders select
// the same columns in the same order. A partner token matches by its current digest, or by the previous one
// until previous_valid_until ($2 is now); a current match wins over a previous one.

inline constexpr query insert_partner{"insert_partner", R"sql(
INSERT INTO partners (name, token_hash, client_id, client_secret_hash, b2b, disabled, created_at,
                      caller_reset_codes)
VALUES ($1, $2, NULLIF($3, ''), $4, $5, $6, $7, $8)
RETURNING id
)sql"};

inline constexpr query insert_partner_merchant{"insert_partner_merchant", R"sql(
INSERT INTO partner_merchants (partner_id, merchant_id) VALUES ($1, $2) ON CONFLICT DO NOTHING
)sql"};

inline constexpr query find_partner{"find_partner", R"sql(
SELECT id, name, coalesce(client_id, ''), client_secret_hash, b2b, disabled, created_at,
       previous_client_secret_hash, previous_valid_until, caller_reset_codes
FROM partners WHERE id = $1
)sql"};

// Two point lookups, as for the hotel token: the current digest, else the previous one until $2 (now).
inline constexpr query find_partner_by_token{"find_partner_by_token", R"sql(
SELECT id, name, coalesce(client_id, ''), client_secret_hash, b2b, disabled, created_at,
       previous_client_secret_hash, previous_valid_until, caller_reset_codes
FROM partners WHERE token_hash = $1
)sql"};

inline constexpr query find_partner_by_previous_token{"find_partner_by_previous_token", R"sql(
SELECT id, name, coalesce(client_id, ''), client_secret_hash, b2b, disabled, created_at,
       previous_client_secret_hash, previous_valid_until, caller_reset_codes
FROM partners WHERE previous_token_hash = $1 AND previous_valid_until > $2
)sql"};

inline constexpr query find_partner_by_client_id{"find_partner_by_client_id", R"sql(
SELECT id, name, coalesce(client_id, ''), client_secret_hash, b2b, disabled, created_at,
       previous_client_secret_hash, previous_valid_until, caller_reset_codes
FROM partners WHERE client_id = $1
)sql"};

// Moved by triggers on merchants, partners and partner_merchants (V002 on PostgreSQL, V005 on SQLite).
inline constexpr query credentials_generation{"credentials_generation", R"sql(
SELECT n FROM credentials_generation WHERE id = 1
)sql"};

inline constexpr query list_partners{"list_partners", R"sql(
SELECT id, name, coalesce(client_id, ''), client_secret_hash, b2b, disabled, created_at,
       previous_client_secret_hash, previous_valid_until, caller_reset_codes
FROM partners ORDER BY id
)sql"};

/// The current digests become the previous ones until $4; none when $4 is 0 (SET reads the row as it was).
inline constexpr query rotate_partner{"rotate_partner", R"sql(
UPDATE partners
SET token_hash = $2,
    client_secret_hash = $3,
    previous_token_hash = CASE WHEN $4 > 0 THEN token_hash END,
    previous_client_secret_hash = CASE WHEN $4 > 0 THEN client_secret_hash END,
    previous_valid_until = CASE WHEN $4 > 0 THEN $4 ELSE 0 END
WHERE id = $1
)sql"};

inline constexpr query set_partner_disabled{"set_partner_disabled", R"sql(
UPDATE partners SET disabled = $2 WHERE id = $1
)sql"};

inline constexpr query set_partner_caller_reset_codes{"set_partner_caller_reset_codes", R"sql(
UPDATE partners SET caller_reset_codes = $2 WHERE id = $1
)sql"};

inline constexpr query list_partner_merchants{"list_partner_merchants", R"sql(
SELECT merchant_id FROM partner_merchants WHERE partner_id = $1 ORDER BY merchant_id
)sql"};

// Guests. The three finders select the same columns in the same order (read by one function).

inline constexpr query find_guest{"find_guest", R"sql(
SELECT id, merchant_id, title, firstname, lastname, phone, mobile, email, street, zip_code, city, state,
       country, birthdate, language, nationality, identity_document_number, privilege_badges, version,
       created_at, updated_at, address2, address_label, opt_in, text_campaign_opt_in, sms_opt_in_verified, email_verified
FROM guests WHERE merchant_id = $1 AND id = $2
)sql"};

inline constexpr query find_guest_by_email{"find_guest_by_email", R"sql(
SELECT id, merchant_id, title, firstname, lastname, phone, mobile, email, street, zip_code, city, state,
       country, birthdate, language, nationality, identity_document_number, privilege_badges, version,
       created_at, updated_at, address2, address_label, opt_in, text_campaign_opt_in, sms_opt_in_verified, email_verified
FROM guests WHERE merchant_id = $1 AND email_norm = $2
)sql"};

inline constexpr query find_guest_by_reference{"find_guest_by_reference", R"sql(
SELECT g.id, g.merchant_id, g.title, g.firstname, g.lastname, g.phone, g.mobile, g.email, g.street,
       g.zip_code, g.city, g.state, g.country, g.birthdate, g.language, g.nationality,
       g.identity_document_number, g.privilege_badges, g.version, g.created_at, g.updated_at,
       g.address2, g.address_label, g.opt_in, g.text_campaign_opt_in, g.sms_opt_in_verified, g.email_verified
FROM guest_references AS r JOIN guests AS g ON g.merchant_id = r.merchant_id AND g.id = r.guest_id
WHERE r.merchant_id = $1 AND r.reference = $2
)sql"};

/// Inserts nothing when the email is taken in the merchant. No id passes to another person once its guest is
/// erased: on PostgreSQL the id comes from the identity sequence, which never hands out a value twice; SQLite
/// numbers it above every guest there is and every guest ever erased. SQLite's new id is the connection's last
/// insert rowid (RETURNING would cost it a temporary table per row).
inline constexpr query insert_guest{
    .name = "insert_guest",
    .sql = R"sql(
INSERT INTO guests (merchant_id, title, firstname, lastname, phone, mobile, email, email_norm, street,
                    zip_code, city, state, country, birthdate, language, nationality, identity_document_number,
                    privilege_badges, version, created_at, updated_at, address2, address_label, opt_in, text_campaign_opt_in, sms_opt_in_verified, email_verified)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $19, $19,
        $20, $21, $22, $23, $24, $25)
ON CONFLICT DO NOTHING
RETURNING id
)sql",
    .sqlite_sql = R"sql(
INSERT INTO guests (id, merchant_id, title, firstname, lastname, phone, mobile, email, email_norm, street,
                    zip_code, city, state, country, birthdate, language, nationality, identity_document_number,
                    privilege_badges, version, created_at, updated_at, address2, address_label, opt_in, text_campaign_opt_in, sms_opt_in_verified, email_verified)
VALUES (max(coalesce((SELECT max(id) FROM guests), 0), (SELECT highest_erased FROM guest_id_floor)) + 1,
        $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $19, $19,
        $20, $21, $22, $23, $24, $25)
ON CONFLICT DO NOTHING
)sql"};

/// Changes nothing when another guest of the merchant has the new email ($9), so the transaction stays usable (on
/// PostgreSQL a unique violation would abort it). Two concurrent writers can both pass the check; the unique
/// index then stops the second one (a unique_violation the store turns into already_exists).
/// A changed email is no longer verified, whatever $26 says: whoever changes it (PMS push, PUT, an edit) cannot
/// carry the old address's verification over.
inline constexpr query update_guest{"update_guest", R"sql(
UPDATE guests
SET title = $3, firstname = $4, lastname = $5, phone = $6, mobile = $7, email = $8, email_norm = $9,
    street = $10, zip_code = $11, city = $12, state = $13, country = $14, birthdate = $15, language = $16,
    nationality = $17, identity_document_number = $18, privilege_badges = $19, version = version + 1,
    updated_at = $20, address2 = $21, address_label = $22, opt_in = $23, text_campaign_opt_in = $24,
    sms_opt_in_verified = $25,
    email_verified = CASE WHEN email_norm IS NOT DISTINCT FROM $9 THEN $26 ELSE false END
WHERE merchant_id = $1 AND id = $2
  AND NOT EXISTS (SELECT 1 FROM guests AS other
                  WHERE other.merchant_id = $1 AND other.email_norm = $9 AND other.id <> $2)
RETURNING version, updated_at
)sql"};

inline constexpr query guest_exists{"guest_exists", R"sql(
SELECT EXISTS (SELECT 1 FROM guests WHERE merchant_id = $1 AND id = $2)
)sql"};

inline constexpr query list_guest_custom_fields{"list_guest_custom_fields", R"sql(
SELECT name, value FROM guest_custom_fields WHERE guest_id = $1 ORDER BY position
)sql"};

inline constexpr query delete_guest_custom_fields{"delete_guest_custom_fields", R"sql(
DELETE FROM guest_custom_fields WHERE guest_id = $1
)sql"};

/// PostgreSQL inserts all the fields in one statement: names $2 and values $3 as text[], positions from 0 in
/// array order. SQLite (no arrays) runs it once per field: position $2, name $3, value $4 (a prepared insert
/// costs it no round trip).
inline constexpr query insert_guest_custom_fields{
    .name = "insert_guest_custom_fields",
    .sql = R"sql(
INSERT INTO guest_custom_fields (guest_id, position, name, value)
SELECT $1, f.ordinality - 1, f.name, f.value
FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS f (name, value, ordinality)
)sql",
    .sqlite_sql = R"sql(
INSERT INTO guest_custom_fields (guest_id, position, name, value) VALUES ($1, $2, $3, $4)
)sql"};

inline constexpr query set_guest_reference{"set_guest_reference", R"sql(
INSERT INTO guest_references (merchant_id, reference, guest_id) VALUES ($1, $2, $3)
ON CONFLICT (merchant_id, reference) DO UPDATE SET guest_id = excluded.guest_id
)sql"};

inline constexpr query guest_qualifies{"guest_qualifies", R"sql(
SELECT EXISTS (SELECT 1 FROM reservations
               WHERE merchant_id = $1 AND guest_id = $2 AND status <> 'cancelled')
    OR EXISTS (SELECT 1 FROM email_list_members WHERE merchant_id = $1 AND guest_id = $2)
)sql"};

// Guest erasure: everything of guest $2 of merchant $1, children before parents so every foreign key accepts
// each step. Each statement is scoped by the merchant, so another merchant's guest with that id is untouched.

inline constexpr query erase_guest_sessions{"erase_guest_sessions", R"sql(
DELETE FROM sessions
WHERE merchant_id = $1 AND account_id IN (SELECT id FROM accounts WHERE merchant_id = $1 AND guest_id = $2)
)sql"};

inline constexpr query erase_guest_oauth_tokens{"erase_guest_oauth_tokens", R"sql(
DELETE FROM oauth_tokens
WHERE family_id IN (SELECT f.id FROM oauth_families f JOIN accounts a ON a.merchant_id = f.merchant_id
                                                                     AND a.id = f.account_id
                    WHERE a.merchant_id = $1 AND a.guest_id = $2)
)sql"};

inline constexpr query erase_guest_oauth_families{"erase_guest_oauth_families", R"sql(
DELETE FROM oauth_families
WHERE merchant_id = $1 AND account_id IN (SELECT id FROM accounts WHERE merchant_id = $1 AND guest_id = $2)
)sql"};

inline constexpr query erase_guest_resets{"erase_guest_resets", R"sql(
DELETE FROM resets
WHERE merchant_id = $1 AND account_id IN (SELECT id FROM accounts WHERE merchant_id = $1 AND guest_id = $2)
)sql"};

inline constexpr query erase_guest_account{"erase_guest_account", R"sql(
DELETE FROM accounts WHERE merchant_id = $1 AND guest_id = $2
)sql"};

inline constexpr query erase_guest_reservation_custom_fields{"erase_guest_reservation_custom_fields", R"sql(
DELETE FROM reservation_custom_fields
WHERE reservation_id IN (SELECT id FROM reservations WHERE merchant_id = $1 AND guest_id = $2)
)sql"};

inline constexpr query erase_guest_reservations{"erase_guest_reservations", R"sql(
DELETE FROM reservations WHERE merchant_id = $1 AND guest_id = $2
)sql"};

inline constexpr query erase_guest_list_memberships{"erase_guest_list_memberships", R"sql(
DELETE FROM email_list_members WHERE merchant_id = $1 AND guest_id = $2
)sql"};

inline constexpr query erase_guest_consents{"erase_guest_consents", R"sql(
DELETE FROM consent_events WHERE merchant_id = $1 AND guest_id = $2
)sql"};

inline constexpr query erase_guest_references{"erase_guest_references", R"sql(
DELETE FROM guest_references WHERE merchant_id = $1 AND guest_id = $2
)sql"};

inline constexpr query erase_guest_custom_fields{"erase_guest_custom_fields", R"sql(
DELETE FROM guest_custom_fields WHERE guest_id IN (SELECT id FROM guests WHERE merchant_id = $1 AND id = $2)
)sql"};

inline constexpr query erase_guest{"erase_guest", R"sql(
DELETE FROM guests WHERE merchant_id = $1 AND id = $2
)sql"};

// Accounts. The finders select the same columns in the same order.

inline constexpr query find_account{"find_account", R"sql(
SELECT id, merchant_id, guest_id, username, printed_card_number, password_hash, failed_logins, lock_level,
       locked_until, created_at, password_changed_at, last_login_at
FROM accounts WHERE merchant_id = $1 AND id = $2
)sql"};

inline constexpr query find_account_by_guest{"find_account_by_guest", R"sql(
SELECT id, merchant_id, guest_id, username, printed_card_number, password_hash, failed_logins, lock_level,
       locked_until, created_at, password_changed_at, last_login_at
FROM accounts WHERE merchant_id = $1 AND guest_id = $2
)sql"};

inline constexpr query find_account_by_username{"find_account_by_username", R"sql(
SELECT id, merchant_id, guest_id, username, printed_card_number, password_hash, failed_logins, lock_level,
       locked_until, created_at, password_changed_at, last_login_at
FROM accounts WHERE merchant_id = $1 AND username_norm = $2
)sql"};

inline constexpr query find_account_by_card{"find_account_by_card", R"sql(
SELECT id, merchant_id, guest_id, username, printed_card_number, password_hash, failed_logins, lock_level,
       locked_until, created_at, password_changed_at, last_login_at
FROM accounts WHERE merchant_id = $1 AND printed_card_number = $2
)sql"};

/// Answers no row when the card number, the username (in the merchant) or the guest is taken.
inline constexpr query insert_account{"insert_account", R"sql(
INSERT INTO accounts (merchant_id, guest_id, username, username_norm, printed_card_number, password_hash,
                      failed_logins, lock_level, locked_until, created_at, password_changed_at, last_login_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT DO NOTHING
RETURNING id
)sql"};

inline constexpr query set_account_password{"set_account_password", R"sql(
UPDATE accounts
SET password_hash = $2, password_changed_at = $3, failed_logins = 0, lock_level = 0, locked_until = 0
WHERE id = $1
)sql"};

inline constexpr query set_account_lock_state{"set_account_lock_state", R"sql(
UPDATE accounts SET failed_logins = $2, lock_level = $3, locked_until = $4 WHERE id = $1
)sql"};

inline constexpr query record_account_login{"record_account_login", R"sql(
UPDATE accounts
SET failed_logins = 0, lock_level = 0, locked_until = 0, last_login_at = $2,
    password_hash = coalesce($3, password_hash)
WHERE id = $1
)sql"};

inline constexpr query set_account_username{"set_account_username", R"sql(
UPDATE accounts SET username = $2, username_norm = $3 WHERE id = $1
)sql"};

// Sessions.

inline constexpr query insert_session{"insert_session", R"sql(
INSERT INTO sessions (token_hash, merchant_id, partner_id, account_id, created_at, expires_at, revoked_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
)sql"};

inline constexpr query find_session{"find_session", R"sql(
SELECT token_hash, merchant_id, partner_id, account_id, created_at, expires_at, revoked_at
FROM sessions WHERE token_hash = $1
)sql"};

/// A token-authenticated request's one statement: the guest (find_guest's columns, 0 to 26), the session
/// (find_session's, 27 to 33), the credentials generation (34) and the guest's custom fields as a JSON array of
/// [name, value] pairs in position order (35). The aggregate differs: SQLite has json_group_array, whose input an
/// ordered subquery keeps in order (SQLite does not flatten it into an aggregate).
inline constexpr query find_signed_in{
    .name = "find_signed_in",
    .sql = R"sql(
SELECT g.id, g.merchant_id, g.title, g.firstname, g.lastname, g.phone, g.mobile, g.email, g.street,
       g.zip_code, g.city, g.state, g.country, g.birthdate, g.language, g.nationality,
       g.identity_document_number, g.privilege_badges, g.version, g.created_at, g.updated_at, g.address2,
       g.address_label, g.opt_in, g.text_campaign_opt_in, g.sms_opt_in_verified, g.email_verified,
       s.token_hash, s.merchant_id, s.partner_id, s.account_id, s.created_at, s.expires_at, s.revoked_at,
       (SELECT n FROM credentials_generation WHERE id = 1),
       (SELECT COALESCE(json_agg(json_build_array(f.name, f.value) ORDER BY f.position), '[]')::text
        FROM guest_custom_fields AS f WHERE f.guest_id = g.id)
FROM sessions AS s
JOIN accounts AS a ON a.merchant_id = s.merchant_id AND a.id = s.account_id
JOIN guests AS g ON g.merchant_id = a.merchant_id AND g.id = a.guest_id
WHERE s.token_hash = $1
)sql",
    .sqlite_sql = R"sql(
SELECT g.id, g.merchant_id, g.title, g.firstname, g.lastname, g.phone, g.mobile, g.email, g.street,
       g.zip_code, g.city, g.state, g.country, g.birthdate, g.language, g.nationality,
       g.identity_document_number, g.privilege_badges, g.version, g.created_at, g.updated_at, g.address2,
       g.address_label, g.opt_in, g.text_campaign_opt_in, g.sms_opt_in_verified, g.email_verified,
       s.token_hash, s.merchant_id, s.partner_id, s.account_id, s.created_at, s.expires_at, s.revoked_at,
       (SELECT n FROM credentials_generation WHERE id = 1),
       (SELECT json_group_array(json_array(f.name, f.value))
        FROM (SELECT name, value FROM guest_custom_fields WHERE guest_id = g.id ORDER BY position) AS f)
FROM sessions AS s
JOIN accounts AS a ON a.merchant_id = s.merchant_id AND a.id = s.account_id
JOIN guests AS g ON g.merchant_id = a.merchant_id AND g.id = a.guest_id
WHERE s.token_hash = $1
)sql"};

/// Newest first; the token digest breaks ties so the order is stable (bytea compares byte by byte).
inline constexpr query list_account_sessions{"list_account_sessions", R"sql(
SELECT token_hash, merchant_id, partner_id, account_id, created_at, expires_at, revoked_at
FROM sessions WHERE account_id = $1
ORDER BY created_at DESC, token_hash DESC
)sql"};

/// Live: neither revoked nor expired at $2.
inline constexpr query revoke_account_sessions{"revoke_account_sessions", R"sql(
UPDATE sessions SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2
)sql"};

// Paytronix OAuth tokens. A token is valid only through its family (revoked_at, merchant, partner, account).

inline constexpr query insert_oauth_family{
    .name = "insert_oauth_family",
    .sql = R"sql(
INSERT INTO oauth_families (merchant_id, partner_id, account_id, scope, created_at, expires_at, revoked_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
)sql",
    // SQLite: the id comes from the last insert rowid (inserted_id).
    .sqlite_sql = R"sql(
INSERT INTO oauth_families (merchant_id, partner_id, account_id, scope, created_at, expires_at, revoked_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
)sql"};

inline constexpr query insert_oauth_token{"insert_oauth_token", R"sql(
INSERT INTO oauth_tokens (token_hash, family_id, kind, created_at, expires_at, spent_at)
VALUES ($1, $2, $3, $4, $5, $6)
)sql"};

/// A token and its family, in the column order of read_oauth_grant.
inline constexpr query find_oauth_token{"find_oauth_token", R"sql(
SELECT t.token_hash, t.family_id, t.kind, t.created_at, t.expires_at, t.spent_at,
       f.merchant_id, f.partner_id, f.account_id, f.scope, f.created_at, f.expires_at, f.revoked_at
FROM oauth_tokens t JOIN oauth_families f ON f.id = t.family_id
WHERE t.token_hash = $1
)sql"};

/// The exchange of a refresh token: only the first of any number of concurrent callers changes the row (on
/// PostgreSQL the others wait for its row lock, then find spent_at set and change nothing).
inline constexpr query spend_oauth_refresh{"spend_oauth_refresh", R"sql(
UPDATE oauth_tokens SET spent_at = $2 WHERE token_hash = $1 AND kind = 'refresh' AND spent_at IS NULL
)sql"};

inline constexpr query revoke_oauth_family{"revoke_oauth_family", R"sql(
UPDATE oauth_families SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL
)sql"};

inline constexpr query revoke_account_oauth_families{"revoke_account_oauth_families", R"sql(
UPDATE oauth_families SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL
)sql"};

/// Newest first; the id breaks ties.
inline constexpr query list_account_oauth_families{"list_account_oauth_families", R"sql(
SELECT id, merchant_id, partner_id, account_id, scope, created_at, expires_at, revoked_at
FROM oauth_families WHERE account_id = $1
ORDER BY created_at DESC, id DESC
)sql"};

// Reservations. The finders select the same columns in the same order. A reservation without an arrival
// sorts last (NULLS LAST is what SQLite does anyway for DESC).

inline constexpr query find_reservation{"find_reservation", R"sql(
SELECT id, merchant_id, guest_id, reference, status, creation, arrival, departure, total_amount, currency,
       room_type, room_name, payload, updated_at
FROM reservations WHERE merchant_id = $1 AND reference = $2
)sql"};

inline constexpr query list_active_reservations{"list_active_reservations", R"sql(
SELECT id, merchant_id, guest_id, reference, status, creation, arrival, departure, total_amount, currency,
       room_type, room_name, payload, updated_at
FROM reservations WHERE merchant_id = $1 AND guest_id = $2 AND status <> 'cancelled'
ORDER BY arrival DESC NULLS LAST, id DESC
)sql"};

inline constexpr query list_all_reservations{"list_all_reservations", R"sql(
SELECT id, merchant_id, guest_id, reference, status, creation, arrival, departure, total_amount, currency,
       room_type, room_name, payload, updated_at
FROM reservations WHERE merchant_id = $1 AND guest_id = $2
ORDER BY arrival DESC NULLS LAST, id DESC
)sql"};

inline constexpr query count_reservations{"count_reservations", R"sql(
SELECT count(*) FROM reservations WHERE merchant_id = $1 AND guest_id = $2
)sql"};

inline constexpr query find_reservation_id{"find_reservation_id", R"sql(
SELECT id FROM reservations WHERE merchant_id = $1 AND reference = $2
)sql"};

/// Inserts nothing when the reference is taken (a concurrent upsert won). SQLite's new id is the connection's
/// last insert rowid, as for insert_guest.
inline constexpr query insert_reservation{
    .name = "insert_reservation",
    .sql = R"sql(
INSERT INTO reservations (merchant_id, reference, guest_id, status, creation, arrival, departure, total_amount,
                          currency, room_type, room_name, payload, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT DO NOTHING
RETURNING id
)sql",
    .sqlite_sql = R"sql(
INSERT INTO reservations (merchant_id, reference, guest_id, status, creation, arrival, departure, total_amount,
                          currency, room_type, room_name, payload, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT DO NOTHING
)sql"};

inline constexpr query replace_reservation{"replace_reservation", R"sql(
UPDATE reservations
SET guest_id = $3, status = $4, creation = $5, arrival = $6, departure = $7, total_amount = $8, currency = $9,
    room_type = $10, room_name = $11, payload = $12, updated_at = $13
WHERE merchant_id = $1 AND reference = $2
)sql"};

/// The custom fields of every reservation of a guest, in one statement rather than one per reservation. No
/// ORDER BY (it would cost a sort): the caller groups the rows by reservation and orders each group by position.
inline constexpr query list_guest_reservation_custom_fields{"list_guest_reservation_custom_fields", R"sql(
SELECT f.reservation_id, f.position, f.name, f.value
FROM reservations r JOIN reservation_custom_fields f ON f.reservation_id = r.id
WHERE r.merchant_id = $1 AND r.guest_id = $2
)sql"};

inline constexpr query list_reservation_custom_fields{"list_reservation_custom_fields", R"sql(
SELECT name, value FROM reservation_custom_fields WHERE reservation_id = $1 ORDER BY position
)sql"};

inline constexpr query delete_reservation_custom_fields{"delete_reservation_custom_fields", R"sql(
DELETE FROM reservation_custom_fields WHERE reservation_id = $1
)sql"};

/// As insert_guest_custom_fields.
inline constexpr query insert_reservation_custom_fields{
    .name = "insert_reservation_custom_fields",
    .sql = R"sql(
INSERT INTO reservation_custom_fields (reservation_id, position, name, value)
SELECT $1, f.ordinality - 1, f.name, f.value
FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS f (name, value, ordinality)
)sql",
    .sqlite_sql = R"sql(
INSERT INTO reservation_custom_fields (reservation_id, position, name, value) VALUES ($1, $2, $3, $4)
)sql"};

// Email lists.

inline constexpr query add_email_list_member{"add_email_list_member", R"sql(
INSERT INTO email_list_members (merchant_id, list, guest_id, joined_at) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
)sql"};

inline constexpr query remove_email_list_member{"remove_email_list_member", R"sql(
DELETE FROM email_list_members WHERE merchant_id = $1 AND list = $2 AND guest_id = $3
)sql"};

inline constexpr query list_email_lists_of_guest{"list_email_lists_of_guest", R"sql(
SELECT list FROM email_list_members WHERE merchant_id = $1 AND guest_id = $2 ORDER BY list
)sql"};

// Resets. A reset is live while neither used nor voided and not yet expired. A code digest is unique within its
// merchant and is looked up only within it (V003 on PostgreSQL,
// V006 on SQLite). The finders select the same columns in the same order.

/// Answers no row when a reset of that merchant has that code digest.
inline constexpr query insert_reset{"insert_reset", R"sql(
INSERT INTO resets (merchant_id, account_id, code_hash, created_at, expires_at, used_at, voided_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT DO NOTHING
RETURNING id
)sql"};

/// Voids the live resets of account $1 at $2, except reset $3 (the one just inserted).
inline constexpr query void_other_resets{"void_other_resets", R"sql(
UPDATE resets SET voided_at = $2
WHERE account_id = $1 AND used_at IS NULL AND voided_at IS NULL AND expires_at > $2 AND id <> $3
)sql"};

inline constexpr query void_account_resets{"void_account_resets", R"sql(
UPDATE resets SET voided_at = $2
WHERE account_id = $1 AND used_at IS NULL AND voided_at IS NULL AND expires_at > $2
)sql"};

inline constexpr query find_reset_by_code{"find_reset_by_code", R"sql(
SELECT id, merchant_id, account_id, code_hash, created_at, expires_at, used_at, voided_at
FROM resets WHERE merchant_id = $1 AND code_hash = $2
)sql"};

/// Changes nothing when the reset is already used or voided: the caller learns it lost from the row count.
inline constexpr query mark_reset_used{"mark_reset_used", R"sql(
UPDATE resets SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND voided_at IS NULL
)sql"};

inline constexpr query list_account_resets{"list_account_resets", R"sql(
SELECT id, merchant_id, account_id, code_hash, created_at, expires_at, used_at, voided_at
FROM resets WHERE account_id = $1
ORDER BY created_at DESC, id DESC
)sql"};

inline constexpr query count_resets_since{"count_resets_since", R"sql(
SELECT count(*) FROM resets WHERE account_id = $1 AND created_at >= $2
)sql"};

// Throttles. $2 is the start of the window that holds now. A hit in a newer window restarts the count; a hit
// from an older window (a node whose clock lags) counts into the stored one, so skew never resets a limit.
// One statement, atomic on its own: concurrent hits on one key from any node each count once.

inline constexpr query hit_throttle{"hit_throttle", R"sql(
INSERT INTO throttles AS t (key, window_start, hits) VALUES ($1, $2, 1)
ON CONFLICT (key) DO UPDATE
SET hits = CASE WHEN excluded.window_start > t.window_start THEN 1 ELSE t.hits + 1 END,
    window_start = CASE WHEN excluded.window_start > t.window_start THEN excluded.window_start
                        ELSE t.window_start END
RETURNING hits
)sql"};

inline constexpr query throttle_hits{"throttle_hits", R"sql(
SELECT coalesce((SELECT hits FROM throttles WHERE key = $1 AND window_start >= $2), 0)
)sql"};

// Outbox. The finders select the same columns in the same order.

inline constexpr query enqueue_outbox{"enqueue_outbox", R"sql(
INSERT INTO outbox (merchant_id, message_id, recipient, sender, subject, content, status, attempts, created_at,
                    next_attempt_at, sent_at, last_error)
VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8, NULL, '')
RETURNING id
)sql"};

/// Any state: the message was delivered, whatever else happened to it meanwhile.
inline constexpr query mark_outbox_sent{"mark_outbox_sent", R"sql(
UPDATE outbox SET status = 'sent', sent_at = $2 WHERE id = $1
)sql"};

/// Pending only: a late failure report never reopens a message another worker sent.
inline constexpr query mark_outbox_failed{"mark_outbox_failed", R"sql(
UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
WHERE id = $1 AND status = 'pending'
)sql"};

/// Pending only, like mark_outbox_failed.
inline constexpr query mark_outbox_dead{"mark_outbox_dead", R"sql(
UPDATE outbox SET attempts = attempts + 1, status = 'dead', last_error = $2
WHERE id = $1 AND status = 'pending'
)sql"};

inline constexpr query list_outbox{"list_outbox", R"sql(
SELECT id, merchant_id, message_id, recipient, sender, subject, content, status, attempts, created_at,
       next_attempt_at, sent_at, last_error
FROM outbox ORDER BY id DESC LIMIT $1
)sql"};

inline constexpr query list_outbox_by_status{"list_outbox_by_status", R"sql(
SELECT id, merchant_id, message_id, recipient, sender, subject, content, status, attempts, created_at,
       next_attempt_at, sent_at, last_error
FROM outbox WHERE status = $1 ORDER BY id DESC LIMIT $2
)sql"};

inline constexpr query find_outbox{"find_outbox", R"sql(
SELECT id, merchant_id, message_id, recipient, sender, subject, content, status, attempts, created_at,
       next_attempt_at, sent_at, last_error
FROM outbox WHERE id = $1
)sql"};

inline constexpr query retry_outbox{"retry_outbox", R"sql(
UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $2, last_error = ''
WHERE id = $1 AND status IN ('pending', 'dead')
)sql"};

inline constexpr query count_outbox_backlog{"count_outbox_backlog", R"sql(
SELECT count(*) FROM outbox WHERE status = 'pending'
)sql"};

/// $2 is the recipient lowercased (ASCII) by guestd. Each side folds ASCII only, as guestd folds emails
/// everywhere else, in the form its index serves: lower() under PostgreSQL's "C" collation (outbox_by_recipient),
/// SQLite's NOCASE.
inline constexpr query erase_outbox_recipient{
    .name = "erase_outbox_recipient",
    .sql = R"sql(
DELETE FROM outbox WHERE merchant_id = $1 AND lower(recipient COLLATE "C") = $2
)sql",
    .sqlite_sql = R"sql(
DELETE FROM outbox WHERE merchant_id = $1 AND recipient = $2 COLLATE NOCASE
)sql"};

// Audit events. The lists select the same columns in the same order, oldest first, from `since` on (the
// smallest integer when the caller gave none), each served by its own index.

inline constexpr query append_audit_event{"append_audit_event", R"sql(
INSERT INTO audit_events (merchant_id, at, kind, outcome, partner_id, guest_id, client_address, request_id,
                          detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
)sql"};

inline constexpr query list_audit_events{"list_audit_events", R"sql(
SELECT id, merchant_id, at, kind, outcome, partner_id, guest_id, client_address, request_id, detail
FROM audit_events WHERE merchant_id = $1 AND at >= $2
ORDER BY at, id
LIMIT $3
)sql"};

inline constexpr query list_audit_events_of_kind{"list_audit_events_of_kind", R"sql(
SELECT id, merchant_id, at, kind, outcome, partner_id, guest_id, client_address, request_id, detail
FROM audit_events WHERE merchant_id = $1 AND kind = $2 AND at >= $3
ORDER BY at, id
LIMIT $4
)sql"};

/// $4 narrows to one kind when not NULL.
inline constexpr query list_guest_audit_events{"list_guest_audit_events", R"sql(
SELECT id, merchant_id, at, kind, outcome, partner_id, guest_id, client_address, request_id, detail
FROM audit_events WHERE merchant_id = $1 AND guest_id = $2 AND at >= $3 AND (CAST($4 AS TEXT) IS NULL OR kind = $4)
ORDER BY at, id
LIMIT $5
)sql"};

inline constexpr query purge_audit_events{"purge_audit_events", R"sql(
DELETE FROM audit_events WHERE merchant_id = $1 AND at < $2
)sql"};

// Consent events.

inline constexpr query append_consent_event{"append_consent_event", R"sql(
INSERT INTO consent_events (merchant_id, guest_id, at, kind, partner_id, source_address, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7)
)sql"};

inline constexpr query list_guest_consent_events{"list_guest_consent_events", R"sql(
SELECT id, merchant_id, guest_id, at, kind, partner_id, source_address, detail
FROM consent_events WHERE merchant_id = $1 AND guest_id = $2
ORDER BY at, id
)sql"};

// Health and migrations.

inline constexpr query ping{"ping", R"sql(SELECT 1)sql"};

inline constexpr query current_schema_version{"current_schema_version", R"sql(
SELECT coalesce(max(version), 0) FROM schema_migrations
)sql"};

inline constexpr query record_migration{"record_migration", R"sql(
INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)
)sql"};

}  // namespace queries
}  // namespace guestd::store::sql
