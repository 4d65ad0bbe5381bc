// Requesting a password reset over the Paytronix Guest Management dialect, against the real binary: the spooled
// email, exactly one identifier (flat or in userIdentity), credentials and grants, b2b rights, the uniform
// anonymous answer, verification fields (more_info), the hourly cap, the caller's own code and the link template.
#include "integration/paytronix_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view john = "john.doe@example.com";
constexpr std::string_view password = "correct horse battery staple";
constexpr std::string_view new_password = "plum orchard under snow 42";

std::string upper(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// "1234567812345670" -> "1234 5678 1234 5670".
std::string spaced(std::string_view card) {
    std::string out;
    for (std::size_t i = 0; i < card.size(); ++i) {
        if (i > 0 && i % 4 == 0) out += ' ';
        out += card[i];
    }
    return out;
}

/// How many outbox messages go to recipient (case-insensitive).
std::size_t count_to(const json::array& outbox, std::string_view recipient) {
    return static_cast<std::size_t>(std::ranges::count_if(outbox, [&](const json::value& m) {
        const auto* r = m.is_object() ? m.as_object().if_contains("recipient") : nullptr;
        return r != nullptr && r->is_string() && lower(r->as_string()) == lower(recipient);
    }));
}

class ResetEmail : public paytronix_test {};
class ResetIdentifier : public paytronix_test {
protected:
    void SetUp() override {
        paytronix_test::SetUp();
        if (HasFatalFailure()) return;
        account_ = make_account(john, password);
        ASSERT_TRUE(account_.contains("account_id") && account_.at("account_id").is_int64())
            << json::serialize(account_);
        ASSERT_TRUE(account_.at("printed_card_number").is_string()) << json::serialize(account_);
        ASSERT_TRUE(account_.at("username").is_string()) << json::serialize(account_);
    }
    std::int64_t account_id() const { return account_.at("account_id").as_int64(); }
    std::string card() const { return std::string(account_.at("printed_card_number").as_string()); }
    std::string username() const { return std::string(account_.at("username").as_string()); }

    json::object account_;
};
class ResetAccess : public paytronix_test {};
class ResetAnonymity : public ResetIdentifier {};
class ResetVerification : public ResetIdentifier {
protected:
    void SetUp() override {
        ResetIdentifier::SetUp();
        if (HasFatalFailure()) return;
        // The server is running: the setting must apply to its next request.
        merchant_set(1234, {"--reset-verification-fields", "lastName,postalCode"});
    }
    const std::vector<std::string> fields_{"lastName", "postalCode"};
};
class ResetCode : public paytronix_test {};

// ---- the email -------------------------------------------------------------------------------------------

TEST_F(ResetEmail, SpoolHoldsOneWholeMessageWithTheResetLink) {
    make_account(john, password);
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));

    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    const mail_message& m = mails[0];
    EXPECT_EQ(m.file.parent_path(), inbox());
    EXPECT_EQ(m.file.extension(), ".eml");
    EXPECT_NE(lower(m.header("to").value_or("")).find(john), std::string::npos) << m.raw;
    EXPECT_NE(m.header("from").value_or("").find("no-reply@guestd.test"), std::string::npos)
        << "the server's --mail-from is the sender when the merchant has none:\n" << m.raw;
    EXPECT_FALSE(m.header("subject").value_or("").empty()) << m.raw;
    EXPECT_FALSE(m.header("date").value_or("").empty()) << m.raw;
    EXPECT_FALSE(m.header("message-id").value_or("").empty()) << m.raw;
    EXPECT_EQ(m.header("mime-version").value_or(""), "1.0") << m.raw;
    EXPECT_TRUE(lower(m.header("content-type").value_or("")).starts_with("multipart/alternative")) << m.raw;

    // Both parts name the merchant, hold the link and say how many minutes it lives.
    const std::string link = reset_link(m);
    EXPECT_TRUE(link.starts_with(server_->base_url() + "/reset-password?merchant=1234&code="))
        << "without --public-url links point at the bound address: " << link;
    const std::string code = code_of(link);
    EXPECT_GE(code.size(), 22u) << "a generated code carries at least 128 random bits: " << code;
    for (const std::string* part : {&m.text, &m.html}) {
        EXPECT_NE(part->find("Hotel Test"), std::string::npos) << *part;
        EXPECT_NE(part->find(code), std::string::npos) << *part;
        EXPECT_NE(part->find("10"), std::string::npos) << "validity in minutes (10 by default):\n" << *part;
    }

    // The outbox records the delivery.
    EXPECT_TRUE(eventually([&] { return count_to(outbox("sent"), john) == 1; }))
        << json::serialize(outbox());
    const json::array all = outbox();
    ASSERT_EQ(all.size(), 1u);
    for (const char* key : {"id", "message_id", "recipient", "subject", "status", "attempts", "created_at",
                            "next_attempt_at", "sent_at", "last_error"}) {
        EXPECT_TRUE(all[0].as_object().contains(key)) << key << " missing in " << json::serialize(all[0]);
    }
}

