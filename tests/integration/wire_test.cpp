// Issue 13, through the real binary. Defect 2: every numeric field of every endpoint, found in the endpoint table's
// own schemas (so a numeric field added later is swept too), answers each number it cannot represent with a 400 in
// its dialect's shape, never 500, and nothing is stored. Item 6: every 401 carries its WWW-Authenticate challenge
// (RFC 9110 §11.6.1), with error="invalid_token" where a refused token came (RFC 6750 §3.1).
// The table is read from guestd's api library only to list the fields; the requests go over HTTP to the binary.
#include "api/endpoints.hpp"
#include "integration/paytronix_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::itest {
namespace {

namespace json = boost::json;

/// One numeric field of one endpoint: where it sits (a body path such as "bookings[0].rooms[0].number", or a
/// query parameter's name) and the rule its numbers meet.
struct numeric_field {
    const api::endpoint* ep = nullptr;
    std::string path;
    bool in_query = false;
    bool decimal = false;  // a decimal below 10^15 in magnitude; otherwise an integer within range
    api::integer_range range;
};

std::string describe(const numeric_field& f) {
    return std::string(api::to_string(f.ep->method)) + " " + std::string(f.ep->path) + (f.in_query ? " ?" : " ") +
           f.path;
}

void collect(const api::schema& s, const std::string& at, const api::endpoint& ep, std::vector<numeric_field>& out);

// A property's numeric fields: itself, its items, or the fields of its object.
void collect(const api::property& p, const std::string& at, const api::endpoint& ep, std::vector<numeric_field>& out) {
    const auto number = [&](api::json_type t, const std::string& where) {
        switch (t) {
            case api::json_type::integer: out.push_back({&ep, where, false, false, p.range}); return;
            case api::json_type::number: out.push_back({&ep, where, false, true, p.range}); return;
            case api::json_type::scalar:
                out.push_back({&ep, where, false, p.format == api::string_format::decimal, p.range});
                return;
            case api::json_type::string:
            case api::json_type::boolean:
            case api::json_type::object:
            case api::json_type::array: return;
        }
    };
    switch (p.type) {
        case api::json_type::object:
            if (p.object != nullptr) collect(*p.object, at, ep, out);
            return;
        case api::json_type::array:
            if (p.items != nullptr) return collect(*p.items, at + "[0]", ep, out);
            return number(p.item_type, at + "[0]");
        case api::json_type::integer:
        case api::json_type::number:
        case api::json_type::scalar:
        case api::json_type::string:
        case api::json_type::boolean: return number(p.type, at);
    }
}

void collect(const api::schema& s, const std::string& at, const api::endpoint& ep, std::vector<numeric_field>& out) {
    switch (s.type) {
        case api::json_type::object:
            for (const api::property& p : s.properties)
                collect(p, at.empty() ? std::string(p.name) : at + "." + std::string(p.name), ep, out);
            return;
        case api::json_type::array:
            if (s.items != nullptr) collect(*s.items, at + "[0]", ep, out);
            return;
        case api::json_type::integer:
        case api::json_type::number:
        case api::json_type::scalar:
            collect(api::property{.name = "", .type = s.type}, at, ep, out);
            return;
        case api::json_type::string:
        case api::json_type::boolean: return;
    }
}

/// Every numeric field of every endpoint in guestd's table: body fields and integer query parameters.
std::vector<numeric_field> numeric_fields() {
    std::vector<numeric_field> out;
    for (const api::endpoint& ep : api::endpoints()) {
        if (ep.request_body != nullptr) collect(*ep.request_body, "", ep, out);
        for (const api::query_param& q : ep.query)
            if (q.type == api::json_type::integer) out.push_back({&ep, std::string(q.name), true, false, q.range});
    }
    return out;
}

constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

/// JSON numbers, as sent, that no field can take: beyond int64 (Boost.JSON reads 2^63 to 2^64 - 1 as uint64 and
/// the rest as doubles), beyond a double, or (decimals aside) written with a fraction or an exponent.
std::vector<std::string> hostile_numbers(const numeric_field& f) {
    std::vector<std::string> out{"9223372036854775808", "-9223372036854775809", "1e19", "-1e19",
                                 "18446744073709551615", "18446744073709551616",
                                 "123456789012345678901234567890", "1e308", "-1e308", "1e400", "-1e400"};
    if (f.decimal) {
        out.insert(out.end(), {"1e15", "-1e15", "1000000000000000", "-1000000000000000", "9223372036854775807"});
        return out;
    }
    out.insert(out.end(), {"1.5", "-0.5", "1.0", "1e2", "-0.0", "1e-400", "4.9e-324"});
    // The edges of the field's own range
    if (f.range.minimum > int64_min) out.push_back(std::to_string(f.range.minimum - 1));
    if (f.range.maximum < int64_max) {
        out.push_back(std::to_string(f.range.maximum + 1));
        out.push_back("9223372036854775807");
    }
    if (f.range.minimum > 0 || f.range.maximum < 0) out.insert(out.end(), {"0", "-0"});
    return out;
}

/// Query texts no integer parameter can take.
std::vector<std::string> hostile_texts(const numeric_field& f) {
    std::vector<std::string> out{"9223372036854775808", "-9223372036854775809", "18446744073709551616",
                                 "1e19",  "1.5",  "1.0",  "%2B1", "%201", "1%20", "0x10", "-", "%D9%A1"};
    if (f.range.minimum > int64_min) out.push_back(std::to_string(f.range.minimum - 1));
    if (f.range.maximum < int64_max) out.push_back(std::to_string(f.range.maximum + 1));
    if (f.range.minimum > 0 || f.range.maximum < 0) out.insert(out.end(), {"0", "-0"});
    return out;
}

/// A number every field takes (1234 within the field's range: merchant A's id for merchantId), or an amount.
std::string valid_number(const numeric_field& f) {
    if (f.decimal) return "12.5";
    return std::to_string(std::clamp<std::int64_t>(1234, f.range.minimum, f.range.maximum));
}

constexpr std::string_view placeholder = "@@number@@";

// Sets the value at path ("a.b[0].c") inside v, making the objects and arrays on the way.
void set_at(json::value& v, std::string_view path, json::value x) {
    json::value* cur = &v;
    while (!path.empty()) {
        if (path.front() == '[') {
            const std::size_t close = path.find(']');
            const std::size_t index = std::stoul(std::string(path.substr(1, close - 1)));
            if (!cur->is_array()) *cur = json::array();
            auto& a = cur->as_array();
            while (a.size() <= index) a.emplace_back(json::object());
            cur = &a[index];
            path.remove_prefix(close + 1);
        } else {
            const std::string_view key = path.substr(0, path.find_first_of(".["));
            if (!cur->is_object()) *cur = json::object();
            cur = &cur->as_object()[key];
            path.remove_prefix(key.size());
        }
        if (!path.empty() && path.front() == '.') path.remove_prefix(1);
    }
    *cur = std::move(x);
}

class Wire : public paytronix_test {
protected:
    /// A body the endpoint accepts apart from the swept field; nothing when the sweep knows no body for it.
    std::optional<json::value> base_body(const api::endpoint& ep) const {
        const std::string_view path = ep.path;
        if (path.ends_with("/generateAndSendGuestResetPasswordCode.json") ||
            path.ends_with("/sendGuestResetPasswordCode.json"))
            return json::object{{"merchantId", 1234}, {"authentication", "anonymous"}};
        if (path.ends_with("/completeGuestResetPassword.json"))
            return json::object{{"merchantId", 1234}, {"resetCode", "no-such-reset-code"},
                                {"newPassword", "correct horse battery staple"}};
        if (path == "/api/xp-store-bookings/bookings")
            return json::object{{"bookings", json::array{booking("BK-N-1", "numbers@example.com")}}};
        if (path.ends_with("/oauth/requestGuestToken.json"))
            return json::object{{"grant_type", "password"}, {"merchantId", 1234}, {"username", "numbers@example.com"},
                                {"password", "correct horse battery staple"}};
        return std::nullopt;
    }

