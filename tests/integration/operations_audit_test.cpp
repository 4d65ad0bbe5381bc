// The audit trail against the real binary: each security-relevant action, driven over the API or the CLI, appends
// one event with its kind, outcome, partner, guest, client address and the caller's X-Request-Id (API) or none of
// those (CLI); `guestd audit` narrows by --email, --kind and --since; no secret ever appears in it; and
// `merchant set --audit-retention-days` is accepted. (A real purge needs events days old: not tested here.)
#include "integration/operations_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>

namespace guestd::itest {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr std::string_view ann = "ann.audit@example.com";
constexpr std::string_view bob = "bob.audit@example.com";
constexpr std::string_view password = "correct horse battery staple";
constexpr std::string_view new_password = "plum orchard under snow 42";

const json::object& detail_of(const json::object& e) {
    static const json::object none;
    const auto* d = e.if_contains("detail");
    return d != nullptr && d->is_object() ? d->as_object() : none;
}

/// The single event with that request id; a failure (and an empty object) when there is not exactly one.
json::object by_request_id(const std::vector<json::object>& events, std::string_view request_id) {
    std::vector<json::object> found;
    for (const auto& e : events) {
        if (string_at(e, "request_id") == request_id) found.push_back(e);
    }
    if (found.size() == 1) return found[0];
    std::string all;
    for (const auto& e : events) all += json::serialize(e) + "\n";
    ADD_FAILURE() << found.size() << " events with request id " << request_id << " in:\n" << all;
    return {};
}

/// Succeeds when e was made by that partner over HTTP from 127.0.0.1 with that kind and outcome.
::testing::AssertionResult is_api_event(const json::object& e, std::string_view kind, std::string_view outcome,
                                        std::int64_t partner) {
    if (string_at(e, "kind") == kind && string_at(e, "outcome") == outcome && int_at(e, "partner_id") == partner &&
        string_at(e, "client_address") == "127.0.0.1" && int_at(e, "merchant_id") == 1234 && e.contains("id") &&
        e.contains("at") && e.contains("guest_id")) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected a " << kind << " " << outcome << " event by partner " << partner
                                         << " from 127.0.0.1 at merchant 1234, got " << json::serialize(e);
}

/// Succeeds when e was made by the operator's CLI: no partner, no address, no request id.
::testing::AssertionResult is_cli_event(const json::object& e, std::string_view kind) {
    if (string_at(e, "kind") == kind && string_at(e, "outcome") == "ok" && e.contains("partner_id") &&
        e.at("partner_id").is_null() && string_at(e, "client_address").empty() &&
        string_at(e, "request_id").empty()) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "expected an operator " << kind << " event, got " << json::serialize(e);
}

class AuditTrail : public operations_test {
protected:
    /// POST an Experience call as acme with an X-Request-Id.
    http_response post_as(const std::string& target, const json::value& body, std::string_view request_id) {
        return post(target, body, {{"X-Request-Id", std::string(request_id)}});
    }

    http_response login_as(std::string_view email, std::string_view pw, std::string_view request_id) {
        return post_as("/api/xp-guest-account/login", json::object{{"email", email}, {"password", pw}}, request_id);
    }

