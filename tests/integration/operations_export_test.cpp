// Data-subject export (GDPR art. 15/20) and the consent ledger, against the real binary: `guestd export` holds the
// profile, custom fields, reservations as pushed, email lists, consents, account facts, sessions, resets and the
// audit events about the guest, and no secret; update-password's account creation records the loyalty consent
// once, and email-list joins and leaves are recorded in order with the partner and the source address.
#include "integration/operations_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace guestd::itest {
namespace {
namespace json = boost::json;

constexpr std::string_view ada = "ada.export@example.com";
constexpr std::string_view password = "correct horse battery staple";

/// Key fragments that would name a secret, and the keys that contain one but hold none: password_changed_at is a
/// time, zip_code and the pushed address_postal_code are addresses, caller_code (reset.requested detail) and
/// rehashed (login detail) are booleans.
const std::vector<std::string> secret_fragments{"hash", "token", "code", "secret", "password"};
const std::vector<std::string> harmless_keys{"password_changed_at", "zip_code", "address_postal_code", "caller_code",
                                             "rehashed"};

std::set<std::string> keys_of(const json::object& o) {
    std::set<std::string> keys;
    for (const auto& [k, v] : o) keys.emplace(k);
    return keys;
}

class Export : public operations_test {
protected:
    /// A booking whose customer fills every PMS field, with a customer custom field and a stay custom field.
    static json::object full_booking() {
        json::object b = booking("BK-EXP-1", ada);
        json::object& c = b["customer"].as_object();
        c["title"] = "Ms";
        c["firstname"] = "Ada";
        c["lastname"] = "Lovelace";
        c["phone"] = "+441234567890";
        c["birthdate"] = "1972-08-27";
        c["country"] = "GB";
        c["language"] = "en";
        c["nationality"] = "GB";
        c["address_street_number_and_name"] = "12 St James Square";
        c["address_postal_code"] = "SW1Y 4JH";
        c["address_city"] = "London";
        c["address_state"] = "Greater London";
        c["identity_document_number"] = "P1234567";
        c["extra_attributes"] = json::object{{"vip", "gold"}};
        return b;
    }

