// The world every Experience-dialect integration test starts from: a fresh database with two merchants and three
// partners made through the operator CLI, a running `guestd serve` on it, and helpers that speak the dialect
// (PMS pushes, passwords, login, guest calls) plus assertions that print the response when they fail.
#pragma once

#include "integration/harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::itest {

/// A merchant as `guestd merchant add` printed it.
struct merchant_info {
    std::int64_t id = 0;
    std::string name;
    std::string hotel_token;
};

/// A partner as `guestd partner add` printed it.
struct partner_info {
    std::int64_t id = 0;
    std::string name;
    std::string token;
    std::string client_id;
    std::string client_secret;
};

/// Creates a merchant through the CLI; records a test failure (and returns what it could) on error.
merchant_info add_merchant(const std::filesystem::path& db, std::int64_t id, const std::string& name);

/// Creates a partner granted the given merchants through the CLI; records a test failure on error.
partner_info add_partner(const std::filesystem::path& db, const std::string& name,
                         const std::vector<std::int64_t>& merchants);

/// Succeeds when the response has that status; otherwise says what came back.
::testing::AssertionResult has_status(const http_response& resp, long status);

/// Succeeds when the response has that status and a JSON body equal to expected_json (key order ignored).
::testing::AssertionResult is_json(const http_response& resp, long status, std::string_view expected_json);

/// Succeeds when the response is `status {"message": "<string>", "errors": {<field>: "<reason>", ...}}` with
/// an entry for field.
::testing::AssertionResult has_field_error(const http_response& resp, long status, std::string_view field);

/// Succeeds when the response is a 401 whose body is an object with a string `message`.
::testing::AssertionResult is_unauthorized(const http_response& resp);

/// Succeeds when the response is the PMS batch error: 400 {"success": false, "message": "invalid request",
/// "errors": [{"index": index, "field": field, "reason": "<string>"}, ...]} with that first entry.
::testing::AssertionResult is_batch_error(const http_response& resp, std::int64_t index, std::string_view field);

/// Succeeds when the response is 200 {"success": true, "message": {"created": created, "updated": updated}}.
::testing::AssertionResult is_batch_success(const http_response& resp, std::int64_t created, std::int64_t updated);

/// The 16 keys of a guest-informations object, in the documented order.
const std::vector<std::string>& guest_information_keys();

/// Experience tests: merchants A (1234 "Hotel Test") and B (5678 "Hotel Other"); partners acme (A and B),
/// beta (A only) and gamma (B only); a server on a fresh database. Calls default to acme on A.
class experience_test : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    /// `Bearer <partner_token>:<hotel_token>`.
    static std::string bearer(const partner_info& partner, const merchant_info& merchant);

    /// The Authorization value of the default caller (acme on A).
    std::string default_auth() const { return bearer(acme_, hotel_a_); }

    /// Sends a request with the default Authorization unless headers carry their own (an empty value sends none).
    http_response call(const std::string& method, const std::string& target,
                       const std::optional<std::string>& body = std::nullopt, header_list headers = {});

    http_response get(const std::string& target, header_list headers = {});
    http_response post(const std::string& target, const boost::json::value& body, header_list headers = {});
    http_response put(const std::string& target, const boost::json::value& body, header_list headers = {});
    http_response del(const std::string& target, header_list headers = {});

    /// A valid booking (the api.md example) for reference, whose customer is `C-<email>` with that email.
    static boost::json::object booking(std::string_view reference, std::string_view email,
                                       std::string_view arrival = "2021-09-17");

    /// A valid PMS customer with reference `C-<email>`, named John Doe, and that email.
    static boost::json::object customer(std::string_view email);

    /// POST /api/xp-store-bookings/bookings with {"bookings": bookings}.
    http_response push_bookings(const boost::json::array& bookings, const std::string& auth = {});

    /// POST /api/xp-store-bookings/customers with {"customers": customers}.
    http_response push_customers(const boost::json::array& customers, const std::string& auth = {});

    /// POST /api/xp-email-lists/members adding emails (without names) to list.
    http_response add_members(std::string_view list, const std::vector<std::string>& emails,
                              const std::string& auth = {});

    /// GET /api/xp-guest-account/account-exists?email=.
    http_response account_exists(std::string_view email, const std::string& auth = {});

    /// POST /api/xp-guest-account/update-password.
    http_response update_password(std::string_view email, std::string_view password, const std::string& auth = {});

    /// POST /api/xp-guest-account/login.
    http_response login_call(std::string_view email, std::string_view password, const std::string& auth = {});

    /// Sets a password and expects 200.
    void set_password(std::string_view email, std::string_view password, const std::string& auth = {});

    /// Logs in, expects 200 with a token and returns it ("" on failure).
    std::string login(std::string_view email, std::string_view password, const std::string& auth = {});

    /// Pushes one booking for email, sets password and logs in: the token ("" on failure).
    std::string guest_with_token(std::string_view email, std::string_view password,
                                 std::string_view reference = "BK-1001");

    /// GET guest-informations with the guest token.
    http_response guest_info(const std::string& token, const std::string& auth = {});

    /// PUT guest-informations with the guest token and optional extra headers (If-Match).
    http_response put_guest_info(const std::string& token, const boost::json::value& body, header_list extra = {});

    /// GET guest-reservations with the guest token.
    http_response guest_reservations(const std::string& token, const std::string& auth = {});

    /// `guestd guest show` for email at merchant; the parsed object, or an empty one (and a failure) on error.
    boost::json::object guest_show(std::string_view email, std::int64_t merchant = 1234);

    /// `guestd guest show` as it ran (for unknown-guest checks).
    run_result guest_show_raw(std::string_view email, std::int64_t merchant = 1234);

    /// Stops the server with SIGTERM (expecting exit 0) and starts a new one on the same database.
    void restart_server();

    /// Starts a server on the database (used by SetUp and restart_server).
    void start_server();

    std::unique_ptr<temp_dir> dir_;
    /// The test's database; declared before the server so that it outlives it.
    std::unique_ptr<test_database> database_;
    /// What --db takes: a SQLite file's path, or a PostgreSQL URL when the suites run on PostgreSQL.
    std::filesystem::path db_;
    merchant_info hotel_a_;
    merchant_info hotel_b_;
    partner_info acme_;
    partner_info beta_;
    partner_info gamma_;
    std::unique_ptr<server_process> server_;
    std::unique_ptr<http_client> client_;
    int server_starts_ = 0;
};

}  // namespace guestd::itest
