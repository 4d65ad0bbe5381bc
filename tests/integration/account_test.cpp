// Accounts over real HTTP: account-exists, update-password (creating or replacing the account, the password
// policy), login (tokens, the exact 401 message, revocation) and the failed-login lock kept in the database.
#include "integration/experience_fixture.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view strong_password = "correct horse battery staple";
constexpr const char* not_found = R"({"message": "customer not found"})";
constexpr const char* wrong_password = R"({"message": "The password provided for the customer is incorrect."})";

class AccountExists : public experience_test {};
class UpdatePassword : public experience_test {};
class Login : public experience_test {};
class LoginLock : public experience_test {
protected:
    /// Sends ten wrong passwords: the first nine are plain 401s; the tenth arms the lock.
    void fail_ten_times(std::string_view email) {
        for (int i = 1; i <= 10; ++i) {
            const http_response r = login_call(email, "wrong password number " + std::to_string(i));
            if (i < 10) {
                EXPECT_TRUE(is_json(r, 401, wrong_password)) << "failure " << i;
            } else {
                EXPECT_TRUE(r.status == 401 || r.status == 429) << "failure 10 answered " << r.status << " " << r.body;
            }
        }
    }
};

TEST_F(AccountExists, MissingEmailIsInvalid) {
    EXPECT_TRUE(is_json(get("/api/xp-guest-account/account-exists"), 400,
                        R"({"message": "invalid request", "errors": {"email": "is required"}})"));
}

TEST_F(AccountExists, MalformedEmailIsInvalid) {
    EXPECT_TRUE(has_field_error(account_exists("not-an-email"), 400, "email"));
}

TEST_F(AccountExists, UnknownEmailIsNotFound) {
    EXPECT_TRUE(is_json(account_exists("nobody@example.com"), 404, not_found));
}

TEST_F(AccountExists, GuestWithoutPasswordHasNoAccount) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": false})"));
}

TEST_F(AccountExists, GuestWithPasswordHasAnAccount) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    set_password(john, strong_password);
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": true})"));
}

TEST_F(AccountExists, EmailMatchesCaseInsensitivelyAndIsStoredAsGiven) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", "John.Doe@Example.COM")}), 1, 0));
    EXPECT_TRUE(is_json(account_exists("john.doe@example.com"), 200, R"({"account-exists": false})"));
    EXPECT_TRUE(is_json(account_exists("JOHN.DOE@EXAMPLE.COM"), 200, R"({"account-exists": false})"));
    EXPECT_EQ(guest_show("John.Doe@Example.COM")["email"], json::value("John.Doe@Example.COM"));
}

TEST_F(UpdatePassword, UnknownEmailIsNotFound) {
    EXPECT_TRUE(is_json(update_password("nobody@example.com", strong_password), 404, not_found));
}

TEST_F(UpdatePassword, GuestWithOnlyCancelledReservationsDoesNotQualify) {
    json::object cancelled = booking("BK-1001", john);
    cancelled["status"] = "cancelled";
    ASSERT_TRUE(is_batch_success(push_bookings({cancelled}), 1, 0));
    EXPECT_TRUE(is_json(update_password(john, strong_password), 404, not_found));
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": false})"));
}

TEST_F(UpdatePassword, GuestWithAnOptionReservationQualifies) {
    json::object option = booking("BK-1001", john);
    option["status"] = "option";
    ASSERT_TRUE(is_batch_success(push_bookings({option}), 1, 0));
    EXPECT_TRUE(has_status(update_password(john, strong_password), 200));
}

TEST_F(UpdatePassword, PasswordShorterThanEightCharactersIsRejected) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    EXPECT_TRUE(has_field_error(update_password(john, "Xk9#mQ2"), 400, "password"));
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": false})")) << "no account was created";
}

TEST_F(UpdatePassword, VeryCommonPasswordIsRejected) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    EXPECT_TRUE(has_field_error(update_password(john, "password1"), 400, "password"));
    EXPECT_TRUE(has_field_error(update_password(john, "iloveyou1"), 400, "password"));
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": false})"));
}

TEST_F(UpdatePassword, PasswordOver1024BytesIsRejected) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    std::string long_password;
    while (long_password.size() < 1025) long_password += "Zq7!vX2#";
    long_password.resize(1025);
    EXPECT_TRUE(has_field_error(update_password(john, long_password), 400, "password"));
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": false})"));
}