    /// The guest id that the events about email carry (from `guestd audit --email`), 0 when none.
    std::int64_t guest_id_in_trail(std::string_view email) {
        const auto events = audit({"--email", std::string(email)});
        return events.empty() ? 0 : int_at(events.front(), "guest_id");
    }
};

class AuditRetention : public operations_test {};

TEST_F(AuditTrail, LoginsOkFailedAndRefusedAndTheLock) {
    make_account(ann, password);
    ASSERT_TRUE(has_status(login_as(ann, password, "ops-login-ok"), 200));
    // Ten wrong passwords in a row arm the lock on the tenth; then even the right one is refused.
    for (int i = 1; i <= 10; ++i) {
        ASSERT_TRUE(has_status(login_as(ann, "wrong password " + std::to_string(i), "ops-login-bad-" + std::to_string(i)),
                               401));
    }
    ASSERT_TRUE(has_status(login_as(ann, password, "ops-login-locked"), 429));

    const auto events = audit({"--email", std::string(ann)});
    const std::int64_t guest = guest_id_in_trail(ann);
    EXPECT_GT(guest, 0);

    const json::object ok = by_request_id(events, "ops-login-ok");
    EXPECT_TRUE(is_api_event(ok, "login", "ok", acme_.id));
    EXPECT_EQ(int_at(ok, "guest_id"), guest);

    const json::object bad = by_request_id(events, "ops-login-bad-1");
    EXPECT_TRUE(is_api_event(bad, "login", "failed", acme_.id));
    EXPECT_EQ(string_at(detail_of(bad), "reason"), "wrong password");
    EXPECT_EQ(events_of(events, "login", "failed").size(), 10u);

    // The tenth failure writes both its login event and the lock, under the same request id.
    std::vector<json::object> tenth;
    for (const auto& e : events) {
        if (string_at(e, "request_id") == "ops-login-bad-10") tenth.push_back(e);
    }
    ASSERT_EQ(tenth.size(), 2u);
    const auto locked = events_of(tenth, "account.locked");
    ASSERT_EQ(locked.size(), 1u);
    EXPECT_TRUE(is_api_event(locked[0], "account.locked", "ok", acme_.id));
    EXPECT_EQ(int_at(locked[0], "guest_id"), guest);

    const json::object refused = by_request_id(events, "ops-login-locked");
    EXPECT_TRUE(is_api_event(refused, "login", "refused", acme_.id));
    EXPECT_EQ(string_at(detail_of(refused), "reason"), "locked");

    // No password, right or wrong, is in the trail.
    const run_result raw = audit_raw();
    EXPECT_EQ(raw.out.find(password), std::string::npos);
    EXPECT_EQ(raw.out.find("wrong password 1"), std::string::npos);
}

TEST_F(AuditTrail, PasswordSetSaysWhetherItCreatedTheAccount) {
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-AUD-1", ann)}), 1, 0));
    const json::object pw{{"email", ann}, {"password", password}};
    ASSERT_TRUE(has_status(post_as("/api/xp-guest-account/update-password", pw, "ops-pw-create"), 200));
    const json::object pw2{{"email", ann}, {"password", new_password}};
    ASSERT_TRUE(has_status(post_as("/api/xp-guest-account/update-password", pw2, "ops-pw-change"), 200));

    const auto events = audit({"--kind", "password.set"});
    ASSERT_EQ(events.size(), 2u);
    const json::object created = by_request_id(events, "ops-pw-create");
    EXPECT_TRUE(is_api_event(created, "password.set", "ok", acme_.id));
    EXPECT_EQ(detail_of(created).if_contains("created") ? detail_of(created).at("created") : json::value(nullptr),
              json::value(true));
    const json::object changed = by_request_id(events, "ops-pw-change");
    EXPECT_TRUE(is_api_event(changed, "password.set", "ok", acme_.id));
    EXPECT_EQ(detail_of(changed).if_contains("created") ? detail_of(changed).at("created") : json::value(nullptr),
              json::value(false));
    EXPECT_EQ(int_at(created, "guest_id"), int_at(changed, "guest_id"));

    const run_result raw = audit_raw();
    EXPECT_EQ(secrets_in(raw.out, {std::string(password), std::string(new_password)}), std::vector<std::string>{});
}

TEST_F(AuditTrail, ResetRequestsOkAndRefusedSayWhy) {
    make_account(ann, password, "BK-AUD-1");
    const auto request = [&](json::object body, std::string_view rid) {
        body["merchantId"] = 1234;
        return pt_post_as("generateAndSendGuestResetPasswordCode", body, rid);
    };
    ASSERT_TRUE(is_reset_success(request({{"email", ann}}, "ops-reset-ok"), ann));

    // A verification mismatch.
    merchant_set(1234, {"--reset-verification-fields", "lastName"});
    ASSERT_TRUE(is_reset_success(request({{"email", ann}, {"lastName", "Smith"}}, "ops-reset-verify"), ann));
    merchant_set(1234, {"--reset-verification-fields", ""});

    // The hourly cap: the fourth request within the hour.
    ASSERT_TRUE(is_reset_success(request({{"email", ann}}, "ops-reset-ok-2"), ann));
    ASSERT_TRUE(is_reset_success(request({{"email", ann}}, "ops-reset-ok-3"), ann));
    ASSERT_TRUE(is_reset_success(request({{"email", ann}}, "ops-reset-cap"), ann));

    // An account whose guest lost its email: the PMS pushed the customer again without one.
    const json::object bob_account = make_account(bob, password, "BK-AUD-2");
    json::object no_email = booking("BK-AUD-2", bob);
    no_email["customer"].as_object().erase("email");
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{no_email}), 0, 1));
    const http_response r = request({{"printedCardNumber", bob_account.at("printed_card_number")}}, "ops-reset-noemail");
    EXPECT_TRUE(is_reset_success(r, "")) << r.body;

    const auto events = audit({"--kind", "reset.requested"});
    for (const char* rid : {"ops-reset-ok", "ops-reset-ok-2", "ops-reset-ok-3"}) {
        EXPECT_TRUE(is_api_event(by_request_id(events, rid), "reset.requested", "ok", acme_.id)) << rid;
    }
    const json::object verify = by_request_id(events, "ops-reset-verify");
    EXPECT_TRUE(is_api_event(verify, "reset.requested", "refused", acme_.id));
    EXPECT_EQ(string_at(detail_of(verify), "reason"), "verification failed");
    const json::object cap = by_request_id(events, "ops-reset-cap");
    EXPECT_TRUE(is_api_event(cap, "reset.requested", "refused", acme_.id));
    EXPECT_EQ(string_at(detail_of(cap), "reason"), "hourly cap");
    const json::object noemail = by_request_id(events, "ops-reset-noemail");
    EXPECT_TRUE(is_api_event(noemail, "reset.requested", "refused", acme_.id));
    EXPECT_EQ(string_at(detail_of(noemail), "reason"), "no email");
    EXPECT_NE(int_at(noemail, "guest_id"), int_at(cap, "guest_id"));

    // The codes mailed are not in the trail.
    const auto mails = wait_for_mails(3);
    std::vector<std::string> codes;
    for (const auto& m : mails) codes.push_back(code_of(reset_link(m)));
    EXPECT_EQ(secrets_in(audit_raw().out, codes), std::vector<std::string>{});
}

