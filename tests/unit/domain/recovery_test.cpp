#include "domain/recovery.hpp"

#include "domain/accounts.hpp"
#include "domain/credentials.hpp"
#include "domain/crm.hpp"
#include "domain/profile_fields.hpp"
#include "unit/domain/fixture.hpp"
#include "unit/domain/recording_database.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace guestd::domain {
namespace {

constexpr const char* pw = "correct horse battery staple";
constexpr const char* new_pw = "a brand new passphrase";
using kind = reset_answer::kind;

/// Undoes quoted-printable: soft breaks and =XX escapes.
std::string decode_qp(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '=' && i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (s[i] == '=' && i + 2 < s.size()) {
            out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

/// The decoded bodies of every part of a message, each as its Content-Transfer-Encoding says.
std::string bodies(std::string_view message) {
    constexpr std::string_view cte = "Content-Transfer-Encoding: ";
    std::string out;
    for (auto at = message.find(cte); at != std::string_view::npos; at = message.find(cte, at + 1)) {
        const auto name_end = message.find("\r\n", at);
        const auto encoding = message.substr(at + cte.size(), name_end - at - cte.size());
        const auto start = name_end + 4;
        const auto body = message.substr(start, message.find("\r\n--", start) - start);
        out += encoding == "quoted-printable" ? decode_qp(body) : std::string(body);
        out += "\n";
    }
    return out;
}

class Recovery : public testing::domain_fixture {
protected:
    void SetUp() override {
        domain_fixture::SetUp();
        push_booking("B1", "jane@example.com");
        ASSERT_TRUE(services_->accounts().set_password(merchant_, "jane@example.com", pw));
        services_->recovery().configure({.public_url = "https://guests.example"});
    }

    domain::recovery& recovery() { return services_->recovery(); }

    reset_request by_email(std::string email, bool b2b = false) {
        return {.merchant = merchant_, .identifiers = {{identifier_kind::email, email}},
                .verification = {{"email", email}}, .b2b = b2b, .client_address = "192.0.2.1"};
    }

    std::vector<store::outbox_message> outbox() {
        auto uow = db_->begin(store::tx::read);
        return uow->outbox().list(std::nullopt, 100);
    }

    /// The code in the newest email's link.
    std::string last_code() {
        const auto body = bodies(outbox().front().content);
        constexpr std::string_view link = "reset-password?merchant=1234&code=";
        const auto at = body.find(link);
        EXPECT_NE(at, std::string::npos) << body;
        const auto start = at + link.size();
        return body.substr(start, body.find_first_of("\r\n\"", start) - start);
    }

    core::errc complete_code(const std::string& code, const std::string& password = new_pw) {
        auto r = recovery().complete(merchant_, code, password, "192.0.2.1");
        return r ? core::errc{} : r.error().code;
    }

    code_state::kind state_of(const std::string& code) { return recovery().inspect(merchant_, code).state; }
};

TEST_F(Recovery, AResetEmailCarriesAWorkingSingleUseLink) {
    const auto answer = recovery().request(by_email("JANE@example.com"));
    EXPECT_EQ(answer.result, kind::success);
    ASSERT_EQ(outbox().size(), 1u);
    EXPECT_EQ(outbox().front().recipient, "jane@example.com");
    EXPECT_NE(bodies(outbox().front().content).find("https://guests.example/reset-password?merchant=1234&code="),
              std::string::npos);

    const auto code = last_code();
    EXPECT_EQ(code.size(), 43u);  // 256 random bits
    EXPECT_EQ(state_of(code), code_state::kind::valid);
    EXPECT_EQ(complete_code(code), core::errc{});
    EXPECT_EQ(state_of(code), code_state::kind::used);
    EXPECT_EQ(complete_code(code), core::errc::failed_precondition);
    EXPECT_TRUE(services_->accounts().login(caller_, "jane@example.com", new_pw));
    EXPECT_FALSE(services_->accounts().login(caller_, "jane@example.com", pw));
}

TEST_F(Recovery, CompletingRevokesSessionsAndQueuesANotice) {
    const auto token = services_->accounts().login(caller_, "jane@example.com", pw).value();
    recovery().request(by_email("jane@example.com"));
    ASSERT_EQ(complete_code(last_code()), core::errc{});
    EXPECT_FALSE(services_->credentials().authenticate_guest_token(token, caller_));
    const auto mail = outbox();
    ASSERT_EQ(mail.size(), 2u);
    EXPECT_NE(mail.front().subject.find("password was changed"), std::string::npos);
    EXPECT_EQ(bodies(mail.front().content).find("code="), std::string::npos);
}

TEST_F(Recovery, ACompletedResetVerifiesTheEmailItWasSentToAndNothingElseDoes) {
    const auto verified = [&] {
        auto uow = db_->begin(store::tx::read);
        return uow->guests().find_by_email(merchant_, "jane@example.com")->email_verified;
    };
    EXPECT_FALSE(verified());
    recovery().request(by_email("jane@example.com"));
    EXPECT_FALSE(verified());  // a request alone proves nothing
    const auto code = last_code();
    EXPECT_EQ(complete_code(code, "password"), core::errc::invalid_argument);  // refused by the policy
    EXPECT_FALSE(verified());
    ASSERT_EQ(complete_code(code), core::errc{});
    EXPECT_TRUE(verified());
}

TEST_F(Recovery, CodesExpire) {
    recovery().request(by_email("jane@example.com"));
    const auto code = last_code();
    clock_.advance(600);
    EXPECT_EQ(state_of(code), code_state::kind::expired);
    EXPECT_EQ(complete_code(code), core::errc::failed_precondition);
    EXPECT_EQ(state_of(code), code_state::kind::expired) << "a refused completion spends nothing";
}

TEST_F(Recovery, ANewerRequestVoidsTheOlderCode) {
    recovery().request(by_email("jane@example.com"));
    const auto first = last_code();
    recovery().request(by_email("jane@example.com"));
    const auto second = last_code();
    EXPECT_EQ(state_of(first), code_state::kind::expired);
    EXPECT_EQ(complete_code(second), core::errc{});
}

TEST_F(Recovery, AtMostThreeEmailsAnHourThenB2bIsToldAndAnonymousIsNot) {
    for (int i = 0; i < 3; ++i) EXPECT_EQ(recovery().request(by_email("jane@example.com")).result, kind::success);
    EXPECT_EQ(recovery().request(by_email("jane@example.com")).result, kind::success);
    const auto b2b = recovery().request(by_email("jane@example.com", true));
    EXPECT_EQ(b2b.result, kind::failure);
    EXPECT_EQ(b2b.error_code, "guestmanagement.rate_limited");
    EXPECT_EQ(outbox().size(), 3u);
    clock_.advance(3601);
    EXPECT_EQ(recovery().request(by_email("jane@example.com", true)).result, kind::success);
    EXPECT_EQ(outbox().size(), 4u);
}

TEST_F(Recovery, AnonymousAnswersDoNotTellWhetherTheAccountExists) {
    const auto known = recovery().request(by_email("jane@example.com"));
    const auto unknown = recovery().request(by_email("nobody@example.com"));
    EXPECT_EQ(known.result, unknown.result);
    EXPECT_EQ(unknown.email, "nobody@example.com");

    const auto b2b = recovery().request(by_email("nobody@example.com", true));
    EXPECT_EQ(b2b.error_code, "guestmanagement.user_not_found");
}

TEST_F(Recovery, ExactlyOneIdentifier) {
    auto none = by_email("jane@example.com");
    none.identifiers.clear();
    EXPECT_EQ(recovery().request(none).error_code, "guestmanagement.invalid_identifier");
    auto two = by_email("jane@example.com");
    two.identifiers.emplace_back(identifier_kind::username, "jane@example.com");
    EXPECT_EQ(recovery().request(two).error_code, "guestmanagement.invalid_identifier");
}

TEST_F(Recovery, IdentifiesByUsernameAccountIdAndCardNumber) {
    const auto account = *services_->accounts().show(merchant_, "jane@example.com").value().account;
    std::string spaced = account.printed_card_number;
    spaced.insert(4, " ");
    for (auto id : {std::pair{identifier_kind::username, std::string("JANE@EXAMPLE.COM")},
                    std::pair{identifier_kind::account_id, std::to_string(account.id.value)},
                    std::pair{identifier_kind::printed_card_number, spaced}}) {
        reset_request r{.merchant = merchant_, .identifiers = {id}, .b2b = true, .client_address = "192.0.2.1"};
        const auto answer = recovery().request(r);
        EXPECT_EQ(answer.result, kind::success) << answer.error_code;
        EXPECT_EQ(answer.email, "jane@example.com");
        clock_.advance(3601);  // stay under the hourly cap
    }
}

TEST_F(Recovery, MoreInfoIsAskedOfKnownAndUnknownAlikeThenVerified) {
    ASSERT_TRUE(services_->credentials().update_settings(merchant_, {.reset_verification_fields =
                                                                         std::vector<std::string>{"lastName"}}));
    const auto known = recovery().request(by_email("jane@example.com"));
    const auto unknown = recovery().request(by_email("nobody@example.com"));
    EXPECT_EQ(known.result, kind::more_info);
    EXPECT_EQ(unknown.result, kind::more_info);
    EXPECT_EQ(known.fields, std::vector<std::string>{"lastName"});

    const auto g = services_->accounts().show(merchant_, "jane@example.com").value().guest;
    ASSERT_TRUE(services_->accounts().update_profile(merchant_, g.id, {{find_profile_field("lastname"), "Doe"}},
                                                     std::nullopt));
    auto wrong = by_email("jane@example.com", true);
    wrong.verification["lastName"] = "Smith";
    EXPECT_EQ(recovery().request(wrong).error_code, "guestmanagement.verification_failed");
    auto right = by_email("jane@example.com", true);
    right.verification["lastName"] = "  doe ";
    EXPECT_EQ(recovery().request(right).result, kind::success);
}

TEST_F(Recovery, TheCallersCodeAndTheLinkTemplateShapeTheLink) {
    ASSERT_TRUE(services_->credentials().update_settings(
        merchant_, {.reset_link_template = std::string("https://hotel.example/reset?resetCode={code}")}));
    auto r = by_email("jane@example.com");
    r.caller_code = "CALLER-CODE-123";
    EXPECT_EQ(recovery().request(r).result, kind::success);
    EXPECT_NE(bodies(outbox().front().content).find("https://hotel.example/reset?resetCode=CALLER-CODE-123"),
              std::string::npos);
    EXPECT_EQ(complete_code("CALLER-CODE-123"), core::errc{});
}

TEST_F(Recovery, CompletionAppliesThePolicyAndKeepsTheCode) {
    recovery().request(by_email("jane@example.com"));
    const auto code = last_code();
    auto weak = recovery().complete(merchant_, code, "password", "192.0.2.1");
    ASSERT_FALSE(weak);
    EXPECT_EQ(weak.error().code, core::errc::invalid_argument);
    EXPECT_EQ(state_of(code), code_state::kind::valid);
}

TEST_F(Recovery, CompletionAttemptsAreLimitedPerAddress) {
    for (int i = 0; i < 10; ++i) EXPECT_EQ(complete_code("guess-" + std::to_string(i)), core::errc::not_found);
    EXPECT_EQ(complete_code("guess-11"), core::errc::resource_exhausted);
    auto elsewhere = recovery().complete(merchant_, "guess-12", new_pw, "192.0.2.99");
    ASSERT_FALSE(elsewhere);
    EXPECT_EQ(elsewhere.error().code, core::errc::not_found);
}

TEST_F(Recovery, CodeLookupsAreLimitedPerAddress) {
    for (int i = 0; i < 60; ++i) EXPECT_EQ(recovery().throttle_lookup("192.0.2.7"), 0);
    EXPECT_GT(recovery().throttle_lookup("192.0.2.7"), 0);
    EXPECT_EQ(recovery().throttle_lookup("192.0.2.8"), 0);
    clock_.advance(600);
    EXPECT_EQ(recovery().throttle_lookup("192.0.2.7"), 0);
}

TEST_F(Recovery, ACodeIsFoundAndCompletedOnlyWithinItsMerchant) {
    // Hotel B has a guest with the same email; each partner picks the same code for its own hotel's guest.
    const core::merchant_id other{5678};
    ASSERT_TRUE(services_->credentials().add_merchant(other, "Hotel Other"));
    domain::pms_booking b{.reference = "B1", .status = "valid", .arrival = "2026-09-17", .payload = "{}"};
    b.customer.reference = "C-jane";
    b.customer.fields.email = "jane@example.com";
    ASSERT_TRUE(services_->crm().push_bookings(other, {b}));
    ASSERT_TRUE(services_->accounts().set_password(other, "jane@example.com", pw));
    auto at_a = by_email("jane@example.com", true);
    at_a.caller_code = "SHARED-CODE-123";
    auto at_b = at_a;
    at_b.merchant = other;
    EXPECT_EQ(recovery().request(at_a).result, kind::success);
    const auto second = recovery().request(at_b);
    EXPECT_EQ(second.result, kind::success) << second.error_code << ": a code taken at A is free at B";

    // Completing at B changes B's account only; A's code stays valid, and reaches A's account only.
    ASSERT_TRUE(recovery().complete(other, "SHARED-CODE-123", new_pw, "192.0.2.1"));
    EXPECT_EQ(recovery().inspect(other, "SHARED-CODE-123").state, code_state::kind::used);
    EXPECT_EQ(state_of("SHARED-CODE-123"), code_state::kind::valid);
    EXPECT_TRUE(services_->accounts().login(caller_, "jane@example.com", pw)) << "A's password is unchanged";
    EXPECT_EQ(recovery().inspect(core::merchant_id{9999}, "SHARED-CODE-123").state, code_state::kind::unknown);
    EXPECT_EQ(complete_code("SHARED-CODE-123"), core::errc{});
    EXPECT_TRUE(services_->accounts().login(caller_, "jane@example.com", new_pw));
}

TEST_F(Recovery, ThePasswordPolicyIsAppliedBeforeTheCodeIsLookedUp) {
    // A weak password gets the same refusal whatever the code: the answer tells nothing about the code.
    recovery().request(by_email("jane@example.com"));
    const auto live = last_code();
    ASSERT_EQ(complete_code(live, "password"), core::errc::invalid_argument);
    EXPECT_EQ(complete_code("no-such-code-123", "password"), core::errc::invalid_argument);
    ASSERT_EQ(complete_code(live), core::errc{});
    EXPECT_EQ(complete_code(live, "password"), core::errc::invalid_argument) << "a used code";
    clock_.advance(3600);
    recovery().request(by_email("jane@example.com"));
    const auto expired = last_code();
    clock_.advance(601);
    EXPECT_EQ(complete_code(expired, "password"), core::errc::invalid_argument) << "an expired code";
}

/// Anonymous requests through a recovery service whose database notes every store call, in order.
class RecoveryWork : public Recovery {
protected:
    void SetUp() override {
        Recovery::SetUp();
        recording_ = std::make_unique<testing::recording_database>(*db_);
        recorded_ = std::make_unique<domain::recovery>(*recording_, clock_, hasher_,
                                                       recovery_settings{.public_url = "https://guests.example"});
        recorded_->on_mail_queued([this] { ++wakes_; });
        account_ = *services_->accounts().show(merchant_, "jane@example.com").value().account;
    }

    /// The store calls of one request by that identifier, which must be answered as anonymous requests are.
    std::vector<std::string> work(identifier_kind id, std::string value,
                                  std::map<std::string, std::string> extra = {}) {
        reset_request r{.merchant = merchant_, .identifiers = {{id, value}}, .verification = std::move(extra),
                        .client_address = "192.0.2.1"};
        recording_->clear();
        const auto answer = recorded_->request(r);
        EXPECT_EQ(answer.result, kind::success) << value;
        clock_.advance(3601);  // out of the hourly cap's reach
        return recording_->log();
    }

    /// log without the two rows only a sent email writes (its reset and its outbox message).
    static std::vector<std::string> without_the_sent_rows(std::vector<std::string> log) {
        std::erase_if(log, [](const std::string& op) { return op == "resets.replace" || op == "outbox.enqueue"; });
        return log;
    }

    passwords hasher_;
    std::unique_ptr<testing::recording_database> recording_;
    std::unique_ptr<domain::recovery> recorded_;
    store::account account_;
    int wakes_ = 0;
};

TEST_F(RecoveryWork, AnonymousRequestsRunTheSameStoreOperationsWhetherOrNotTheAccountExists) {
    std::string card = account_.printed_card_number;
    card.insert(4, " ");
    const struct {
        identifier_kind id;
        std::string found, missing;
    } cases[] = {
        {identifier_kind::email, "jane@example.com", "nobody@example.com"},
        {identifier_kind::username, "JANE@example.com", "nobody@example.com"},
        {identifier_kind::account_id, std::to_string(account_.id.value), std::to_string(account_.id.value + 100000)},
        {identifier_kind::account_id, std::to_string(account_.id.value), "not-a-number"},
        {identifier_kind::printed_card_number, card, "0000 0000 0000 0000"},
    };
    for (const auto& c : cases) {
        const auto found = work(c.id, c.found);
        const auto missing = work(c.id, c.missing);
        // One write transaction each, the same look-ups in the same order; the found one also stores its code and
        // queues its email before the same commit.
        EXPECT_EQ(without_the_sent_rows(found), missing) << c.found << " / " << c.missing;
        EXPECT_EQ(std::ranges::count(found, "resets.replace"), 1) << c.found;
        EXPECT_EQ(std::ranges::count(found, "outbox.enqueue"), 1) << c.found;
        EXPECT_EQ(std::ranges::count(missing, "begin write"), 1) << c.missing;
        EXPECT_EQ(std::ranges::count(missing, "begin read"), 0) << c.missing;
        ASSERT_FALSE(missing.empty());
        EXPECT_EQ(missing.back(), "commit") << c.missing;
    }
}

TEST_F(RecoveryWork, AnonymousRefusalsRunTheSameStoreOperationsAsAMissingAccount) {
    const auto missing = work(identifier_kind::email, "nobody@example.com");

    // The hourly cap: three emails, then a fourth request within the hour.
    for (int i = 0; i < 3; ++i) {
        recording_->clear();
        recorded_->request({.merchant = merchant_, .identifiers = {{identifier_kind::email, "jane@example.com"}},
                            .client_address = "192.0.2.1"});
    }
    recording_->clear();
    EXPECT_EQ(recorded_->request({.merchant = merchant_,
                                  .identifiers = {{identifier_kind::email, "jane@example.com"}},
                                  .client_address = "192.0.2.1"})
                  .result,
              kind::success);
    EXPECT_EQ(recording_->log(), missing) << "the hourly cap";
    clock_.advance(3601);

    // A verification mismatch, against a missing account asked the same.
    ASSERT_TRUE(services_->credentials().update_settings(merchant_, {.reset_verification_fields =
                                                                         std::vector<std::string>{"lastName"}}));
    const auto mismatch = work(identifier_kind::email, "jane@example.com", {{"lastName", "Smith"}});
    EXPECT_EQ(mismatch, work(identifier_kind::email, "nobody@example.com", {{"lastName", "Smith"}}));
    EXPECT_EQ(std::ranges::count(mismatch, "outbox.enqueue"), 0);
}

TEST_F(RecoveryWork, AnAnonymousRequestsEmailWaitsForTheWorkersPollWhileB2bWakesIt) {
    work(identifier_kind::email, "jane@example.com");
    work(identifier_kind::email, "nobody@example.com");
    EXPECT_EQ(wakes_, 0) << "waking the worker at once slowed only a found account's answer";
    EXPECT_EQ(outbox().size(), 1u) << "the email is queued all the same";

    const auto b2b = recorded_->request(by_email("jane@example.com", true));
    EXPECT_EQ(b2b.result, kind::success);
    EXPECT_EQ(wakes_, 1);
}

TEST_F(Recovery, FrenchGuestsGetFrenchEmails) {
    const auto g = services_->accounts().show(merchant_, "jane@example.com").value().guest;
    ASSERT_TRUE(services_->accounts().update_profile(merchant_, g.id, {{find_profile_field("language"), "fr"}},
                                                     std::nullopt));
    recovery().request(by_email("jane@example.com"));
    EXPECT_NE(outbox().front().subject.find("Réinitialisez"), std::string::npos);
}

}  // namespace
}  // namespace guestd::domain
