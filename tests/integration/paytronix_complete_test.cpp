// Completing a password reset against the real binary: completeGuestResetPassword and the hosted page, what a
// completion changes (password, sessions, the notice email), voided, spent, unknown and expired codes, the password
// policy (checked before the code), one answer for unknown, expired and used codes, the per-address attempt limit,
// the code TTL bounds, and that no secret reaches the server's logs.
#include "integration/paytronix_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>

namespace guestd::itest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view password = "correct horse battery staple";
constexpr std::string_view new_password = "plum orchard under snow 42";
constexpr const char* wrong_password = R"({"message": "The password provided for the customer is incorrect."})";

class ResetCompletion : public paytronix_test {
protected:
    void SetUp() override {
        paytronix_test::SetUp();
        if (HasFatalFailure()) return;
        make_account(john, password);
    }
};
class ResetPage : public ResetCompletion {};
class ResetSettings : public paytronix_test {};
class ResetLogs : public paytronix_test {};

TEST_F(ResetCompletion, SetsThePasswordRevokesSessionsAndSendsANotice) {
    const std::string token = login(john, password);
    const std::string code = reset_code_for(john);
    ASSERT_FALSE(code.empty());

    // The reset alone changes nothing.
    EXPECT_TRUE(has_status(guest_info(token), 200));
    EXPECT_TRUE(has_status(login_call(john, password), 200));

    EXPECT_TRUE(is_completed(complete_reset(code, new_password)));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
    EXPECT_TRUE(is_json(login_call(john, password), 401, wrong_password));
    EXPECT_TRUE(is_unauthorized(guest_info(token))) << "sessions issued before the reset are revoked";

    // A second email tells the guest, without any link or code.
    const auto mails = wait_for_mails(2);
    ASSERT_EQ(mails.size(), 2u);
    const mail_message& notice = mails[1];
    EXPECT_NE(notice.header("to").value_or("").find(john), std::string::npos) << notice.raw;
    EXPECT_NE(notice.header("subject").value_or(""), mails[0].header("subject").value_or("")) << notice.raw;
    EXPECT_EQ(notice.raw.find(code), std::string::npos) << notice.raw;
    EXPECT_FALSE(find_link(notice, "://").has_value()) << notice.raw;
    EXPECT_NE(notice.text.find("Hotel Test"), std::string::npos) << notice.text;
}

TEST_F(ResetCompletion, ACodeWorksOnce) {
    const std::string code = reset_code_for(john);
    EXPECT_TRUE(is_completed(complete_reset(code, new_password)));
    EXPECT_TRUE(is_failure(complete_reset(code, "another passphrase 77"), 200, "guestmanagement.invalid_reset_code"));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200)) << "the refused second use changed nothing";
}

TEST_F(ResetCompletion, ANewerRequestVoidsTheOlderCode) {
    const std::string first = reset_code_for(john, 1);
    const std::string second = reset_code_for(john, 2);
    ASSERT_NE(first, second);
    EXPECT_TRUE(is_failure(complete_reset(first, new_password), 200, "guestmanagement.invalid_reset_code"));
    EXPECT_TRUE(has_status(login_call(john, password), 200));
    EXPECT_TRUE(is_completed(complete_reset(second, new_password)));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
}

TEST_F(ResetCompletion, AnUnknownCodeIsInvalid) {
    EXPECT_TRUE(is_failure(complete_reset("no-such-code-0123456789", new_password), 200,
                           "guestmanagement.invalid_reset_code"));
    EXPECT_TRUE(has_status(login_call(john, password), 200));
}

TEST_F(ResetCompletion, ACodeBelongsToItsMerchant) {
    const std::string code = reset_code_for(john);
    // acme may act for 5678, but the code is 1234's; the errorCode is not specified.
    const http_response elsewhere = complete_reset(code, new_password, 5678);
    const json::value body = elsewhere.json();
    EXPECT_EQ(elsewhere.status, 200) << elsewhere.body;
    EXPECT_TRUE(body.is_object() && body.as_object().if_contains("result") != nullptr &&
                body.at("result") == json::value("failure"))
        << elsewhere.body;
    EXPECT_TRUE(has_status(login_call(john, password), 200));
    EXPECT_TRUE(is_completed(complete_reset(code, new_password, 1234)));
}

TEST_F(ResetCompletion, TheMerchantsPasswordPolicyApplies) {
    const std::string code = reset_code_for(john);
    EXPECT_TRUE(is_failure(complete_reset(code, "short"), 200, "guestmanagement.password_policy"));
    EXPECT_TRUE(is_failure(complete_reset(code, "password"), 200, "guestmanagement.password_policy"));
    merchant_set(1234, {"--password-min-length", "20"});
    EXPECT_TRUE(is_failure(complete_reset(code, "violet kite harbor"), 200, "guestmanagement.password_policy"));
    EXPECT_TRUE(has_status(login_call(john, password), 200)) << "refused passwords change nothing";
    // A refused password does not spend the code.
    EXPECT_TRUE(is_completed(complete_reset(code, "violet kite harbor at dawn")));
    EXPECT_TRUE(has_status(login_call(john, "violet kite harbor at dawn"), 200));
}

