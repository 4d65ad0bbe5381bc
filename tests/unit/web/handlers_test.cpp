// The reset page's handlers on a real SQLite store: which page each code state gets, that a refused submission
// changes nothing, and that a good one changes the password and spends the code.
#include "api/web/handlers.hpp"

#include "api/endpoint.hpp"
#include "domain/accounts.hpp"
#include "domain/credentials.hpp"
#include "domain/recovery.hpp"
#include "unit/domain/fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace guestd::api::web {
namespace {

constexpr std::string_view code = "test-code-0123456789";
// The query of the emailed link, and the hidden fields of its form: the code travels with its merchant.
constexpr std::string_view link_query = "merchant=1234&code=test-code-0123456789";
constexpr std::string_view email = "guest@example.com";
constexpr std::string_view old_password = "correct horse battery";
constexpr std::string_view new_password = "purple elephant umbrella";

bool contains(std::string_view haystack, std::string_view needle) { return haystack.find(needle) != std::string_view::npos; }

class ResetPage : public guestd::testing::domain_fixture {
protected:
    void SetUp() override {
        domain_fixture::SetUp();
        push_booking("R-1", std::string(email));
        ASSERT_TRUE(services_->accounts().set_password(merchant_, email, old_password));
        const auto answer = services_->recovery().request(
            {.merchant = merchant_, .identifiers = {{domain::identifier_kind::email, std::string(email)}},
             .caller_code = std::string(code), .b2b = true, .client_address = "127.0.0.1"});
        ASSERT_EQ(answer.result, domain::reset_answer::kind::success) << answer.error_code;
    }

    response get(std::string query_string) {
        request req{.method = verb::get, .path = "/reset-password", .query_string = std::move(query_string)};
        return run(&reset_page, req);
    }

    response post(std::string body, std::string content_type = "application/x-www-form-urlencoded") {
        request req{.method = verb::post, .path = "/reset-password", .headers = {{"content-type", content_type}},
                    .body = std::move(body), .client_address = "127.0.0.1"};
        return run(&reset_submit, req);
    }

    response run(handler_fn fn, const request& req) {
        const caller who;
        const boost::json::value body;
        auto out = fn(call{req, who, body, *services_});
        EXPECT_TRUE(out) << "the page handlers answer every outcome with a page";
        return out ? std::move(*out) : response{};
    }

