// The error vocabulary every layer shares: a small fixed set of codes, a public message for the client and a
// private detail for the log. Expected failures travel as values (core::result); exceptions are for broken
// invariants, start-up failures and backend faults.
#pragma once

#include <expected>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace guestd::core {

/// Stable codes, append only; docs/errors.md lists them with their wire forms in each dialect.
enum class errc {
    invalid_argument = 1,  // the request is malformed or a field breaks its rule; fields says which
    unauthenticated,       // missing or wrong credentials or guest token
    permission_denied,     // credentials fine, but not for this merchant or action
    not_found,             // no such guest / account / reset
    already_exists,        // e.g. an email already used by another guest of the merchant
    failed_precondition,   // e.g. If-Match does not match
    resource_exhausted,    // throttled or locked: retry later (retry_after_seconds says when)
    unavailable,           // store or hashing pool busy: retry later
    internal,              // a bug or an unexpected backend error
};

/// A problem with one input field: which field, and why, in words safe to show the client.
struct field_error {
    std::string field;
    std::string reason;
    friend bool operator==(const field_error&, const field_error&) = default;
};

/// An expected failure. `message` may reach the client; `detail` only the log.
struct error {
    errc code = errc::internal;
    std::string message;
    std::string detail;
    std::vector<field_error> fields;
    int retry_after_seconds = 0;  // for resource_exhausted and unavailable
};

template <class T>
using result = std::expected<T, error>;

/// Builds the unexpected side of a result: `return core::fail(errc::not_found, "customer not found");`
inline std::unexpected<error> fail(errc code, std::string message, std::string detail = {}) {
    return std::unexpected(error{code, std::move(message), std::move(detail), {}, 0});
}

/// A validation failure naming the offending fields.
inline std::unexpected<error> invalid(std::string message, std::vector<field_error> fields) {
    return std::unexpected(error{errc::invalid_argument, std::move(message), {}, std::move(fields), 0});
}

/// A throttling failure that tells the client when to come back.
inline std::unexpected<error> exhausted(std::string message, int retry_after_seconds) {
    return std::unexpected(error{errc::resource_exhausted, std::move(message), {}, {}, retry_after_seconds});
}

/// The code's name as docs/errors.md spells it ("invalid_argument", ...).
const char* to_string(errc code) noexcept;

/// Thrown by stores on a backend fault (I/O error, corruption, a busy database past its timeout). The session
/// turns it into 503 (transient) or 500 and logs `what()`, which never holds a secret.
class backend_error : public std::runtime_error {
public:
    backend_error(std::string what, bool transient) : std::runtime_error(std::move(what)), transient_(transient) {}
    bool transient() const noexcept { return transient_; }

private:
    bool transient_;
};

}  // namespace guestd::core
