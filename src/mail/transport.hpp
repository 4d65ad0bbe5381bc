// Where an outbox message goes: an SMTP server (libcurl; smtp://, smtps://, STARTTLS, AUTH) or a spool
// directory of .eml files, guestd's default so a newcomer sees the emails with no server at all.
#pragma once

#include "store/records.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace guestd::mail {

/// Why a delivery failed; permanent failures (a 5xx for the recipient) are not retried.
struct delivery_error {
    std::string message;  // for the log and `guestd outbox list`; never holds the SMTP password
    bool permanent = false;
};

class transport {
public:
    virtual ~transport() = default;
    /// Delivers m (its content as is) or says why not. Called from the delivery worker's thread only.
    virtual std::optional<delivery_error> send(const store::outbox_message& m) = 0;
    /// "smtp://host:port" (without credentials) or "spool:/path", for logs.
    virtual std::string describe() const = 0;
};

/// Writes each message to dir as "<id>.eml" (written to a temporary name, fsynced, then renamed, so a reader
/// never sees half a file). Creates dir when missing.
std::unique_ptr<transport> make_spool(const std::filesystem::path& dir);

struct smtp_options {
    std::string url;            // smtp://host:port or smtps://host:port
    std::string username;       // empty: no AUTH
    std::string password;
    bool starttls = false;      // require STARTTLS on smtp://
    bool verify_tls = true;     // verify the server's certificate (smtps and STARTTLS)
    std::chrono::seconds timeout{30};
};

/// Sends over SMTP with libcurl: MAIL FROM the message's sender address, RCPT TO its recipient.
std::unique_ptr<transport> make_smtp(const smtp_options& options);

}  // namespace guestd::mail