TEST_F(UpdatePassword, MissingFieldsWrongTypesAndBadEmailAreInvalid) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    const std::string path = "/api/xp-guest-account/update-password";
    EXPECT_TRUE(has_field_error(post(path, json::object{{"email", john}}), 400, "password"));
    EXPECT_TRUE(has_field_error(post(path, json::object{{"password", strong_password}}), 400, "email"));
    EXPECT_TRUE(has_field_error(post(path, json::object{{"email", john}, {"password", 12345678}}), 400, "password"));
    EXPECT_TRUE(has_field_error(post(path, json::object{{"email", 42}, {"password", strong_password}}), 400, "email"));
    EXPECT_TRUE(has_field_error(update_password("john.doe", strong_password), 400, "email"));
    EXPECT_TRUE(has_status(post(path, json::array{john, strong_password}), 400));
    EXPECT_TRUE(is_json(account_exists(john), 200, R"({"account-exists": false})"));
}

TEST_F(UpdatePassword, SuccessAnswersAnEmptyBodyAndCreatesTheAccount) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    const json::object before = guest_show(john);
    EXPECT_EQ(before.if_contains("has_account") ? before.at("has_account") : json::value(), json::value(false));
    EXPECT_EQ(before.if_contains("account_id") ? before.at("account_id") : json::value(1), json::value(nullptr));
    EXPECT_EQ(before.if_contains("printed_card_number") ? before.at("printed_card_number") : json::value(1),
              json::value(nullptr));

    const http_response r = update_password(john, strong_password);
    EXPECT_TRUE(has_status(r, 200));
    EXPECT_EQ(r.body, "");

    const json::object after = guest_show(john);
    ASSERT_FALSE(after.empty());
    EXPECT_EQ(after.at("has_account"), json::value(true));
    EXPECT_TRUE(after.at("account_id").is_int64()) << json::serialize(after);
    EXPECT_EQ(after.at("username"), json::value(john));
    EXPECT_EQ(after.at("reservations"), json::value(1));
    ASSERT_TRUE(after.at("printed_card_number").is_string()) << json::serialize(after);
    const std::string card(after.at("printed_card_number").as_string());
    EXPECT_THAT(card, ::testing::MatchesRegex("[0-9]{16}"));
    EXPECT_TRUE(luhn_valid(card)) << card << " fails the Luhn check";
}

TEST_F(UpdatePassword, EachAccountGetsItsOwnIdAndCardNumber) {
    ASSERT_TRUE(is_batch_success(
        push_bookings({booking("BK-1", "a@example.com"), booking("BK-2", "b@example.com")}), 2, 0));
    set_password("a@example.com", strong_password);
    set_password("b@example.com", strong_password);
    const json::object a = guest_show("a@example.com");
    const json::object b = guest_show("b@example.com");
    ASSERT_FALSE(a.empty());
    ASSERT_FALSE(b.empty());
    EXPECT_NE(a.at("account_id"), b.at("account_id"));
    EXPECT_NE(a.at("printed_card_number"), b.at("printed_card_number"));
}

TEST_F(UpdatePassword, SecondCallReplacesThePasswordAndKeepsTheAccount) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    set_password(john, strong_password);
    const json::object first = guest_show(john);
    set_password(john, "a different long passphrase");
    const json::object second = guest_show(john);
    ASSERT_FALSE(first.empty());
    ASSERT_FALSE(second.empty());
    EXPECT_EQ(first.at("account_id"), second.at("account_id"));
    EXPECT_EQ(first.at("printed_card_number"), second.at("printed_card_number"));
    EXPECT_TRUE(is_json(login_call(john, strong_password), 401, wrong_password));
    EXPECT_TRUE(has_status(login_call(john, "a different long passphrase"), 200));
}

TEST_F(Login, UnknownEmailIsNotFound) {
    EXPECT_TRUE(is_json(login_call("nobody@example.com", strong_password), 404, not_found));
}

TEST_F(Login, GuestWithoutAccountGetsTheIncorrectPasswordMessage) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    EXPECT_TRUE(is_json(login_call(john, strong_password), 401, wrong_password));
}

TEST_F(Login, WrongPasswordGetsTheIncorrectPasswordMessage) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    set_password(john, strong_password);
    EXPECT_TRUE(is_json(login_call(john, "correct horse battery stapler"), 401, wrong_password));
}

TEST_F(Login, MissingPasswordIsInvalid) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    EXPECT_TRUE(has_field_error(post("/api/xp-guest-account/login", json::object{{"email", john}}), 400, "password"));
}