    /// The query parameters the endpoint needs besides the swept one, each followed by '&'.
    static std::string base_query(const api::endpoint& ep, std::string_view swept) {
        const std::string_view path = ep.path;
        if (!path.ends_with("/guest/userInformation.json") && !path.ends_with("/guest/accountInformation.json"))
            return {};
        // b2b (credentials() sends bravo's) naming a guest nobody is: a valid number then reads as not found
        std::string q = "authentication=b2b&";
        if (swept != "merchantId") q += "merchantId=1234&";
        if (swept != "accountId") q += "username=nobody%40example.com&";
        return q;
    }

    /// The endpoint's path with {release} filled in.
    static std::string target_of(const api::endpoint& ep) {
        std::string t(ep.path);
        if (const auto at = t.find("{release}"); at != std::string::npos) t.replace(at, 9, "25.33");
        return t;
    }

    /// The credentials the endpoint asks for, as the default partner (acme on merchant A).
    header_list credentials(const api::endpoint& ep) {
        switch (ep.auth) {
            case api::auth_kind::none: return {{"Authorization", ""}};
            case api::auth_kind::basic:
                // The Paytronix guest reads are swept as b2b calls, which need a partner with b2b rights
                if (ep.path.find("/guest/") != std::string_view::npos) return {{"Authorization", basic(bravo_)}};
                return {{"Authorization", basic(acme_)}};
            case api::auth_kind::partner_bearer: return {{"Authorization", default_auth()}};
            case api::auth_kind::partner_bearer_and_guest_token:
                if (guest_token_.empty()) guest_token_ = guest_with_token("token@example.com", "correct horse battery staple");
                return {{"Authorization", default_auth()}, {"x-guest-token", guest_token_}};
        }
        return {};
    }