    /// DELETE /api/xp-email-lists/members?list=&email= with that Authorization.
    http_response leave_list(std::string_view list, std::string_view email, const std::string& auth) {
        return del("/api/xp-email-lists/members?list=" + url_encode(list) + "&email=" + url_encode(email),
                   {{"Authorization", auth}});
    }
};

class ConsentLedger : public Export {};

TEST_F(Export, HoldsEverythingAboutTheGuestAndNoSecret) {
    // A guest with a booking, two list joins and a leave, an account, a session, a profile change and a reset.
    const json::object pushed = full_booking();
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{pushed}), 1, 0));
    ASSERT_TRUE(has_status(add_members("newsletter", {std::string(ada)}), 200));
    ASSERT_TRUE(has_status(add_members("offers", {std::string(ada)}), 200));
    ASSERT_TRUE(has_status(leave_list("offers", ada, bearer(beta_, hotel_a_)), 200));
    set_password(ada, password);
    const std::string token = login(ada, password);
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(has_status(put_guest_info(token, json::object{{"mobile", "+447700900123"}}), 200));
    const std::string code = reset_code_for(ada);
    ASSERT_FALSE(code.empty());
    const json::object shown = guest_show(ada);

    const json::object doc = export_guest(ada);
    ASSERT_FALSE(doc.empty());
    EXPECT_EQ(keys_of(doc), (std::set<std::string>{"exported_at", "merchant", "guest_id", "profile", "custom_fields",
                                                   "privilege_badges", "reservations", "email_lists", "consents",
                                                   "account", "sessions", "resets", "audit_events"}))
        << json::serialize(doc);
    EXPECT_TRUE(doc.at("exported_at").is_string());
    EXPECT_EQ(doc.at("merchant"), parse_json(R"({"merchant_id": 1234, "name": "Hotel Test"})"));
    const std::int64_t guest_id = int_at(doc, "guest_id");
    EXPECT_GT(guest_id, 0);

    // The profile: every field, the mobile set over the guest API, the identity document kept from the PMS, and the
    // Paytronix fields the personal-space wire does not carry.
    EXPECT_EQ(doc.at("profile"), parse_json(R"({"title": "Ms", "firstname": "Ada", "lastname": "Lovelace",
        "phone": "+441234567890", "mobile": "+447700900123", "email": "ada.export@example.com",
        "street": "12 St James Square", "zip_code": "SW1Y 4JH", "city": "London", "state": "Greater London",
        "country": "GB", "birthdate": "1972-08-27", "language": "en", "nationality": "GB",
        "identity_document_number": "P1234567", "address2": null, "address_label": null, "opt_in": false,
        "text_campaign_opt_in": false, "sms_opt_in_verified": false, "email_verified": false})"));
    EXPECT_EQ(doc.at("custom_fields"), parse_json(R"([{"name": "vip", "value": "gold"}])"));
    EXPECT_TRUE(doc.at("privilege_badges").is_array());

    // The reservation, with the booking exactly as it was pushed.
    ASSERT_TRUE(doc.at("reservations").is_array());
    ASSERT_EQ(doc.at("reservations").as_array().size(), 1u) << json::serialize(doc.at("reservations"));
    const json::object& r = doc.at("reservations").as_array()[0].as_object();
    EXPECT_EQ(keys_of(r), (std::set<std::string>{"reference", "status", "creation", "arrival", "departure",
                                                 "total_amount", "currency", "room_type", "room_name",
                                                 "custom_fields", "as_pushed", "updated_at"}));
    EXPECT_EQ(string_at(r, "reference"), "BK-EXP-1");
    EXPECT_EQ(string_at(r, "status"), "valid");
    EXPECT_EQ(string_at(r, "creation"), "2021-06-01 15:22:00");
    EXPECT_EQ(string_at(r, "arrival"), "2021-09-17");
    EXPECT_EQ(string_at(r, "departure"), "2021-09-17");
    EXPECT_TRUE(r.at("total_amount") == json::value("460") || r.at("total_amount") == json::value(460))
        << json::serialize(r.at("total_amount"));
    EXPECT_EQ(string_at(r, "currency"), "EUR");
    EXPECT_EQ(r.at("custom_fields"), parse_json(R"([{"name": "Payment", "value": "pending"}])"));
    EXPECT_EQ(r.at("as_pushed"), json::value(pushed));
    EXPECT_TRUE(r.at("updated_at").is_string());

    EXPECT_EQ(doc.at("email_lists"), parse_json(R"(["newsletter"])"));

    // Consents: the loyalty enrolment and the list joins and leave, each with its partner and address.
    ASSERT_TRUE(doc.at("consents").is_array());
    std::multiset<std::string> consents;
    for (const auto& c : doc.at("consents").as_array()) {
        const json::object& o = c.as_object();
        EXPECT_EQ(keys_of(o), (std::set<std::string>{"at", "kind", "partner_id", "source_address", "detail"}));
        EXPECT_TRUE(o.at("at").is_string());
        EXPECT_EQ(string_at(o, "source_address"), "127.0.0.1") << json::serialize(o);
        const std::int64_t by = int_at(o, "partner_id");
        consents.insert(string_at(o, "kind") + " " + (string_at(o, "kind") == "loyalty.granted" ? "" : string_at(o, "detail")) +
                        " " + (by == acme_.id ? "acme" : by == beta_.id ? "beta" : "?"));
    }
    EXPECT_EQ(consents, (std::multiset<std::string>{"loyalty.granted  acme", "email_list.joined newsletter acme",
                                                    "email_list.joined offers acme", "email_list.left offers beta"}))
        << json::serialize(doc.at("consents"));

    // Account facts, the session and the reset, without what would make them credentials.
    ASSERT_TRUE(doc.at("account").is_object()) << json::serialize(doc.at("account"));
    const json::object& account = doc.at("account").as_object();
    EXPECT_EQ(keys_of(account), (std::set<std::string>{"account_id", "username", "printed_card_number", "created_at",
                                                       "password_changed_at", "last_login_at", "locked_until"}));
    EXPECT_EQ(account.at("account_id"), shown.at("account_id"));
    EXPECT_EQ(account.at("printed_card_number"), shown.at("printed_card_number"));
    EXPECT_EQ(string_at(account, "username"), ada);
    EXPECT_TRUE(account.at("created_at").is_string());
    EXPECT_TRUE(account.at("password_changed_at").is_string());
    EXPECT_TRUE(account.at("last_login_at").is_string()) << "the guest logged in";
    EXPECT_TRUE(account.at("locked_until").is_null());

    ASSERT_TRUE(doc.at("sessions").is_array());
    ASSERT_EQ(doc.at("sessions").as_array().size(), 1u) << json::serialize(doc.at("sessions"));
    const json::object& session = doc.at("sessions").as_array()[0].as_object();
    EXPECT_EQ(keys_of(session), (std::set<std::string>{"partner_id", "created_at", "expires_at", "revoked_at"}));
    EXPECT_EQ(int_at(session, "partner_id"), acme_.id);
    EXPECT_TRUE(session.at("revoked_at").is_null());

    ASSERT_TRUE(doc.at("resets").is_array());
    ASSERT_EQ(doc.at("resets").as_array().size(), 1u) << json::serialize(doc.at("resets"));
    const json::object& reset = doc.at("resets").as_array()[0].as_object();
    EXPECT_EQ(keys_of(reset), (std::set<std::string>{"created_at", "expires_at", "used_at", "voided_at"}));
    EXPECT_TRUE(reset.at("used_at").is_null());
    EXPECT_TRUE(reset.at("voided_at").is_null());

    // The audit events about this guest, this export included.
    ASSERT_TRUE(doc.at("audit_events").is_array());
    std::set<std::string> kinds;
    for (const auto& e : doc.at("audit_events").as_array()) {
        EXPECT_EQ(int_at(e.as_object(), "guest_id"), guest_id) << json::serialize(e);
        kinds.insert(string_at(e.as_object(), "kind"));
    }
    for (const char* kind : {"password.set", "login", "profile.changed", "reset.requested", "guest.exported"}) {
        EXPECT_TRUE(kinds.contains(kind)) << kind << " missing from " << json::serialize(doc.at("audit_events"));
    }

    // No secret, and no key that would hold one.
    const std::string text = json::serialize(doc);
    EXPECT_EQ(secrets_in(text, {token, std::string(password), code, acme_.token, acme_.client_secret,
                                hotel_a_.hotel_token, beta_.token, beta_.client_secret}),
              std::vector<std::string>{});
    EXPECT_EQ(keys_like(doc, secret_fragments, harmless_keys), std::vector<std::string>{}) << text;
}