TEST_F(ResetCompletion, AttemptsAreLimitedPerClientAddress) {
    for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(is_failure(complete_reset("guessed-code-" + std::to_string(i), new_password), 200,
                               "guestmanagement.invalid_reset_code"))
            << "attempt " << i + 1;
    }
    const std::string code = reset_code_for(john);
    const http_response limited = complete_reset(code, new_password);
    EXPECT_TRUE(is_failure(limited, 200, "guestmanagement.too_many_attempts"));
    const auto retry_after = limited.header("retry-after");
    ASSERT_TRUE(retry_after.has_value()) << "too_many_attempts carries Retry-After";
    EXPECT_GT(std::atol(retry_after->c_str()), 0) << *retry_after;
    EXPECT_TRUE(has_status(login_call(john, password), 200)) << "a refused attempt changes nothing";
}

TEST_F(ResetCompletion, AnExpiredCodeIsRefused) {
    // The shortest TTL is 60 s; the domain unit tests cover expiry with a manual clock. Run with
    // GUESTD_ITEST_SLOW=1 to wait the minute out here too.
    if (std::getenv("GUESTD_ITEST_SLOW") == nullptr) GTEST_SKIP() << "needs a 61 s wait; set GUESTD_ITEST_SLOW=1";
    merchant_set(1234, {"--reset-code-ttl", "60"});
    const std::string code = reset_code_for(john);
    std::this_thread::sleep_for(61s);
    EXPECT_TRUE(is_failure(complete_reset(code, new_password), 200, "guestmanagement.invalid_reset_code"));
    EXPECT_TRUE(has_status(login_call(john, password), 200));
}

TEST_F(ResetCompletion, UnknownExpiredAndUsedCodesGetOneAnswer) {
    // A used code, a code voided by a newer request (expired), and a code nobody sent: the same bytes, so the
    // answer never tells that a code, and so an account, exists.
    const std::string used = reset_code_for(john, 1);
    ASSERT_TRUE(is_completed(complete_reset(used, new_password)));
    const std::string voided = reset_code_for(john, 3);  // the password-changed notice was the 2nd email
    ASSERT_FALSE(reset_code_for(john, 4).empty());
    const http_response unknown = complete_reset("no-such-code-0123456789", "another passphrase 77");
    EXPECT_TRUE(is_failure(unknown, 200, "guestmanagement.invalid_reset_code"));
    for (const std::string& code : {used, voided}) {
        const http_response r = complete_reset(code, "another passphrase 77");
        EXPECT_EQ(r.status, unknown.status) << code;
        EXPECT_EQ(r.body, unknown.body) << code;
        EXPECT_EQ(stable_headers(r), stable_headers(unknown)) << code;
    }
    EXPECT_TRUE(has_status(login_call(john, new_password), 200)) << "the refused codes changed nothing";
}

TEST_F(ResetCompletion, AWeakPasswordIsRefusedBeforeTheCodeIsLookedUp) {
    // The policy answers first, alike for a live code and for none: a refused password tells nothing of the code.
    const std::string code = reset_code_for(john);
    const http_response live = complete_reset(code, "password");
    const http_response none = complete_reset("no-such-code-0123456789", "password");
    EXPECT_TRUE(is_failure(live, 200, "guestmanagement.password_policy"));
    EXPECT_TRUE(is_failure(none, 200, "guestmanagement.password_policy"));
    EXPECT_EQ(live.body, none.body);
    EXPECT_TRUE(is_completed(complete_reset(code, new_password))) << "the refused password spent nothing";
}

// ---- the hosted page ----------------------------------------------------------------------------------------