TEST_F(AuditTrail, ResetCompletionsOkAndRefusedSayWhy) {
    make_account(ann, password);
    const std::string first = reset_code_for(ann, 1);
    const std::string second = reset_code_for(ann, 2);
    ASSERT_FALSE(first.empty());
    ASSERT_FALSE(second.empty());
    const auto complete = [&](const std::string& code, std::string_view rid) {
        return pt_post_as("completeGuestResetPassword",
                          json::object{{"merchantId", 1234}, {"resetCode", code}, {"newPassword", new_password}}, rid);
    };
    ASSERT_TRUE(is_completed(complete(second, "ops-complete-ok")));
    // The API answers both alike (issue 13); the trail says which.
    ASSERT_TRUE(is_failure(complete(second, "ops-complete-used"), 200, "guestmanagement.invalid_reset_code"));
    ASSERT_TRUE(is_failure(complete(first, "ops-complete-expired"), 200, "guestmanagement.invalid_reset_code"));

    const auto events = audit({"--kind", "reset.completed"});
    const json::object ok = by_request_id(events, "ops-complete-ok");
    EXPECT_TRUE(is_api_event(ok, "reset.completed", "ok", acme_.id));
    EXPECT_EQ(int_at(ok, "guest_id"), guest_id_in_trail(ann));
    const json::object used = by_request_id(events, "ops-complete-used");
    EXPECT_TRUE(is_api_event(used, "reset.completed", "refused", acme_.id));
    EXPECT_EQ(string_at(detail_of(used), "reason"), "used");
    const json::object expired = by_request_id(events, "ops-complete-expired");
    EXPECT_TRUE(is_api_event(expired, "reset.completed", "refused", acme_.id));
    EXPECT_EQ(string_at(detail_of(expired), "reason"), "expired");

    EXPECT_EQ(secrets_in(audit_raw().out, {first, second, std::string(new_password)}), std::vector<std::string>{});
}

TEST_F(AuditTrail, ProfileChangesNameTheFieldsNotTheValues) {
    const std::string token = guest_with_token(ann, password);
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(has_status(put_guest_info(token, json::object{{"city", "Zanzibar Town"}, {"mobile", "+33601020304"}},
                                          {{"X-Request-Id", "ops-profile"}}),
                           200));

    const auto events = audit({"--kind", "profile.changed"});
    const json::object e = by_request_id(events, "ops-profile");
    EXPECT_TRUE(is_api_event(e, "profile.changed", "ok", acme_.id));
    EXPECT_EQ(int_at(e, "guest_id"), guest_id_in_trail(ann));
    std::set<std::string> fields;
    if (const auto* f = detail_of(e).if_contains("fields"); f != nullptr && f->is_array()) {
        for (const auto& name : f->as_array()) fields.insert(name.is_string() ? std::string(name.as_string()) : "?");
    }
    EXPECT_EQ(fields, (std::set<std::string>{"city", "mobile"})) << json::serialize(e);
    const std::string text = json::serialize(e);
    EXPECT_EQ(text.find("Zanzibar"), std::string::npos) << text;
    EXPECT_EQ(text.find("+33601020304"), std::string::npos) << text;
}

