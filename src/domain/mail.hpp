// The emails guestd sends, composed as whole RFC 5322 messages (multipart/alternative, text and HTML, UTF-8,
// quoted-printable) ready for the outbox: the reset link and the "your password was changed" notice, in
// English or French by the guest's language, or in the merchant's own wording (store::mail_template).
#pragma once

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/records.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace guestd::domain {

struct mail_context {
    std::string merchant_name;
    std::string sender;     // From: "Hotel Test <no-reply@hotel.example>"
    std::string recipient;  // To
    std::string firstname;  // may be empty
    std::string language;   // the guest's; anything but "fr" falls back to English
    std::string link;       // the reset link (reset emails)
    std::string code;       // the code itself (reset emails), for templates that show it
    int minutes = 10;       // validity (reset emails)
};

/// "reset" or "password_changed" as an outbox message (merchant, recipient, sender, subject, content,
/// message_id set; due now). A merchant template for the kind and language replaces the built-in text.
store::outbox_message compose(std::string_view kind, const mail_context& ctx, core::unix_seconds now,
                              const std::optional<store::mail_template>& custom);

/// The link of a reset email: the merchant's link template with {merchant} (its id) and {code} filled in,
/// URL-encoded, or, without a template, guestd's own page `<public_url>/reset-password?merchant=<id>&code=<code>`.
/// The merchant travels with the code because a code is only unique, and only looked up, within its merchant.
std::string reset_link(std::string_view link_template, std::string_view public_url, core::merchant_id merchant,
                       std::string_view code);

/// The built-in template of a kind and language ("en" or "fr").
store::mail_template builtin_template(std::string_view kind, std::string_view language);

/// Quoted-printable (RFC 2045) with soft line breaks at 76 characters and CRLF line ends.
std::string quoted_printable(std::string_view text);

}  // namespace guestd::domain
