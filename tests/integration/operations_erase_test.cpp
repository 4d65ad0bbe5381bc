// Erasure (GDPR art. 17) against the real binary: after `guestd erase`, the database file and its -wal and -shm
// companions hold none of the person's email, names or phone (read byte by byte, with the server running and after
// it stopped); the guest is unknown to every endpoint and command; the audit trail keeps one pseudonymous
// guest.erased event; and pushing the same booking again makes a new guest without the old account.
//
// Emails already delivered to the spool directory are files outside the database that erasure does not reach, so
// only the database files are searched.
#include "integration/operations_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view email = "quillonia.vantregosk@erasure.example";
constexpr std::string_view firstname = "Quillonia";
constexpr std::string_view lastname = "Vantregosk";
constexpr std::string_view phone = "+33698761234";
constexpr std::string_view password = "correct horse battery staple";
constexpr std::string_view reason = "art. 17 request 2024-117";

std::string lower(std::string_view s) {
    std::string out(s);
    std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// How many outbox messages go to recipient (case-insensitive).
std::size_t count_to(const json::array& outbox, std::string_view recipient) {
    return static_cast<std::size_t>(std::ranges::count_if(outbox, [&](const json::value& m) {
        return lower(string_at(m.as_object(), "recipient")) == lower(recipient);
    }));
}

class Erasure : public operations_test {
protected:
    void SetUp() override {
        operations_test::SetUp();
        if (HasFatalFailure()) return;
        // A person with a booking, a list membership, an account, a login token and a delivered reset email.
        ASSERT_TRUE(is_batch_success(push_bookings(json::array{person_booking()}), 1, 0));
        ASSERT_TRUE(has_status(add_members("newsletter", {std::string(email)}), 200));
        set_password(email, password);
        token_ = login(email, password);
        ASSERT_FALSE(token_.empty());
        code_ = reset_code_for(email);
        ASSERT_FALSE(code_.empty());
        guest_id_ = int_at(export_guest(email), "guest_id");
        ASSERT_GT(guest_id_, 0);
    }

    /// The person's booking: distinctive names, email and phone in the PMS customer.
    static json::object person_booking() {
        json::object b = booking("BK-ERASE-1", email);
        json::object& c = b["customer"].as_object();
        c["firstname"] = firstname;
        c["lastname"] = lastname;
        c["phone"] = phone;
        return b;
    }

    /// Every byte string that identifies the person, as given and lower-cased.
    static std::vector<std::string> traces() {
        return {std::string(email), std::string(firstname), lower(firstname), std::string(lastname), lower(lastname),
                std::string(phone)};
    }

    /// Each trace with the database files that hold it; empty when none does.
    std::vector<std::string> traces_left() const {
        std::vector<std::string> left;
        for (const auto& t : traces()) {
            for (const auto& file : db_files_holding(t)) left.push_back(t + " in " + file);
        }
        return left;
    }

    std::string token_;
    std::string code_;
    std::int64_t guest_id_ = 0;
};

TEST_F(Erasure, LeavesNoTraceOfThePersonInTheDatabaseFiles) {
    if (on_postgres()) GTEST_SKIP() << "searches the SQLite database file and its -wal and -shm for bytes";
    // The search finds the person before the erasure, so finding nothing afterwards means something.
    for (const auto& t : traces()) EXPECT_FALSE(db_files_holding(t).empty()) << t << " should be stored";

    const json::object erased = erase_guest(email, reason);
    EXPECT_EQ(json::value(erased), (json::value(json::object{{"erased", true}, {"guest_id", guest_id_}})));

    // With the server running, its connections open.
    EXPECT_EQ(traces_left(), std::vector<std::string>{});

    // And after it stopped, whatever it wrote back on the way out.
    ASSERT_EQ(server_->stop(SIGTERM), 0);
    EXPECT_EQ(traces_left(), std::vector<std::string>{});
}

TEST_F(Erasure, TheGuestIsUnknownEverywhereAfterwards) {
    ASSERT_GE(count_to(outbox(), email), 1u) << "the reset email was queued";
    erase_guest(email, reason);

    // Experience: no such customer, and the old token is dead.
    EXPECT_TRUE(is_json(account_exists(email), 404, R"({"message": "customer not found"})"));
    EXPECT_TRUE(is_json(login_call(email, password), 404, R"({"message": "customer not found"})"));
    EXPECT_TRUE(is_unauthorized(guest_info(token_)));
    EXPECT_TRUE(is_unauthorized(guest_reservations(token_)));

    // Paytronix: the uniform anonymous answer, with nothing queued; b2b learns there is no account.
    const std::size_t queued = outbox().size();
    EXPECT_EQ(count_to(outbox(), email), 0u) << "erasure deletes the emails to the person";
    EXPECT_TRUE(is_reset_success(request_reset(json::object{{"merchantId", 1234}, {"email", email}}), email));
    EXPECT_TRUE(is_failure(
        request_reset(json::object{{"merchantId", 1234}, {"authentication", "b2b"}, {"email", email}}, basic(bravo_)),
        200, "guestmanagement.user_not_found"));
    EXPECT_EQ(outbox().size(), queued);
    EXPECT_EQ(count_to(outbox(), email), 0u);
    // The code mailed before the erasure completes nothing.
    const http_response completion = complete_reset(code_, "a brand new passphrase 9");
    EXPECT_FALSE(is_completed(completion)) << completion.body;
    EXPECT_TRUE(is_json(login_call(email, "a brand new passphrase 9"), 404, R"({"message": "customer not found"})"));

    // The operator's commands: an expected failure (exit 1) each.
    for (const std::string cmd : {"export", "erase", "sessions list", "guest show", "audit"}) {
        std::vector<std::string> args;
        if (cmd == "sessions list") {
            args = {"sessions", "list"};
        } else if (cmd == "guest show") {
            args = {"guest", "show"};
        } else {
            args = {cmd};
        }
        for (const char* a : {"--merchant", "1234", "--email"}) args.emplace_back(a);
        args.emplace_back(email);
        const run_result run = cli_raw(args);
        EXPECT_EQ(run.exit_code, 1) << "guestd " << cmd << ": " << run.out << run.err;
    }
}

TEST_F(Erasure, TheAuditTrailKeepsOnePseudonymousEvent) {
    erase_guest(email, reason);

    const std::vector<json::object> erased = audit({"--kind", "guest.erased"});
    ASSERT_EQ(erased.size(), 1u);
    const json::object& e = erased[0];
    EXPECT_EQ(int_at(e, "guest_id"), guest_id_);
    EXPECT_EQ(int_at(e, "merchant_id"), 1234);
    EXPECT_EQ(string_at(e, "outcome"), "ok");
    EXPECT_TRUE(e.at("partner_id").is_null()) << "the operator erased, not a partner";
    ASSERT_TRUE(e.at("detail").is_object()) << json::serialize(e);
    EXPECT_EQ(string_at(e.at("detail").as_object(), "reason"), reason);

    // Nothing in the whole trail names the person.
    const run_result all = audit_raw();
    ASSERT_EQ(all.exit_code, 0) << all.err;
    for (const auto& t : traces()) EXPECT_EQ(all.out.find(t), std::string::npos) << t << " in the audit trail";
    // The events before the erasure still count, by guest id only.
    std::size_t about_the_guest = 0;
    for (const auto& ev : audit())
        if (int_at(ev, "guest_id") == guest_id_) ++about_the_guest;
    EXPECT_GE(about_the_guest, 4u) << "password.set, login, reset.requested, guest.exported, guest.erased";
}

TEST_F(Erasure, PushingTheSameBookingAgainMakesANewGuestWithoutAccount) {
    erase_guest(email, reason);
    EXPECT_TRUE(is_batch_success(push_bookings(json::array{person_booking()}), 1, 0))
        << "the erased booking is gone, so the push creates it";

    const json::object doc = export_guest(email);
    ASSERT_FALSE(doc.empty());
    EXPECT_GT(int_at(doc, "guest_id"), 0);
    EXPECT_NE(int_at(doc, "guest_id"), guest_id_) << "a new guest, not the old one";
    EXPECT_TRUE(doc.at("account").is_null()) << json::serialize(doc);
    EXPECT_EQ(doc.at("sessions"), json::array{});
    EXPECT_EQ(doc.at("resets"), json::array{});
    EXPECT_EQ(doc.at("email_lists"), json::array{}) << "the old membership went with the old guest";
    EXPECT_EQ(doc.at("consents"), json::array{}) << "the old consents went with the old guest";
    EXPECT_TRUE(is_json(account_exists(email), 200, R"({"account-exists": false})"));
    EXPECT_TRUE(is_unauthorized(guest_info(token_)));
}

TEST_F(Erasure, AnUnknownGuestIsAnExpectedFailureThatChangesNothing) {
    const run_result run = cli_raw({"erase", "--merchant", "1234", "--email", "nobody@example.com"});
    EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
    EXPECT_FALSE(run.err.empty());
    EXPECT_TRUE(audit({"--kind", "guest.erased"}).empty());
    EXPECT_TRUE(is_json(account_exists(email), 200, R"({"account-exists": true})"));
}

}  // namespace
}  // namespace guestd::itest
