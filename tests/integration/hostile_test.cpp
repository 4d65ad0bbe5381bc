// Hostile and malformed input over real HTTP: bad JSON, invalid UTF-8, oversized bodies and heads, deep nesting,
// wrong Content-Type, unknown paths and methods. Each gets its documented status and changes nothing.
#include "integration/experience_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view john = "john.doe@example.com";
constexpr const char* update_path = "/api/xp-guest-account/update-password";
constexpr const char* bookings_path = "/api/xp-store-bookings/bookings";
constexpr const char* no_account = R"({"account-exists": false})";
constexpr const char* not_found = R"({"message": "customer not found"})";

class HostileInput : public experience_test {
protected:
    /// John Doe with a reservation and no account: every hostile update-password must leave it that way.
    void SetUp() override {
        experience_test::SetUp();
        if (HasFatalFailure()) return;
        ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    }

    /// A bookings body whose only booking belongs to email, with its first name replaced by firstname (raw JSON).
    static std::string booking_body_with_firstname(std::string_view email, std::string_view raw_firstname) {
        std::string body = json::serialize(json::object{{"bookings", json::array{booking("BK-RAW", email)}}});
        const std::string marker = "\"firstname\":\"John\"";
        body.replace(body.find(marker), marker.size(), "\"firstname\":" + std::string(raw_firstname));
        return body;
    }
};

TEST_F(HostileInput, NonJsonBodyIsRejected) {
    EXPECT_TRUE(has_status(call("POST", update_path, "email=john.doe@example.com&password=hunter2hunter2"), 400));
    EXPECT_TRUE(has_status(call("POST", update_path, R"({"email": "john.doe@example.com", "password": )"), 400));
    EXPECT_TRUE(has_status(call("POST", update_path, ""), 400));
    EXPECT_TRUE(has_status(call("POST", bookings_path, "[1, 2"), 400));
    EXPECT_TRUE(is_json(account_exists(john), 200, no_account));
}

TEST_F(HostileInput, InvalidUtf8IsRejected) {
    EXPECT_TRUE(has_status(
        call("POST", update_path, "{\"email\": \"john.doe@example.com\", \"password\": \"correct horse \xff\xfe battery\"}"),
        400));
    EXPECT_TRUE(is_json(account_exists(john), 200, no_account));
    EXPECT_TRUE(has_status(call("POST", bookings_path, booking_body_with_firstname("utf8@example.com", "\"J\xc3\x28n\"")),
                           400));
    EXPECT_TRUE(is_json(account_exists("utf8@example.com"), 404, not_found));
}

TEST_F(HostileInput, BodyOver64KiBIsTooLarge) {
    const std::string pad(70 * 1024, 'x');
    const http_response r = call("POST", update_path, R"({"email": "john.doe@example.com", "password": ")" + pad + "\"}");
    EXPECT_TRUE(has_status(r, 413));
    EXPECT_TRUE(is_json(account_exists(john), 200, no_account));
}

TEST_F(HostileInput, BatchBodyOver2MiBIsTooLarge) {
    json::object big = booking("BK-BIG", "big@example.com");
    big["extra_attributes"] = json::object{{"pad", std::string(3 * 1024 * 1024, 'x')}};
    EXPECT_TRUE(has_status(push_bookings({big}), 413));
    EXPECT_TRUE(is_json(account_exists("big@example.com"), 404, not_found));
}

TEST_F(HostileInput, DeeplyNestedJsonIsRejected) {
    const std::string deep = std::string(100, '[') + std::string(100, ']');
    EXPECT_TRUE(has_status(call("POST", update_path, R"({"email": )" + deep + R"(, "password": "x"})"), 400));
    EXPECT_TRUE(has_status(call("POST", bookings_path, R"({"bookings": [{"extra_attributes": )" + deep + "}]}"), 400));
    EXPECT_TRUE(is_json(account_exists(john), 200, no_account));
}