    /// Sends the endpoint's request with `number` (the exact text) at the field.
    http_response send(const numeric_field& f, const std::string& number) {
        const api::endpoint& ep = *f.ep;
        const std::string method(api::to_string(ep.method));
        if (f.in_query)
            return call(method, target_of(ep) + "?" + base_query(ep, f.path) + f.path + "=" + number, std::nullopt,
                        credentials(ep));
        json::value body = *base_body(ep);
        set_at(body, f.path, json::value(placeholder));
        std::string text = json::serialize(body);
        text.replace(text.find("\"" + std::string(placeholder) + "\""), placeholder.size() + 2, number);
        return call(method, target_of(ep), text, credentials(ep));
    }

    /// Everything the database holds, as text: `sqlite3 .dump`, or `pg_dump --data-only` on PostgreSQL (without
    /// its \restrict lines, whose key is new on every dump).
    std::string snapshot() const {
        const std::string command = on_postgres() ? "pg_dump --data-only --no-owner -d '" + db_.string() + "' 2>&1"
                                                  : "sqlite3 '" + db_.string() + "' .dump 2>&1";
        std::string text;
        if (FILE* p = ::popen(command.c_str(), "r")) {
            char buf[4096];
            while (const std::size_t n = std::fread(buf, 1, sizeof buf, p)) text.append(buf, n);
            ::pclose(p);
        }
        std::string out;
        for (std::size_t at = 0; at < text.size();) {
            const std::size_t end = std::min(text.find('\n', at), text.size());
            const std::string_view line = std::string_view(text).substr(at, end - at);
            if (!line.starts_with("\\restrict ") && !line.starts_with("\\unrestrict ")) out.append(line).append("\n");
            at = end + 1;
        }
        return out;
    }