TEST_F(ResetEmail, TheAnswerEchoesTheEmailAsSentAndTheMailGoesToTheGuest) {
    make_account(john, password);
    const std::string shouted = upper(john);
    EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", shouted}}), shouted));
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_NE(lower(mails[0].header("to").value_or("")).find(john), std::string::npos) << mails[0].raw;
}

TEST_F(ResetEmail, TheMerchantsSenderReplacesTheServerDefault) {
    make_account(john, password);
    const json::object s = merchant_set(1234, {"--mail-from", "Hotel Test <reservations@hotel.example>"});
    EXPECT_EQ(s.if_contains("mail_from") ? s.at("mail_from") : json::value(),
              json::value("Hotel Test <reservations@hotel.example>"));
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_NE(mails[0].header("from").value_or("").find("reservations@hotel.example"), std::string::npos)
        << mails[0].raw;
}

TEST_F(ResetEmail, ThePublicUrlPrefixesTheLink) {
    restart_guestd({"--public-url", "https://guests.hotel.example"});
    make_account(john, password);
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    const std::string link = reset_link(mails[0]);
    EXPECT_TRUE(link.starts_with("https://guests.hotel.example/reset-password?merchant=1234&code=")) << link;
    EXPECT_TRUE(is_completed(complete_reset(code_of(link), new_password)));
}

TEST_F(ResetEmail, AMerchantTemplateReplacesTheBuiltInWording) {
    make_account(john, password);
    const auto text = dir_->path() / "reset.txt";
    const auto html = dir_->path() / "reset.html";
    {
        std::ofstream(text) << "Hi {firstname}, open {link} within {minutes} minutes ({merchant}).\n";
        std::ofstream(html) << "<p>{merchant}: <a href=\"{link}\">reset</a></p>\n";
    }
    const run_result set = run_guestd({"merchant", "template", "1234", "--kind", "reset", "--language", "en",
                                       "--subject", "Your {merchant} reset", "--text-file", text.string(),
                                       "--html-file", html.string(), "--db", db_.string()});
    ASSERT_EQ(set.exit_code, 0) << set.err;

    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
    auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    const std::string link = reset_link(mails[0]);
    EXPECT_EQ(mails[0].header("subject").value_or(""), "Your Hotel Test reset") << mails[0].raw;
    EXPECT_NE(mails[0].text.find("Hi John, open " + link + " within 10 minutes (Hotel Test)."), std::string::npos)
        << mails[0].text;
    EXPECT_NE(mails[0].html.find("<p>Hotel Test: <a href="), std::string::npos) << mails[0].html;

    // Without it the built-in wording comes back.
    const run_result removed = run_guestd({"merchant", "template", "1234", "--kind", "reset", "--language", "en",
                                           "--remove", "--db", db_.string()});
    ASSERT_EQ(removed.exit_code, 0) << removed.err;
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
    mails = wait_for_mails(2);
    ASSERT_EQ(mails.size(), 2u);
    EXPECT_NE(mails[1].header("subject").value_or(""), "Your Hotel Test reset") << mails[1].raw;
    EXPECT_EQ(mails[1].text.find("Hi John, open "), std::string::npos) << mails[1].text;
    EXPECT_TRUE(is_completed(complete_reset(code_of(reset_link(mails[1])), new_password)));
}

// ---- exactly one identifier ------------------------------------------------------------------------------

TEST_F(ResetIdentifier, NoIdentifierIsInvalid) {
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}}), 200, "guestmanagement.invalid_identifier"));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"authentication", "b2b"}}, basic(bravo_)), 200,
                           "guestmanagement.invalid_identifier"));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"userIdentity", json::object{}}}), 200,
                           "guestmanagement.invalid_identifier"));
    EXPECT_TRUE(outbox().empty());
}