TEST_F(HostileInput, WrongContentTypeIsUnsupported) {
    const std::string body = R"({"email": "john.doe@example.com", "password": "correct horse battery staple"})";
    EXPECT_TRUE(has_status(call("POST", update_path, body, {{"Content-Type", "text/plain"}}), 415));
    EXPECT_TRUE(has_status(call("POST", update_path, body, {{"Content-Type", "application/x-www-form-urlencoded"}}),
                           415));
    EXPECT_TRUE(is_json(account_exists(john), 200, no_account));
}

TEST_F(HostileInput, JsonWithParametersOrWithoutContentTypeIsAccepted) {
    const std::string body = json::serialize(json::object{{"bookings", json::array{booking("BK-2", "two@example.com")}}});
    EXPECT_TRUE(is_batch_success(call("POST", bookings_path, body, {{"Content-Type", "application/json; charset=utf-8"}}),
                                 1, 0));
    const std::string other =
        json::serialize(json::object{{"bookings", json::array{booking("BK-3", "three@example.com")}}});
    EXPECT_TRUE(is_batch_success(call("POST", bookings_path, other, {{"Content-Type", ""}}), 1, 0));
}

TEST_F(HostileInput, OverlongStringsAreRejected) {
    json::object long_name = booking("BK-LONG", "long@example.com");
    long_name["customer"].as_object()["firstname"] = std::string(1025, 'a');
    EXPECT_TRUE(is_batch_error(push_bookings({long_name}), 0, "customer.firstname"));
    json::object long_reference = booking(std::string(129, 'R'), "long@example.com");
    EXPECT_TRUE(is_batch_error(push_bookings({long_reference}), 0, "reference"));
    EXPECT_TRUE(is_json(account_exists("long@example.com"), 404, not_found));
}

TEST_F(HostileInput, UnknownPathIsNotFound) {
    EXPECT_TRUE(has_status(get("/api/xp-guest-account/nope"), 404));
    EXPECT_TRUE(has_status(get("/nope"), 404));
    EXPECT_TRUE(has_status(call("POST", "/api/xp-guest-account/update-password/extra", "{}"), 404));
}

TEST_F(HostileInput, WrongMethodIsNotAllowedAndSaysWhatIs) {
    const http_response del_login = del("/api/xp-guest-account/login");
    EXPECT_TRUE(has_status(del_login, 405));
    ASSERT_TRUE(del_login.header("Allow").has_value()) << "405 names the allowed methods";
    EXPECT_NE(del_login.header("Allow")->find("POST"), std::string::npos) << *del_login.header("Allow");

    const http_response post_exists = call("POST", "/api/xp-guest-account/account-exists?email=a%40b.co", "{}");
    EXPECT_TRUE(has_status(post_exists, 405));
    EXPECT_NE(post_exists.header("Allow").value_or("").find("GET"), std::string::npos);

    const http_response put_bookings = call("PUT", bookings_path, "{}");
    EXPECT_TRUE(has_status(put_bookings, 405));
    EXPECT_NE(put_bookings.header("Allow").value_or("").find("POST"), std::string::npos);

    const http_response del_info = del("/api/xp-guest-account/guest-informations");
    EXPECT_TRUE(has_status(del_info, 405));
    const std::string allow = del_info.header("Allow").value_or("");
    EXPECT_NE(allow.find("GET"), std::string::npos) << allow;
    EXPECT_NE(allow.find("PUT"), std::string::npos) << allow;
}

TEST_F(HostileInput, RequestHeadOver8KiBIsRejected) {
    EXPECT_TRUE(has_status(get("/api/xp-guest-account/account-exists?email=john.doe%40example.com",
                               {{"X-Padding", std::string(9 * 1024, 'p')}}),
                           431));
}

TEST_F(HostileInput, ServerKeepsServingAfterHostileInput) {
    (void)call("POST", update_path, "\xff\xff\xff");
    (void)call("POST", update_path, std::string(100, '{'));
    (void)call("POST", bookings_path, std::string(80 * 1024, '['));
    EXPECT_TRUE(is_json(get("/healthz"), 200, R"({"status": "ok"})"));
    EXPECT_TRUE(is_json(account_exists(john), 200, no_account));
}

}  // namespace
}  // namespace guestd::itest