    bool logs_in_with(std::string_view password) {
        return services_->accounts().login(caller_, email, password).has_value();
    }
};

TEST_F(ResetPage, ShowsTheFormForAValidCode) {
    const response r = get(std::string(link_query));
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_TRUE(contains(r.body, R"(<input type="hidden" name="merchant" value="1234">)")) << r.body;
    EXPECT_TRUE(contains(r.body, R"(<input type="hidden" name="code" value="test-code-0123456789">)")) << r.body;
    EXPECT_TRUE(contains(r.body, "Hotel Test"));
    EXPECT_TRUE(contains(r.body, R"(minlength="8")"));
}

TEST_F(ResetPage, ShowsNoFormForAnUnknownOrMissingCode) {
    for (const std::string q : {"merchant=1234&code=nope-nope-nope", "", "code=", "merchant=1234&code="}) {
        const response r = get(q);
        EXPECT_EQ(r.status, 200u) << q;
        EXPECT_TRUE(contains(r.body, "This link is not valid")) << q;
        EXPECT_FALSE(contains(r.body, "<form")) << q;
    }
}

TEST_F(ResetPage, ResolvesACodeOnlyWithinTheLinksMerchant) {
    // Hotel B exists and the code is A's: no link without A's id shows a form or spends the code.
    ASSERT_TRUE(services_->credentials().add_merchant(core::merchant_id{5678}, "Hotel Other"));
    for (const std::string q : {"code=test-code-0123456789", "merchant=5678&code=test-code-0123456789",
                                "merchant=0&code=test-code-0123456789", "merchant=12x34&code=test-code-0123456789",
                                "merchant=-1234&code=test-code-0123456789"}) {
        const response page = get(q);
        EXPECT_TRUE(contains(page.body, "This link is not valid")) << q << "\n" << page.body;
        EXPECT_FALSE(contains(page.body, "<form")) << q;
        const response submitted =
            post(q + "&password=purple+elephant+umbrella&password_confirm=purple+elephant+umbrella");
        EXPECT_TRUE(contains(submitted.body, "This link is not valid")) << q << "\n" << submitted.body;
    }
    EXPECT_TRUE(logs_in_with(old_password));
    EXPECT_EQ(services_->recovery().inspect(merchant_, code).state, domain::code_state::kind::valid);
    EXPECT_TRUE(contains(get(std::string(link_query)).body, "<form")) << "the code still works within its own merchant";
}

TEST_F(ResetPage, ShowsNoFormForAnExpiredCode) {
    clock_.advance(24 * 3600);
    const response r = get(std::string(link_query));
    EXPECT_TRUE(contains(r.body, "This link has expired")) << r.body;
    EXPECT_FALSE(contains(r.body, "<form"));
}

TEST_F(ResetPage, ChangesThePasswordOnceThenShowsTheCodeAsUsed) {
    const std::string form = std::string(link_query) + "&password=purple+elephant+umbrella" +
                             "&password_confirm=purple+elephant+umbrella";
    const response done = post(form);
    EXPECT_EQ(done.status, 200u);
    EXPECT_TRUE(contains(done.body, "Your password has been changed")) << done.body;
    EXPECT_FALSE(contains(done.body, "purple")) << "the password is never echoed";
    EXPECT_FALSE(contains(done.body, code)) << "the code is not echoed without a form";
    EXPECT_TRUE(logs_in_with(new_password));
    EXPECT_FALSE(logs_in_with(old_password));

    const response again = get(std::string(link_query));
    EXPECT_TRUE(contains(again.body, "This link has already been used")) << again.body;
    EXPECT_FALSE(contains(again.body, "<form"));
    const response resubmitted = post(form);
    EXPECT_TRUE(contains(resubmitted.body, "This link has already been used")) << resubmitted.body;
}

TEST_F(ResetPage, PasswordsThatDifferKeepTheFormAndChangeNothing) {
    const response r = post(std::string(link_query) + "&password=purple+elephant+umbrella&password_confirm=other");
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(contains(r.body, "The two passwords do not match")) << r.body;
    EXPECT_TRUE(contains(r.body, R"(<input type="hidden" name="code" value="test-code-0123456789">)"));
    EXPECT_FALSE(contains(r.body, "purple"));
    EXPECT_TRUE(logs_in_with(old_password));
    EXPECT_EQ(services_->recovery().inspect(merchant_, code).state, domain::code_state::kind::valid);
}

TEST_F(ResetPage, APasswordThePolicyRefusesKeepsTheFormWithTheReason) {
    const response r = post(std::string(link_query) + "&password=short&password_confirm=short");
    EXPECT_EQ(r.status, 400u);
    EXPECT_TRUE(contains(r.body, "The new password must be at least 8 characters.")) << r.body;
    EXPECT_TRUE(contains(r.body, R"(name="code" value="test-code-0123456789")"));
    EXPECT_FALSE(contains(r.body, "value=\"short\""));
    EXPECT_TRUE(logs_in_with(old_password));
}

TEST_F(ResetPage, RefusesABodyThatIsNotAForm) {
    const response json = post(R"({"code": "x"})", "application/json");
    EXPECT_EQ(json.status, 415u);
    EXPECT_EQ(json.content_type, "text/html; charset=utf-8");
    EXPECT_TRUE(contains(json.body, "The form could not be read"));

    const response broken = post("merchant=1234&code=%zz&password=a&password_confirm=a");
    EXPECT_EQ(broken.status, 400u);
    EXPECT_TRUE(contains(broken.body, "The form could not be read"));
    EXPECT_TRUE(logs_in_with(old_password));
}

TEST_F(ResetPage, AnUnknownCodeSubmittedShowsNoForm) {
    const response r = post("merchant=1234&code=nope-nope-nope&password=purple+elephant+umbrella"
                            "&password_confirm=purple+elephant+umbrella");
    EXPECT_EQ(r.status, 200u);
    EXPECT_TRUE(contains(r.body, "This link is not valid")) << r.body;
    EXPECT_FALSE(contains(r.body, "<form"));
}

TEST_F(ResetPage, TooManyAttemptsAsksToComeBackLater) {
    response r;
    for (int i = 0; i < 11; ++i)
        r = post("merchant=1234&code=guess-" + std::to_string(i) + "&password=x+y+z+w+v&password_confirm=x+y+z+w+v");
    EXPECT_EQ(r.status, 429u);
    EXPECT_TRUE(contains(r.body, "Too many attempts")) << r.body;
    bool retry_after = false;
    for (const auto& h : r.headers) retry_after = retry_after || (h.name == "Retry-After" && std::stoi(h.value) > 0);
    EXPECT_TRUE(retry_after);
}

TEST_F(ResetPage, ServesTheStylesheetWithTheSameHeaders) {
    const response r = run(&reset_stylesheet, request{.path = "/reset-password.css"});
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.content_type, "text/css; charset=utf-8");
    bool csp = false;
    for (const auto& h : r.headers) csp = csp || h.name == "Content-Security-Policy";
    EXPECT_TRUE(csp);
}

}  // namespace
}  // namespace guestd::api::web