TEST_F(ResetIdentifier, TwoIdentifiersAreInvalid) {
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"email", john}, {"accountId", account_id()}}), 200,
                           "guestmanagement.invalid_identifier"));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234},
                                          {"userIdentity", {{"username", username()}, {"printedCardNumber", card()}}}}),
                           200, "guestmanagement.invalid_identifier"));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234},
                                          {"authentication", "b2b"},
                                          {"email", john},
                                          {"userIdentity", {{"accountId", account_id()}}}},
                                         basic(bravo_)),
                           200, "guestmanagement.invalid_identifier"));
    EXPECT_TRUE(outbox().empty());
}

TEST_F(ResetIdentifier, FlatAndInsideUserIdentityAreBothAccepted) {
    EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"authentication", "b2b"}, {"email", john}},
                                               basic(bravo_)),
                                 john));
    EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234},
                                                {"authentication", "b2b"},
                                                {"userIdentity", {{"email", john}}}},
                                               basic(bravo_)),
                                 john));
    EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"userIdentity", {{"email", john}}}}), john));
    EXPECT_EQ(count_to(outbox(), john), 3u) << json::serialize(outbox());
}

TEST_F(ResetIdentifier, AccountIdFindsTheAccountAndB2bLearnsItsEmail) {
    EXPECT_TRUE(is_reset_success(
        request_reset({{"merchantId", 1234}, {"authentication", "b2b"}, {"accountId", account_id()}}, basic(bravo_)),
        john));
    // Anonymous callers get back the email they sent: none.
    EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"userIdentity", {{"accountId", account_id()}}}}),
                                 ""));
    EXPECT_EQ(count_to(outbox(), john), 2u) << json::serialize(outbox());
}

TEST_F(ResetIdentifier, AccountIdMustBeAnInteger) {
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"accountId", std::to_string(account_id())}}), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(outbox().empty());
}

TEST_F(ResetIdentifier, PrintedCardNumberIgnoresSpaces) {
    for (const std::string& number : {spaced(card()), card()}) {
        EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234},
                                                    {"authentication", "b2b"},
                                                    {"userIdentity", {{"printedCardNumber", number}}}},
                                                   basic(bravo_)),
                                     john))
            << number;
    }
    EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"printedCardNumber", spaced(card())}}), ""));
    EXPECT_EQ(count_to(outbox(), john), 3u) << json::serialize(outbox());
}

TEST_F(ResetIdentifier, UsernameAndEmailIgnoreCase) {
    EXPECT_TRUE(is_reset_success(
        request_reset({{"merchantId", 1234}, {"authentication", "b2b"}, {"username", upper(username())}},
                      basic(bravo_)),
        john));
    EXPECT_TRUE(is_reset_success(
        request_reset({{"merchantId", 1234}, {"authentication", "b2b"}, {"email", upper(john)}}, basic(bravo_)), john));
    EXPECT_EQ(count_to(outbox(), john), 2u) << json::serialize(outbox());
}

TEST_F(ResetIdentifier, B2bLearnsThatNoAccountMatches) {
    // A guest of the merchant without a password has no account either.
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-2002", "jane.roe@example.com")}), 1, 0));
    const auto b2b = [&](json::object identity) {
        identity["merchantId"] = 1234;
        identity["authentication"] = "b2b";
        return request_reset(identity, basic(bravo_));
    };
    EXPECT_TRUE(is_failure(b2b({{"email", "nobody@example.com"}}), 200, "guestmanagement.user_not_found"));
    EXPECT_TRUE(is_failure(b2b({{"email", "jane.roe@example.com"}}), 200, "guestmanagement.user_not_found"));
    EXPECT_TRUE(is_failure(b2b({{"accountId", account_id() + 100000}}), 200, "guestmanagement.user_not_found"));
    EXPECT_TRUE(is_failure(b2b({{"username", "nobody"}}), 200, "guestmanagement.user_not_found"));
    EXPECT_TRUE(is_failure(b2b({{"printedCardNumber", "0000 0000 0000 0000"}}), 200, "guestmanagement.user_not_found"));
    // The account belongs to merchant 1234 only.
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 5678}, {"authentication", "b2b"}, {"email", john}},
                                         basic(bravo_)),
                           200, "guestmanagement.user_not_found"));
    EXPECT_TRUE(outbox().empty());
}

// ---- credentials, grants, types, paths ---------------------------------------------------------------------

