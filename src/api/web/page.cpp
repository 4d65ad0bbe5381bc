#include "api/web/page.hpp"

#include "api/validate.hpp"
#include "core/text.hpp"

#include <cctype>
#include <string>
#include <utility>

namespace guestd::api::web {
namespace {

// The stylesheet: system fonts, one column that fits 320 px, a visible focus ring, light and dark schemes.
constexpr std::string_view css = R"css(:root {
  color-scheme: light dark;
  --fg: #1b1b1f; --bg: #f3f3f6; --card: #ffffff; --muted: #50505a; --border: #767682;
  --accent: #0b57d0; --accent-fg: #ffffff; --error: #b3261e; --error-bg: #fcebea; --ok: #1e6b35;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6e6ea; --bg: #121214; --card: #1f1f23; --muted: #b4b4be; --border: #8c8c98;
    --accent: #8ab4f8; --accent-fg: #0b0b0d; --error: #f2b8b5; --error-bg: #3b1715; --ok: #8fd19e;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main {
  max-width: 28rem; margin: 3rem auto; padding: 2rem 1.75rem; background: var(--card);
  border-radius: 0.75rem; box-shadow: 0 1px 3px rgba(0, 0, 0, 0.15);
}
@media (max-width: 30rem) {
  main { margin: 0; min-height: 100vh; padding: 1.5rem 1rem; border-radius: 0; box-shadow: none; }
}
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0 0 0.75rem; overflow-wrap: anywhere; }
p { margin: 0 0 1rem; overflow-wrap: anywhere; }
.lead { color: var(--muted); }
.success h1 { color: var(--ok); }
label { display: block; font-weight: 600; margin: 1.25rem 0 0.25rem; }
input[type="password"] {
  display: block; width: 100%; padding: 0.625rem 0.75rem; font: inherit; color: inherit;
  background: var(--card); border: 2px solid var(--border); border-radius: 0.375rem;
}
input[aria-invalid="true"] { border-color: var(--error); }
.hint { color: var(--muted); font-size: 0.9375rem; margin: 0.375rem 0 0; }
button {
  display: block; width: 100%; margin-top: 1.75rem; padding: 0.75rem 1rem; font: inherit; font-weight: 600;
  color: var(--accent-fg); background: var(--accent); border: 2px solid transparent; border-radius: 0.375rem;
  cursor: pointer;
}
button:hover { filter: brightness(1.1); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
input:focus-visible { border-color: var(--accent); }
.alert {
  margin: 1.25rem 0 0; padding: 0.75rem 1rem; background: var(--error-bg); color: var(--fg);
  border-left: 4px solid var(--error); border-radius: 0.25rem;
}
.alert p { margin: 0; }
@media (forced-colors: active) { .alert { border: 2px solid CanvasText; } }
)css";

// The document around every page; {title} and {main} are already escaped HTML. The stylesheet link and the
// form action are relative, so the page also works behind a proxy that mounts guestd under a prefix.
constexpr std::string_view head = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>)html";
constexpr std::string_view after_title = R"html(</title>
<link rel="stylesheet" href="reset-password.css">
</head>
<body>
)html";
constexpr std::string_view tail = R"html(</body>
</html>
)html";

/// The whole document: title (plain text) and the already-rendered <main> element.
std::string document(std::string_view title, std::string_view merchant_name, std::string_view main_html) {
    std::string out;
    out.reserve(head.size() + after_title.size() + main_html.size() + tail.size() + 128);
    out += head;
    out += core::html_escape(title);
    if (!merchant_name.empty()) {
        out += " - ";
        out += core::html_escape(merchant_name);
    }
    out += after_title;
    out += main_html;
    out += tail;
    return out;
}

/// "<p class="lead">For your <strong>Name</strong> account.</p>", or nothing without a name.
std::string merchant_line(std::string_view merchant_name) {
    if (merchant_name.empty()) return {};
    return "<p class=\"lead\">For your <strong>" + core::html_escape(merchant_name) + "</strong> account.</p>\n";
}

struct outcome_text {
    std::string_view title;
    std::string_view explanation;  // plain text, escaped when rendered
};

outcome_text text_of(outcome what) {
    switch (what) {
        case outcome::success:
            return {"Your password has been changed",
                    "You can now sign in with your new password. For your security, you have been signed out "
                    "of every device."};
        case outcome::expired:
            return {"This link has expired",
                    "Reset links are valid for a short time, and only the most recent one works. Request a new "
                    "password reset, then use the link in the new email."};
        case outcome::used:
            return {"This link has already been used",
                    "Each reset link works only once. If you just changed your password, sign in with it. "
                    "Otherwise, request a new password reset."};
        case outcome::unknown:
            return {"This link is not valid",
                    "Check that you opened the whole link from the email, or request a new password reset."};
        case outcome::too_many_attempts:
            return {"Too many attempts", ""};  // the explanation names the wait; see render_outcome
        case outcome::unreadable_form:
            return {"The form could not be read",
                    "Open the link from your email again and submit the form from that page."};
        case outcome::unavailable:
            return {"Temporarily unavailable",
                    "Your password was not changed. Please open the link from your email again in a few minutes."};
    }
    return {"Something went wrong", "Please open the link from your email again."};
}

