#include "domain/mail.hpp"

#include "core/text.hpp"
#include "domain/secrets.hpp"

#include <sodium.h>

#include <array>
#include <cctype>
#include <ctime>

namespace guestd::domain {
namespace {

constexpr std::string_view crlf = "\r\n";

bool is_ascii(std::string_view s) {
    for (const unsigned char c : core::bytes(s))
        if (c >= 0x80 || c < 0x20) return false;
    return true;
}

std::string base64(std::string_view bytes) {
    std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);
    return out;
}

/// A header value: as is when plain ASCII, else an RFC 2047 encoded word.
std::string header_text(std::string_view s) { return is_ascii(s) ? std::string(s) : "=?UTF-8?B?" + base64(s) + "?="; }

/// "Name <addr>" with the name encoded when it needs to be; a bare address stays bare.
std::string mailbox(std::string_view s) {
    const auto lt = s.find('<');
    if (lt == std::string_view::npos) return std::string(s);
    std::string_view name = s.substr(0, lt);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) return std::string(s.substr(lt));
    if (is_ascii(name)) return std::string(s);
    return header_text(name) + " " + std::string(s.substr(lt));
}

std::string address_domain(std::string_view mailbox_text) {
    const auto at = mailbox_text.rfind('@');
    if (at == std::string_view::npos) return "guestd.invalid";
    auto rest = mailbox_text.substr(at + 1);
    const auto end = rest.find_first_of("> ");
    return std::string(rest.substr(0, end));
}

std::string rfc5322_date(core::unix_seconds t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    static constexpr std::array<const char*, 7> days{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[static_cast<std::size_t>(tm.tm_wday)],
                  tm.tm_mday, months[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                  tm.tm_sec);
    return buf;
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size()))
        s.replace(at, what.size(), with);
}

/// Fills a template's placeholders; `escape` HTML-escapes every value (the HTML part).
std::string fill(std::string text, const mail_context& ctx, bool french, bool escape) {
    const std::string hello = std::string(french ? "Bonjour" : "Hello") + (ctx.firstname.empty() ? "" : " " + ctx.firstname);
    const auto value = [&](std::string_view v) { return escape ? core::html_escape(v) : std::string(v); };
    replace_all(text, "{hello}", value(hello));
    replace_all(text, "{merchant}", value(ctx.merchant_name));
    replace_all(text, "{firstname}", value(ctx.firstname));
    replace_all(text, "{link}", value(ctx.link));
    replace_all(text, "{code}", value(ctx.code));
    replace_all(text, "{minutes}", std::to_string(ctx.minutes));
    return text;
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
std::string url_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

/// True when text may travel as 7bit: ASCII only, no bare CR, and no line over 998 bytes (RFC 5322).
bool fits_7bit(std::string_view text) {
    std::size_t line = 0;
    for (const unsigned char c : core::bytes(text)) {
        if (c >= 0x80 || c == '\r' || c == 0) return false;
        line = c == '\n' ? 0 : line + 1;
        if (line > 998) return false;
    }
    return true;
}

/// LF line ends as CRLF.
std::string crlf_lines(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

const char* const html_frame_open =
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>"
    "<body style=\"font-family: sans-serif; line-height: 1.5; color: #1a1a1a; max-width: 36em;\">";
const char* const html_frame_close = "</body></html>";

}  // namespace

std::string quoted_printable(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t line = 0;
    const auto emit = [&](std::string_view piece) {
        if (line + piece.size() > 75) {  // leave room for the soft break's '='
            out += "=\r\n";
            line = 0;
        }
        out += piece;
        line += piece.size();
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            out += crlf;
            line = 0;
            continue;
        }
        if (c == '\r') continue;
        const bool at_line_end = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
        const bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
        if (literal) {
            emit(std::string_view(reinterpret_cast<const char*>(&text[i]), 1));
        } else {
            const char enc[3] = {'=', hex[c >> 4], hex[c & 15]};
            emit(std::string_view(enc, 3));
        }
    }
    return out;
}

std::string reset_link(std::string_view link_template, std::string_view public_url, core::merchant_id merchant,
                       std::string_view code) {
    std::string link = link_template.empty()
                           ? std::string(public_url) + "/reset-password?merchant={merchant}&code={code}"
                           : std::string(link_template);
    replace_all(link, "{merchant}", std::to_string(merchant.value));
    replace_all(link, "{code}", url_encode(code));
    return link;
}