TEST_F(ResetAccess, AMerchantNotGrantedIsPermissionDenied) {
    make_account(john, password);
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 5678}, {"email", john}}, basic(beta_)), 200,
                           "guestmanagement.permission_denied"));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 4242}, {"email", john}}), 200,
                           "guestmanagement.permission_denied"));
    EXPECT_TRUE(is_failure(complete_reset("whatever-code-123", new_password, 5678, basic(beta_)), 200,
                           "guestmanagement.permission_denied"));
    EXPECT_TRUE(outbox().empty());
}

TEST_F(ResetAccess, B2bNeedsAPartnerWithB2bRights) {
    make_account(john, password);
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"authentication", "b2b"}, {"email", john}}), 200,
                           "guestmanagement.b2b_not_allowed"));
    EXPECT_TRUE(is_failure(send_reset({{"merchantId", 1234}, {"authentication", "b2b"}, {"email", john}}), 200,
                           "guestmanagement.b2b_not_allowed"));
    EXPECT_TRUE(outbox().empty());
}

TEST_F(ResetAccess, BadBasicCredentialsAre401WithTheFailureBody) {
    make_account(john, password);
    const json::object body{{"merchantId", 1234}, {"email", john}};
    partner_info wrong = acme_;
    wrong.client_secret += "x";
    partner_info unknown = acme_;
    unknown.client_id = "no-such-client";
    for (const std::string& auth :
         {basic(wrong), basic(unknown), std::string(), "Basic " + base64(acme_.client_id),
          std::string("Basic !!!not-base64!!!"), "Bearer " + acme_.token + ":" + hotel_a_.hotel_token}) {
        EXPECT_TRUE(is_failure(request_reset(body, auth), 401, "guestmanagement.authentication_failed"))
            << "Authorization: " << auth;
    }
    EXPECT_TRUE(is_failure(complete_reset("whatever-code-123", new_password, 1234, basic(wrong)), 401,
                           "guestmanagement.authentication_failed"));
    EXPECT_TRUE(outbox().empty());
}

TEST_F(ResetAccess, WrongTypesAre400WithTheFailureBody) {
    make_account(john, password);
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", "1234"}, {"email", john}}), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(request_reset({{"email", john}}), 400, "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"email", 42}}), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"authentication", "oauth"}, {"email", john}}), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"userIdentity", "john"}}), 400,
                           "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(request_reset(json::array{1234}), 400, "guestmanagement.invalid_request"));
    EXPECT_TRUE(is_failure(complete_reset("whatever-code-123", new_password, 1234), 200,
                           "guestmanagement.invalid_reset_code"));
    EXPECT_TRUE(
        is_failure(pt_post("completeGuestResetPassword",
                           {{"merchantId", 1234}, {"resetCode", "whatever-code-123"}, {"newPassword", 12345678}}),
                   400, "guestmanagement.invalid_request"));
    const http_response not_json =
        call("POST", "/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json",
             std::string(R"({"merchantId": 1234, "email": )"), {{"Authorization", basic(acme_)}});
    EXPECT_TRUE(is_failure(not_json, 400, "guestmanagement.invalid_request"));
    EXPECT_TRUE(outbox().empty());
}

TEST_F(ResetAccess, UnknownBodyKeysAreIgnored) {
    make_account(john, password);
    EXPECT_TRUE(is_reset_success(
        request_reset({{"merchantId", 1234}, {"email", john}, {"integration_identifier", "web-42"}}), john));
    EXPECT_EQ(count_to(outbox(), john), 1u);
}

TEST_F(ResetAccess, BothPathFormsAnswer) {
    make_account(john, password);
    const json::object body{{"merchantId", 1234}, {"email", john}};
    EXPECT_TRUE(is_reset_success(pt_post("generateAndSendGuestResetPasswordCode", body, std::nullopt,
                                         "/guestmanagement/"),
                                 john));
    EXPECT_TRUE(is_reset_success(pt_post("sendGuestResetPasswordCode", body, std::nullopt, "/guestmanagement/"),
                                 john));
    EXPECT_TRUE(is_reset_success(pt_post("generateAndSendGuestResetPasswordCode", body, std::nullopt,
                                         "/rest/1.0/guestmanagement/"),
                                 john));
    const auto mails = wait_for_mails(3);
    ASSERT_EQ(mails.size(), 3u);
    // The newest code completes through the short path too.
    EXPECT_TRUE(is_completed(pt_post("completeGuestResetPassword",
                                     {{"merchantId", 1234}, {"resetCode", code_of(reset_link(mails[2]))},
                                      {"newPassword", new_password}},
                                     std::nullopt, "/guestmanagement/")));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
}