TEST_F(AuditTrail, OperatorActionsOnAGuestAreEventsWithoutPartnerOrAddress) {
    const std::string token = guest_with_token(ann, password);
    ASSERT_FALSE(token.empty());
    const std::int64_t guest = guest_id_in_trail(ann);

    EXPECT_EQ(json::value(sessions_revoke(ann)), parse_json(R"({"revoked": 1})"));
    const json::object doc = export_guest(ann);
    EXPECT_EQ(int_at(doc, "guest_id"), guest);
    erase_guest(ann, "operator test");

    const auto revoked = audit({"--kind", "sessions.revoked"});
    ASSERT_EQ(revoked.size(), 1u);
    EXPECT_TRUE(is_cli_event(revoked[0], "sessions.revoked"));
    EXPECT_EQ(int_at(revoked[0], "guest_id"), guest);
    EXPECT_EQ(int_at(detail_of(revoked[0]), "count"), 1);

    const auto exported = audit({"--kind", "guest.exported"});
    ASSERT_EQ(exported.size(), 1u);
    EXPECT_TRUE(is_cli_event(exported[0], "guest.exported"));
    EXPECT_EQ(int_at(exported[0], "guest_id"), guest);

    const auto erased = audit({"--kind", "guest.erased"});
    ASSERT_EQ(erased.size(), 1u);
    EXPECT_TRUE(is_cli_event(erased[0], "guest.erased"));
    EXPECT_EQ(int_at(erased[0], "guest_id"), guest);
    EXPECT_EQ(audit_raw().out.find(ann), std::string::npos) << "the trail names guests by id only";
}

TEST_F(AuditTrail, CredentialsCreatedRotatedAndDisabledNameThePartnerAndNoSecret) {
    const json::object rotated = rotate_partner(acme_, "1h");
    const json::object hotel = rotate_hotel_token(hotel_a_, "0");
    disable_partner(beta_);

    // Created: merchant 1234's hotel token, and the four partners granted it (acme, beta, bravo and holder, who may
    // choose reset codes).
    const auto created = audit({"--kind", "credentials.created"});
    int hotel_tokens = 0;
    std::set<std::int64_t> partners;
    for (const auto& e : created) {
        EXPECT_TRUE(is_cli_event(e, "credentials.created"));
        EXPECT_TRUE(e.at("guest_id").is_null()) << json::serialize(e);
        const auto& d = detail_of(e);
        if (string_at(d, "credential") == "hotel_token") ++hotel_tokens;
        if (string_at(d, "credential") == "partner") partners.insert(int_at(d, "partner_id"));
        if (int_at(d, "partner_id") == holder_.id) {
            EXPECT_EQ(d.at("caller_reset_codes"), json::value(true));
        }
    }
    EXPECT_EQ(created.size(), 5u);
    EXPECT_EQ(hotel_tokens, 1);
    EXPECT_EQ(partners.size(), 4u);
    EXPECT_TRUE(partners.contains(acme_.id) && partners.contains(beta_.id) && !partners.contains(-1));

    const auto rotations = audit({"--kind", "credentials.rotated"});
    ASSERT_EQ(rotations.size(), 2u);
    for (const auto& e : rotations) EXPECT_TRUE(is_cli_event(e, "credentials.rotated"));
    EXPECT_EQ(string_at(detail_of(rotations[0]), "credential"), "partner");
    EXPECT_EQ(int_at(detail_of(rotations[0]), "partner_id"), acme_.id);
    EXPECT_EQ(int_at(detail_of(rotations[0]), "overlap_seconds"), 3600);
    EXPECT_EQ(string_at(detail_of(rotations[1]), "credential"), "hotel_token");
    EXPECT_EQ(int_at(detail_of(rotations[1]), "overlap_seconds"), 0);

    const auto disabled = audit({"--kind", "credentials.disabled"});
    ASSERT_EQ(disabled.size(), 1u);
    EXPECT_TRUE(is_cli_event(disabled[0], "credentials.disabled"));
    EXPECT_EQ(int_at(detail_of(disabled[0]), "partner_id"), beta_.id);

    // No token or secret, old or new, at either merchant.
    const std::vector<std::string> secrets{acme_.token, acme_.client_secret, beta_.token, beta_.client_secret,
                                           bravo_.client_secret, holder_.client_secret, hotel_a_.hotel_token,
                                           hotel_b_.hotel_token, string_at(rotated, "partner_token"),
                                           string_at(rotated, "client_secret"), string_at(hotel, "hotel_token")};
    EXPECT_EQ(secrets_in(audit_raw({}, 1234).out + audit_raw({}, 5678).out, secrets), std::vector<std::string>{});
}

