// The world every password-recovery integration test starts from: the Experience world (merchants 1234 and 5678,
// partners acme and beta) plus a b2b partner, a `guestd serve` with mail settings, helpers that speak the Paytronix
// Guest Management dialect and the hosted reset page, run the recovery CLI (merchant set, outbox), and read the
// emails guestd sends (from its spool or from a real SMTP server), decoding their MIME parts.
#pragma once

#include "integration/experience_fixture.hpp"
#include "integration/harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::itest {

/// One email as guestd sent it: the raw message, its top-level headers and its transfer-decoded text parts.
struct mail_message {
    std::filesystem::path file;
    std::string raw;
    header_list headers;                     // names lower-cased, folded lines joined
    std::string text;                        // the text/plain part, decoded
    std::string html;                        // the text/html part, decoded
    std::vector<std::string> envelope_to;    // RCPT TO, when the SMTP sink recorded it

    /// The first header with that name (case-insensitive), if any.
    std::optional<std::string> header(std::string_view name) const;
};

/// Decodes quoted-printable (RFC 2045): soft line breaks ("=\r\n", "=\n") vanish, "=XX" becomes that byte.
std::string decode_quoted_printable(std::string_view text);

/// Parses a whole RFC 5322 message, walking multipart bodies and decoding quoted-printable and base64 parts.
mail_message parse_mail(std::string raw);

/// Every `*.eml` in dir (hidden and temporary files skipped), parsed, in arrival order (numeric names by value).
std::vector<mail_message> read_mails(const std::filesystem::path& dir);

/// The first http(s) URL in the message (text part first, then HTML) whose text contains needle; nothing when
/// there is none. HTML entities (&amp;) are undone.
std::optional<std::string> find_link(const mail_message& m, std::string_view needle);

/// The percent-decoded value of a query parameter of url, if present.
std::optional<std::string> query_param(std::string_view url, std::string_view name);

/// Standard base64 with padding.
std::string base64(std::string_view bytes);

/// Succeeds when resp is `200 {"result": "success", "email": email}` exactly.
::testing::AssertionResult is_reset_success(const http_response& resp, std::string_view email);

/// Succeeds when resp is `200 {"result": "success"}` exactly (a completed reset).
::testing::AssertionResult is_completed(const http_response& resp);

/// Succeeds when resp has that status and a failure body: result "failure", that errorCode, a non-empty
/// errorMessage.
::testing::AssertionResult is_failure(const http_response& resp, long status, std::string_view error_code);

/// Succeeds when resp is `200 {"result": "more_info", "fields": fields}` exactly.
::testing::AssertionResult is_more_info(const http_response& resp, const std::vector<std::string>& fields);

/// Polls done every 25 ms until it holds or timeout passes; whether it held.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// resp's headers without those that differ on every answer (Date, X-Request-Id).
header_list stable_headers(const http_response& resp);

/// Recovery tests: experience_test's merchants (A 1234 "Hotel Test", B 5678 "Hotel Other") and partners (acme on
/// A and B, beta on A), plus bravo (b2b rights, on A and B), holder (may choose reset codes, on A) and holder_b (b2b
/// and may choose reset codes, on B); a server whose mail goes to the spool at inbox(). Paytronix calls default to
/// acme's Basic credentials.
class paytronix_test : public experience_test {
protected:
    void SetUp() override;

    /// Runs before the first server starts (the SMTP suite starts its mail server here).
    virtual void before_server() {}

    /// The serve flags beyond --db and --listen: by default the spool at inbox(), a 50 ms worker poll and a
    /// server-wide sender.
    virtual std::vector<std::string> server_args() const;

    /// Where sent emails can be read: the spool directory by default.
    virtual std::filesystem::path inbox() const { return dir_->path() / "spool"; }

    /// Stops the running server (expecting exit 0) and starts another on the same database with server_args()
    /// and extra_args.
    void restart_guestd(const std::vector<std::string>& extra_args = {});

    /// `Basic base64(client_id:client_secret)` of a partner.
    static std::string basic(const partner_info& partner);

    /// POST <prefix><endpoint>.json with body; auth nullopt sends acme's Basic credentials, "" sends none.
    http_response pt_post(std::string_view endpoint, const boost::json::value& body,
                          const std::optional<std::string>& auth = std::nullopt,
                          std::string_view prefix = "/rest/25.33/guestmanagement/");

    /// generateAndSendGuestResetPasswordCode.
    http_response request_reset(const boost::json::value& body, const std::optional<std::string>& auth = std::nullopt);

    /// sendGuestResetPasswordCode.
    http_response send_reset(const boost::json::value& body, const std::optional<std::string>& auth = std::nullopt);

    /// completeGuestResetPassword with merchantId, resetCode and newPassword.
    http_response complete_reset(std::string_view code, std::string_view new_password, std::int64_t merchant = 1234,
                                 const std::optional<std::string>& auth = std::nullopt);

    /// GET the hosted page at a link's path and query (the link's scheme and host are replaced by the server's).
    http_response open_page(std::string_view link);

    /// POST /reset-password with the form fields merchant, code, password, password_confirm.
    http_response submit_page(std::string_view code, std::string_view password, std::string_view confirm,
                              std::int64_t merchant = 1234);

    /// Pushes a booking for email (customer John Doe, postal code 75001), sets password; `guestd guest show`.
    boost::json::object make_account(std::string_view email, std::string_view password,
                                     std::string_view reference = "BK-1001");

    /// Runs a guestd CLI command with `--db <db>` appended; its stdout as JSON (null and a failure on error).
    boost::json::value cli_json(std::vector<std::string> args);

    /// `guestd merchant set <id> <options...>`: the printed settings (empty and a failure on error).
    boost::json::object merchant_set(std::int64_t merchant, const std::vector<std::string>& options);

    /// `guestd outbox list [--status status]`: the printed array (empty and a failure on error).
    boost::json::array outbox(std::string_view status = {});

    /// Waits at most timeout until inbox() holds at least count emails; returns them all, in arrival order
    /// (fewer, with a test failure, when time runs out).
    std::vector<mail_message> wait_for_mails(std::size_t count,
                                             std::chrono::milliseconds timeout = std::chrono::seconds(30));

    /// The reset link of a reset email: the URL of the hosted page ("/reset-password?") or one holding "resetCode="
    /// (the merchant template the tests use).
    /// Records a failure and returns "" when there is none.
    static std::string reset_link(const mail_message& m);

    /// The code in a reset link (its `code` or `resetCode` parameter); "" and a failure when there is none.
    static std::string code_of(std::string_view link);

    /// Requests a reset for email (anonymous), waits for email number expected_count and returns its code.
    std::string reset_code_for(std::string_view email, std::size_t expected_count = 1);

    /// A partner as `guestd partner add --name <name> <flags...>` printed it; a test failure on error.
    partner_info cli_partner(const std::string& name, const std::vector<std::string>& flags);

    partner_info bravo_;
    partner_info holder_;
    partner_info holder_b_;
};

}  // namespace guestd::itest