// ---- anonymous callers learn nothing --------------------------------------------------------------------

TEST_F(ResetAnonymity, AnswersAreIdenticalForExistingAndMissingAccounts) {
    const std::vector<std::pair<json::object, json::object>> pairs{
        {{{"accountId", account_id()}}, {{"accountId", account_id() + 100000}}},
        {{{"username", username()}}, {{"username", "nobody.at.all@example.com"}}},
        {{{"printedCardNumber", spaced(card())}}, {{"printedCardNumber", "0000 0000 0000 0000"}}},
    };
    for (auto [existing, missing] : pairs) {
        existing["merchantId"] = 1234;
        missing["merchantId"] = 1234;
        const http_response a = request_reset(existing);
        const http_response b = request_reset(missing);
        EXPECT_TRUE(is_reset_success(a, "")) << json::serialize(existing);
        EXPECT_EQ(a.status, b.status) << json::serialize(missing);
        EXPECT_EQ(a.body, b.body) << json::serialize(missing);
        EXPECT_EQ(stable_headers(a), stable_headers(b)) << json::serialize(missing);
    }
    // Only the existing account got emails.
    const json::array all = outbox();
    EXPECT_EQ(all.size(), 3u) << json::serialize(all);
    EXPECT_EQ(count_to(all, john), 3u) << json::serialize(all);
}

TEST_F(ResetAnonymity, AFourthRequestWithinTheHourSendsNoEmail) {
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john)) << i;
    }
    EXPECT_EQ(count_to(outbox(), john), 3u);
    const http_response fourth = request_reset({{"merchantId", 1234}, {"email", john}});
    // A stranger's email of the same length: the answers differ only in the echoed email.
    const http_response stranger = request_reset({{"merchantId", 1234}, {"email", "jane.roe@example.com"}});
    EXPECT_TRUE(is_reset_success(fourth, john));
    EXPECT_EQ(stable_headers(fourth), stable_headers(stranger));
    EXPECT_EQ(count_to(outbox(), john), 3u) << "the cap is 3 reset emails per account per hour";
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234}, {"authentication", "b2b"}, {"email", john}},
                                         basic(bravo_)),
                           200, "guestmanagement.rate_limited"));
    EXPECT_EQ(wait_for_mails(3).size(), 3u);
    EXPECT_EQ(count_to(outbox(), john), 3u);
}

// ---- verification fields ------------------------------------------------------------------------------------

TEST_F(ResetVerification, MerchantSetPrintsTheWholeSettings) {
    const json::object s = merchant_set(1234, {"--reset-verification-fields", "lastName,postalCode"});
    EXPECT_EQ(json::value(s), parse_json(R"({"merchant_id": 1234, "name": "Hotel Test", "password_min_length": 8,
        "reset_verification_fields": ["lastName", "postalCode"], "reset_link_template": "", "reset_code_ttl": 600,
        "mail_from": "", "audit_retention_days": 365})"));
}

TEST_F(ResetVerification, MoreInfoComesForKnownAndUnknownAccountsAlike) {
    const http_response known = request_reset({{"merchantId", 1234}, {"email", john}});
    const http_response unknown = request_reset({{"merchantId", 1234}, {"email", "nobody@example.com"}});
    EXPECT_TRUE(is_more_info(known, fields_));
    EXPECT_EQ(known.status, unknown.status);
    EXPECT_EQ(known.body, unknown.body);
    EXPECT_EQ(stable_headers(known), stable_headers(unknown));
    // One field of two is not enough, and b2b callers are asked too.
    EXPECT_TRUE(is_more_info(request_reset({{"merchantId", 1234}, {"email", john}, {"lastName", "Doe"}}), fields_));
    EXPECT_TRUE(is_more_info(
        request_reset({{"merchantId", 1234}, {"authentication", "b2b"}, {"accountId", account_id()}}, basic(bravo_)),
        fields_));
    EXPECT_TRUE(outbox().empty());
}

TEST_F(ResetVerification, TheRetryWithTheFieldsFlatSucceeds) {
    EXPECT_TRUE(is_reset_success(
        request_reset({{"merchantId", 1234}, {"email", john}, {"lastName", " doe "}, {"postalCode", "75001"}}), john));
    EXPECT_EQ(count_to(outbox(), john), 1u);
}