TEST_F(AuditTrail, FiltersNarrowByGuestKindAndTime) {
    make_account(ann, password, "BK-AUD-1");
    make_account(bob, password, "BK-AUD-2");
    ASSERT_TRUE(has_status(login_as(ann, password, "ops-filter-ann"), 200));
    ASSERT_TRUE(has_status(login_as(bob, password, "ops-filter-bob"), 200));
    const auto all = audit();
    ASSERT_FALSE(all.empty());
    const auto ids_where = [&](auto keep) {
        std::vector<std::int64_t> ids;
        for (const auto& e : all) {
            if (keep(e)) ids.push_back(int_at(e, "id"));
        }
        return ids;
    };
    const auto ids_of = [](const std::vector<json::object>& events) {
        std::vector<std::int64_t> ids;
        for (const auto& e : events) ids.push_back(int_at(e, "id"));
        return ids;
    };

    // Oldest first.
    EXPECT_TRUE(std::ranges::is_sorted(ids_of(all)));
    EXPECT_TRUE(std::ranges::is_sorted(all, {}, [](const json::object& e) { return string_at(e, "at"); }));

    // --email: exactly the events about that guest, and not the other's.
    const std::int64_t ann_id = int_at(by_request_id(all, "ops-filter-ann"), "guest_id");
    const std::int64_t bob_id = int_at(by_request_id(all, "ops-filter-bob"), "guest_id");
    ASSERT_NE(ann_id, bob_id);
    const auto about_ann = audit({"--email", std::string(ann)});
    EXPECT_FALSE(about_ann.empty());
    EXPECT_EQ(ids_of(about_ann), ids_where([&](const json::object& e) { return int_at(e, "guest_id") == ann_id; }));
    EXPECT_EQ(ids_of(audit({"--email", "ANN.AUDIT@example.com"})), ids_of(about_ann)) << "emails ignore case";

    // --kind: exactly that kind.
    const auto logins = audit({"--kind", "login"});
    EXPECT_EQ(logins.size(), 2u);
    EXPECT_EQ(ids_of(logins), ids_where([](const json::object& e) { return string_at(e, "kind") == "login"; }));
    EXPECT_TRUE(audit({"--kind", "no.such.kind"}).empty());

    // Both at once.
    const auto ann_logins = audit({"--email", std::string(ann), "--kind", "login"});
    ASSERT_EQ(ann_logins.size(), 1u);
    EXPECT_EQ(string_at(ann_logins[0], "request_id"), "ops-filter-ann");

    // --since: a later second leaves the earlier events out (wait for the clock to pass the last one's second).
    std::this_thread::sleep_for(1100ms);
    ASSERT_TRUE(has_status(login_as(ann, password, "ops-filter-late"), 200));
    const auto after = audit();
    const json::object late = by_request_id(after, "ops-filter-late");
    const std::string late_at = string_at(late, "at");
    ASSERT_EQ(late_at.size(), 20u) << "YYYY-MM-DDTHH:MM:SSZ: " << late_at;
    const auto since_late = audit({"--since", late_at});
    ASSERT_FALSE(since_late.empty());
    for (const auto& e : since_late) EXPECT_GE(string_at(e, "at"), late_at) << json::serialize(e);
    EXPECT_EQ(since_late.front(), late) << "every earlier event is left out";
    EXPECT_EQ(since_late.size(), after.size() - all.size());

    // The date form: the first event's day holds them all; a day far ahead holds none.
    const std::string first_day = string_at(all.front(), "at").substr(0, 10);
    EXPECT_EQ(audit({"--since", first_day}).size(), after.size());
    EXPECT_TRUE(audit({"--since", "2999-01-01"}).empty());
    const run_result bad = audit_raw({"--since", "yesterday"});
    EXPECT_NE(bad.exit_code, 0);
}

TEST_F(AuditRetention, MerchantSetAcceptsAndShowsTheRetention) {
    const json::object thirty = merchant_set(1234, {"--audit-retention-days", "30"});
    EXPECT_EQ(int_at(thirty, "audit_retention_days"), 30) << json::serialize(thirty);
    const json::object forever = merchant_set(1234, {"--audit-retention-days", "0"});
    EXPECT_EQ(int_at(forever, "audit_retention_days"), 0) << json::serialize(forever);
    // The server purges at start and hourly; events made now are younger than any retention, so nothing goes.
    merchant_set(1234, {"--audit-retention-days", "1"});
    const std::size_t before = audit().size();
    restart_guestd();
    EXPECT_EQ(audit().size(), before);
}

}  // namespace
}  // namespace guestd::itest
