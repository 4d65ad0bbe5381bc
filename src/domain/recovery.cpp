#include "domain/recovery.hpp"

#include "core/text.hpp"
#include "domain/mail.hpp"
#include "domain/secrets.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace guestd::domain {
namespace {

using answer = reset_answer;

constexpr core::unix_seconds hour = 3600;

// Stand-ins for "nobody" in the look-ups a missing account still runs: ids start at 1, so they match no row.
constexpr core::guest_id no_guest{0};
constexpr core::account_id no_account{0};

answer failure(std::string code, std::string message) {
    return {.result = answer::kind::failure, .error_code = std::move(code), .error_message = std::move(message)};
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool same_text(std::string_view a, std::string_view b) { return core::iequals(trim(a), trim(b)); }

/// The guest's value for a Paytronix verification field name.
const store::opt_string* verification_value(const store::profile& p, std::string_view name) {
    if (name == "firstName") return &p.firstname;
    if (name == "lastName") return &p.lastname;
    if (name == "postalCode") return &p.zip_code;
    if (name == "phone") return &p.phone;
    if (name == "mobilePhone") return &p.mobile;
    if (name == "dateOfBirth") return &p.birthdate;
    if (name == "email") return &p.email;
    return nullptr;
}

/// "Name <addr>" for a merchant's From: its mail_from (given a name when bare), or the server's default.
std::string sender_for(const store::merchant& m, const std::string& fallback) {
    if (m.mail_from.empty()) return fallback;
    if (m.mail_from.find('<') != std::string::npos) return m.mail_from;
    std::string name;
    for (char c : m.name)
        if (c != '"' && c != '<' && c != '>' && c != '\r' && c != '\n') name.push_back(c);
    return "\"" + name + "\" <" + m.mail_from + ">";
}

bool valid_caller_code(std::string_view code) {
    if (code.size() < 8 || code.size() > 128) return false;
    return std::all_of(code.begin(), code.end(), [](char c) { return c > 32 && c < 127; });
}

}  // namespace

// An unknown email still looks for its account, an account id that is not a number looks for account 0.
std::optional<store::account> find_account(store::unit_of_work& uow, core::merchant_id m, identifier_kind kind,
                                           std::string_view value) {
    switch (kind) {
        case identifier_kind::email: {
            const auto guest = uow.guests().find_by_email(m, trim(value));
            return uow.accounts().find_by_guest(m, guest ? guest->id : no_guest);
        }
        case identifier_kind::username: return uow.accounts().find_by_username(m, trim(value));
        case identifier_kind::account_id: {
            std::int64_t id = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
            const bool number = ec == std::errc{} && end == value.data() + value.size();
            return uow.accounts().find(m, number ? core::account_id{id} : no_account);
        }
        case identifier_kind::printed_card_number: {
            std::string digits;
            for (char c : value)
                if (c != ' ') digits.push_back(c);
            return uow.accounts().find_by_card(m, digits);
        }
    }
    return std::nullopt;
}

recovery::recovery(store::database& db, const core::clock& clock, const passwords& hasher, recovery_settings settings)
    : db_(db), clock_(clock), hasher_(hasher), settings_(std::move(settings)) {}

reset_answer recovery::request(const reset_request& r) {
    // Anonymous callers hear "success" for every outcome but more_info: which accounts exist is not theirs to learn.
    const auto now = clock_.now();
    return store::write(db_, [&](store::unit_of_work& uow) -> reset_answer {
        const auto merchant = uow.merchants().find(r.merchant);
        if (!merchant) return failure("guestmanagement.permission_denied", "merchant not available to this client");
        const auto& required = merchant->reset_verification_fields;

        // Exactly one identifier; an email next to another one is a verification field when the merchant asks for it.
        auto ids = r.identifiers;
        const bool email_verifies = std::find(required.begin(), required.end(), "email") != required.end();
        if (ids.size() == 2 && email_verifies)
            std::erase_if(ids, [](const auto& id) { return id.first == identifier_kind::email; });
        if (ids.size() != 1)
            return failure("guestmanagement.invalid_identifier",
                           "send exactly one of username, accountId, printedCardNumber, email");
        const auto [kind, value] = ids.front();

        const answer uniform{.result = answer::kind::success,
                             .email = kind == identifier_kind::email ? value : std::string()};
        const auto hide = [&](answer exact) { return r.b2b ? exact : uniform; };

        // Ask for the verification fields before looking anything up, so the answer is the same for every account.
        const bool complete_set = std::all_of(required.begin(), required.end(), [&](const std::string& f) {
            const auto it = r.verification.find(f);
            return it != r.verification.end() && !trim(it->second).empty();
        });
        if (!complete_set) return {.result = answer::kind::more_info, .fields = required};
        if (r.caller_code && !valid_caller_code(*r.caller_code))
            return failure("guestmanagement.invalid_reset_code", "resetCode must be 8 to 128 printable ASCII characters");

        // From here on every outcome runs the same store operations in the same transaction, and generates, hashes and
        // composes alike; only the rows written at the end differ. A missing account looks its guest and its resets up
        // through stand-in ids that match nothing, and its email is composed to the identifier the caller sent.
        uow.throttles().hit("reset:" + r.client_address, now, hour);
        const auto account = find_account(uow, r.merchant, kind, value);
        const auto guest = uow.guests().find(r.merchant, account ? account->guest : no_guest);
        const int sent_lately = uow.resets().count_since(account ? account->id : no_account, now - hour);

        // Draw the code, and compose the email its link goes in.
        const std::string code = r.caller_code ? *r.caller_code : random_token(32);
        const store::reset reset{.merchant = r.merchant, .account = account ? account->id : no_account,
                                 .code_hash = digest(code), .created_at = now,
                                 .expires_at = now + merchant->reset_code_ttl};
        const std::string_view recipient = guest && guest->fields.email ? std::string_view(*guest->fields.email) : value;
        const mail_context ctx{.merchant_name = merchant->name,
                               .sender = sender_for(*merchant, settings_.default_sender),
                               .recipient = std::string(recipient),
                               .firstname = guest ? guest->fields.firstname.value_or("") : "",
                               .language = guest ? guest->fields.language.value_or("en") : "en",
                               .link = reset_link(merchant->reset_link_template, settings_.public_url, r.merchant, code),
                               .code = code,
                               .minutes = static_cast<int>((merchant->reset_code_ttl + 59) / 60)};
        auto message = compose("reset", ctx, now, uow.merchants().find_template(r.merchant, "reset", ctx.language));
        message.merchant = r.merchant;

        // Decide, then write what the outcome calls for: a refusal is audited; a reset stores the code (voiding the
        // older ones), queues the email and is audited, all in this transaction.
        const auto refuse = [&](std::string_view reason, answer exact) {
            audit(uow, r.merchant, r.who, audit_kind::reset_requested, "refused",
                  account ? std::optional(account->guest) : std::nullopt, now, {{"reason", reason}, {"b2b", r.b2b}});
            uow.commit();
            return hide(std::move(exact));
        };
        if (!account)
            return refuse("no account", failure("guestmanagement.user_not_found", "no account matches that identifier"));
        if (!guest || !guest->fields.email || guest->fields.email->empty())
            return refuse("no email", failure("guestmanagement.no_email", "the account has no email address"));
        for (const auto& f : required) {
            const auto* mine = verification_value(guest->fields, f);
            if (mine == nullptr || !*mine || !same_text(**mine, r.verification.at(f)))
                return refuse("verification failed",
                              failure("guestmanagement.verification_failed", "the verification fields do not match"));
        }
        if (sent_lately >= settings_.emails_per_hour)
            return refuse("hourly cap", failure("guestmanagement.rate_limited",
                                                "too many reset requests for this account; retry later"));
        if (!uow.resets().replace(reset))
            return refuse("code in use", failure("guestmanagement.invalid_reset_code", "that resetCode was already used"));
        uow.outbox().enqueue(message);
        audit(uow, r.merchant, r.who, audit_kind::reset_requested, "ok", account->guest, now,
              {{"b2b", r.b2b}, {"caller_code", r.caller_code.has_value()}});
        uow.commit();

        // Wake the delivery worker for b2b callers only: an anonymous request's email leaves at the worker's next poll
        // (--mail-poll-ms). Woken at once, the worker's thread and its claim transaction competed with the answer still
        // on its way, and only a found account's answer paid for it (bench/reset_timing.sh: 0.6 to 1.0 ms at the
        // median), which told whether the account exists.
        if (r.b2b && mail_queued_) mail_queued_();
        return hide({.result = answer::kind::success, .email = *guest->fields.email});
    });
}

core::result<void> recovery::complete(core::merchant_id merchant, std::string_view code,
                                      std::string_view new_password, std::string_view client_address,
                                      const actor& who) {
    const auto now = clock_.now();
    const auto window = settings_.completion_window;
    {
        // Count the attempt first: guessing codes costs attempts whatever the outcome.
        const int hits = store::write(db_, [&](store::unit_of_work& uow) {
            const int n = uow.throttles().hit("complete:" + std::string(client_address), now, window);
            uow.commit();
            return n;
        });
        if (hits > settings_.completions_per_window)
            return std::unexpected(core::error{core::errc::resource_exhausted, "too many attempts; retry later",
                                               "code:guestmanagement.too_many_attempts", {},
                                               static_cast<int>(window - now % window)});
    }

    const auto unknown = [] { return core::fail(core::errc::not_found, "unknown reset code", "unknown reset code"); };
    const auto hash = digest(code);
    {
        // Apply the merchant's policy before looking the code up: a refused password says nothing about the code.
        auto uow = db_.begin(store::tx::read);
        const auto m = uow->merchants().find(merchant);
        if (!m) return unknown();
        if (auto ok = check_password_policy(new_password, m->password_min_length); !ok) {
            ok.error().detail = "code:guestmanagement.password_policy";
            return ok;
        }

        // Then the code, only among this merchant's.
        const auto reset = uow->resets().find_by_code(merchant, hash);
        if (!reset) return unknown();
        const auto refused = [&](std::string_view reason, std::string message) {
            store::write(db_, [&](store::unit_of_work& w) {
                audit(w, merchant, who, audit_kind::reset_completed, "refused", std::nullopt, now,
                      {{"reason", reason}, {"account_id", reset->account.value}});
                w.commit();
            });
            return core::fail(core::errc::failed_precondition, std::move(message), "reset code " + std::string(reason));
        };
        if (reset->used_at) return refused("used", "this reset code was already used");
        if (reset->voided_at || reset->expires_at <= now) return refused("expired", "this reset code has expired");
    }
    const std::string phc = hasher_.hash(new_password);

    // Spend the code, set the password, revoke every session and queue the notice, all at once.
    return store::write(db_, [&](store::unit_of_work& uow) -> core::result<void> {
        const auto reset = uow.resets().find_by_code(merchant, hash);
        if (!reset) return unknown();
        if (!uow.resets().mark_used(reset->id, now))
            return core::fail(core::errc::failed_precondition, "this reset code was already used", "reset code used");
        const auto account = uow.accounts().find(merchant, reset->account);
        const auto m = uow.merchants().find(merchant);
        if (!account || !m) return unknown();
        uow.accounts().set_password(account->id, phc, now);
        uow.sessions().revoke_all(account->id, now);
        uow.oauth_tokens().revoke_all(account->id, now);
        uow.resets().void_all(account->id, now);
        auto guest = uow.guests().find(merchant, account->guest);
        if (guest && guest->fields.email && !guest->email_verified) {
            // The guest followed a link sent to this email: the address is theirs (Paytronix emailVerified).
            guest->email_verified = true;
            if (!uow.guests().update_profile(*guest))
                return core::fail(core::errc::internal, "internal error", "reset: guest update clashed");
        }
        if (guest && guest->fields.email) {
            const mail_context ctx{.merchant_name = m->name,
                                   .sender = sender_for(*m, settings_.default_sender),
                                   .recipient = *guest->fields.email,
                                   .firstname = guest->fields.firstname.value_or(""),
                                   .language = guest->fields.language.value_or("en")};
            auto message = compose("password_changed", ctx, now,
                                   uow.merchants().find_template(merchant, "password_changed", ctx.language));
            message.merchant = merchant;
            uow.outbox().enqueue(message);
        }
        audit(uow, merchant, who, audit_kind::reset_completed, "ok", account->guest, now);
        uow.commit();
        if (mail_queued_) mail_queued_();
        return {};
    });
}

int recovery::throttle_lookup(std::string_view client_address) {
    const auto now = clock_.now();
    const auto window = settings_.completion_window;
    return store::write(db_, [&](store::unit_of_work& uow) -> int {
        const int hits = uow.throttles().hit("lookup:" + std::string(client_address), now, window);
        uow.commit();
        return hits > settings_.lookups_per_window ? static_cast<int>(window - now % window) : 0;
    });
}

code_state recovery::inspect(core::merchant_id merchant, std::string_view code) {
    auto uow = db_.begin(store::tx::read);
    const auto reset = uow->resets().find_by_code(merchant, digest(code));
    if (!reset) return {};
    code_state s;
    if (const auto m = uow->merchants().find(merchant)) {
        s.merchant_name = m->name;
        s.password_min_length = m->password_min_length;
    }
    if (reset->used_at)
        s.state = code_state::kind::used;
    else if (reset->voided_at || reset->expires_at <= clock_.now())
        s.state = code_state::kind::expired;
    else
        s.state = code_state::kind::valid;
    return s;
}

}  // namespace guestd::domain