TEST_F(ResetVerification, TheRetryWithTheFieldsInUserIdentitySucceeds) {
    EXPECT_TRUE(is_reset_success(
        request_reset({{"merchantId", 1234},
                       {"userIdentity", {{"email", john}, {"lastName", "DOE"}, {"postalCode", " 75001"}}}}),
        john));
    EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234},
                                                {"authentication", "b2b"},
                                                {"userIdentity", {{"accountId", account_id()}, {"lastName", "Doe"},
                                                                  {"postalCode", "75001"}}}},
                                               basic(bravo_)),
                                 john));
    EXPECT_EQ(count_to(outbox(), john), 2u);
}

TEST_F(ResetVerification, AMismatchIsHiddenFromAnonymousCallersAndToldToB2b) {
    const http_response anonymous =
        request_reset({{"merchantId", 1234}, {"email", john}, {"lastName", "Smith"}, {"postalCode", "75001"}});
    const http_response stranger = request_reset(
        {{"merchantId", 1234}, {"email", "jane.roe@example.com"}, {"lastName", "Smith"}, {"postalCode", "75001"}});
    EXPECT_TRUE(is_reset_success(anonymous, john));
    EXPECT_EQ(stable_headers(anonymous), stable_headers(stranger));
    EXPECT_TRUE(is_failure(request_reset({{"merchantId", 1234},
                                          {"authentication", "b2b"},
                                          {"email", john},
                                          {"lastName", "Doe"},
                                          {"postalCode", "69001"}},
                                         basic(bravo_)),
                           200, "guestmanagement.verification_failed"));
    EXPECT_TRUE(outbox().empty()) << json::serialize(outbox());
}

TEST_F(ResetVerification, SettingsApplyToTheRunningServer) {
    EXPECT_TRUE(is_more_info(request_reset({{"merchantId", 1234}, {"email", john}}), fields_));
    merchant_set(1234, {"--reset-verification-fields", "postalCode"});
    EXPECT_TRUE(is_more_info(request_reset({{"merchantId", 1234}, {"email", john}}), {"postalCode"}));
    merchant_set(1234, {"--reset-verification-fields", ""});
    EXPECT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
    EXPECT_EQ(count_to(outbox(), john), 1u);
}

TEST_F(ResetVerification, AnEmailBesideAnotherIdentifierVerifiesWhenTheMerchantAsksForIt) {
    merchant_set(1234, {"--reset-verification-fields", "email"});
    const auto b2b = [&](std::string_view email) {
        return request_reset(
            {{"merchantId", 1234}, {"authentication", "b2b"}, {"accountId", account_id()}, {"email", email}},
            basic(bravo_));
    };
    EXPECT_TRUE(is_more_info(
        request_reset({{"merchantId", 1234}, {"authentication", "b2b"}, {"accountId", account_id()}}, basic(bravo_)),
        {"email"}));
    EXPECT_TRUE(is_reset_success(b2b(upper(john)), john));
    EXPECT_TRUE(is_failure(b2b("someone.else@example.com"), 200, "guestmanagement.verification_failed"));
    EXPECT_EQ(count_to(outbox(), john), 1u);
}

// ---- the caller's code and the link template --------------------------------------------------------------

TEST_F(ResetCode, TheCallersOwnCodeIsInTheLinkAndCompletesTheReset) {
    make_account(john, password);
    const std::string own = "Caller-Code_0123456789";
    ASSERT_TRUE(is_reset_success(
        send_reset({{"merchantId", 1234}, {"email", john}, {"resetCode", own}}, basic(holder_)), john));
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(code_of(reset_link(mails[0])), own);
    EXPECT_TRUE(is_completed(complete_reset(own, new_password, 1234, basic(holder_))));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
}

TEST_F(ResetCode, TheCallersCodeHasEightToOneHundredTwentyEightCharacters) {
    make_account(john, password);
    // api.md names the rule but not its errorCode: any failure that queues nothing will do.
    for (const std::string& bad : {std::string("seven77"), std::string(129, 'x'), std::string("tab\tinside-code")}) {
        const http_response r = send_reset({{"merchantId", 1234}, {"email", john}, {"resetCode", bad}}, basic(holder_));
        EXPECT_TRUE(is_failure(r, 200, "guestmanagement.invalid_reset_code") ||
                    is_failure(r, 400, "guestmanagement.invalid_request"))
            << bad << ": " << r.status << " " << r.body;
    }
    EXPECT_TRUE(outbox().empty());
}