TEST_F(Export, AGuestWithoutAccountHasNullAccountAndNoSessions) {
    ASSERT_TRUE(has_status(add_members("newsletter", {std::string(ada)}), 200));
    const json::object doc = export_guest(ada);
    ASSERT_FALSE(doc.empty());
    EXPECT_TRUE(doc.at("account").is_null()) << json::serialize(doc);
    EXPECT_EQ(doc.at("sessions"), json::array{});
    EXPECT_EQ(doc.at("resets"), json::array{});
    EXPECT_EQ(doc.at("reservations"), json::array{});
    EXPECT_EQ(doc.at("email_lists"), parse_json(R"(["newsletter"])"));
    EXPECT_EQ(string_at(doc.at("profile").as_object(), "email"), ada);
}

TEST_F(Export, IsPerMerchantAndAnUnknownGuestIsAnExpectedFailure) {
    ASSERT_TRUE(has_status(add_members("newsletter", {std::string(ada)}), 200));
    const run_result other = cli_raw({"export", "--merchant", "5678", "--email", std::string(ada)});
    EXPECT_EQ(other.exit_code, 1) << other.out << other.err;
    EXPECT_FALSE(other.err.empty());
    const run_result unknown = cli_raw({"export", "--merchant", "1234", "--email", "nobody@example.com"});
    EXPECT_EQ(unknown.exit_code, 1) << unknown.out << unknown.err;
    EXPECT_TRUE(unknown.out.empty()) << unknown.out;
}

// ---- the consent ledger ---------------------------------------------------------------------------------------

TEST_F(ConsentLedger, UpdatePasswordRecordsTheLoyaltyConsentOnceWhenItCreatesTheAccount) {
    ASSERT_TRUE(is_batch_success(push_bookings(json::array{booking("BK-EXP-2", ada)}), 1, 0));
    set_password(ada, password);
    // Changing the password later is no new enrolment, whoever does it.
    set_password(ada, "another passphrase 2024", bearer(beta_, hotel_a_));

    const json::object doc = export_guest(ada);
    ASSERT_TRUE(doc.contains("consents")) << json::serialize(doc);
    ASSERT_EQ(doc.at("consents").as_array().size(), 1u) << json::serialize(doc.at("consents"));
    const json::object& c = doc.at("consents").as_array()[0].as_object();
    EXPECT_EQ(string_at(c, "kind"), "loyalty.granted");
    EXPECT_EQ(int_at(c, "partner_id"), acme_.id);
    EXPECT_EQ(string_at(c, "source_address"), "127.0.0.1");
    EXPECT_TRUE(c.at("at").is_string());
    // The consent's time is the account's creation.
    EXPECT_EQ(c.at("at"), doc.at("account").as_object().at("created_at"));
}

TEST_F(ConsentLedger, EmailListJoinsAndLeavesAreAppendedInOrder) {
    ASSERT_TRUE(has_status(add_members("newsletter", {std::string(ada)}), 200));
    ASSERT_TRUE(has_status(leave_list("newsletter", ada, bearer(beta_, hotel_a_)), 200));
    ASSERT_TRUE(has_status(add_members("newsletter", {std::string(ada)}), 200));
    // Adding a member already on the list is no new consent.
    ASSERT_TRUE(has_status(add_members("newsletter", {std::string(ada)}), 200));

    const json::object doc = export_guest(ada);
    ASSERT_TRUE(doc.contains("consents")) << json::serialize(doc);
    std::vector<std::string> got;
    for (const auto& c : doc.at("consents").as_array()) {
        const json::object& o = c.as_object();
        EXPECT_EQ(string_at(o, "source_address"), "127.0.0.1") << json::serialize(o);
        got.push_back(string_at(o, "kind") + " " + string_at(o, "detail") + " " +
                      std::to_string(int_at(o, "partner_id")));
    }
    const std::string acme = std::to_string(acme_.id);
    const std::string beta = std::to_string(beta_.id);
    EXPECT_EQ(got, (std::vector<std::string>{"email_list.joined newsletter " + acme,
                                             "email_list.left newsletter " + beta,
                                             "email_list.joined newsletter " + acme}))
        << json::serialize(doc.at("consents"));
    EXPECT_EQ(doc.at("email_lists"), parse_json(R"(["newsletter"])"));
}

}  // namespace
}  // namespace guestd::itest
