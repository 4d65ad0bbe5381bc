// The world the operations suites start from (issue #4: export, erasure, consents, audit trail, sessions and
// credential rotation): the password-recovery world (merchants 1234 and 5678, partners acme, beta and bravo, a
// server spooling its mail) plus helpers that run the operations CLI, read the audit trail as JSON Lines, probe
// credentials over both dialects, and search the database files' bytes.
#pragma once

#include "integration/paytronix_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::itest {

/// The paths ("/account/password_hash", "/sessions/0/token") of every object key in v, at any depth, that contains
/// one of fragments (case-insensitive) and is not one of allowed (exact key names).
std::vector<std::string> keys_like(const boost::json::value& v, const std::vector<std::string>& fragments,
                                   const std::vector<std::string>& allowed);

/// Those of secrets (empty ones skipped) that occur in text; named by index so a failure message leaks nothing.
std::vector<std::string> secrets_in(std::string_view text, const std::vector<std::string>& secrets);

/// The events of that kind (and that outcome, unless empty), in order.
std::vector<boost::json::object> events_of(const std::vector<boost::json::object>& events, std::string_view kind,
                                           std::string_view outcome = {});

/// A string member of an object, or "" when it is absent or not a string.
std::string string_at(const boost::json::object& o, std::string_view key);

/// An integer member of an object, or -1 when it is absent or not an integer.
std::int64_t int_at(const boost::json::object& o, std::string_view key);

/// Operations tests: paytronix_test's world with the operator's CLI at hand.
class operations_test : public paytronix_test {
protected:
    /// `guestd export --merchant <merchant> --email <email>`: the document ({} and a failure on error).
    boost::json::object export_guest(std::string_view email, std::int64_t merchant = 1234);

    /// `guestd erase --merchant 1234 --email <email> --reason <reason>`: the answer ({} and a failure on error).
    boost::json::object erase_guest(std::string_view email, std::string_view reason = "data subject request");

    /// `guestd <args...> --db <db>` as it ran (for expected failures).
    run_result cli_raw(std::vector<std::string> args);

    /// `guestd audit --merchant <merchant> <filters...>` as it ran.
    run_result audit_raw(const std::vector<std::string>& filters = {}, std::int64_t merchant = 1234);

    /// The same, each JSON line parsed; a failure when it does not exit 0 or a line is not a JSON object.
    std::vector<boost::json::object> audit(const std::vector<std::string>& filters = {},
                                           std::int64_t merchant = 1234);

    /// `guestd sessions list --merchant 1234 --email <email>`: the printed array.
    boost::json::array sessions_list(std::string_view email);

    /// `guestd sessions revoke --merchant 1234 --email <email>`: the printed object.
    boost::json::object sessions_revoke(std::string_view email);

    /// `guestd partner rotate <id> --overlap <overlap>`: the printed object.
    boost::json::object rotate_partner(const partner_info& partner, std::string_view overlap);

    /// `guestd merchant rotate-token <id> --overlap <overlap>`: the printed object.
    boost::json::object rotate_hotel_token(const merchant_info& merchant, std::string_view overlap);

    /// `guestd partner disable <id>`: the printed object.
    boost::json::object disable_partner(const partner_info& partner);

    /// The database file and its -wal and -shm companions, those that exist now.
    std::vector<std::filesystem::path> db_files() const;

    /// The names of the database files whose bytes contain needle.
    std::vector<std::string> db_files_holding(std::string_view needle) const;

    /// The status of account-exists for email with this Authorization (the Experience bearer check).
    long bearer_status(const std::string& authorization, std::string_view email);

    /// The status of an anonymous Paytronix reset request for an unknown email with this Authorization (the Basic
    /// check).
    long basic_status(const std::string& authorization);

    /// `Bearer <partner_token>:<hotel_token>`.
    static std::string bearer_of(std::string_view partner_token, std::string_view hotel_token);

    /// `Basic base64(<client_id>:<client_secret>)`.
    static std::string basic_of(std::string_view client_id, std::string_view client_secret);

    /// POST a Paytronix endpoint as acme with an X-Request-Id.
    http_response pt_post_as(std::string_view endpoint, const boost::json::value& body, std::string_view request_id);
};

}  // namespace guestd::itest