TEST_F(ResetCode, TheMerchantsLinkTemplateShapesTheLink) {
    make_account(john, password);
    merchant_set(1234, {"--reset-link-template", "https://hotel.example/reset?resetCode={code}"});
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
    const auto mails = wait_for_mails(1);
    ASSERT_EQ(mails.size(), 1u);
    const std::string link = reset_link(mails[0]);
    EXPECT_TRUE(link.starts_with("https://hotel.example/reset?resetCode=")) << link;
    const auto code = query_param(link, "resetCode");
    ASSERT_TRUE(code.has_value()) << link;
    EXPECT_TRUE(is_completed(complete_reset(*code, new_password)));
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
}

// ---- who may choose the code (issue 13) ----------------------------------------------------------------------

TEST_F(ResetCode, OnlyAPartnerTheOperatorGrantedMayChooseTheCode) {
    make_account(john, password);
    const std::string own = "Chosen-By-Caller-0001";
    // acme and beta (anonymous), bravo (with b2b rights, asking as b2b): none was granted the right, whatever the
    // account, so nothing is looked up, stored or sent.
    const std::vector<std::pair<std::string, json::object>> refused{
        {basic(acme_), {{"merchantId", 1234}, {"email", john}, {"resetCode", own}}},
        {basic(acme_), {{"merchantId", 1234}, {"email", "nobody@example.com"}, {"resetCode", own}}},
        {basic(beta_), {{"merchantId", 1234}, {"userIdentity", {{"email", john}}}, {"resetCode", own}}},
        {basic(bravo_), {{"merchantId", 1234}, {"authentication", "b2b"}, {"email", john}, {"resetCode", own}}},
    };
    for (const auto& [auth, body] : refused) {
        EXPECT_TRUE(is_failure(send_reset(body, auth), 200, "guestmanagement.caller_reset_code_not_allowed"))
            << json::serialize(body);
    }
    EXPECT_TRUE(outbox().empty()) << json::serialize(outbox());
    EXPECT_TRUE(is_failure(complete_reset(own, new_password), 200, "guestmanagement.invalid_reset_code"));
    EXPECT_TRUE(has_status(login_call(john, password), 200));

    // Without a resetCode they still get a generated one; the holder of the right may choose its own.
    EXPECT_TRUE(is_reset_success(send_reset({{"merchantId", 1234}, {"email", john}}), john));
    EXPECT_TRUE(is_reset_success(
        send_reset({{"merchantId", 1234}, {"email", john}, {"resetCode", own}}, basic(holder_)), john));
    const auto mails = wait_for_mails(2);
    ASSERT_EQ(mails.size(), 2u);
    EXPECT_NE(code_of(reset_link(mails[0])), own);
    EXPECT_EQ(code_of(reset_link(mails[1])), own);
}

TEST_F(ResetCode, TheOperatorGrantsAndWithdrawsTheRightWhileTheServerRuns) {
    make_account(john, password);
    const auto body = [](std::string_view code) {
        return json::object{{"merchantId", 1234}, {"email", john}, {"resetCode", code}};
    };
    constexpr std::string_view not_allowed = "guestmanagement.caller_reset_code_not_allowed";
    ASSERT_TRUE(is_failure(send_reset(body("Granted-Code-0001")), 200, not_allowed));

    const std::string acme = std::to_string(acme_.id);
    EXPECT_EQ(cli_json({"partner", "set", acme, "--caller-reset-codes", "true"}),
              json::value({{"partner_id", acme_.id}, {"caller_reset_codes", true}}));
    EXPECT_TRUE(is_reset_success(send_reset(body("Granted-Code-0001")), john));
    EXPECT_EQ(cli_json({"partner", "set", acme, "--caller-reset-codes", "false"}),
              json::value({{"partner_id", acme_.id}, {"caller_reset_codes", false}}));
    EXPECT_TRUE(is_failure(send_reset(body("Granted-Code-0002")), 200, not_allowed));
    EXPECT_EQ(count_to(outbox(), john), 1u);

    // The flag takes true or false, and the partner must exist.
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"partner", "set", acme, "--caller-reset-codes", "maybe"},
          std::vector<std::string>{"partner", "set", acme},
          std::vector<std::string>{"partner", "set", "99999", "--caller-reset-codes", "true"}}) {
        std::vector<std::string> args = bad;
        args.insert(args.end(), {"--db", db_.string()});
        const run_result r = run_guestd(args);
        EXPECT_NE(r.exit_code, 0) << r.out;
        EXPECT_FALSE(r.err.empty());
    }
}

