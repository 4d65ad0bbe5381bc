// The records the storage contract reads and writes: plain data, no behaviour, shared by every backend and by
// the domain. Optional fields are NULL in the database and null in JSON.
#pragma once

#include "core/clock.hpp"
#include "core/ids.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace guestd::store {

using core::unix_seconds;
using opt_string = std::optional<std::string>;

/// A 32-byte digest of a secret (SHA-256/BLAKE2b of a token), compared and indexed instead of the secret.
using secret_hash = std::string;

struct merchant {
    core::merchant_id id{0};
    std::string name;
    unix_seconds created_at = 0;
    // Settings, changed with `guestd merchant set` and read on every request.
    int password_min_length = 8;
    std::vector<std::string> reset_verification_fields;  // Paytronix names: firstName, lastName, postalCode, ...
    std::string reset_link_template;  // "https://hotel.example/reset?hotel={merchant}&resetCode={code}"; "" = ours
    int reset_code_ttl = 600;         // seconds a reset code lives, 60 to 86400
    std::string mail_from;            // the From of the merchant's emails; "" = the server's default sender
    int audit_retention_days = 365;   // audit events older than this are purged (0 = keep forever)
};

/// A merchant's own wording of one email in one language, replacing guestd's built-in text. Placeholders:
/// {merchant}, {firstname}, {link}, {code}, {minutes}.
struct mail_template {
    std::string kind;      // "reset" | "password_changed"
    std::string language;  // "en", "fr", ...
    std::string subject;
    std::string text;
    std::string html;
    friend bool operator==(const mail_template&, const mail_template&) = default;
};

/// A password-reset request: the code is stored only as its digest, unique within the merchant.
struct reset {
    std::int64_t id = 0;
    core::merchant_id merchant{0};
    core::account_id account{0};
    secret_hash code_hash;
    unix_seconds created_at = 0;
    unix_seconds expires_at = 0;
    std::optional<unix_seconds> used_at;
    std::optional<unix_seconds> voided_at;  // a newer request for the same account voided it
};

/// A security-relevant action, append only. Never holds a secret; after an erasure it still names the guest
/// only by id (the person's data is gone).
struct audit_event {
    std::int64_t id = 0;
    core::merchant_id merchant{0};     // 0 for server-wide actions (a partner created for several merchants)
    unix_seconds at = 0;
    std::string kind;                  // "login", "account.locked", "password.set", "reset.requested", ...
    std::string outcome;               // "ok", "failed", "refused"
    std::optional<core::partner_id> partner;
    std::optional<core::guest_id> guest;
    std::string client_address;        // "" for the CLI
    std::string request_id;            // "" for the CLI
    std::string detail;                // a JSON object with no secret, e.g. {"reason":"wrong password"}
};

/// A consent given or withdrawn, append only: loyalty enrolment through update-password, email-list joins and
/// leaves.
struct consent_event {
    std::int64_t id = 0;
    core::merchant_id merchant{0};
    core::guest_id guest{0};
    unix_seconds at = 0;
    std::string kind;                  // "loyalty.granted", "email_list.joined", "email_list.left"
    std::optional<core::partner_id> partner;
    std::string source_address;        // the partner's client address; "" for imports
    std::string detail;                // the list's name for email lists
};

/// An email waiting for delivery (or delivered, or given up on). `content` is the whole RFC 5322 message.
struct outbox_message {
    std::int64_t id = 0;
    core::merchant_id merchant{0};
    std::string message_id;  // "<...@...>", stable across retries
    std::string recipient;
    std::string sender;
    std::string subject;
    std::string content;     // CRLF line ends, ready for SMTP DATA or a .eml file
    std::string status = "pending";  // pending | sent | dead
    int attempts = 0;
    unix_seconds created_at = 0;
    unix_seconds next_attempt_at = 0;
    std::optional<unix_seconds> sent_at;
    std::string last_error;
};

struct partner {
    core::partner_id id{0};
    std::string name;
    std::string client_id;       // public half of the Paytronix Basic credentials
    secret_hash client_secret_hash;
    bool b2b = false;
    bool disabled = false;
    // Granted by the operator: may send its own resetCode (sendGuestResetPasswordCode). A caller that chose the code
    // can complete the reset without the guest's mailbox, so only the account of record's holder should have it.
    bool caller_reset_codes = false;
    std::vector<core::merchant_id> merchants;  // granted merchants, ascending
    unix_seconds created_at = 0;
    // After a rotation the previous client secret keeps working until previous_valid_until (the overlap).
    secret_hash previous_client_secret_hash;
    unix_seconds previous_valid_until = 0;
};