store::mail_template builtin_template(std::string_view kind, std::string_view language) {
    const bool fr = language == "fr";
    if (kind == "password_changed") {
        if (fr)
            return {"password_changed", "fr", "Votre mot de passe {merchant} a été modifié",
                    "{hello},\n\nLe mot de passe de votre compte fidélité {merchant} vient d'être modifié, et tous "
                    "les appareils qui y étaient connectés ont été déconnectés.\n\nSi ce n'est pas vous, "
                    "réinitialisez votre mot de passe sans attendre et contactez {merchant}.\n\n{merchant}\n",
                    "<p>{hello},</p><p>Le mot de passe de votre compte fidélité {merchant} vient d'être modifié, et "
                    "tous les appareils qui y étaient connectés ont été déconnectés.</p><p>Si ce n'est pas vous, "
                    "réinitialisez votre mot de passe sans attendre et contactez {merchant}.</p><p>{merchant}</p>"};
        return {"password_changed", "en", "Your {merchant} password was changed",
                "{hello},\n\nThe password of your {merchant} loyalty account was just changed, and every device "
                "signed in to it was signed out.\n\nIf this was not you, reset your password at once and contact "
                "{merchant}.\n\n{merchant}\n",
                "<p>{hello},</p><p>The password of your {merchant} loyalty account was just changed, and every "
                "device signed in to it was signed out.</p><p>If this was not you, reset your password at once and "
                "contact {merchant}.</p><p>{merchant}</p>"};
    }
    if (fr)
        return {"reset", "fr", "Réinitialisez votre mot de passe {merchant}",
                "{hello},\n\nQuelqu'un (vous, espérons-le) a demandé à réinitialiser le mot de passe de votre compte "
                "fidélité {merchant}.\n\nChoisissez un nouveau mot de passe ici ; le lien est valable {minutes} "
                "minutes, une seule fois :\n\n{link}\n\nSi vous n'êtes pas à l'origine de cette demande, ignorez cet "
                "e-mail : votre mot de passe reste inchangé.\n\n{merchant}\n",
                "<p>{hello},</p><p>Quelqu'un (vous, espérons-le) a demandé à réinitialiser le mot de passe de votre "
                "compte fidélité {merchant}.</p><p><a href=\"{link}\">Choisir un nouveau mot de passe</a></p><p>Le "
                "lien est valable {minutes} minutes, une seule fois. Si vous n'êtes pas à l'origine de cette "
                "demande, ignorez cet e-mail : votre mot de passe reste inchangé.</p><p>{merchant}</p>"};
    return {"reset", "en", "Reset your {merchant} password",
            "{hello},\n\nSomeone (hopefully you) asked to reset the password of your {merchant} loyalty account."
            "\n\nChoose a new password here; the link works for {minutes} minutes, once:\n\n{link}\n\nIf you did "
            "not ask for this, ignore this email: your password stays as it is.\n\n{merchant}\n",
            "<p>{hello},</p><p>Someone (hopefully you) asked to reset the password of your {merchant} loyalty "
            "account.</p><p><a href=\"{link}\">Choose a new password</a></p><p>The link works for {minutes} "
            "minutes, once. If you did not ask for this, ignore this email: your password stays as it is.</p>"
            "<p>{merchant}</p>"};
}

store::outbox_message compose(std::string_view kind, const mail_context& ctx, core::unix_seconds now,
                              const std::optional<store::mail_template>& custom) {
    const bool french = ctx.language == "fr";
    const store::mail_template t = custom ? *custom : builtin_template(kind, french ? "fr" : "en");
    const std::string subject = fill(t.subject, ctx, french, false);
    const std::string text = fill(t.text, ctx, french, false);
    const std::string html = html_frame_open + fill(t.html, ctx, french, true) + html_frame_close;

    store::outbox_message m;
    m.sender = ctx.sender;
    m.recipient = ctx.recipient;
    m.subject = subject;
    m.message_id = core::concat("<", random_token(18), "@", address_domain(ctx.sender), ">");
    m.created_at = now;
    m.next_attempt_at = now;

    // One message, CRLF throughout: headers, then text and HTML alternatives in quoted-printable UTF-8.
    const std::string boundary = "=_guestd_" + random_token(12);
    std::string c;
    c += "From: " + mailbox(ctx.sender) + "\r\n";
    c += "To: " + ctx.recipient + "\r\n";
    c += "Subject: " + header_text(subject) + "\r\n";
    c += "Date: " + rfc5322_date(now) + "\r\n";
    c += "Message-ID: " + m.message_id + "\r\n";
    c += "MIME-Version: 1.0\r\n";
    c += "Auto-Submitted: auto-generated\r\n";
    c += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
    for (const auto& [type, body] : {std::pair<const char*, const std::string&>{"text/plain", text},
                                     std::pair<const char*, const std::string&>{"text/html", html}}) {
        c += "--" + boundary + "\r\n";
        c += std::string("Content-Type: ") + type + "; charset=utf-8\r\n";
        // Plain ASCII with short lines travels as is (7bit), so the link reads and copies straight out of a
        // spooled .eml; anything else is quoted-printable.
        if (fits_7bit(body)) {
            c += "Content-Transfer-Encoding: 7bit\r\n\r\n";
            c += crlf_lines(body) + "\r\n";
        } else {
            c += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
            c += quoted_printable(body) + "\r\n";
        }
    }
    c += "--" + boundary + "--\r\n";
    m.content = std::move(c);
    return m;
}

}  // namespace guestd::domain