    std::string guest_token_;
};

// The reasons validation gives for a number (docs/errors.md).
bool is_number_reason(std::string_view reason) {
    return reason.starts_with("is out of range (") || reason == "must be an integer" ||
           reason == "must be written as an integer (no fraction or exponent)";
}

/// Succeeds when resp is the 400 of the field's dialect naming that field alone with a number's reason; a
/// number past the double range (1e400) is refused by the JSON parser, which names no field.
::testing::AssertionResult is_refusal(const http_response& resp, const numeric_field& f, std::string_view number) {
    auto fail = [&]() {
        return ::testing::AssertionFailure() << describe(f) << " = " << number << ": got " << resp.status << " "
                                             << resp.body;
    };
    if (resp.status != 400 || resp.header("content-type") != "application/json") return fail();
    if (resp.header("www-authenticate")) return fail() << " (a challenge on a 400)";
    json::value v;
    try {
        v = parse_json(resp.body);
    } catch (const std::exception&) {
        return fail();
    }
    if (!v.is_object()) return fail();
    const json::object& o = v.as_object();
    const bool unparsable = !f.in_query && (number == "1e400" || number == "-1e400");
    const json::value expected_message(unparsable ? "request body is not valid JSON" : "invalid request");

    if (f.ep->speaks == api::dialect::paytronix) {
        if (o.size() != 3 || o.at("result") != "failure" || o.at("errorCode") != "guestmanagement.invalid_request")
            return fail();
        const std::string message(o.at("errorMessage").as_string());
        if (unparsable) return message == expected_message.as_string() ? ::testing::AssertionSuccess() : fail();
        const std::string prefix = std::string(expected_message.as_string()) + ": " + f.path + " ";
        if (!message.starts_with(prefix) || !is_number_reason(std::string_view(message).substr(prefix.size())))
            return fail();
        return ::testing::AssertionSuccess();
    }
    if (f.ep->errors == api::error_style::batch) {
        // {"success": false, "message": ..., "errors": [{"index": 0, "field": <path after the item>, ...}]}
        if (o.at("success") != false || o.at("message") != expected_message) return fail();
        if (unparsable) return o.size() == 2 ? ::testing::AssertionSuccess() : fail();
        const auto& errors = o.at("errors").as_array();
        const std::size_t item = f.path.find("[0].");
        if (errors.size() != 1 || item == std::string::npos) return fail();
        const auto& e = errors[0].as_object();
        if (e.at("index") != 0 || e.at("field") != json::value(f.path.substr(item + 4)) ||
            !is_number_reason(e.at("reason").as_string()))
            return fail();
        return ::testing::AssertionSuccess();
    }
    // {"message": "invalid request", "errors": {<path>: <reason>}}
    if (o.at("message") != expected_message) return fail();
    if (unparsable) return o.size() == 1 ? ::testing::AssertionSuccess() : fail();
    const auto& errors = o.at("errors").as_object();
    if (o.size() != 2 || errors.size() != 1 || !errors.contains(f.path) ||
        !is_number_reason(errors.at(f.path).as_string()))
        return fail();
    return ::testing::AssertionSuccess();
}

// The sweep must see the fields known today, so a walker that finds nothing cannot pass.
TEST_F(Wire, TheSweepFindsTheNumericFieldsOfBothDialects) {
    std::set<std::string> found;
    for (const auto& f : numeric_fields()) found.insert(describe(f));
    for (const char* known : {
             "POST /rest/{release}/guestmanagement/generateAndSendGuestResetPasswordCode.json merchantId",
             "POST /rest/{release}/guestmanagement/sendGuestResetPasswordCode.json userIdentity.accountId",
             "POST /guestmanagement/sendGuestResetPasswordCode.json printedCardNumber",
             "POST /guestmanagement/completeGuestResetPassword.json merchantId",
             "POST /api/xp-store-bookings/bookings bookings[0].totalamount",
             "POST /api/xp-store-bookings/bookings bookings[0].adult_count",
             "POST /api/xp-store-bookings/bookings bookings[0].rooms[0].number",
         })
        EXPECT_TRUE(found.contains(known)) << known;
}

TEST_F(Wire, EveryNumericFieldRefusesNumbersItCannotRepresentAndNothingChanges) {
    const auto fields = numeric_fields();
    // Credentials first: a guest token (if a swept endpoint wants one) is made before the snapshot
    for (const auto& f : fields) credentials(*f.ep);
    const std::string before = snapshot();
    ASSERT_NE(before.find("Hotel Test"), std::string::npos) << before.substr(0, 500);

    std::size_t sent = 0;
    for (const auto& f : fields) {
        if (!f.in_query && !base_body(*f.ep)) {
            ADD_FAILURE() << describe(f) << ": no base body for this endpoint; add one to Wire::base_body";
            continue;
        }
        for (const std::string& number : f.in_query ? hostile_texts(f) : hostile_numbers(f)) {
            EXPECT_TRUE(is_refusal(send(f, number), f, number));
            ++sent;
        }
    }
    EXPECT_GT(sent, 200u);
    EXPECT_EQ(snapshot(), before) << "a refused request changed the database";
    EXPECT_TRUE(read_mails(inbox()).empty());

    // The same fields take a number they can represent: the 400s above were the numbers' doing
    for (const auto& f : fields) {
        if (!f.in_query && !base_body(*f.ep)) continue;
        // (200 or 404, or 401 for requestGuestToken, whose base body names no account)
        const http_response r = send(f, valid_number(f));
        const bool login = f.ep->path.ends_with("/oauth/requestGuestToken.json");
        EXPECT_TRUE(r.status == 200 || r.status == 404 || (login && r.status == 401))
            << describe(f) << ": " << r.status << " " << r.body;
    }
}

// Partner bearer (Experience dialect): no token -> a bare challenge; a refused token -> invalid_token.
TEST_F(Wire, ExperienceUnauthorizedAnswersCarryABearerChallenge) {
    const std::string bare = R"(Bearer realm="guestd")";
    const std::string invalid = R"(Bearer realm="guestd", error="invalid_token")";
    const http_response none = call("GET", "/api/xp-guest-account/account-exists?email=john%40example.com",
                                     std::nullopt, {{"Authorization", ""}});
    ASSERT_TRUE(is_unauthorized(none));
    EXPECT_EQ(none.header("www-authenticate"), bare);
    const http_response wrong = account_exists("john@example.com", "Bearer " + acme_.token + ":not-the-hotel-token");
    ASSERT_TRUE(is_unauthorized(wrong));
    EXPECT_EQ(wrong.header("www-authenticate"), invalid);
    // The batch shape too
    const http_response push = push_bookings(json::array{booking("BK-1", "john@example.com")}, "Bearer nope:nope");
    ASSERT_EQ(push.status, 401);
    EXPECT_EQ(push.header("www-authenticate"), invalid);

    // A guest token made stale by a password change (which revokes every session), an unknown one, none at all
    const std::string token = guest_with_token("john@example.com", "correct horse battery staple");
    ASSERT_FALSE(token.empty());
    ASSERT_EQ(guest_info(token).status, 200);
    EXPECT_FALSE(guest_info(token).header("www-authenticate"));
    set_password("john@example.com", "another horse battery staple");
    for (const std::string& refused : {token, std::string("not-a-token")}) {
        const http_response r = guest_info(refused);
        ASSERT_TRUE(is_unauthorized(r));
        EXPECT_EQ(r.header("www-authenticate"), invalid);
    }
    const http_response missing = call("GET", "/api/xp-guest-account/guest-informations");
    ASSERT_TRUE(is_unauthorized(missing));
    EXPECT_EQ(missing.header("www-authenticate"), bare);

    // A wrong password: the partner's token was fine, so no error is named
    const http_response login = login_call("john@example.com", "wrong horse battery staple");
    ASSERT_TRUE(is_unauthorized(login));
    EXPECT_EQ(login.header("www-authenticate"), bare);
}

TEST_F(Wire, PaytronixUnauthorizedAnswersCarryABasicChallenge) {
    const json::object body{{"merchantId", 1234}, {"email", "john@example.com"}};
    partner_info wrong = acme_;
    wrong.client_secret = "not-the-secret";
    for (const std::string_view prefix : {"/rest/25.33/guestmanagement/", "/guestmanagement/"}) {
        for (const std::string& auth : {basic(wrong), std::string("Basic !!"), std::string("")}) {
            const http_response r = pt_post("generateAndSendGuestResetPasswordCode", body, auth, prefix);
            EXPECT_TRUE(is_failure(r, 401, "guestmanagement.authentication_failed")) << prefix << " " << auth;
            EXPECT_EQ(r.header("www-authenticate"), R"(Basic realm="guestd", charset="UTF-8")") << prefix;
        }
    }
    const http_response ok = request_reset(body);
    EXPECT_TRUE(is_reset_success(ok, "john@example.com"));
    EXPECT_FALSE(ok.header("www-authenticate"));
}

}  // namespace
}  // namespace guestd::itest