/// Name/value pair, as custom_fields appear on the wire.
struct custom_field {
    std::string name;
    std::string value;
    friend bool operator==(const custom_field&, const custom_field&) = default;
};

/// The personal-space fields of a guest, as GET guest-informations shows them.
struct profile {
    opt_string title, firstname, lastname, phone, mobile, email, street, zip_code, city, state, country, birthdate,
        language, nationality;
    friend bool operator==(const profile&, const profile&) = default;
};

struct guest {
    core::guest_id id{0};
    core::merchant_id merchant{0};
    profile fields;
    opt_string identity_document_number;   // from PMS pushes; never shown on the personal-space API
    std::vector<custom_field> custom_fields;  // customer custom fields, in insertion order
    std::vector<std::string> privilege_badges;
    // The Paytronix profile fields the personal-space wire does not carry (guest/userInformation.json, export).
    opt_string address2;
    opt_string address_label;           // the label of the profile's address ("Home")
    bool opt_in = false;                // email marketing opt-in; each change is also a consent event
    bool text_campaign_opt_in = false;  // SMS marketing opt-in; each change is also a consent event
    bool sms_opt_in_verified = false;   // the mobile number confirmed the SMS opt-in
    bool email_verified = false;        // the guest completed a flow through a link sent to this email
    std::int64_t version = 1;  // bumped on every change; the ETag of guest-informations
    unix_seconds created_at = 0;
    unix_seconds updated_at = 0;
};

struct account {
    core::account_id id{0};
    core::merchant_id merchant{0};
    core::guest_id guest{0};
    std::string username;             // defaults to the email; unique per merchant, case-insensitively
    std::string printed_card_number;  // 16 digits, Luhn check digit, unique across guestd
    std::string password_hash;        // argon2id PHC string
    int failed_logins = 0;            // consecutive failures since the last success or lock
    int lock_level = 0;               // how many times the lock was armed since the last success
    unix_seconds locked_until = 0;    // 0 or a time in the past: not locked
    unix_seconds created_at = 0;
    unix_seconds password_changed_at = 0;
    std::optional<unix_seconds> last_login_at;
};

struct session {
    secret_hash token_hash;
    core::merchant_id merchant{0};
    core::partner_id partner{0};
    core::account_id account{0};
    unix_seconds created_at = 0;
    unix_seconds expires_at = 0;
    std::optional<unix_seconds> revoked_at;
};

/// A guest token's session with the guest it signs in, read in one statement: what a token-authenticated request
/// needs before its handler runs. credentials_generation is the partners' (see partner_store), read in the same
/// snapshot, so a cached partner and hotel token check can be trusted or refused without another query.
struct signed_in {
    store::session session;
    store::guest guest;
    std::int64_t credentials_generation = 0;
};

/// A Paytronix OAuth token family: one password login and every token rotated out of it. Every token of the
/// family is bound to its merchant, partner and account and carries its scope; revoking the family ends them all.
struct oauth_family {
    std::int64_t id = 0;
    core::merchant_id merchant{0};
    core::partner_id partner{0};
    core::account_id account{0};
    std::string scope;           // the granted scopes, space separated, in canonical order
    unix_seconds created_at = 0;
    unix_seconds expires_at = 0;  // the end of every refresh token of the family (30 days after the login)
    std::optional<unix_seconds> revoked_at;
};

enum class oauth_token_kind { access, refresh };

/// One access or refresh token of a family, by its digest.
struct oauth_token {
    secret_hash token_hash;
    std::int64_t family = 0;
    oauth_token_kind kind = oauth_token_kind::access;
    unix_seconds created_at = 0;
    unix_seconds expires_at = 0;
    std::optional<unix_seconds> spent_at;  // a refresh token already exchanged
};

/// A token with its family, as a lookup by digest returns it.
struct oauth_grant {
    oauth_token token;
    oauth_family family;
};

struct reservation {
    core::reservation_id id{0};
    core::merchant_id merchant{0};
    core::guest_id guest{0};
    std::string reference;
    std::string status;            // valid | option | cancelled
    opt_string creation;           // "YYYY-MM-DD HH:MM:SS"
    opt_string arrival;            // "YYYY-MM-DD"
    opt_string departure;          // "YYYY-MM-DD"
    opt_string total_amount;       // decimal as pushed ("460", "282.50")
    opt_string currency;
    opt_string room_type;          // first room's name
    opt_string room_name;          // first room's number, as a string
    std::vector<custom_field> custom_fields;  // booking extra_attributes and stay custom fields
    std::string payload;           // the whole pushed booking as JSON, kept for the PMS full-replacement rule
    unix_seconds updated_at = 0;
};

}  // namespace guestd::store