TEST_F(ResetPage, TheEmailsLinkOpensAFormThatCompletesTheReset) {
    const std::string token = login(john, password);
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    const std::string link = reset_link(mails[0]);
    const std::string code = code_of(link);

    // The form, with strict headers.
    const http_response page = open_page(link);
    ASSERT_TRUE(has_status(page, 200));
    EXPECT_TRUE(page.header("content-type").value_or("").starts_with("text/html"))
        << page.header("content-type").value_or("");
    EXPECT_NE(page.body.find("<form"), std::string::npos) << page.body;
    EXPECT_EQ(page.header("content-security-policy").value_or(""),
              "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    EXPECT_EQ(page.header("referrer-policy").value_or(""), "no-referrer");
    EXPECT_EQ(page.header("x-frame-options").value_or(""), "DENY");
    EXPECT_EQ(page.header("cache-control").value_or(""), "no-store");

    // Passwords that differ show the form again and spend nothing.
    const http_response differ = submit_page(code, new_password, "something else entirely 9");
    EXPECT_NE(differ.body.find("<form"), std::string::npos) << differ.body;
    EXPECT_TRUE(has_status(login_call(john, password), 200));

    // A password the policy refuses shows the form again and spends nothing.
    const http_response weak = submit_page(code, "short", "short");
    EXPECT_NE(weak.body.find("<form"), std::string::npos) << weak.body;
    EXPECT_TRUE(has_status(login_call(john, password), 200));

    // The right pair completes it.
    const http_response done = submit_page(code, new_password, new_password);
    EXPECT_TRUE(has_status(done, 200));
    EXPECT_EQ(done.header("content-security-policy").value_or(""),
              "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
    EXPECT_TRUE(is_json(login_call(john, password), 401, wrong_password));
    EXPECT_TRUE(is_unauthorized(guest_info(token)));

    // The spent code shows no form any more, and the API agrees.
    EXPECT_EQ(open_page(link).body.find("<form"), std::string::npos);
    EXPECT_NE(open_page(link).body.find("already been used"), std::string::npos) << "the page says which";
    EXPECT_TRUE(is_failure(complete_reset(code, "another passphrase 77"), 200, "guestmanagement.invalid_reset_code"));
    EXPECT_EQ(wait_for_mails(2).size(), 2u) << "the password-changed notice follows";
}

TEST_F(ResetPage, AnUnknownCodeShowsNoForm) {
    const http_response page = open_page("/reset-password?merchant=1234&code=no-such-code-0123456789");
    EXPECT_EQ(page.body.find("<form"), std::string::npos) << page.body;
    EXPECT_EQ(page.header("x-frame-options").value_or(""), "DENY");
}

// ---- settings --------------------------------------------------------------------------------------------

TEST_F(ResetSettings, TheCodeLifetimeIsBetweenAMinuteAndADay) {
    EXPECT_EQ(merchant_set(1234, {"--reset-code-ttl", "60"}).at("reset_code_ttl"), json::value(60));
    EXPECT_EQ(merchant_set(1234, {"--reset-code-ttl", "86400"}).at("reset_code_ttl"), json::value(86400));
    for (const char* bad : {"59", "86401", "0", "-5"}) {
        const run_result r = run_guestd({"merchant", "set", "1234", "--reset-code-ttl", bad, "--db", db_.string()});
        EXPECT_NE(r.exit_code, 0) << bad << ": " << r.out;
        EXPECT_FALSE(r.err.empty()) << bad;
    }
    EXPECT_EQ(merchant_set(1234, {}).at("reset_code_ttl"), json::value(86400)) << "refused values change nothing";
}

TEST_F(ResetSettings, AnUnknownMerchantCannotBeSet) {
    const run_result r = run_guestd({"merchant", "set", "4242", "--reset-code-ttl", "600", "--db", db_.string()});
    EXPECT_NE(r.exit_code, 0) << r.out;
}

// ---- logs ----------------------------------------------------------------------------------------------------

TEST_F(ResetLogs, NoSecretReachesTheServersOutput) {
    restart_guestd({"--log-level", "debug"});
    make_account(john, password);
    const std::string token = login(john, password);

    // A full flow: through the API, then the hosted page with a caller's code.
    const std::string generated = reset_code_for(john, 1);
    EXPECT_TRUE(is_completed(complete_reset(generated, new_password)));
    const std::string own = "Caller-Code_0123456789";
    ASSERT_TRUE(is_reset_success(
        send_reset({{"merchantId", 1234}, {"email", john}, {"resetCode", own}}, basic(holder_)), john));
    EXPECT_TRUE(has_status(submit_page(own, "third passphrase for john", "third passphrase for john"), 200));
    EXPECT_TRUE(has_status(login_call(john, "third passphrase for john"), 200));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"email", john}},
                                         "Basic " + base64(acme_.client_id + ":wrong-secret-value")),
                           401, "guestmanagement.authentication_failed"));
    wait_for_mails(4);
    EXPECT_EQ(server_->stop(SIGTERM), 0);

    const std::string out = server_->stderr_text() + server_->stdout_text();
    EXPECT_FALSE(server_->stderr_text().empty()) << "debug logging wrote nothing: the check below would be vacuous";
    const std::vector<std::pair<std::string, std::string>> secrets{
        {"generated reset code", generated},
        {"caller's reset code", own},
        {"old password", std::string(password)},
        {"new password", std::string(new_password)},
        {"page password", "third passphrase for john"},
        {"client secret", acme_.client_secret},
        {"holder's client secret", holder_.client_secret},
        {"Basic credentials", base64(acme_.client_id + ":" + acme_.client_secret)},
        {"wrong secret", "wrong-secret-value"},
        {"guest token", token},
        {"partner token", acme_.token},
        {"hotel token", hotel_a_.hotel_token},
    };
    for (const auto& [what, secret] : secrets) {
        ASSERT_FALSE(secret.empty()) << what;
        EXPECT_EQ(out.find(secret), std::string::npos) << "the " << what << " is in the server's output";
    }
}

}  // namespace
}  // namespace guestd::itest