// ---- a code belongs to its merchant (issue 13) ---------------------------------------------------------------

class ResetCodeScope : public paytronix_test {
protected:
    void SetUp() override {
        paytronix_test::SetUp();
        if (HasFatalFailure()) return;
        make_account(john, password);  // at hotel A (1234)
        const std::string at_b = bearer(acme_, hotel_b_);
        ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-B-1", bea)}, at_b), 1, 0));
        ASSERT_TRUE(has_status(update_password(bea, password, at_b), 200));
    }
    static constexpr std::string_view bea = "bea.roe@example.com";
};

TEST_F(ResetCodeScope, ACodeTakenAtOneHotelIsFreeAtAnotherAndItsAnswerTellsNothing) {
    // Hotel A's partner chose a code for John.
    const std::string code = "Pending-At-Hotel-A-01";
    ASSERT_TRUE(is_reset_success(
        send_reset({{"merchantId", 1234}, {"email", john}, {"resetCode", code}}, basic(holder_)), john));

    // Hotel B's partner, with b2b rights, tries the same code for its own guest: taken at A is no matter at B.
    EXPECT_TRUE(is_reset_success(
        send_reset({{"merchantId", 5678}, {"authentication", "b2b"}, {"email", bea}, {"resetCode", code}},
                   basic(holder_b_)),
        bea));
    // At B the code is now B's own: choosing it again there is refused, as before, for B's code only.
    EXPECT_TRUE(is_failure(
        send_reset({{"merchantId", 5678}, {"authentication", "b2b"}, {"email", bea}, {"resetCode", code}},
                   basic(holder_b_)),
        200, "guestmanagement.invalid_reset_code"));

    // Each completes within its own hotel: B's does not touch John, A's code still works for John alone.
    EXPECT_TRUE(is_completed(complete_reset(code, new_password, 5678, basic(holder_b_))));
    EXPECT_TRUE(has_status(login_call(john, password), 200)) << "hotel A's guest is untouched";
    EXPECT_TRUE(is_completed(complete_reset(code, "another passphrase 77", 1234, basic(holder_))));
    EXPECT_TRUE(has_status(login_call(john, "another passphrase 77"), 200));
}

TEST_F(ResetCodeScope, TheHostedPagesLinkCarriesTheMerchantAndResolvesTheCodeOnlyWithinIt) {
    const std::string code = reset_code_for(john);
    ASSERT_FALSE(code.empty());
    const std::string link = reset_link(wait_for_mails(1).at(0));
    EXPECT_TRUE(link.starts_with(server_->base_url() + "/reset-password?merchant=1234&code=")) << link;

    // The code with another hotel's id, or with none, is no code at all: no form, nothing changed.
    for (const std::string& query : {"/reset-password?merchant=5678&code=" + url_encode(code),
                                     "/reset-password?code=" + url_encode(code)}) {
        EXPECT_EQ(open_page(query).body.find("<form"), std::string::npos) << query;
    }
    const http_response elsewhere = submit_page(code, new_password, new_password, 5678);
    EXPECT_TRUE(has_status(elsewhere, 200));
    EXPECT_NE(elsewhere.body.find("This link is not valid"), std::string::npos) << elsewhere.body;
    EXPECT_TRUE(has_status(login_call(john, password), 200)) << "the code did not work at hotel B";

    // Within its own hotel it does.
    EXPECT_NE(open_page(link).body.find("<form"), std::string::npos);
    EXPECT_NE(submit_page(code, new_password, new_password, 1234).body.find("has been changed"), std::string::npos);
    EXPECT_TRUE(has_status(login_call(john, new_password), 200));
}

TEST_F(ResetCodeScope, AMerchantsLinkTemplateMayPlaceTheMerchantBesideTheCode) {
    merchant_set(1234, {"--reset-link-template", "https://hotel.example/reset?hotel={merchant}&resetCode={code}"});
    ASSERT_TRUE(is_reset_success(request_reset({{"merchantId", 1234}, {"email", john}}), john));
    const std::string link = reset_link(wait_for_mails(1).at(0));
    EXPECT_TRUE(link.starts_with("https://hotel.example/reset?hotel=1234&resetCode=")) << link;
    EXPECT_TRUE(is_completed(complete_reset(code_of(link), new_password)));
}

}  // namespace
}  // namespace guestd::itest