/// "about 3 minutes" for a wait in seconds (at least a minute).
std::string minutes_text(int seconds) {
    const int minutes = seconds <= 60 ? 1 : (seconds + 59) / 60;
    return "about " + std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/// Decodes one urlencoded name or value; nothing on a broken %XX.
std::optional<std::string> decode_component(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (i + 2 >= in.size()) return std::nullopt;
            const int hi = hex_value(in[i + 1]);
            const int lo = hex_value(in[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::string render_form(const form_view& view) {
    const std::string min_length = std::to_string(view.password_min_length);
    const bool has_error = !view.error.empty();
    // Point each field at its hint, and at the error when there is one, so screen readers read both.
    const std::string described_by = has_error ? "form-error password-hint" : "password-hint";
    const std::string invalid = has_error ? " aria-invalid=\"true\"" : "";

    std::string main = "<main>\n<h1>Choose a new password</h1>\n";
    main += merchant_line(view.merchant_name);
    if (has_error) {
        main += "<div class=\"alert\" id=\"form-error\" role=\"alert\"><p>" + core::html_escape(view.error) +
                "</p></div>\n";
    }
    main += "<form method=\"post\" action=\"reset-password\">\n";
    main += "<input type=\"hidden\" name=\"merchant\" value=\"" + std::to_string(view.merchant.value) + "\">\n";
    main += "<input type=\"hidden\" name=\"code\" value=\"" + core::html_escape(view.code) + "\">\n";
    main += "<label for=\"password\">New password</label>\n";
    main += "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" required "
            "minlength=\"" + min_length + "\" aria-describedby=\"" + described_by + "\"" + invalid + ">\n";
    main += "<p class=\"hint\" id=\"password-hint\">At least " + min_length +
            " characters. A few unrelated words make a strong password that is easy to remember.</p>\n";
    main += "<label for=\"password_confirm\">Repeat the new password</label>\n";
    main += "<input id=\"password_confirm\" name=\"password_confirm\" type=\"password\" autocomplete=\"new-password\" "
            "required minlength=\"" + min_length + "\"" + invalid + ">\n";
    main += "<button type=\"submit\">Change password</button>\n";
    main += "</form>\n</main>\n";
    return document("Choose a new password", view.merchant_name, main);
}

std::string render_outcome(outcome what, std::string_view merchant_name, int retry_after_seconds) {
    const outcome_text text = text_of(what);
    std::string explanation(text.explanation);
    if (what == outcome::too_many_attempts) {
        explanation = "Your password was not changed. Wait " + minutes_text(retry_after_seconds) +
                      ", then open the link from your email again.";
    }
    // Announce the outcome: a success is a status, everything else needs the guest's attention.
    const bool ok = what == outcome::success;
    std::string main = ok ? "<main class=\"success\">\n" : "<main>\n";
    main += ok ? "<div role=\"status\">\n" : "<div role=\"alert\">\n";
    main += "<h1>" + core::html_escape(text.title) + "</h1>\n";
    main += merchant_line(merchant_name);
    main += "<p>" + core::html_escape(explanation) + "</p>\n";
    main += "</div>\n</main>\n";
    return document(text.title, merchant_name, main);
}

std::string_view stylesheet() noexcept { return css; }

std::optional<form_fields> parse_form(std::string_view body) {
    form_fields fields;
    while (!body.empty()) {
        // Take the next name=value pair
        const std::size_t amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        if (pair.empty()) continue;

        // Decode both sides; the first occurrence of a name wins
        const std::size_t eq = pair.find('=');
        auto name = decode_component(pair.substr(0, eq));
        auto value = decode_component(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
        // Bytes that are not UTF-8 are refused, as in JSON bodies: a password set here must be one the JSON login
        // can carry.
        if (!name || !value || !valid_utf8(*name) || !valid_utf8(*value)) return std::nullopt;
        fields.try_emplace(std::move(*name), std::move(*value));
    }
    return fields;
}

bool is_form_content_type(std::string_view content_type) noexcept {
    constexpr std::string_view expected = "application/x-www-form-urlencoded";
    const std::string_view media = content_type.substr(0, content_type.find(';'));
    const std::size_t first = media.find_first_not_of(" \t");
    if (first == std::string_view::npos) return false;
    const std::string_view trimmed = media.substr(first, media.find_last_not_of(" \t") - first + 1);
    if (trimmed.size() != expected.size()) return false;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(trimmed[i])) != expected[i]) return false;
    }
    return true;
}

response page_response(unsigned status, std::string body, std::string content_type) {
    response r;
    r.status = status;
    r.body = std::move(body);
    r.content_type = std::move(content_type);
    r.headers = {
        {"Content-Security-Policy",
         "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"},
        {"Referrer-Policy", "no-referrer"},
        {"X-Frame-Options", "DENY"},
        {"Cache-Control", "no-store"},
    };
    return r;
}

}  // namespace guestd::api::web
