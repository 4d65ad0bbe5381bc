// Password recovery (the Paytronix Guest Management flow): request a reset by exactly one identifier, answer
// more_info when the merchant wants verification fields, email a single-use code, and complete the reset.
// Anonymous callers learn nothing about which accounts exist; b2b callers get the exact outcome.
#pragma once

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "domain/audit.hpp"
#include "domain/passwords.hpp"
#include "store/store.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guestd::domain {

enum class identifier_kind { username, account_id, printed_card_number, email };

/// The account an identifier names in merchant m, as a Paytronix caller sends it (an account id in decimal, a card
/// with spaces, a username or email with surrounding blanks). Each kind runs the same look-ups whether or not
/// something matches, so the store's work does not tell a missing account from a found one.
std::optional<store::account> find_account(store::unit_of_work& uow, core::merchant_id m, identifier_kind kind,
                                           std::string_view value);

struct reset_request {
    core::merchant_id merchant{0};
    /// Every identifier the caller sent, as sent (an account id in decimal, a card with spaces). Exactly one is
    /// needed; an email beside another identifier counts as verification when the merchant asks for "email".
    std::vector<std::pair<identifier_kind, std::string>> identifiers;
    std::map<std::string, std::string> verification;  // Paytronix field name -> value supplied (email included)
    std::optional<std::string> caller_code;  // sendGuestResetPasswordCode's resetCode (the api checks the right)
    bool b2b = false;
    std::string client_address;
    actor who;  // for the audit trail
};

/// What the caller is told. For anonymous callers every outcome but more_info is `success` with the email the
/// caller sent ("" when it identified the guest another way).
struct reset_answer {
    enum class kind { success, more_info, failure } result = kind::success;
    std::string email;                // success
    std::vector<std::string> fields;  // more_info
    std::string error_code;           // failure: "guestmanagement.user_not_found", ...
    std::string error_message;
};

/// The state of a code, for the hosted page.
struct code_state {
    enum class kind { valid, expired, used, unknown } state = kind::unknown;
    std::string merchant_name;
    int password_min_length = 8;
};

/// Server-wide settings recovery needs.
struct recovery_settings {
    std::string public_url = "http://127.0.0.1:8080";   // guestd's own reset page lives under it
    std::string default_sender = "guestd <no-reply@localhost>";
    int emails_per_hour = 3;          // reset emails per account per hour
    int completions_per_window = 10;  // completion attempts per client address per window
    core::unix_seconds completion_window = 600;
    int lookups_per_window = 60;      // code look-ups by the reset page per client address per window
};

class recovery {
public:
    recovery(store::database& db, const core::clock& clock, const passwords& hasher, recovery_settings settings);

    /// Starts a reset: checks the verification fields, stores a code (hashed), voids older ones, and queues
    /// the email in the same transaction. Never fails for anonymous callers except with more_info. Whatever the
    /// outcome, an anonymous request runs the same store operations in the same transaction, generates, hashes
    /// and composes alike: neither the answer nor the work tells whether the account exists.
    reset_answer request(const reset_request& r);

    /// Completes a reset with the code from the email, within the merchant the code was issued for: applies the
    /// merchant's password policy (before the code is looked up, so a refused password tells nothing about the
    /// code), sets the password, revokes every session, spends the code, queues a "password changed" email.
    /// Errors: resource_exhausted (too many attempts from this address; checked first), invalid_argument (the
    /// policy; fields say why), not_found (no such code of that merchant), failed_precondition (expired, voided
    /// or used; inspect() tells which).
    core::result<void> complete(core::merchant_id merchant, std::string_view code, std::string_view new_password,
                                std::string_view client_address, const actor& who = {});

    /// What the page should show for a code of that merchant, without spending it.
    code_state inspect(core::merchant_id merchant, std::string_view code);

    /// Counts one look-up of a code from client_address; the seconds to wait when the address has looked up
    /// too many lately (caller-chosen codes can be short, so probing them must be bounded), else 0.
    int throttle_lookup(std::string_view client_address);

    /// Replaces the settings (the app learns the public URL only once the server is bound). Call before serving.
    void configure(recovery_settings settings) { settings_ = std::move(settings); }

    /// Called after a transaction that queued an email commits (the app wakes the delivery worker), except after an
    /// anonymous reset request: its email waits for the worker's next poll, so the answer's timing tells nothing.
    void on_mail_queued(std::function<void()> hook) { mail_queued_ = std::move(hook); }

private:
    store::database& db_;
    const core::clock& clock_;
    const passwords& hasher_;
    recovery_settings settings_;
    std::function<void()> mail_queued_;
};

}  // namespace guestd::domain