TEST_F(Login, SuccessReturnsABase64UrlTokenThatOpensTheGuestCalls) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    set_password(john, strong_password);
    const http_response r = login_call(john, strong_password);
    ASSERT_TRUE(has_status(r, 200));
    const json::value body = r.json();
    ASSERT_TRUE(body.is_object() && body.as_object().size() == 1 && body.as_object().contains("token")) << r.body;
    ASSERT_TRUE(body.at("token").is_string());
    const std::string token(body.at("token").as_string());
    EXPECT_THAT(token, ::testing::MatchesRegex("[A-Za-z0-9_-]{43}"));
    EXPECT_TRUE(has_status(guest_info(token), 200));
    EXPECT_TRUE(has_status(guest_reservations(token), 200));
}

TEST_F(Login, EmailMatchesCaseInsensitively) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    set_password(john, strong_password);
    const std::string token = login("John.Doe@EXAMPLE.com", strong_password);
    EXPECT_TRUE(has_status(guest_info(token), 200));
}

TEST_F(Login, EachLoginIssuesAFreshToken) {
    const std::string first = guest_with_token(john, strong_password);
    const std::string second = login(john, strong_password);
    EXPECT_NE(first, second);
    EXPECT_TRUE(has_status(guest_info(first), 200));
    EXPECT_TRUE(has_status(guest_info(second), 200));
}

TEST_F(Login, SettingAPasswordRevokesTokensAndANewLoginWorks) {
    const std::string token = guest_with_token(john, strong_password);
    ASSERT_TRUE(has_status(guest_info(token), 200));
    set_password(john, "another long passphrase");
    EXPECT_TRUE(is_unauthorized(guest_info(token)));
    EXPECT_TRUE(is_unauthorized(guest_reservations(token)));
    const std::string fresh = login(john, "another long passphrase");
    EXPECT_TRUE(has_status(guest_info(fresh), 200));
}

/// Expects the lock answer: 429, the documented message, and Retry-After a whole number of seconds in 1..60.
::testing::AssertionResult is_locked(const http_response& r) {
    if (auto ok = is_json(r, 429, R"({"message": "too many failed logins, retry later"})"); !ok) return ok;
    const auto retry_after = r.header("Retry-After");
    if (!retry_after || !::testing::Value(*retry_after, ::testing::MatchesRegex("[0-9]{1,5}"))) {
        return ::testing::AssertionFailure() << "429 without a numeric Retry-After: " << retry_after.value_or("none");
    }
    const int seconds = std::stoi(*retry_after);
    if (seconds < 1 || seconds > 60) {
        return ::testing::AssertionFailure() << "the first lock lasts at most a minute, Retry-After is " << seconds;
    }
    return ::testing::AssertionSuccess();
}

TEST_F(LoginLock, TenFailuresLockEvenTheRightPassword) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    set_password(john, strong_password);
    fail_ten_times(john);
    EXPECT_TRUE(is_locked(login_call(john, strong_password)));
}

TEST_F(LoginLock, LockIsKeptInTheDatabaseAcrossARestart) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    set_password(john, strong_password);
    fail_ten_times(john);
    restart_server();
    EXPECT_TRUE(is_locked(login_call(john, strong_password)));
}

TEST_F(LoginLock, ASuccessfulLoginClearsTheFailureCount) {
    ASSERT_TRUE(is_batch_success(push_bookings({booking("BK-1001", john)}), 1, 0));
    set_password(john, strong_password);
    for (int i = 0; i < 9; ++i) EXPECT_TRUE(is_json(login_call(john, "wrong password"), 401, wrong_password));
    EXPECT_TRUE(has_status(login_call(john, strong_password), 200));
    for (int i = 0; i < 9; ++i) EXPECT_TRUE(is_json(login_call(john, "wrong password"), 401, wrong_password));
    EXPECT_TRUE(has_status(login_call(john, strong_password), 200)) << "nine failures after a success do not lock";
}

TEST_F(LoginLock, LockIsPerAccount) {
    ASSERT_TRUE(is_batch_success(
        push_bookings({booking("BK-1", john), booking("BK-2", "jane.roe@example.com")}), 2, 0));
    set_password(john, strong_password);
    set_password("jane.roe@example.com", strong_password);
    fail_ten_times(john);
    EXPECT_TRUE(has_status(login_call("jane.roe@example.com", strong_password), 200));
}

}  // namespace
}  // namespace guestd::itest
