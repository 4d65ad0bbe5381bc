// The hosted reset page's HTML and CSS as pure functions of what the page shows, so they can be tested without a
// server, plus the form-body parser and the response wrapper that adds the page's security headers.
// handlers.cpp decides what to show; this file only renders. English only: the page has one audience per link
// and the policy's reasons come from the domain in English.
#pragma once

#include "api/message.hpp"
#include "core/ids.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace guestd::api::web {

/// What the form shows. The merchant and the code go only into hidden fields; no password is ever rendered.
struct form_view {
    core::merchant_id merchant{0};
    std::string code;
    std::string merchant_name;       // may be empty; escaped when shown
    int password_min_length = 8;
    std::string error;               // empty, or why the last submission was refused (shown as an alert)
};

/// The pages without a form: an outcome or a problem the guest cannot fix on this page.
enum class outcome {
    success,            // the password was changed
    expired,            // the code's time ran out, or a newer link replaced it
    used,               // the code was already spent
    unknown,            // no such code, or the link lost its code
    too_many_attempts,  // throttled: come back later
    unreadable_form,    // the POST was not a form we can read
    unavailable,        // a backend fault: try again later
};

/// The complete HTML document with the form.
std::string render_form(const form_view& view);

/// The complete HTML document for an outcome, without any form. merchant_name may be empty; retry_after_seconds
/// is used by too_many_attempts only.
std::string render_outcome(outcome what, std::string_view merchant_name = {}, int retry_after_seconds = 0);

/// The page's stylesheet, served at /reset-password.css.
std::string_view stylesheet() noexcept;

/// Form fields by name, first occurrence wins.
using form_fields = std::map<std::string, std::string, std::less<>>;

/// Parses an application/x-www-form-urlencoded body ('+' is a space, %XX a byte). Nothing when a '%' is not
/// followed by two hex digits, or when a decoded name or value is not well-formed UTF-8.
std::optional<form_fields> parse_form(std::string_view body);

/// True for "application/x-www-form-urlencoded", in any case, with or without parameters such as charset.
bool is_form_content_type(std::string_view content_type) noexcept;

/// A response with the page's headers: text/html (or the given type), Content-Security-Policy,
/// Referrer-Policy, X-Frame-Options and Cache-Control as docs/api.md lists them.
response page_response(unsigned status, std::string body, std::string content_type = "text/html; charset=utf-8");

}  // namespace guestd::api::web
