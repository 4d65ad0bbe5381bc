// Partner credentials and guest tokens: creating merchants and partners (secrets shown once, stored as hashes)
// and authenticating every call. Secrets are looked up by their hash, so no comparison of a secret ever
// depends on its bytes; the Basic secret, looked up by client id, is compared with sodium_memcmp.
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "domain/audit.hpp"
#include "store/store.hpp"

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace guestd::domain {

/// A partner calling on behalf of one merchant (Experience bearer).
struct bearer_identity {
    core::partner_id partner{0};
    core::merchant_id merchant{0};
};

/// A partner identified by HTTP Basic (Paytronix); the merchant comes from the body.
struct basic_identity {
    core::partner_id partner{0};
    bool b2b = false;
    bool caller_reset_codes = false;  // may send its own resetCode
    std::vector<core::merchant_id> merchants;
};

/// The guest behind an x-guest-token.
struct guest_session {
    core::account_id account{0};
    core::guest_id guest{0};
};

/// A partner's call for a guest: its bearer and guest token checked, and the guest as the check read it.
struct guest_call {
    bearer_identity by;
    guest_session session;
    store::guest guest;
};

struct new_merchant {
    core::merchant_id id{0};
    std::string name;
    std::string hotel_token;  // shown once
};

struct new_partner {
    core::partner_id id{0};
    std::string name;
    std::vector<core::merchant_id> merchants;
    bool b2b = false;
    bool caller_reset_codes = false;
    std::string partner_token;  // shown once
    std::string client_id;
    std::string client_secret;  // shown once
};

/// A change of merchant settings: only the fields that are set change; an empty string or vector clears.
struct settings_change {
    std::optional<std::vector<std::string>> reset_verification_fields;
    std::optional<std::string> reset_link_template;
    std::optional<int> reset_code_ttl;
    std::optional<std::string> mail_from;
    std::optional<int> password_min_length;
    std::optional<int> audit_retention_days;
};

/// The verification field names a merchant may require (Paytronix demographic names).
inline constexpr std::string_view verification_fields[] = {"firstName", "lastName",    "postalCode", "phone",
                                                          "mobilePhone", "dateOfBirth", "email"};

class credentials {
public:
    credentials(store::database& db, const core::clock& clock);

    /// Creates a merchant with a fresh hotel token. already_exists for a taken id; invalid_argument for an id
    /// that is not positive or an empty name.
    core::result<new_merchant> add_merchant(core::merchant_id id, std::string_view name);

    /// Replaces the merchant's hotel token with a fresh one and returns it; the old one keeps working for
    /// `overlap` seconds (0: stops at once). not_found for an unknown merchant.
    core::result<std::string> rotate_hotel_token(core::merchant_id id, core::unix_seconds overlap = 0,
                                                 const actor& who = {});

    /// New partner token and client secret (the client id stays); the old ones keep working for `overlap`
    /// seconds. Returns the partner with its new secrets. not_found for an unknown partner.
    core::result<new_partner> rotate_partner(core::partner_id id, core::unix_seconds overlap, const actor& who = {});

    /// Disables the partner: every call with its credentials gets 401 from now on. not_found when unknown.
    core::result<void> disable_partner(core::partner_id id, const actor& who = {});

    /// Applies a settings change after checking every value; invalid_argument names the bad ones, not_found an
    /// unknown merchant. Returns the merchant as stored.
    core::result<store::merchant> update_settings(core::merchant_id id, const settings_change& change);

    /// Adds or replaces (remove = false) or deletes a merchant's email template. invalid_argument for an unknown
    /// kind or a malformed language; not_found for an unknown merchant or template.
    core::result<void> set_template(core::merchant_id id, const store::mail_template& t, bool remove);

    /// Creates a partner granted the given merchants, with b2b rights and the right to choose reset codes when
    /// asked. not_found when a merchant does not exist.
    core::result<new_partner> add_partner(std::string_view name, const std::vector<core::merchant_id>& merchants,
                                          bool b2b, bool caller_reset_codes = false);

    /// Grants or withdraws the partner's right to send its own resetCode (a code it chose lets it complete a
    /// reset without the guest's mailbox). not_found for an unknown partner.
    core::result<void> set_caller_reset_codes(core::partner_id id, bool granted, const actor& who = {});

    /// Checks "<partner_token>:<hotel_token>" (the part after "Bearer "). unauthenticated when malformed,
    /// unknown, disabled, or the partner is not granted that merchant.
    core::result<bearer_identity> authenticate_bearer(std::string_view credentials) const;

    /// Checks HTTP Basic client id and secret. unauthenticated when unknown, wrong or disabled.
    core::result<basic_identity> authenticate_basic(std::string_view client_id, std::string_view secret) const;

    /// Checks an x-guest-token: it must exist, be unexpired, unrevoked, and issued for this merchant and partner.
    core::result<guest_session> authenticate_guest_token(std::string_view token, const bearer_identity& by) const;

    /// Checks a bearer and an x-guest-token together, refusing as authenticate_bearer and then as
    /// authenticate_guest_token would, and returns the guest too. When the bearer pair was checked this second and
    /// no credential changed since, that is one statement (store::tx::statement): the token's session and guest,
    /// with the credentials generation that vouches for the remembered pair.
    core::result<guest_call> authenticate_guest_call(std::string_view bearer, std::string_view token) const;

private:
    struct bearer_pair {
        std::string partner_digest;
        std::string hotel_digest;
    };
    /// The digests of "<partner_token>:<hotel_token>"; none when malformed or either part is empty.
    static std::optional<bearer_pair> split_bearer(std::string_view credentials);
    /// What a partner and hotel token pair named, and when that was true: the store's credentials generation and
    /// the second of the lookup. The answer can only change when one of them does (a previous token's overlap
    /// ends on a second), so reusing it while both are equal is exact.
    struct remembered_bearer {
        bearer_identity identity;
        std::int64_t generation = 0;
        core::unix_seconds second = 0;
    };
    static constexpr std::size_t max_remembered_bearers = 4096;
    /// The pair's answer as last remembered, whatever its generation and second (the caller compares them).
    std::optional<remembered_bearer> recall(const bearer_pair& pair) const;
    /// The token's session and guest in one statement; none for a malformed or unknown token.
    std::optional<store::signed_in> find_signed_in(std::string_view token) const;

    store::database& db_;
    const core::clock& clock_;
    // Keyed by the digests of both tokens, never the tokens; only accepted pairs, so unknown tokens cannot fill it.
    mutable std::mutex bearers_mutex_;
    mutable std::unordered_map<std::string, remembered_bearer> bearers_;
};

}  // namespace guestd::domain
