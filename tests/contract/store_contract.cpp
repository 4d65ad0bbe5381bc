#include "contract/store_contract.hpp"

#include "core/error.hpp"

#include <gmock/gmock.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace guestd::contract {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using core::account_id;
using core::errc;
using core::guest_id;
using core::merchant_id;
using core::partner_id;
using store::tx;
using store::unit_of_work;

void store_contract::SetUp() {
    scratch_ = GetParam().fresh();
    db_ = scratch_.open(clock_);
}

void store_contract::TearDown() {
    db_.reset();
    if (scratch_.remove) {
        scratch_.remove();
    }
}

void store_contract::reopen() {
    db_.reset();
    db_ = scratch_.open(clock_);
}

merchant_id store_contract::add_merchant(std::int64_t id) {
    return write([&](unit_of_work& u) {
        const store::merchant m{merchant_id{id}, "Hotel " + std::to_string(id), 0, 8};
        EXPECT_TRUE(u.merchants().insert(m, "hotel-" + std::to_string(id)).has_value());
        return m.id;
    });
}

guest_id store_contract::add_guest(merchant_id m, const std::string& email) {
    return write([&](unit_of_work& u) {
        store::guest g;
        g.merchant = m;
        if (!email.empty()) {
            g.fields.email = email;
        }
        auto id = u.guests().insert(g);
        EXPECT_TRUE(id.has_value());
        return id.value_or(guest_id{});
    });
}

partner_id store_contract::add_partner(const std::string& client_id, std::vector<merchant_id> merchants) {
    return write([&](unit_of_work& u) {
        store::partner p;
        p.name = "Partner " + client_id;
        p.client_id = client_id;
        p.client_secret_hash = "secret-" + client_id;
        p.merchants = std::move(merchants);
        return u.partners().insert(p, "token-" + client_id);
    });
}

account_id store_contract::add_account(merchant_id m, guest_id g, const std::string& card,
                                       const std::string& username) {
    return write([&](unit_of_work& u) {
        store::account a;
        a.merchant = m;
        a.guest = g;
        a.username = username;
        a.printed_card_number = card;
        a.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
        auto id = u.accounts().insert(a);
        EXPECT_TRUE(id.has_value());
        return id.value_or(account_id{});
    });
}

std::vector<std::optional<store::merchant>> store_contract::read_every_way(merchant_id id,
                                                                          const std::string& hotel_token_hash) {
    return read([&](unit_of_work& u) {
        std::vector<std::optional<store::merchant>> out{u.merchants().find(id),
                                                        u.merchants().find_by_hotel_token(hotel_token_hash)};
        const auto all = u.merchants().list();
        const auto listed = std::ranges::find(all, id, &store::merchant::id);
        out.push_back(listed != all.end() ? std::optional(*listed) : std::nullopt);
        return out;
    });
}

namespace {

// A guest with every field set, so a round trip proves each column is written and read back.
store::guest full_guest(merchant_id m, const std::string& email) {
    store::guest g;
    g.merchant = m;
    g.fields = {.title = "Mrs",
                .firstname = "Ada",
                .lastname = "Lovelace",
                .phone = "+44 20 7946 0000",
                .mobile = "+44 7700 900000",
                .email = email,
                .street = "12 St James's Square",
                .zip_code = "SW1Y 4JH",
                .city = "London",
                .state = "Greater London",
                .country = "GB",
                .birthdate = "1815-12-10",
                .language = "en",
                .nationality = "GB"};
    g.identity_document_number = "P1234567";
    g.custom_fields = {{"zeta", "last letter"}, {"alpha", "first letter"}, {"mid", "ünïcødé ✓"}};
    g.privilege_badges = {"gold", "early-checkin"};
    g.address2 = "Flat 3";
    g.address_label = "Home";
    g.opt_in = true;
    g.text_campaign_opt_in = true;
    g.sms_opt_in_verified = true;
    g.email_verified = true;
    return g;
}

void expect_same_profile(const store::guest& actual, const store::guest& expected) {
    EXPECT_EQ(actual.merchant, expected.merchant);
    EXPECT_EQ(actual.fields, expected.fields);
    EXPECT_EQ(actual.identity_document_number, expected.identity_document_number);
    EXPECT_EQ(actual.custom_fields, expected.custom_fields);
    EXPECT_EQ(actual.privilege_badges, expected.privilege_badges);
    EXPECT_EQ(actual.address2, expected.address2);
    EXPECT_EQ(actual.address_label, expected.address_label);
    EXPECT_EQ(actual.opt_in, expected.opt_in);
    EXPECT_EQ(actual.text_campaign_opt_in, expected.text_campaign_opt_in);
    EXPECT_EQ(actual.sms_opt_in_verified, expected.sms_opt_in_verified);
    EXPECT_EQ(actual.email_verified, expected.email_verified);
}

store::reservation booking(merchant_id m, guest_id g, const std::string& reference, const std::string& arrival,
                           const std::string& status = "valid") {
    store::reservation r;
    r.merchant = m;
    r.guest = g;
    r.reference = reference;
    r.status = status;
    r.creation = "2024-01-02 10:11:12";
    r.arrival = arrival;
    r.departure = "2024-12-31";
    r.total_amount = "282.50";
    r.currency = "EUR";
    r.room_type = "Deluxe Double";
    r.room_name = "101";
    r.custom_fields = {{"breakfast", "yes"}, {"arrival_time", "late"}};
    r.payload = R"({"reference":")" + reference + R"("})";
    return r;
}

std::vector<std::string> references(const std::vector<store::reservation>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs) {
        out.push_back(r.reference);
    }
    return out;
}

// m with every recovery setting away from its default, so a round trip proves each column is written and read.
store::merchant with_settings(store::merchant m) {
    m.reset_verification_fields = {"lastName", "postalCode", "émail ✓"};
    m.reset_link_template = "https://hotel.example/reset?resetCode={code}&lang=fr";
    m.reset_code_ttl = 86'400;
    m.mail_from = "Seaside Rewards <rewards@seaside.example>";
    m.audit_retention_days = 0;
    return m;
}

void expect_same_settings(const store::merchant& actual, const store::merchant& expected) {
    EXPECT_EQ(actual.id, expected.id);
    EXPECT_EQ(actual.password_min_length, expected.password_min_length);
    EXPECT_EQ(actual.reset_verification_fields, expected.reset_verification_fields);
    EXPECT_EQ(actual.reset_link_template, expected.reset_link_template);
    EXPECT_EQ(actual.reset_code_ttl, expected.reset_code_ttl);
    EXPECT_EQ(actual.mail_from, expected.mail_from);
    EXPECT_EQ(actual.audit_retention_days, expected.audit_retention_days);
}

store::reset reset_of(merchant_id m, account_id a, const std::string& code_hash, core::unix_seconds created_at) {
    store::reset r;
    r.merchant = m;
    r.account = a;
    r.code_hash = code_hash;
    r.created_at = created_at;
    r.expires_at = created_at + 600;
    return r;
}

store::outbox_message mail(merchant_id m, const std::string& recipient, core::unix_seconds due) {
    store::outbox_message msg;
    msg.merchant = m;
    msg.message_id = "<" + recipient + "." + std::to_string(due) + "@guestd.example>";
    msg.recipient = recipient;
    msg.sender = "Hotel <noreply@hotel.example>";
    msg.subject = "Reset your password";
    msg.content = "From: Hotel <noreply@hotel.example>\r\nTo: " + recipient + "\r\n\r\nHello ✓\r\n";
    msg.next_attempt_at = due;
    return msg;
}

std::vector<std::string> recipients(const std::vector<store::outbox_message>& messages) {
    std::vector<std::string> out;
    for (const auto& msg : messages) {
        out.push_back(msg.recipient);
    }
    return out;
}

store::audit_event event(merchant_id m, std::optional<guest_id> g, core::unix_seconds at, const std::string& kind) {
    store::audit_event e;
    e.merchant = m;
    e.guest = g;
    e.at = at;
    e.kind = kind;
    e.outcome = "ok";
    e.detail = "{}";
    return e;
}

/// The merchant's audit events, or one guest's, without other filters.
std::vector<store::audit_event> events_of(unit_of_work& u, merchant_id m, std::optional<guest_id> g = std::nullopt,
                                          int limit = 100) {
    return u.audit().list(m, g, std::nullopt, std::nullopt, limit);
}

/// "kind@at" per event, so a failing order or filter shows which events came back.
std::vector<std::string> kinds_at(const std::vector<store::audit_event>& events, core::unix_seconds origin) {
    std::vector<std::string> out;
    for (const auto& e : events) {
        out.push_back(e.kind + "@" + std::to_string(e.at - origin));
    }
    return out;
}

store::consent_event consent(merchant_id m, guest_id g, core::unix_seconds at, const std::string& kind) {
    store::consent_event e;
    e.merchant = m;
    e.guest = g;
    e.at = at;
    e.kind = kind;
    return e;
}

std::vector<std::string> consent_kinds(const std::vector<store::consent_event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) {
        out.push_back(e.kind);
    }
    return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Merchants

TEST_P(MerchantStore, InsertThenFindRoundTripsEveryField) {
    clock_.set(1'700'000'123);
    write([](unit_of_work& u) {
        EXPECT_TRUE(u.merchants().insert({merchant_id{42}, "Grand Hotel", 0, 12}, "token-hash-42").has_value());
    });

    const auto m = read([](unit_of_work& u) { return u.merchants().find(merchant_id{42}); });
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->id, merchant_id{42});
    EXPECT_EQ(m->name, "Grand Hotel");
    EXPECT_EQ(m->password_min_length, 12);
    EXPECT_EQ(m->created_at, 1'700'000'123);
}

TEST_P(MerchantStore, FindUnknownReturnsNothing) {
    add_merchant(1);
    EXPECT_FALSE(read([](unit_of_work& u) { return u.merchants().find(merchant_id{2}); }).has_value());
}

TEST_P(MerchantStore, DuplicateIdIsAlreadyExists) {
    add_merchant(7);
    const auto again =
        write([](unit_of_work& u) { return u.merchants().insert({merchant_id{7}, "Other", 0, 8}, "another-token"); });
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, errc::already_exists);
    EXPECT_EQ(read([](unit_of_work& u) { return u.merchants().find(merchant_id{7}); })->name, "Hotel 7");
}

TEST_P(MerchantStore, FindByHotelTokenMatchesOnlyItsHash) {
    add_merchant(1);
    add_merchant(2);
    const auto found = read([](unit_of_work& u) { return u.merchants().find_by_hotel_token("hotel-2"); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, merchant_id{2});
    EXPECT_FALSE(read([](unit_of_work& u) { return u.merchants().find_by_hotel_token("hotel-3"); }).has_value());
}

TEST_P(MerchantStore, ListReturnsEveryMerchantByAscendingId) {
    add_merchant(30);
    add_merchant(10);
    add_merchant(20);
    const auto all = read([](unit_of_work& u) { return u.merchants().list(); });
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].id, merchant_id{10});
    EXPECT_EQ(all[1].id, merchant_id{20});
    EXPECT_EQ(all[2].id, merchant_id{30});
    EXPECT_EQ(all[2].name, "Hotel 30");
}

TEST_P(MerchantStore, SetHotelTokenReplacesTheOldToken) {
    add_merchant(1);
    EXPECT_TRUE(write([](unit_of_work& u) { return u.merchants().set_hotel_token(merchant_id{1}, "rotated"); }));
    read([](unit_of_work& u) {
        EXPECT_FALSE(u.merchants().find_by_hotel_token("hotel-1").has_value());
        const auto found = u.merchants().find_by_hotel_token("rotated");
        EXPECT_TRUE(found.has_value() && found->id == merchant_id{1});
        return 0;
    });
    EXPECT_FALSE(write([](unit_of_work& u) { return u.merchants().set_hotel_token(merchant_id{2}, "other"); }));
}

TEST_P(MerchantStore, OldHotelTokenKeepsWorkingUntilItsOverlapEnds) {
    add_merchant(1);
    add_merchant(2);
    const core::unix_seconds t = clock_.now();
    EXPECT_TRUE(
        write([&](unit_of_work& u) { return u.merchants().set_hotel_token(merchant_id{1}, "rotated", t + 300); }));
    const auto merchant_of = [&](const std::string& token) {
        const auto m = read([&](unit_of_work& u) { return u.merchants().find_by_hotel_token(token); });
        return m ? m->id : merchant_id{0};
    };

    // During the overlap both tokens select the merchant, up to the last second before old_valid_until.
    EXPECT_EQ(merchant_of("hotel-1"), merchant_id{1});
    EXPECT_EQ(merchant_of("rotated"), merchant_id{1});
    clock_.set(t + 299);
    EXPECT_EQ(merchant_of("hotel-1"), merchant_id{1});

    // From old_valid_until on only the new one does; the other merchant is untouched throughout.
    clock_.set(t + 300);
    EXPECT_EQ(merchant_of("hotel-1"), merchant_id{0});
    EXPECT_EQ(merchant_of("rotated"), merchant_id{1});
    EXPECT_EQ(merchant_of("hotel-2"), merchant_id{2});
}

TEST_P(MerchantStore, HotelTokenReplacedWithoutOverlapStopsAtOnce) {
    add_merchant(1);
    EXPECT_TRUE(write([](unit_of_work& u) { return u.merchants().set_hotel_token(merchant_id{1}, "rotated", 0); }));
    EXPECT_FALSE(read([](unit_of_work& u) { return u.merchants().find_by_hotel_token("hotel-1"); }).has_value());
    EXPECT_TRUE(read([](unit_of_work& u) { return u.merchants().find_by_hotel_token("rotated"); }).has_value());
}

TEST_P(MerchantStore, SecondRotationEndsTheFirstOverlap) {
    add_merchant(1);
    const core::unix_seconds t = clock_.now();
    write([&](unit_of_work& u) {
        EXPECT_TRUE(u.merchants().set_hotel_token(merchant_id{1}, "second", t + 600));
        EXPECT_TRUE(u.merchants().set_hotel_token(merchant_id{1}, "third", t + 600));
    });
    read([](unit_of_work& u) {
        EXPECT_FALSE(u.merchants().find_by_hotel_token("hotel-1").has_value());
        EXPECT_TRUE(u.merchants().find_by_hotel_token("second").has_value());
        EXPECT_TRUE(u.merchants().find_by_hotel_token("third").has_value());
        return 0;
    });
}

TEST_P(MerchantStore, NewMerchantHasTheDefaultSettings) {
    add_merchant(1);
    const auto m = read([](unit_of_work& u) { return u.merchants().find(merchant_id{1}); });
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->password_min_length, 8);
    EXPECT_THAT(m->reset_verification_fields, IsEmpty());
    EXPECT_EQ(m->reset_link_template, "");
    EXPECT_EQ(m->reset_code_ttl, 600);
    EXPECT_EQ(m->mail_from, "");
    EXPECT_EQ(m->audit_retention_days, 365);
}

TEST_P(MerchantStore, EveryReadReturnsTheSettingsGivenAtInsert) {
    const auto m = with_settings({merchant_id{5}, "Seaside", 0, 10});
    write([&](unit_of_work& u) { EXPECT_TRUE(u.merchants().insert(m, "hotel-5").has_value()); });

    for (const auto& found : read_every_way(merchant_id{5}, "hotel-5")) {
        ASSERT_TRUE(found.has_value());
        expect_same_settings(*found, m);
    }
}

TEST_P(MerchantStore, UpdateSettingsWritesEverySettingButNotTheName) {
    add_merchant(1);
    add_merchant(2);
    auto changed = with_settings({merchant_id{1}, "Renamed", 0, 14});
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.merchants().update_settings(changed); }));

    for (const auto& found : read_every_way(merchant_id{1}, "hotel-1")) {
        ASSERT_TRUE(found.has_value());
        expect_same_settings(*found, changed);
        EXPECT_EQ(found->name, "Hotel 1");
    }
    // The other merchant keeps its defaults.
    const auto other = read([](unit_of_work& u) { return u.merchants().find(merchant_id{2}); });
    ASSERT_TRUE(other.has_value());
    expect_same_settings(*other, {merchant_id{2}, "", 0, 8});

    // Back to the defaults: an empty list and empty strings round trip as such.
    changed = {merchant_id{1}, "Renamed", 0, 8};
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.merchants().update_settings(changed); }));
    for (const auto& found : read_every_way(merchant_id{1}, "hotel-1")) {
        ASSERT_TRUE(found.has_value());
        expect_same_settings(*found, changed);
    }
}

TEST_P(MerchantStore, UpdateSettingsOfUnknownMerchantIsFalse) {
    add_merchant(1);
    EXPECT_FALSE(write([](unit_of_work& u) { return u.merchants().update_settings({merchant_id{2}, "Nope", 0, 12}); }));
    EXPECT_FALSE(read([](unit_of_work& u) { return u.merchants().find(merchant_id{2}); }).has_value());
    EXPECT_EQ(read([](unit_of_work& u) { return u.merchants().find(merchant_id{1}); })->password_min_length, 8);
}

TEST_P(MerchantStore, SetTemplateInsertsThenReplaces) {
    const auto m = add_merchant(1);
    const store::mail_template first{"reset", "en", "Reset your password", "Go to {link}", "<a href=\"{link}\">go</a>"};
    write([&](unit_of_work& u) { u.merchants().set_template(m, first); });
    EXPECT_EQ(read([&](unit_of_work& u) { return u.merchants().find_template(m, "reset", "en"); }), first);

    const store::mail_template second{"reset", "en", "New subject", "{code}", ""};
    write([&](unit_of_work& u) { u.merchants().set_template(m, second); });
    EXPECT_EQ(read([&](unit_of_work& u) { return u.merchants().find_template(m, "reset", "en"); }), second);
    EXPECT_THAT(read([&](unit_of_work& u) { return u.merchants().templates(m); }), ElementsAre(second));
}

TEST_P(MerchantStore, FindTemplateMatchesKindAndLanguageExactly) {
    const auto m = add_merchant(1);
    write([&](unit_of_work& u) { u.merchants().set_template(m, {"reset", "fr", "Réinitialiser", "texte", "html"}); });
    read([&](unit_of_work& u) {
        EXPECT_TRUE(u.merchants().find_template(m, "reset", "fr").has_value());
        EXPECT_FALSE(u.merchants().find_template(m, "reset", "en").has_value());
        EXPECT_FALSE(u.merchants().find_template(m, "password_changed", "fr").has_value());
        return 0;
    });
}

TEST_P(MerchantStore, TemplatesListsEveryTemplateByKindThenLanguage) {
    const auto m = add_merchant(1);
    const store::mail_template reset_fr{"reset", "fr", "s1", "t1", "h1"};
    const store::mail_template changed_en{"password_changed", "en", "s2", "t2", "h2"};
    const store::mail_template reset_en{"reset", "en", "s3", "t3", "h3"};
    write([&](unit_of_work& u) {
        u.merchants().set_template(m, reset_fr);
        u.merchants().set_template(m, changed_en);
        u.merchants().set_template(m, reset_en);
    });
    EXPECT_THAT(read([&](unit_of_work& u) { return u.merchants().templates(m); }),
                ElementsAre(changed_en, reset_en, reset_fr));
}

TEST_P(MerchantStore, RemoveTemplateReportsWhetherThereWasOne) {
    const auto m = add_merchant(1);
    const store::mail_template kept{"reset", "fr", "s", "t", "h"};
    write([&](unit_of_work& u) {
        u.merchants().set_template(m, {"reset", "en", "s", "t", "h"});
        u.merchants().set_template(m, kept);
    });
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.merchants().remove_template(m, "reset", "en"); }));
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.merchants().remove_template(m, "reset", "en"); }));
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.merchants().find_template(m, "reset", "en"); }).has_value());
    EXPECT_THAT(read([&](unit_of_work& u) { return u.merchants().templates(m); }), ElementsAre(kept));
}

TEST_P(MerchantStore, TemplatesAreScopedByMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const store::mail_template mine{"reset", "en", "Merchant one", "t1", "h1"};
    const store::mail_template theirs{"reset", "en", "Merchant two", "t2", "h2"};
    write([&](unit_of_work& u) { u.merchants().set_template(m1, mine); });
    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.merchants().find_template(m2, "reset", "en").has_value());
        EXPECT_THAT(u.merchants().templates(m2), IsEmpty());
        return 0;
    });
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.merchants().remove_template(m2, "reset", "en"); }));

    // The same (kind, language) at another merchant is another template.
    write([&](unit_of_work& u) { u.merchants().set_template(m2, theirs); });
    EXPECT_EQ(read([&](unit_of_work& u) { return u.merchants().find_template(m1, "reset", "en"); }), mine);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.merchants().find_template(m2, "reset", "en"); }), theirs);
}

// ---------------------------------------------------------------------------------------------------------------
// Partners

TEST_P(PartnerStore, InsertThenFindRoundTripsEveryField) {
    add_merchant(1);
    add_merchant(2);
    add_merchant(3);
    clock_.set(1'700'000'456);
    const std::string secret_hash("\x00\x01\xff secret", 10);  // hashes are bytes, zeros included
    const auto id = write([&](unit_of_work& u) {
        store::partner p;
        p.name = "Booking Engine";
        p.client_id = "client-abc";
        p.client_secret_hash = secret_hash;
        p.b2b = true;
        p.disabled = true;
        p.caller_reset_codes = true;
        p.merchants = {merchant_id{3}, merchant_id{1}};
        return u.partners().insert(p, std::string("tok\x00en", 6));
    });

    const auto p = read([&](unit_of_work& u) { return u.partners().find(id); });
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->id, id);
    EXPECT_EQ(p->name, "Booking Engine");
    EXPECT_EQ(p->client_id, "client-abc");
    EXPECT_EQ(p->client_secret_hash, secret_hash);
    EXPECT_TRUE(p->b2b);
    EXPECT_TRUE(p->disabled);
    EXPECT_TRUE(p->caller_reset_codes);
    EXPECT_EQ(p->merchants, (std::vector{merchant_id{1}, merchant_id{3}}));
    EXPECT_EQ(p->created_at, 1'700'000'456);
}

TEST_P(PartnerStore, DefaultFlagsRoundTripAsFalse) {
    add_merchant(1);
    const auto id = add_partner("plain", {merchant_id{1}});
    const auto p = read([&](unit_of_work& u) { return u.partners().find(id); });
    ASSERT_TRUE(p.has_value());
    EXPECT_FALSE(p->b2b);
    EXPECT_FALSE(p->disabled);
    EXPECT_FALSE(p->caller_reset_codes);
}

TEST_P(PartnerStore, FindByTokenAndByClientIdSelectTheRightPartner) {
    add_merchant(1);
    const auto a = add_partner("a", {merchant_id{1}});
    const auto b = add_partner("b", {merchant_id{1}});
    EXPECT_NE(a, b);

    const auto by_token = read([](unit_of_work& u) { return u.partners().find_by_token("token-b"); });
    ASSERT_TRUE(by_token.has_value());
    EXPECT_EQ(by_token->id, b);
    const auto by_client = read([](unit_of_work& u) { return u.partners().find_by_client_id("a"); });
    ASSERT_TRUE(by_client.has_value());
    EXPECT_EQ(by_client->id, a);
    EXPECT_EQ(by_client->merchants, std::vector{merchant_id{1}});
}

TEST_P(PartnerStore, UnknownTokenClientIdOrIdFindsNothing) {
    add_merchant(1);
    const auto a = add_partner("a", {merchant_id{1}});
    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.partners().find_by_token("token-z").has_value());
        EXPECT_FALSE(u.partners().find_by_client_id("z").has_value());
        EXPECT_FALSE(u.partners().find_by_client_id("A").has_value());  // client ids are exact
        EXPECT_FALSE(u.partners().find(partner_id{a.value + 100}).has_value());
        return 0;
    });
}

TEST_P(PartnerStore, PartnersWithoutClientIdDoNotCollide) {
    add_merchant(1);
    const auto ids = write([](unit_of_work& u) {
        store::partner p;
        p.name = "Experience only";
        p.merchants = {merchant_id{1}};
        return std::pair{u.partners().insert(p, "token-1"), u.partners().insert(p, "token-2")};
    });
    EXPECT_NE(ids.first, ids.second);
    EXPECT_FALSE(read([](unit_of_work& u) { return u.partners().find_by_client_id(""); }).has_value());
}

TEST_P(PartnerStore, GrantToUnknownMerchantFails) {
    add_merchant(1);
    auto u = db_->begin(tx::write);
    store::partner p;
    p.name = "Bad grant";
    p.client_id = "bad";
    p.merchants = {merchant_id{1}, merchant_id{99}};
    EXPECT_THROW(u->partners().insert(p, "token-bad"), core::backend_error);
}

TEST_P(PartnerStore, NewPartnerHasNoPreviousSecret) {
    add_merchant(1);
    const auto id = add_partner("fresh", {merchant_id{1}});
    const auto p = read([&](unit_of_work& u) { return u.partners().find(id); });
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->previous_client_secret_hash, "");
    EXPECT_EQ(p->previous_valid_until, 0);
}

TEST_P(PartnerStore, RotateKeepsTheOldTokenAndSecretUntilTheOverlapEnds) {
    add_merchant(1);
    const auto a = add_partner("a", {merchant_id{1}});
    const auto b = add_partner("b", {merchant_id{1}});
    const core::unix_seconds t = clock_.now();
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.partners().rotate(a, "token-a2", "secret-a2", t + 3600); }));
    const auto by_token = [&](const std::string& token) {
        return read([&](unit_of_work& u) { return u.partners().find_by_token(token); });
    };
    const auto by_client_id = [&] { return read([](unit_of_work& u) { return u.partners().find_by_client_id("a"); }); };

    // During the overlap both tokens select the partner, which carries the new secret and the previous one.
    for (const std::string token : {"token-a", "token-a2"}) {
        const auto p = by_token(token);
        ASSERT_TRUE(p.has_value()) << token;
        EXPECT_EQ(p->id, a);
        EXPECT_EQ(p->client_secret_hash, "secret-a2");
        EXPECT_EQ(p->merchants, std::vector{merchant_id{1}});
    }
    auto p = by_client_id();
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->client_secret_hash, "secret-a2");
    EXPECT_EQ(p->previous_client_secret_hash, "secret-a");
    EXPECT_EQ(p->previous_valid_until, t + 3600);
    clock_.set(t + 3599);
    EXPECT_TRUE(by_token("token-a").has_value());

    // From old_valid_until on the old token selects nothing; the previous secret is still reported, for the
    // caller to compare its deadline with its own now.
    clock_.set(t + 3600);
    EXPECT_FALSE(by_token("token-a").has_value());
    EXPECT_EQ(by_token("token-a2")->id, a);
    p = by_client_id();
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->previous_client_secret_hash, "secret-a");
    EXPECT_EQ(p->previous_valid_until, t + 3600);

    // The other partner is untouched.
    const auto other = read([&](unit_of_work& u) { return u.partners().find(b); });
    EXPECT_EQ(other->client_secret_hash, "secret-b");
    EXPECT_EQ(other->previous_client_secret_hash, "");
    EXPECT_EQ(by_token("token-b")->id, b);
}

TEST_P(PartnerStore, RotateWithoutOverlapStopsTheOldCredentialsAtOnce) {
    add_merchant(1);
    const auto a = add_partner("a", {merchant_id{1}});
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.partners().rotate(a, "token-a2", "secret-a2", 0); }));
    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.partners().find_by_token("token-a").has_value());
        EXPECT_EQ(u.partners().find_by_token("token-a2")->id, a);
        const auto p = u.partners().find_by_client_id("a");
        EXPECT_EQ(p->client_secret_hash, "secret-a2");
        EXPECT_EQ(p->previous_client_secret_hash, "");
        EXPECT_EQ(p->previous_valid_until, 0);
        return 0;
    });
}

TEST_P(PartnerStore, RotateOfUnknownPartnerIsFalse) {
    add_merchant(1);
    const auto a = add_partner("a", {merchant_id{1}});
    const core::unix_seconds t = clock_.now();
    EXPECT_FALSE(write([&](unit_of_work& u) {
        return u.partners().rotate(partner_id{a.value + 100}, "token-z", "secret-z", t + 60);
    }));
    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.partners().find_by_token("token-z").has_value());
        EXPECT_EQ(u.partners().find_by_token("token-a")->client_secret_hash, "secret-a");
        return 0;
    });
}

TEST_P(PartnerStore, SetDisabledFlagsThePartnerAndEveryLookupStillReturnsIt) {
    add_merchant(1);
    const auto a = add_partner("a", {merchant_id{1}});
    const auto b = add_partner("b", {merchant_id{1}});
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.partners().set_disabled(a, true); }));
    read([&](unit_of_work& u) {
        EXPECT_TRUE(u.partners().find(a)->disabled);
        EXPECT_TRUE(u.partners().find_by_token("token-a")->disabled);
        EXPECT_TRUE(u.partners().find_by_client_id("a")->disabled);
        const auto all = u.partners().list();
        EXPECT_EQ(std::ranges::count_if(all, [](const auto& p) { return p.disabled; }), 1);
        EXPECT_FALSE(u.partners().find(b)->disabled);
        return 0;
    });

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.partners().set_disabled(a, false); }));
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.partners().find(a); })->disabled);
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.partners().set_disabled(partner_id{b.value + 100}, true); }));
}

TEST_P(PartnerStore, SetCallerResetCodesGrantsAndWithdrawsTheRightSeenByEveryLookup) {
    add_merchant(1);
    const auto a = add_partner("a", {merchant_id{1}});
    const auto b = add_partner("b", {merchant_id{1}});
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.partners().set_caller_reset_codes(a, true); }));
    read([&](unit_of_work& u) {
        EXPECT_TRUE(u.partners().find(a)->caller_reset_codes);
        EXPECT_TRUE(u.partners().find_by_token("token-a")->caller_reset_codes);
        EXPECT_TRUE(u.partners().find_by_client_id("a")->caller_reset_codes);
        const auto all = u.partners().list();
        EXPECT_EQ(std::ranges::count_if(all, [](const auto& p) { return p.caller_reset_codes; }), 1);
        EXPECT_FALSE(u.partners().find(b)->caller_reset_codes);
        return 0;
    });

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.partners().set_caller_reset_codes(a, false); }));
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.partners().find(a); })->caller_reset_codes);
    EXPECT_FALSE(
        write([&](unit_of_work& u) { return u.partners().set_caller_reset_codes(partner_id{b.value + 100}, true); }));
}

// What domain::credentials relies on to reuse a token pair's answer: the generation moves with every committed
// change to merchants, partners and grants, whoever makes it, and with nothing else.
TEST_P(PartnerStore, CredentialsGenerationMovesWithEveryCredentialChangeAndNothingElse) {
    const auto generation = [&] { return read([](unit_of_work& u) { return u.partners().credentials_generation(); }); };
    auto last = generation();
    const auto moved = [&] {
        const auto now = generation();
        const bool did = now != last;
        last = now;
        return did;
    };

    add_merchant(1);
    EXPECT_TRUE(moved()) << "merchant added";
    add_merchant(2);
    EXPECT_TRUE(moved()) << "second merchant added";
    const auto a = add_partner("a", {merchant_id{1}});
    EXPECT_TRUE(moved()) << "partner added";
    const core::unix_seconds t = clock_.now();
    EXPECT_TRUE(write([](unit_of_work& u) { return u.merchants().set_hotel_token(merchant_id{1}, "rotated", 0); }));
    EXPECT_TRUE(moved()) << "hotel token rotated";
    const auto settings = with_settings({merchant_id{1}, "", 0, 12});
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.merchants().update_settings(settings); }));
    EXPECT_TRUE(moved()) << "settings changed";
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.partners().rotate(a, "token-a2", "secret-a2", t + 60); }));
    EXPECT_TRUE(moved()) << "partner rotated";
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.partners().set_disabled(a, true); }));
    EXPECT_TRUE(moved()) << "partner disabled";
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.partners().set_caller_reset_codes(a, true); }));
    EXPECT_TRUE(moved()) << "partner granted caller reset codes";

    // Reads, guests and a rolled-back change leave it where it was.
    EXPECT_TRUE(read([](unit_of_work& u) { return u.partners().find_by_token("token-a2"); }).has_value());
    EXPECT_TRUE(read([](unit_of_work& u) { return u.merchants().find_by_hotel_token("rotated"); }).has_value());
    add_guest(merchant_id{1}, "guest@example.com");
    {
        auto u = db_->begin(store::tx::write);
        EXPECT_TRUE(u->partners().set_disabled(a, false));
    }
    EXPECT_FALSE(moved());
}

TEST_P(PartnerStore, ListReturnsEveryPartnerByAscendingIdWithItsGrants) {
    EXPECT_THAT(read([](unit_of_work& u) { return u.partners().list(); }), IsEmpty());
    add_merchant(1);
    add_merchant(2);
    add_merchant(3);
    const auto a = add_partner("a", {merchant_id{3}, merchant_id{1}});
    const auto b = add_partner("b", {});
    const auto c = add_partner("c", {merchant_id{2}});

    const auto all = read([](unit_of_work& u) { return u.partners().list(); });
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].id, a);
    EXPECT_EQ(all[0].client_id, "a");
    EXPECT_EQ(all[0].client_secret_hash, "secret-a");
    EXPECT_EQ(all[0].merchants, (std::vector{merchant_id{1}, merchant_id{3}}));
    EXPECT_EQ(all[1].id, b);
    EXPECT_THAT(all[1].merchants, IsEmpty());
    EXPECT_EQ(all[2].id, c);
    EXPECT_EQ(all[2].name, "Partner c");
    EXPECT_EQ(all[2].merchants, std::vector{merchant_id{2}});
}

// ---------------------------------------------------------------------------------------------------------------
// Guests

TEST_P(GuestStore, InsertThenFindRoundTripsEveryField) {
    const auto m = add_merchant(1);
    clock_.set(1'700'001'000);
    const auto g = full_guest(m, "Ada.Lovelace@Example.com");
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(g); });
    ASSERT_TRUE(id.has_value());

    const auto found = read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, *id);
    expect_same_profile(*found, g);
    EXPECT_EQ(found->version, 1);
    EXPECT_EQ(found->created_at, 1'700'001'000);
    EXPECT_EQ(found->updated_at, 1'700'001'000);
}

TEST_P(GuestStore, NullFieldsRoundTripAsNull) {
    const auto m = add_merchant(1);
    store::guest g;
    g.merchant = m;
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(g); });
    ASSERT_TRUE(id.has_value());

    const auto found = read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->fields, store::profile{});
    EXPECT_FALSE(found->identity_document_number.has_value());
    EXPECT_THAT(found->custom_fields, IsEmpty());
    EXPECT_THAT(found->privilege_badges, IsEmpty());
    EXPECT_FALSE(found->address2.has_value());
    EXPECT_FALSE(found->address_label.has_value());
    EXPECT_FALSE(found->opt_in);
    EXPECT_FALSE(found->text_campaign_opt_in);
    EXPECT_FALSE(found->sms_opt_in_verified);
    EXPECT_FALSE(found->email_verified);
}

TEST_P(GuestStore, PaytronixProfileFieldsRoundTripThroughEveryFinder) {
    const auto m = add_merchant(1);
    const auto g = full_guest(m, "paula@example.com");
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(g); });
    ASSERT_TRUE(id.has_value());
    write([&](unit_of_work& u) { u.guests().set_reference(m, "C-9", *id); });

    const auto by_id = read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    const auto by_email = read([&](unit_of_work& u) { return u.guests().find_by_email(m, "paula@example.com"); });
    const auto by_reference = read([&](unit_of_work& u) { return u.guests().find_by_reference(m, "C-9"); });
    for (const auto* found : {&by_id, &by_email, &by_reference}) {
        ASSERT_TRUE(found->has_value());
        EXPECT_EQ((*found)->address2, "Flat 3");
        EXPECT_EQ((*found)->address_label, "Home");
        EXPECT_TRUE((*found)->opt_in);
        EXPECT_TRUE((*found)->text_campaign_opt_in);
        EXPECT_TRUE((*found)->sms_opt_in_verified);
        EXPECT_TRUE((*found)->email_verified);
    }
}

TEST_P(GuestStore, UpdateClearsAndSetsEachPaytronixProfileFieldOnItsOwn) {
    const auto m = add_merchant(1);
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "quinn@example.com")); });
    ASSERT_TRUE(id.has_value());

    auto changed = *read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    changed.address2.reset();
    changed.address_label = "Work";
    changed.opt_in = false;
    changed.sms_opt_in_verified = false;  // text_campaign_opt_in and email_verified stay true
    ASSERT_TRUE(write([&](unit_of_work& u) { return u.guests().update(changed); }).has_value());

    const auto found = read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    ASSERT_TRUE(found.has_value());
    EXPECT_FALSE(found->address2.has_value());
    EXPECT_EQ(found->address_label, "Work");
    EXPECT_FALSE(found->opt_in);
    EXPECT_TRUE(found->text_campaign_opt_in);
    EXPECT_FALSE(found->sms_opt_in_verified);
    EXPECT_TRUE(found->email_verified);
}

TEST_P(GuestStore, EmptyStringsStayEmptyNotNull) {
    const auto m = add_merchant(1);
    store::guest g;
    g.merchant = m;
    g.fields.title = "";
    g.custom_fields = {{"", ""}};
    g.privilege_badges = {""};
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(g); });
    const auto found = read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->fields.title, std::optional<std::string>(""));
    EXPECT_EQ(found->custom_fields, g.custom_fields);
    EXPECT_EQ(found->privilege_badges, g.privilege_badges);
}

TEST_P(GuestStore, GuestsWithoutEmailDoNotCollide) {
    const auto m = add_merchant(1);
    const auto a = add_guest(m, "");
    const auto b = add_guest(m, "");
    EXPECT_NE(a, b);
}

TEST_P(GuestStore, FindByEmailIgnoresAsciiCaseAndKeepsTheEmailAsGiven) {
    const auto m = add_merchant(1);
    const auto id = add_guest(m, "Alice.Smith@Example.COM");
    for (const char* email : {"alice.smith@example.com", "ALICE.SMITH@EXAMPLE.COM", "Alice.Smith@Example.COM"}) {
        const auto found = read([&](unit_of_work& u) { return u.guests().find_by_email(m, email); });
        ASSERT_TRUE(found.has_value()) << email;
        EXPECT_EQ(found->id, id);
        EXPECT_EQ(found->fields.email, "Alice.Smith@Example.COM");
    }
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.guests().find_by_email(m, "alice.smith@example.co"); }));
}

TEST_P(GuestStore, DuplicateEmailInMerchantIsAlreadyExistsWhateverItsCase) {
    const auto m = add_merchant(1);
    add_guest(m, "bob@example.com");
    const auto again = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "BOB@example.com")); });
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, errc::already_exists);
}

TEST_P(GuestStore, SameEmailInTwoMerchantsIsTwoGuests) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g1 = add_guest(m1, "carol@example.com");
    const auto g2 = add_guest(m2, "carol@example.com");
    EXPECT_NE(g1, g2);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find_by_email(m1, "carol@example.com"); })->id, g1);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find_by_email(m2, "carol@example.com"); })->id, g2);
}

TEST_P(GuestStore, AnotherMerchantCannotFindTheGuest) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g = add_guest(m1, "dave@example.com");
    write([&](unit_of_work& u) { u.guests().set_reference(m1, "PMS-1", g); });

    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.guests().find(m2, g).has_value());
        EXPECT_FALSE(u.guests().find_by_email(m2, "dave@example.com").has_value());
        EXPECT_FALSE(u.guests().find_by_reference(m2, "PMS-1").has_value());
        EXPECT_TRUE(u.guests().find(m1, g).has_value());
        return 0;
    });
}

TEST_P(GuestStore, LinksFromAnotherMerchantToTheGuestAreRefused) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g = add_guest(m1, "lia@example.com");

    // Each attempt either fails loudly or leaves no trace visible to the other merchant.
    const auto attempt = [&](const std::function<void(unit_of_work&)>& fn) {
        try {
            write(fn);
        } catch (const core::backend_error&) {
        }
    };
    attempt([&](unit_of_work& u) { u.guests().set_reference(m2, "C-9", g); });
    attempt([&](unit_of_work& u) { u.email_lists().add(m2, "newsletter", g, clock_.now()); });
    attempt([&](unit_of_work& u) { u.reservations().upsert(booking(m2, g, "BK-9", "2024-06-01")); });
    attempt([&](unit_of_work& u) {
        store::account a;
        a.merchant = m2;
        a.guest = g;
        a.username = "lia";
        a.printed_card_number = "6000000000000009";
        a.password_hash = "hash";
        (void)u.accounts().insert(a);
    });

    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.guests().find_by_reference(m2, "C-9").has_value());
        EXPECT_THAT(u.email_lists().lists_of(m2, g), IsEmpty());
        EXPECT_FALSE(u.guests().qualifies(m2, g));
        EXPECT_THAT(u.reservations().list_active(m2, g), IsEmpty());
        EXPECT_FALSE(u.accounts().find_by_guest(m2, g).has_value());
        EXPECT_FALSE(u.accounts().find_by_guest(m1, g).has_value());
        EXPECT_FALSE(u.guests().qualifies(m1, g));
        return 0;
    });
}

TEST_P(GuestStore, UpdateWritesTheWholeGuestAndBumpsVersion) {
    const auto m = add_merchant(1);
    clock_.set(1'700'002'000);
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "eve@example.com")); });
    ASSERT_TRUE(id.has_value());

    clock_.advance(60);
    store::guest changed;
    changed.id = *id;
    changed.merchant = m;
    changed.fields.firstname = "Evelyn";
    changed.fields.email = "evelyn@example.com";
    changed.custom_fields = {{"only", "one"}};
    changed.privilege_badges = {"platinum"};
    const auto updated = write([&](unit_of_work& u) { return u.guests().update(changed); });
    ASSERT_TRUE(updated.has_value());

    const auto found = read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    ASSERT_TRUE(found.has_value());
    expect_same_profile(*found, changed);  // cleared fields are null, custom fields and badges replaced
    EXPECT_EQ(found->version, 2);
    EXPECT_EQ(found->created_at, 1'700'002'000);
    EXPECT_EQ(found->updated_at, 1'700'002'060);
    EXPECT_TRUE(read([&](unit_of_work& u) { return u.guests().find_by_email(m, "EVELYN@example.com"); }));
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.guests().find_by_email(m, "eve@example.com"); }));

    ASSERT_TRUE(write([&](unit_of_work& u) { return u.guests().update(changed); }).has_value());
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find(m, *id); })->version, 3);
}

TEST_P(GuestStore, AChangedEmailIsNoLongerVerifiedButTheSameEmailStaysVerified) {
    const auto m = add_merchant(1);
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "rita@example.com")); });
    ASSERT_TRUE(id.has_value());

    // Same address in another case: still verified.
    auto g = *read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    g.fields.email = "Rita@Example.com";
    ASSERT_TRUE(write([&](unit_of_work& u) { return u.guests().update(g); }).has_value());
    EXPECT_TRUE(read([&](unit_of_work& u) { return u.guests().find(m, *id); })->email_verified);

    // Another address: cleared, even though the record written still says verified.
    g.fields.email = "rita.new@example.com";
    ASSERT_TRUE(g.email_verified);
    ASSERT_TRUE(write([&](unit_of_work& u) { return u.guests().update(g); }).has_value());
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.guests().find(m, *id); })->email_verified);

    // Verifying the new address sticks.
    g.email_verified = true;
    ASSERT_TRUE(write([&](unit_of_work& u) { return u.guests().update(g); }).has_value());
    EXPECT_TRUE(read([&](unit_of_work& u) { return u.guests().find(m, *id); })->email_verified);
}

TEST_P(GuestStore, UpdateMayChangeTheCaseOfItsOwnEmail) {
    const auto m = add_merchant(1);
    const auto id = add_guest(m, "frank@example.com");
    auto g = *read([&](unit_of_work& u) { return u.guests().find(m, id); });
    g.fields.email = "Frank@Example.com";
    ASSERT_TRUE(write([&](unit_of_work& u) { return u.guests().update(g); }).has_value());
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find(m, id); })->fields.email, "Frank@Example.com");
}

TEST_P(GuestStore, UpdateToAnotherGuestsEmailIsAlreadyExistsAndChangesNothing) {
    const auto m = add_merchant(1);
    add_guest(m, "grace@example.com");
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "heidi@example.com")); });
    ASSERT_TRUE(id.has_value());

    auto g = *read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    g.fields.email = "GRACE@example.com";
    g.fields.firstname = "Changed";
    g.custom_fields.clear();
    const auto updated = write([&](unit_of_work& u) { return u.guests().update(g); });
    ASSERT_FALSE(updated.has_value());
    EXPECT_EQ(updated.error().code, errc::already_exists);

    const auto after = read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    expect_same_profile(*after, full_guest(m, "heidi@example.com"));
    EXPECT_EQ(after->version, 1);
}

TEST_P(GuestStore, UpdateOfUnknownGuestIsNotFound) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto id = add_guest(m1, "ivan@example.com");
    store::guest g;
    g.id = id;
    g.merchant = m2;  // the right id under the wrong merchant
    g.fields.firstname = "Mallory";
    const auto updated = write([&](unit_of_work& u) { return u.guests().update(g); });
    ASSERT_FALSE(updated.has_value());
    EXPECT_EQ(updated.error().code, errc::not_found);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find(m1, id); })->fields.firstname, std::nullopt);
}

// A profile edit (PUT guest-informations) writes the row only and learns the new version and time from the
// same statement, so it does not read the guest again.
TEST_P(GuestStore, UpdateProfileLeavesTheCustomFieldsAndReturnsTheStoredVersionAndTime) {
    const auto m = add_merchant(1);
    clock_.set(1'700'003'000);
    add_guest(m, "judy@example.com");
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "kim@example.com")); });
    ASSERT_TRUE(id.has_value());

    clock_.advance(90);
    auto g = *read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    g.fields.city = "Paris";
    g.custom_fields = {{"ignored", "by update_profile"}};
    ASSERT_TRUE(write([&](unit_of_work& u) { return u.guests().update_profile(g); }));
    EXPECT_EQ(g.version, 2);
    EXPECT_EQ(g.updated_at, 1'700'003'090);

    const auto stored = read([&](unit_of_work& u) { return u.guests().find(m, *id); });
    EXPECT_EQ(stored->fields.city, std::optional<std::string>("Paris"));
    EXPECT_EQ(stored->custom_fields, full_guest(m, "kim@example.com").custom_fields);
    EXPECT_EQ(stored->version, g.version);
    EXPECT_EQ(stored->updated_at, g.updated_at);

    // A taken email and an unknown guest fail as update's do, and change nothing.
    g.fields.email = "JUDY@example.com";
    const auto taken = write([&](unit_of_work& u) { return u.guests().update_profile(g); });
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error().code, errc::already_exists);
    EXPECT_EQ(g.version, 2);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find(m, *id); })->version, 2);
    g.merchant = add_merchant(2);
    const auto unknown = write([&](unit_of_work& u) { return u.guests().update_profile(g); });
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, errc::not_found);
}

TEST_P(GuestStore, CustomFieldsKeepTheirInsertionOrder) {
    const auto m = add_merchant(1);
    store::guest g;
    g.merchant = m;
    for (int i = 12; i > 0; --i) {
        g.custom_fields.push_back({"field" + std::to_string(i), std::to_string(i * i)});
    }
    g.custom_fields.push_back({"field5", "duplicate names are kept"});
    const auto id = write([&](unit_of_work& u) { return u.guests().insert(g); });
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find(m, *id); })->custom_fields, g.custom_fields);
}

TEST_P(GuestStore, SetReferenceCreatesThenMovesTheAlias) {
    const auto m = add_merchant(1);
    const auto a = add_guest(m, "judy@example.com");
    const auto b = add_guest(m, "karl@example.com");
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.guests().find_by_reference(m, "C-1"); }).has_value());

    write([&](unit_of_work& u) { u.guests().set_reference(m, "C-1", a); });
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find_by_reference(m, "C-1"); })->id, a);

    write([&](unit_of_work& u) { u.guests().set_reference(m, "C-1", b); });
    const auto moved = read([&](unit_of_work& u) { return u.guests().find_by_reference(m, "C-1"); });
    ASSERT_TRUE(moved.has_value());
    EXPECT_EQ(moved->id, b);
    EXPECT_EQ(moved->fields.email, "karl@example.com");
}

TEST_P(GuestStore, ReferencesAreScopedByMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto a = add_guest(m1, "leo@example.com");
    const auto b = add_guest(m2, "leo@example.com");
    write([&](unit_of_work& u) {
        u.guests().set_reference(m1, "C-1", a);
        u.guests().set_reference(m2, "C-1", b);
    });
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find_by_reference(m1, "C-1"); })->id, a);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.guests().find_by_reference(m2, "C-1"); })->id, b);
}

TEST_P(GuestStore, QualifiesOnlyWithALiveReservationOrAListMembership) {
    const auto m = add_merchant(1);
    const auto nobody = add_guest(m, "nobody@example.com");
    const auto cancelled = add_guest(m, "cancelled@example.com");
    const auto booked = add_guest(m, "booked@example.com");
    const auto optioned = add_guest(m, "option@example.com");
    const auto subscribed = add_guest(m, "subscribed@example.com");
    write([&](unit_of_work& u) {
        u.reservations().upsert(booking(m, cancelled, "R-1", "2024-05-01", "cancelled"));
        u.reservations().upsert(booking(m, booked, "R-2", "2024-05-01", "valid"));
        u.reservations().upsert(booking(m, optioned, "R-3", "2024-05-01", "option"));
        u.email_lists().add(m, "newsletter", subscribed, clock_.now());
    });

    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.guests().qualifies(m, nobody));
        EXPECT_FALSE(u.guests().qualifies(m, cancelled));
        EXPECT_TRUE(u.guests().qualifies(m, booked));
        EXPECT_TRUE(u.guests().qualifies(m, optioned));
        EXPECT_TRUE(u.guests().qualifies(m, subscribed));
        return 0;
    });

    write([&](unit_of_work& u) { u.email_lists().remove(m, "newsletter", subscribed); });
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.guests().qualifies(m, subscribed); }));
}

TEST_P(GuestStore, QualifiesIsScopedByMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g = add_guest(m1, "mia@example.com");
    write([&](unit_of_work& u) { u.email_lists().add(m1, "newsletter", g, clock_.now()); });
    EXPECT_TRUE(read([&](unit_of_work& u) { return u.guests().qualifies(m1, g); }));
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.guests().qualifies(m2, g); }));
}

TEST_P(GuestStore, EraseDeletesEverythingOfTheGuestButItsAuditEvents) {
    const auto m = add_merchant(1);
    const auto p = add_partner("web", {m});
    const core::unix_seconds t = clock_.now();

    // Two guests with one of everything: the one to erase and a bystander.
    const auto seed = [&](const std::string& name, const std::string& card) {
        const auto g = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, name + "@example.com")); });
        EXPECT_TRUE(g.has_value());
        const auto a = add_account(m, *g, card, name);
        write([&](unit_of_work& u) {
            u.guests().set_reference(m, "C-" + name, *g);
            u.sessions().insert({"session-" + name, m, p, a, t, t + 3600, {}});
            EXPECT_TRUE(u.resets().replace(reset_of(m, a, "code-" + name, t)).has_value());
            u.reservations().upsert(booking(m, *g, "BK-" + name, "2024-06-01"));
            u.reservations().upsert(booking(m, *g, "BK-" + name + "-X", "2024-07-01", "cancelled"));
            u.email_lists().add(m, "newsletter", *g, t);
            u.consents().append(consent(m, *g, t, "loyalty.granted"));
            u.audit().append(event(m, *g, t, "password.set"));
        });
        return std::pair{*g, a};
    };
    const auto [gone, gone_account] = seed("zoe", "6000000000000001");
    const auto [kept, kept_account] = seed("yan", "6000000000000002");

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.guests().erase(m, gone); }));

    {
        auto u = db_->begin(tx::read);
        // Every store answers nothing for the erased guest, whichever way it is asked.
        EXPECT_FALSE(u->guests().find(m, gone).has_value());
        EXPECT_FALSE(u->guests().find_by_email(m, "zoe@example.com").has_value());
        EXPECT_FALSE(u->guests().find_by_reference(m, "C-zoe").has_value());
        EXPECT_FALSE(u->guests().qualifies(m, gone));
        EXPECT_FALSE(u->accounts().find(m, gone_account).has_value());
        EXPECT_FALSE(u->accounts().find_by_guest(m, gone).has_value());
        EXPECT_FALSE(u->accounts().find_by_username(m, "zoe").has_value());
        EXPECT_FALSE(u->accounts().find_by_card(m, "6000000000000001").has_value());
        EXPECT_FALSE(u->sessions().find("session-zoe").has_value());
        EXPECT_THAT(u->sessions().list_for_account(gone_account), IsEmpty());
        EXPECT_FALSE(u->resets().find_by_code(m, "code-zoe").has_value());
        EXPECT_THAT(u->resets().list_for_account(gone_account), IsEmpty());
        EXPECT_FALSE(u->reservations().find(m, "BK-zoe").has_value());
        EXPECT_FALSE(u->reservations().find(m, "BK-zoe-X").has_value());
        EXPECT_THAT(u->reservations().list_all(m, gone), IsEmpty());
        EXPECT_EQ(u->reservations().count(m, gone), 0);
        EXPECT_THAT(u->email_lists().lists_of(m, gone), IsEmpty());
        EXPECT_THAT(u->consents().list_for_guest(m, gone), IsEmpty());

        // Its audit event stays, naming it by id only.
        EXPECT_THAT(kinds_at(events_of(*u, m, gone), t), ElementsAre("password.set@0"));

        // The bystander keeps everything.
        const auto g = u->guests().find(m, kept);
        ASSERT_TRUE(g.has_value());
        expect_same_profile(*g, full_guest(m, "yan@example.com"));
        EXPECT_EQ(u->guests().find_by_reference(m, "C-yan")->id, kept);
        EXPECT_EQ(u->accounts().find_by_guest(m, kept)->id, kept_account);
        EXPECT_TRUE(u->sessions().find("session-yan").has_value());
        EXPECT_TRUE(u->resets().find_by_code(m, "code-yan").has_value());
        const auto bookings = u->reservations().list_all(m, kept);
        EXPECT_THAT(references(bookings), ElementsAre("BK-yan-X", "BK-yan"));
        ASSERT_EQ(bookings.size(), 2u);
        EXPECT_EQ(bookings[1].custom_fields, booking(m, kept, "BK-yan", "2024-06-01").custom_fields);
        EXPECT_THAT(u->email_lists().lists_of(m, kept), ElementsAre("newsletter"));
        EXPECT_THAT(consent_kinds(u->consents().list_for_guest(m, kept)), ElementsAre("loyalty.granted"));
        EXPECT_THAT(kinds_at(events_of(*u, m, kept), t), ElementsAre("password.set@0"));
    }

    // A second erase finds nothing; the email, username and card number are free again.
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.guests().erase(m, gone); }));
    const auto again = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "zoe@example.com")); });
    ASSERT_TRUE(again.has_value());
    add_account(m, *again, "6000000000000001", "zoe");
}

TEST_P(GuestStore, EraseOfAGuestWithNothingElseSucceeds) {
    const auto m = add_merchant(1);
    const auto g = add_guest(m, "");
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.guests().erase(m, g); }));
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.guests().find(m, g); }).has_value());
}

TEST_P(GuestStore, EraseIsScopedByMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g = add_guest(m1, "nia@example.com");
    write([&](unit_of_work& u) {
        u.email_lists().add(m1, "newsletter", g, clock_.now());
        u.reservations().upsert(booking(m1, g, "BK-1", "2024-06-01"));
    });

    EXPECT_FALSE(write([&](unit_of_work& u) { return u.guests().erase(m2, g); }));
    read([&](unit_of_work& u) {
        EXPECT_TRUE(u.guests().find(m1, g).has_value());
        EXPECT_THAT(u.email_lists().lists_of(m1, g), ElementsAre("newsletter"));
        EXPECT_EQ(u.reservations().count(m1, g), 1);
        return 0;
    });
}

TEST_P(GuestStore, ErasedGuestsIdIsNeverGivenToAnotherGuest) {
    const auto m = add_merchant(1);
    const auto first = add_guest(m, "first@example.com");
    const auto newest = add_guest(m, "newest@example.com");
    write([&](unit_of_work& u) {
        u.audit().append(event(m, newest, clock_.now(), "login"));
        EXPECT_TRUE(u.guests().erase(m, newest));
    });

    // Not even after a restart: the audit events naming the erased id must not become another guest's.
    reopen();
    const auto next = add_guest(m, "next@example.com");
    EXPECT_NE(next, newest);
    EXPECT_NE(next, first);
    EXPECT_THAT(read([&](unit_of_work& u) { return events_of(u, m, next); }), IsEmpty());
}

// ---------------------------------------------------------------------------------------------------------------
// Accounts

TEST_P(AccountStore, InsertThenFindRoundTripsEveryField) {
    const auto m = add_merchant(1);
    const auto g = add_guest(m, "nina@example.com");
    clock_.set(1'700'003'000);
    store::account a;
    a.merchant = m;
    a.guest = g;
    a.username = "Nina@Example.com";
    a.printed_card_number = "6000000000000001";
    a.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";
    a.failed_logins = 2;
    a.lock_level = 1;
    a.locked_until = 1'700'000'500;
    a.password_changed_at = 1'699'999'000;
    const auto id = write([&](unit_of_work& u) { return u.accounts().insert(a); });
    ASSERT_TRUE(id.has_value());
    EXPECT_GT(id->value, 0);

    for (const auto& found : {read([&](unit_of_work& u) { return u.accounts().find(m, *id); }),
                              read([&](unit_of_work& u) { return u.accounts().find_by_guest(m, g); })}) {
        ASSERT_TRUE(found.has_value());
        EXPECT_EQ(found->id, *id);
        EXPECT_EQ(found->merchant, m);
        EXPECT_EQ(found->guest, g);
        EXPECT_EQ(found->username, "Nina@Example.com");
        EXPECT_EQ(found->printed_card_number, "6000000000000001");
        EXPECT_EQ(found->password_hash, a.password_hash);
        EXPECT_EQ(found->failed_logins, 2);
        EXPECT_EQ(found->lock_level, 1);
        EXPECT_EQ(found->locked_until, 1'700'000'500);
        EXPECT_EQ(found->created_at, 1'700'003'000);
        EXPECT_EQ(found->password_changed_at, 1'699'999'000);
        EXPECT_FALSE(found->last_login_at.has_value());
    }
}

TEST_P(AccountStore, EachAccountGetsItsOwnId) {
    const auto m = add_merchant(1);
    const auto a = add_account(m, add_guest(m, "a@example.com"), "6000000000000001", "a@example.com");
    const auto b = add_account(m, add_guest(m, "b@example.com"), "6000000000000002", "b@example.com");
    EXPECT_NE(a, b);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.accounts().find(m, b); })->username, "b@example.com");
}

TEST_P(AccountStore, FindWithTheWrongMerchantReturnsNothing) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g = add_guest(m1, "olga@example.com");
    const auto without_account = add_guest(m1, "pat@example.com");
    const auto id = add_account(m1, g, "6000000000000001", "olga@example.com");
    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.accounts().find(m2, id).has_value());
        EXPECT_FALSE(u.accounts().find_by_guest(m2, g).has_value());
        EXPECT_FALSE(u.accounts().find_by_guest(m1, without_account).has_value());
        EXPECT_TRUE(u.accounts().find(m1, id).has_value());
        return 0;
    });
}

TEST_P(AccountStore, DuplicateCardNumberIsAlreadyExistsEvenInAnotherMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    add_account(m1, add_guest(m1, "quinn@example.com"), "6000000000000001", "quinn@example.com");
    const auto g = add_guest(m2, "rita@example.com");
    const auto again = write([&](unit_of_work& u) {
        store::account a;
        a.merchant = m2;
        a.guest = g;
        a.username = "rita@example.com";
        a.printed_card_number = "6000000000000001";
        a.password_hash = "hash";
        return u.accounts().insert(a);
    });
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, errc::already_exists);
}

TEST_P(AccountStore, DuplicateUsernameIgnoringCaseIsAlreadyExistsWithinTheMerchantOnly) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    add_account(m1, add_guest(m1, "sam@example.com"), "6000000000000001", "Sam");
    const auto g1 = add_guest(m1, "sam2@example.com");
    const auto g2 = add_guest(m2, "sam@example.com");
    const auto insert = [&](merchant_id m, guest_id g, const std::string& card) {
        return write([&](unit_of_work& u) {
            store::account a;
            a.merchant = m;
            a.guest = g;
            a.username = "SAM";
            a.printed_card_number = card;
            a.password_hash = "hash";
            return u.accounts().insert(a);
        });
    };

    const auto same_merchant = insert(m1, g1, "6000000000000002");
    ASSERT_FALSE(same_merchant.has_value());
    EXPECT_EQ(same_merchant.error().code, errc::already_exists);
    EXPECT_TRUE(insert(m2, g2, "6000000000000003").has_value());
}

TEST_P(AccountStore, CallerCanRetryWithAnotherCardInTheSameUnit) {
    const auto m = add_merchant(1);
    add_account(m, add_guest(m, "tina@example.com"), "6000000000000001", "tina@example.com");
    const auto g = add_guest(m, "uma@example.com");

    const auto id = write([&](unit_of_work& u) {
        store::account a;
        a.merchant = m;
        a.guest = g;
        a.username = "uma@example.com";
        a.printed_card_number = "6000000000000001";
        a.password_hash = "hash";
        const auto first = u.accounts().insert(a);
        EXPECT_FALSE(first.has_value());
        a.printed_card_number = "6000000000000002";
        return u.accounts().insert(a);
    });
    ASSERT_TRUE(id.has_value());
    const auto found = read([&](unit_of_work& u) { return u.accounts().find_by_guest(m, g); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->printed_card_number, "6000000000000002");
}

TEST_P(AccountStore, SetLockStateWritesTheThreeValues) {
    const auto m = add_merchant(1);
    const auto id = add_account(m, add_guest(m, "vic@example.com"), "6000000000000001", "vic");
    write([&](unit_of_work& u) { u.accounts().set_lock_state(id, 10, 3, 1'700'009'999); });
    const auto a = read([&](unit_of_work& u) { return u.accounts().find(m, id); });
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->failed_logins, 10);
    EXPECT_EQ(a->lock_level, 3);
    EXPECT_EQ(a->locked_until, 1'700'009'999);
}

TEST_P(AccountStore, SetPasswordReplacesTheHashAndClearsTheLock) {
    const auto m = add_merchant(1);
    const auto id = add_account(m, add_guest(m, "walt@example.com"), "6000000000000001", "walt");
    write([&](unit_of_work& u) {
        u.accounts().set_lock_state(id, 7, 2, 1'700'009'999);
        u.accounts().set_password(id, "new-hash", 1'700'005'000);
    });
    const auto a = read([&](unit_of_work& u) { return u.accounts().find(m, id); });
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->password_hash, "new-hash");
    EXPECT_EQ(a->password_changed_at, 1'700'005'000);
    EXPECT_EQ(a->failed_logins, 0);
    EXPECT_EQ(a->lock_level, 0);
    EXPECT_EQ(a->locked_until, 0);
}

TEST_P(AccountStore, RecordLoginClearsFailuresAndSwapsTheHashOnlyWhenGiven) {
    const auto m = add_merchant(1);
    const auto id = add_account(m, add_guest(m, "xena@example.com"), "6000000000000001", "xena");
    const auto original = read([&](unit_of_work& u) { return u.accounts().find(m, id); })->password_hash;

    write([&](unit_of_work& u) {
        u.accounts().set_lock_state(id, 4, 1, 1'700'000'100);
        u.accounts().record_login(id, 1'700'006'000, std::nullopt);
    });
    auto a = read([&](unit_of_work& u) { return u.accounts().find(m, id); });
    EXPECT_EQ(a->password_hash, original);
    EXPECT_EQ(a->last_login_at, std::optional<core::unix_seconds>(1'700'006'000));
    EXPECT_EQ(a->failed_logins, 0);
    EXPECT_EQ(a->lock_level, 0);
    EXPECT_EQ(a->locked_until, 0);

    write([&](unit_of_work& u) { u.accounts().record_login(id, 1'700'007'000, std::string("rehashed")); });
    a = read([&](unit_of_work& u) { return u.accounts().find(m, id); });
    EXPECT_EQ(a->password_hash, "rehashed");
    EXPECT_EQ(a->last_login_at, std::optional<core::unix_seconds>(1'700'007'000));
}

TEST_P(AccountStore, SetUsernameRenamesAndFreesTheOldName) {
    const auto m = add_merchant(1);
    const auto id = add_account(m, add_guest(m, "yves@example.com"), "6000000000000001", "old-name");
    write([&](unit_of_work& u) { u.accounts().set_username(id, "New-Name"); });
    EXPECT_EQ(read([&](unit_of_work& u) { return u.accounts().find(m, id); })->username, "New-Name");

    const auto other = add_account(m, add_guest(m, "zoe@example.com"), "6000000000000002", "OLD-NAME");
    EXPECT_NE(other, id);
}

TEST_P(AccountStore, FindByUsernameIgnoresAsciiCaseAndIsScopedByMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto id = add_account(m1, add_guest(m1, "amy@example.com"), "6000000000000001", "Amy.Pond");
    const auto other = add_account(m2, add_guest(m2, "amy@example.com"), "6000000000000002", "amy.pond");
    for (const char* username : {"amy.pond", "AMY.POND", "Amy.Pond"}) {
        const auto found = read([&](unit_of_work& u) { return u.accounts().find_by_username(m1, username); });
        ASSERT_TRUE(found.has_value()) << username;
        EXPECT_EQ(found->id, id);
        EXPECT_EQ(found->username, "Amy.Pond");
    }
    EXPECT_EQ(read([&](unit_of_work& u) { return u.accounts().find_by_username(m2, "AMY.pond"); })->id, other);
    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.accounts().find_by_username(m1, "amy.pon").has_value());
        EXPECT_FALSE(u.accounts().find_by_username(merchant_id{3}, "amy.pond").has_value());
        return 0;
    });

    // A renamed account is found by its new name only.
    write([&](unit_of_work& u) { u.accounts().set_username(id, "Rory"); });
    EXPECT_EQ(read([&](unit_of_work& u) { return u.accounts().find_by_username(m1, "rory"); })->id, id);
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.accounts().find_by_username(m1, "amy.pond"); }).has_value());
}

TEST_P(AccountStore, FindByCardMatchesTheExactDigitsWithinTheMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto id = add_account(m1, add_guest(m1, "bea@example.com"), "6000000000000001", "bea");
    add_account(m1, add_guest(m1, "cal@example.com"), "6000000000000002", "cal");

    const auto found = read([&](unit_of_work& u) { return u.accounts().find_by_card(m1, "6000000000000001"); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, id);
    EXPECT_EQ(found->username, "bea");
    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.accounts().find_by_card(m2, "6000000000000001").has_value());
        EXPECT_FALSE(u.accounts().find_by_card(m1, "600000000000000").has_value());
        EXPECT_FALSE(u.accounts().find_by_card(m1, "60000000000000010").has_value());
        EXPECT_FALSE(u.accounts().find_by_card(m1, " 6000000000000001").has_value());
        return 0;
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Sessions

TEST_P(SessionStore, InsertThenFindRoundTripsEveryField) {
    const auto m = add_merchant(1);
    const auto p = add_partner("web", {m});
    const auto a = add_account(m, add_guest(m, "ann@example.com"), "6000000000000001", "ann");
    const std::string token_hash("\x00\x10\x20\xff-token-hash-32-bytes-long!!", 32);
    write([&](unit_of_work& u) { u.sessions().insert({token_hash, m, p, a, 1'700'000'000, 1'702'592'000, {}}); });

    const auto s = read([&](unit_of_work& u) { return u.sessions().find(token_hash); });
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(s->token_hash, token_hash);
    EXPECT_EQ(s->merchant, m);
    EXPECT_EQ(s->partner, p);
    EXPECT_EQ(s->account, a);
    EXPECT_EQ(s->created_at, 1'700'000'000);
    EXPECT_EQ(s->expires_at, 1'702'592'000);
    EXPECT_FALSE(s->revoked_at.has_value());

    EXPECT_FALSE(read([&](unit_of_work& u) { return u.sessions().find(token_hash.substr(0, 31)); }).has_value());
}

// A token-authenticated request reads its session and guest, and the generation that vouches for a remembered
// bearer, in one statement (tx::statement: on PostgreSQL, one round trip with no BEGIN or COMMIT).
TEST_P(SessionStore, FindSignedInReadsTheSessionItsGuestAndTheGenerationInOneStatementUnit) {
    const auto m = add_merchant(1);
    const auto p = add_partner("web", {m});
    const auto g = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "ann@example.com")).value(); });
    const auto a = add_account(m, g, "6000000000000001", "ann");
    const auto plain = add_guest(m, "bob@example.com");
    const auto b = add_account(m, plain, "6000000000000002", "bob");
    write([&](unit_of_work& u) {
        u.sessions().insert({"ann-token", m, p, a, 1'700'000'000, 1'702'592'000, 1'700'000'500});
        u.sessions().insert({"bob-token", m, p, b, 1'700'000'100, 1'702'592'100, {}});
    });
    const auto generation = read([](unit_of_work& u) { return u.partners().credentials_generation(); });

    const auto found = db_->begin(store::tx::statement)->sessions().find_signed_in("ann-token");
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->session.token_hash, "ann-token");
    EXPECT_EQ(found->session.merchant, m);
    EXPECT_EQ(found->session.partner, p);
    EXPECT_EQ(found->session.account, a);
    EXPECT_EQ(found->session.created_at, 1'700'000'000);
    EXPECT_EQ(found->session.expires_at, 1'702'592'000);
    EXPECT_EQ(found->session.revoked_at, std::optional<core::unix_seconds>(1'700'000'500));
    EXPECT_EQ(found->guest.id, g);
    expect_same_profile(found->guest, full_guest(m, "ann@example.com"));  // custom fields in their order
    EXPECT_EQ(found->guest.version, read([&](unit_of_work& u) { return u.guests().find(m, g)->version; }));
    EXPECT_EQ(found->credentials_generation, generation);

    const auto other = db_->begin(store::tx::statement)->sessions().find_signed_in("bob-token");
    ASSERT_TRUE(other.has_value());
    EXPECT_EQ(other->guest.id, plain);
    EXPECT_EQ(other->session.account, b);
    EXPECT_TRUE(other->guest.custom_fields.empty());
    EXPECT_FALSE(other->session.revoked_at.has_value());

    EXPECT_FALSE(db_->begin(store::tx::statement)->sessions().find_signed_in("ann-toke").has_value());
    add_merchant(2);
    EXPECT_NE(db_->begin(store::tx::statement)->sessions().find_signed_in("bob-token")->credentials_generation,
              generation);
}

TEST_P(SessionStore, RevokeAllRevokesOnlyTheLiveSessionsOfTheAccount) {
    const auto m = add_merchant(1);
    const auto p = add_partner("web", {m});
    const auto a = add_account(m, add_guest(m, "ben@example.com"), "6000000000000001", "ben");
    const auto b = add_account(m, add_guest(m, "cat@example.com"), "6000000000000002", "cat");
    const core::unix_seconds now = 1'700'100'000;
    write([&](unit_of_work& u) {
        u.sessions().insert({"live-1", m, p, a, now - 100, now + 1000, {}});
        u.sessions().insert({"live-2", m, p, a, now - 50, now + 2000, {}});
        u.sessions().insert({"revoked", m, p, a, now - 500, now + 1000, now - 10});
        u.sessions().insert({"expired", m, p, a, now - 9000, now - 1, {}});
        u.sessions().insert({"other", m, p, b, now - 100, now + 1000, {}});
    });

    EXPECT_EQ(write([&](unit_of_work& u) { return u.sessions().revoke_all(a, now); }), 2);

    read([&](unit_of_work& u) {
        EXPECT_EQ(u.sessions().find("live-1")->revoked_at, std::optional(now));
        EXPECT_EQ(u.sessions().find("live-2")->revoked_at, std::optional(now));
        EXPECT_EQ(u.sessions().find("revoked")->revoked_at, std::optional(now - 10));
        EXPECT_FALSE(u.sessions().find("other")->revoked_at.has_value());
        return 0;
    });
    EXPECT_EQ(write([&](unit_of_work& u) { return u.sessions().revoke_all(a, now + 5); }), 0);
}

TEST_P(SessionStore, ListForAccountIsNewestFirstInEveryStateAndOfThatAccountOnly) {
    const auto m = add_merchant(1);
    const auto p = add_partner("web", {m});
    const auto a = add_account(m, add_guest(m, "eve@example.com"), "6000000000000001", "eve");
    const auto b = add_account(m, add_guest(m, "fay@example.com"), "6000000000000002", "fay");
    const core::unix_seconds now = 1'700'100'000;
    write([&](unit_of_work& u) {
        u.sessions().insert({"oldest-revoked", m, p, a, now - 500, now + 1000, now - 10});
        u.sessions().insert({"newest-live", m, p, a, now - 10, now + 1000, {}});
        u.sessions().insert({"middle-expired", m, p, a, now - 100, now - 1, {}});
        u.sessions().insert({"someone-else", m, p, b, now, now + 1000, {}});
    });

    const auto sessions = read([&](unit_of_work& u) { return u.sessions().list_for_account(a); });
    ASSERT_EQ(sessions.size(), 3u);
    EXPECT_EQ(sessions[0].token_hash, "newest-live");
    EXPECT_EQ(sessions[1].token_hash, "middle-expired");
    EXPECT_EQ(sessions[2].token_hash, "oldest-revoked");
    EXPECT_EQ(sessions[2].revoked_at, std::optional(now - 10));
    EXPECT_EQ(sessions[2].created_at, now - 500);
    EXPECT_EQ(sessions[1].expires_at, now - 1);
    EXPECT_EQ(sessions[0].partner, p);
    EXPECT_EQ(sessions[0].merchant, m);
    EXPECT_EQ(sessions[0].account, a);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.sessions().list_for_account(b); }).size(), 1u);
    EXPECT_THAT(read([&](unit_of_work& u) { return u.sessions().list_for_account(account_id{a.value + 100}); }),
                IsEmpty());
}

// ---------------------------------------------------------------------------------------------------------------
// Paytronix OAuth tokens

namespace {

store::oauth_family family_of(merchant_id m, partner_id p, account_id a, core::unix_seconds at) {
    return {.merchant = m, .partner = p, .account = a, .scope = "user_read account_read", .created_at = at,
            .expires_at = at + 30 * 86400};
}

store::oauth_token token_of(std::string hash, std::int64_t family, store::oauth_token_kind kind,
                            core::unix_seconds at) {
    return {.token_hash = std::move(hash), .family = family, .kind = kind, .created_at = at,
            .expires_at = at + (kind == store::oauth_token_kind::access ? 1800 : 30 * 86400)};
}

}  // namespace

TEST_P(OAuthTokenStore, InsertThenFindRoundTripsTheTokenAndItsFamily) {
    const auto m = add_merchant(1);
    const auto p = add_partner("app", {m});
    const auto a = add_account(m, add_guest(m, "ann@example.com"), "6000000000000001", "ann");
    const core::unix_seconds now = 1'700'000'000;
    const std::string access_hash("\x00\x01\xfe-access-digest-32-bytes-long!", 32);
    const auto family = write([&](unit_of_work& u) {
        const auto id = u.oauth_tokens().insert_family(family_of(m, p, a, now));
        u.oauth_tokens().insert_token(token_of(access_hash, id, store::oauth_token_kind::access, now));
        u.oauth_tokens().insert_token(token_of("refresh-1", id, store::oauth_token_kind::refresh, now));
        return id;
    });

    const auto g = read([&](unit_of_work& u) { return u.oauth_tokens().find(access_hash); });
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(g->token.token_hash, access_hash);
    EXPECT_EQ(g->token.family, family);
    EXPECT_EQ(g->token.kind, store::oauth_token_kind::access);
    EXPECT_EQ(g->token.created_at, now);
    EXPECT_EQ(g->token.expires_at, now + 1800);
    EXPECT_FALSE(g->token.spent_at.has_value());
    EXPECT_EQ(g->family.id, family);
    EXPECT_EQ(g->family.merchant, m);
    EXPECT_EQ(g->family.partner, p);
    EXPECT_EQ(g->family.account, a);
    EXPECT_EQ(g->family.scope, "user_read account_read");
    EXPECT_EQ(g->family.created_at, now);
    EXPECT_EQ(g->family.expires_at, now + 30 * 86400);
    EXPECT_FALSE(g->family.revoked_at.has_value());

    const auto r = read([&](unit_of_work& u) { return u.oauth_tokens().find("refresh-1"); });
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->token.kind, store::oauth_token_kind::refresh);
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.oauth_tokens().find(access_hash.substr(0, 31)); }));
    // Tokens and sessions are apart: an access token is no x-guest-token.
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.sessions().find(access_hash); }));
}

TEST_P(OAuthTokenStore, SpendRefreshSucceedsOnceAndNeverForAnAccessToken) {
    const auto m = add_merchant(1);
    const auto p = add_partner("app", {m});
    const auto a = add_account(m, add_guest(m, "ben@example.com"), "6000000000000001", "ben");
    const core::unix_seconds now = 1'700'000'000;
    write([&](unit_of_work& u) {
        const auto id = u.oauth_tokens().insert_family(family_of(m, p, a, now));
        u.oauth_tokens().insert_token(token_of("access", id, store::oauth_token_kind::access, now));
        u.oauth_tokens().insert_token(token_of("refresh", id, store::oauth_token_kind::refresh, now));
    });

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.oauth_tokens().spend_refresh("refresh", now + 5); }));
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.oauth_tokens().spend_refresh("refresh", now + 6); }));
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.oauth_tokens().spend_refresh("access", now + 6); }));
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.oauth_tokens().spend_refresh("unknown", now + 6); }));
    const auto r = read([&](unit_of_work& u) { return u.oauth_tokens().find("refresh"); });
    EXPECT_EQ(r->token.spent_at, std::optional(now + 5));  // the first spend stays
}

// RFC 9700 §4.14: two clients exchanging one refresh token at once. Exactly one may win; the other must see it
// spent (and the domain then revokes the family). Each thread runs its own write unit of work, as two nodes do.
TEST_P(OAuthTokenStore, ConcurrentSpendsOfOneRefreshTokenHaveExactlyOneWinner) {
    const auto m = add_merchant(1);
    const auto p = add_partner("app", {m});
    const auto a = add_account(m, add_guest(m, "cy@example.com"), "6000000000000001", "cy");
    const core::unix_seconds now = 1'700'000'000;
    constexpr int rounds = 20;
    constexpr int racers = 4;
    write([&](unit_of_work& u) {
        const auto id = u.oauth_tokens().insert_family(family_of(m, p, a, now));
        for (int i = 0; i < rounds; ++i)
            u.oauth_tokens().insert_token(token_of("refresh-" + std::to_string(i), id,
                                                   store::oauth_token_kind::refresh, now));
    });

    for (int i = 0; i < rounds; ++i) {
        const std::string hash = "refresh-" + std::to_string(i);
        std::atomic<int> winners{0};
        std::atomic<int> saw_spent{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < racers; ++t) {
            threads.emplace_back([&] {
                auto u = db_->begin(tx::write);
                // Read first, as the domain does: the read must not let two racers both believe it is fresh.
                const auto before = u->oauth_tokens().find(hash);
                if (u->oauth_tokens().spend_refresh(hash, now + 1)) {
                    ++winners;
                } else if (before && before->token.spent_at) {
                    ++saw_spent;
                }
                u->commit();
            });
        }
        for (auto& t : threads) t.join();
        EXPECT_EQ(winners.load(), 1) << hash;
        EXPECT_EQ(saw_spent.load(), racers - 1) << hash;  // every loser read the winner's spend, none a stale row
    }
}

TEST_P(OAuthTokenStore, RevokeFamilyEndsEveryTokenOfItOnce) {
    const auto m = add_merchant(1);
    const auto p = add_partner("app", {m});
    const auto a = add_account(m, add_guest(m, "dee@example.com"), "6000000000000001", "dee");
    const core::unix_seconds now = 1'700'000'000;
    const auto [one, two] = write([&](unit_of_work& u) {
        const auto f1 = u.oauth_tokens().insert_family(family_of(m, p, a, now));
        const auto f2 = u.oauth_tokens().insert_family(family_of(m, p, a, now + 1));
        u.oauth_tokens().insert_token(token_of("a1", f1, store::oauth_token_kind::access, now));
        u.oauth_tokens().insert_token(token_of("r1", f1, store::oauth_token_kind::refresh, now));
        u.oauth_tokens().insert_token(token_of("a2", f2, store::oauth_token_kind::access, now));
        return std::pair(f1, f2);
    });
    EXPECT_NE(one, two);

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.oauth_tokens().revoke_family(one, now + 10); }));
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.oauth_tokens().revoke_family(one, now + 20); }));
    read([&](unit_of_work& u) {
        EXPECT_EQ(u.oauth_tokens().find("a1")->family.revoked_at, std::optional(now + 10));
        EXPECT_EQ(u.oauth_tokens().find("r1")->family.revoked_at, std::optional(now + 10));
        EXPECT_FALSE(u.oauth_tokens().find("a2")->family.revoked_at.has_value());
        return 0;
    });
}

TEST_P(OAuthTokenStore, RevokeAllRevokesTheLiveFamiliesOfThatAccountOnly) {
    const auto m = add_merchant(1);
    const auto p = add_partner("app", {m});
    const auto a = add_account(m, add_guest(m, "eve@example.com"), "6000000000000001", "eve");
    const auto b = add_account(m, add_guest(m, "fay@example.com"), "6000000000000002", "fay");
    const core::unix_seconds now = 1'700'000'000;
    write([&](unit_of_work& u) {
        const auto f1 = u.oauth_tokens().insert_family(family_of(m, p, a, now - 20));
        const auto f2 = u.oauth_tokens().insert_family(family_of(m, p, a, now - 10));
        const auto old = u.oauth_tokens().insert_family(family_of(m, p, a, now - 30));
        const auto other = u.oauth_tokens().insert_family(family_of(m, p, b, now - 10));
        u.oauth_tokens().revoke_family(old, now - 5);
        u.oauth_tokens().insert_token(token_of("a1", f1, store::oauth_token_kind::access, now));
        u.oauth_tokens().insert_token(token_of("a2", f2, store::oauth_token_kind::access, now));
        u.oauth_tokens().insert_token(token_of("b1", other, store::oauth_token_kind::access, now));
    });

    EXPECT_EQ(write([&](unit_of_work& u) { return u.oauth_tokens().revoke_all(a, now); }), 2);
    EXPECT_EQ(write([&](unit_of_work& u) { return u.oauth_tokens().revoke_all(a, now + 1); }), 0);
    const auto families = read([&](unit_of_work& u) { return u.oauth_tokens().families_of(a); });
    ASSERT_EQ(families.size(), 3u);
    EXPECT_EQ(families[0].created_at, now - 10);  // newest first
    EXPECT_EQ(families[2].created_at, now - 30);
    EXPECT_EQ(families[0].revoked_at, std::optional(now));
    EXPECT_EQ(families[2].revoked_at, std::optional(now - 5));  // an earlier revocation keeps its time
    read([&](unit_of_work& u) {
        EXPECT_TRUE(u.oauth_tokens().find("a1")->family.revoked_at.has_value());
        EXPECT_FALSE(u.oauth_tokens().find("b1")->family.revoked_at.has_value());
        return 0;
    });
}

TEST_P(OAuthTokenStore, EraseOfTheGuestDeletesItsFamiliesAndTokensOnly) {
    const auto m = add_merchant(1);
    const auto p = add_partner("app", {m});
    const auto g = add_guest(m, "gil@example.com");
    const auto a = add_account(m, g, "6000000000000001", "gil");
    const auto b = add_account(m, add_guest(m, "hal@example.com"), "6000000000000002", "hal");
    const core::unix_seconds now = 1'700'000'000;
    write([&](unit_of_work& u) {
        const auto f = u.oauth_tokens().insert_family(family_of(m, p, a, now));
        const auto other = u.oauth_tokens().insert_family(family_of(m, p, b, now));
        u.oauth_tokens().insert_token(token_of("a1", f, store::oauth_token_kind::access, now));
        u.oauth_tokens().insert_token(token_of("r1", f, store::oauth_token_kind::refresh, now));
        u.oauth_tokens().insert_token(token_of("b1", other, store::oauth_token_kind::access, now));
    });

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.guests().erase(m, g); }));
    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.oauth_tokens().find("a1").has_value());
        EXPECT_FALSE(u.oauth_tokens().find("r1").has_value());
        EXPECT_THAT(u.oauth_tokens().families_of(a), IsEmpty());
        EXPECT_TRUE(u.oauth_tokens().find("b1").has_value());
        return 0;
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Reservations

TEST_P(ReservationStore, UpsertCreatesThenFindRoundTripsEveryField) {
    const auto m = add_merchant(1);
    const auto g = add_guest(m, "dan@example.com");
    clock_.set(1'700'004'000);
    const auto r = booking(m, g, "BK-1", "2024-06-01");
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.reservations().upsert(r); }));

    const auto found = read([&](unit_of_work& u) { return u.reservations().find(m, "BK-1"); });
    ASSERT_TRUE(found.has_value());
    EXPECT_GT(found->id.value, 0);
    EXPECT_EQ(found->merchant, m);
    EXPECT_EQ(found->guest, g);
    EXPECT_EQ(found->reference, "BK-1");
    EXPECT_EQ(found->status, "valid");
    EXPECT_EQ(found->creation, r.creation);
    EXPECT_EQ(found->arrival, r.arrival);
    EXPECT_EQ(found->departure, r.departure);
    EXPECT_EQ(found->total_amount, "282.50");
    EXPECT_EQ(found->currency, r.currency);
    EXPECT_EQ(found->room_type, r.room_type);
    EXPECT_EQ(found->room_name, r.room_name);
    EXPECT_EQ(found->custom_fields, r.custom_fields);
    EXPECT_EQ(found->payload, r.payload);
    EXPECT_EQ(found->updated_at, 1'700'004'000);
}

TEST_P(ReservationStore, SecondUpsertFullyReplacesTheReservation) {
    const auto m = add_merchant(1);
    const auto g = add_guest(m, "eli@example.com");
    const auto other = add_guest(m, "fay@example.com");
    clock_.set(1'700'004'000);
    ASSERT_TRUE(write([&](unit_of_work& u) { return u.reservations().upsert(booking(m, g, "BK-1", "2024-06-01")); }));
    const auto first_id = read([&](unit_of_work& u) { return u.reservations().find(m, "BK-1"); })->id;

    // The second push omits most fields: they become null, and the custom fields are replaced.
    clock_.advance(30);
    store::reservation second;
    second.merchant = m;
    second.guest = other;
    second.reference = "BK-1";
    second.status = "cancelled";
    second.arrival = "2024-07-01";
    second.custom_fields = {{"late_checkout", "14:00"}};
    second.payload = R"({"reference":"BK-1","status":"cancelled"})";
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.reservations().upsert(second); }));

    const auto found = read([&](unit_of_work& u) { return u.reservations().find(m, "BK-1"); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, first_id);
    EXPECT_EQ(found->guest, other);
    EXPECT_EQ(found->status, "cancelled");
    EXPECT_EQ(found->arrival, "2024-07-01");
    EXPECT_FALSE(found->creation.has_value());
    EXPECT_FALSE(found->departure.has_value());
    EXPECT_FALSE(found->total_amount.has_value());
    EXPECT_FALSE(found->currency.has_value());
    EXPECT_FALSE(found->room_type.has_value());
    EXPECT_FALSE(found->room_name.has_value());
    EXPECT_EQ(found->custom_fields, second.custom_fields);
    EXPECT_EQ(found->payload, second.payload);
    EXPECT_EQ(found->updated_at, 1'700'004'030);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.reservations().count(m, g); }), 0);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.reservations().count(m, other); }), 1);
}

TEST_P(ReservationStore, ListActiveIsNewestArrivalFirstWithoutCancelled) {
    const auto m = add_merchant(1);
    const auto g = add_guest(m, "gus@example.com");
    const auto someone_else = add_guest(m, "hal@example.com");
    write([&](unit_of_work& u) {
        u.reservations().upsert(booking(m, g, "JAN", "2024-01-10"));
        u.reservations().upsert(booking(m, g, "MAR", "2024-03-01", "option"));
        u.reservations().upsert(booking(m, g, "FEB-CANCELLED", "2024-02-01", "cancelled"));
        u.reservations().upsert(booking(m, g, "MAR-LATER-PUSH", "2024-03-01"));
        u.reservations().upsert(booking(m, g, "DEC-2023", "2023-12-24"));
        u.reservations().upsert(booking(m, someone_else, "OTHER", "2024-04-01"));
    });

    const auto active = read([&](unit_of_work& u) { return u.reservations().list_active(m, g); });
    // Equal arrivals: the later-stored one first.
    EXPECT_THAT(references(active), ElementsAre("MAR-LATER-PUSH", "MAR", "JAN", "DEC-2023"));
    ASSERT_FALSE(active.empty());
    EXPECT_EQ(active.front().custom_fields, booking(m, g, "X", "2024-01-01").custom_fields);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.reservations().count(m, g); }), 5);
}

TEST_P(ReservationStore, ListsGiveEachReservationItsOwnCustomFieldsInTheirOrder) {
    const auto m = add_merchant(1);
    const auto g = add_guest(m, "gus@example.com");
    const auto someone_else = add_guest(m, "hal@example.com");
    auto older = booking(m, g, "OLDER", "2024-01-10");
    older.custom_fields = {{"zeta", "1"}, {"alpha", "2"}, {"mid", "3"}};
    auto newer = booking(m, g, "NEWER", "2024-05-01");
    newer.custom_fields = {{"payment", "pending"}, {"floor", "3"}};
    auto bare = booking(m, g, "BARE", "2024-03-01");
    bare.custom_fields = {};
    auto cancelled = booking(m, g, "CANCELLED", "2024-04-01", "cancelled");
    cancelled.custom_fields = {{"reason", "weather"}};
    auto other = booking(m, someone_else, "OTHER", "2024-02-01");
    other.custom_fields = {{"zeta", "other guest"}};
    write([&](unit_of_work& u) {
        for (const auto* r : {&older, &newer, &bare, &cancelled, &other}) u.reservations().upsert(*r);
    });

    const auto active = read([&](unit_of_work& u) { return u.reservations().list_active(m, g); });
    ASSERT_THAT(references(active), ElementsAre("NEWER", "BARE", "OLDER"));
    EXPECT_EQ(active[0].custom_fields, newer.custom_fields);
    EXPECT_THAT(active[1].custom_fields, IsEmpty());
    EXPECT_EQ(active[2].custom_fields, older.custom_fields);
    const auto all = read([&](unit_of_work& u) { return u.reservations().list_all(m, g); });
    ASSERT_THAT(references(all), ElementsAre("NEWER", "CANCELLED", "BARE", "OLDER"));
    EXPECT_EQ(all[1].custom_fields, cancelled.custom_fields);
    EXPECT_EQ(all[3].custom_fields, older.custom_fields);
}

TEST_P(ReservationStore, ListAllIncludesCancelledNewestArrivalFirst) {
    const auto m = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g = add_guest(m, "gil@example.com");
    const auto someone_else = add_guest(m, "hob@example.com");
    write([&](unit_of_work& u) {
        u.reservations().upsert(booking(m, g, "JAN", "2024-01-10"));
        u.reservations().upsert(booking(m, g, "MAR", "2024-03-01", "option"));
        u.reservations().upsert(booking(m, g, "FEB-CANCELLED", "2024-02-01", "cancelled"));
        u.reservations().upsert(booking(m, g, "MAR-LATER-PUSH", "2024-03-01"));
        u.reservations().upsert(booking(m, someone_else, "OTHER", "2024-04-01"));
    });

    const auto all = read([&](unit_of_work& u) { return u.reservations().list_all(m, g); });
    EXPECT_THAT(references(all), ElementsAre("MAR-LATER-PUSH", "MAR", "FEB-CANCELLED", "JAN"));
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[2].status, "cancelled");
    EXPECT_EQ(all[2].custom_fields, booking(m, g, "X", "2024-01-01").custom_fields);
    EXPECT_EQ(all[2].payload, booking(m, g, "FEB-CANCELLED", "2024-02-01").payload);
    EXPECT_THAT(read([&](unit_of_work& u) { return u.reservations().list_all(m2, g); }), IsEmpty());
}

TEST_P(ReservationStore, ReservationsAreScopedByMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g1 = add_guest(m1, "ida@example.com");
    const auto g2 = add_guest(m2, "ida@example.com");
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.reservations().upsert(booking(m1, g1, "BK-1", "2024-06-01")); }));
    // The same reference at another merchant is another reservation.
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.reservations().upsert(booking(m2, g2, "BK-1", "2024-08-01")); }));

    read([&](unit_of_work& u) {
        EXPECT_EQ(u.reservations().find(m1, "BK-1")->arrival, "2024-06-01");
        EXPECT_EQ(u.reservations().find(m2, "BK-1")->arrival, "2024-08-01");
        EXPECT_THAT(u.reservations().list_active(m2, g1), IsEmpty());
        EXPECT_EQ(u.reservations().count(m2, g1), 0);
        EXPECT_FALSE(u.reservations().find(m1, "BK-2").has_value());
        return 0;
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Email lists

TEST_P(EmailListStore, AddRemoveAndListsOfReportWhatChanged) {
    const auto m = add_merchant(1);
    const auto g = add_guest(m, "jon@example.com");
    read([&](unit_of_work& u) {
        EXPECT_THAT(u.email_lists().lists_of(m, g), IsEmpty());
        return 0;
    });

    write([&](unit_of_work& u) {
        EXPECT_TRUE(u.email_lists().add(m, "newsletter", g, 1'700'000'000));
        EXPECT_FALSE(u.email_lists().add(m, "newsletter", g, 1'700'000'001));
        EXPECT_TRUE(u.email_lists().add(m, "offers", g, 1'700'000'002));
    });
    EXPECT_THAT(read([&](unit_of_work& u) { return u.email_lists().lists_of(m, g); }),
                UnorderedElementsAre("newsletter", "offers"));

    write([&](unit_of_work& u) {
        EXPECT_TRUE(u.email_lists().remove(m, "newsletter", g));
        EXPECT_FALSE(u.email_lists().remove(m, "newsletter", g));
        EXPECT_FALSE(u.email_lists().remove(m, "never-joined", g));
    });
    EXPECT_THAT(read([&](unit_of_work& u) { return u.email_lists().lists_of(m, g); }), ElementsAre("offers"));
}

TEST_P(EmailListStore, MembershipsAreScopedByMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g = add_guest(m1, "kim@example.com");
    write([&](unit_of_work& u) { u.email_lists().add(m1, "newsletter", g, 1'700'000'000); });
    read([&](unit_of_work& u) {
        EXPECT_THAT(u.email_lists().lists_of(m2, g), IsEmpty());
        return 0;
    });
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.email_lists().remove(m2, "newsletter", g); }));
    EXPECT_THAT(read([&](unit_of_work& u) { return u.email_lists().lists_of(m1, g); }), ElementsAre("newsletter"));
}

// ---------------------------------------------------------------------------------------------------------------
// Resets

TEST_P(ResetStore, ReplaceThenFindByCodeRoundTripsEveryField) {
    const auto m = add_merchant(1);
    const auto a = add_account(m, add_guest(m, "dee@example.com"), "6000000000000001", "dee");
    const std::string code_hash("\x00\x7f\xff-reset-code-digest-32-bytes!", 32);
    auto r = reset_of(m, a, code_hash, 1'700'000'000);
    r.expires_at = 1'700'000'900;
    const auto id = write([&](unit_of_work& u) { return u.resets().replace(r); });
    ASSERT_TRUE(id.has_value());

    const auto found = read([&](unit_of_work& u) { return u.resets().find_by_code(m, code_hash); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, *id);
    EXPECT_EQ(found->merchant, m);
    EXPECT_EQ(found->account, a);
    EXPECT_EQ(found->code_hash, code_hash);
    EXPECT_EQ(found->created_at, 1'700'000'000);
    EXPECT_EQ(found->expires_at, 1'700'000'900);
    EXPECT_FALSE(found->used_at.has_value());
    EXPECT_FALSE(found->voided_at.has_value());

    EXPECT_FALSE(read([&](unit_of_work& u) { return u.resets().find_by_code(m, code_hash.substr(0, 31)); }));
}

TEST_P(ResetStore, ReplaceVoidsTheOlderLiveResetAndLeavesUsedAndExpiredOnesAlone) {
    const auto m = add_merchant(1);
    const auto a = add_account(m, add_guest(m, "eva@example.com"), "6000000000000001", "eva");
    const auto b = add_account(m, add_guest(m, "fin@example.com"), "6000000000000002", "fin");
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        EXPECT_TRUE(u.resets().replace(reset_of(m, a, "used", t - 2000)).has_value());
        EXPECT_TRUE(u.resets().mark_used(u.resets().find_by_code(m, "used")->id, t - 1900));
        EXPECT_TRUE(u.resets().replace(reset_of(m, a, "expired", t - 1000)).has_value());  // expired at t - 400
        EXPECT_TRUE(u.resets().replace(reset_of(m, a, "older", t - 100)).has_value());
        EXPECT_TRUE(u.resets().replace(reset_of(m, b, "other account", t - 100)).has_value());
    });

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.resets().replace(reset_of(m, a, "newer", t)); }).has_value());

    read([&](unit_of_work& u) {
        EXPECT_EQ(u.resets().find_by_code(m, "older")->voided_at, std::optional(t));
        const auto used = u.resets().find_by_code(m, "used");
        EXPECT_EQ(used->used_at, std::optional(t - 1900));
        EXPECT_FALSE(used->voided_at.has_value());
        EXPECT_FALSE(u.resets().find_by_code(m, "expired")->voided_at.has_value());
        EXPECT_FALSE(u.resets().find_by_code(m, "other account")->voided_at.has_value());
        const auto newer = u.resets().find_by_code(m, "newer");
        EXPECT_FALSE(newer->voided_at.has_value());
        EXPECT_FALSE(newer->used_at.has_value());
        return 0;
    });
}

TEST_P(ResetStore, DuplicateCodeIsAlreadyExistsAndVoidsNothing) {
    const auto m = add_merchant(1);
    const auto a = add_account(m, add_guest(m, "gil@example.com"), "6000000000000001", "gil");
    const auto b = add_account(m, add_guest(m, "hap@example.com"), "6000000000000002", "hap");
    write([&](unit_of_work& u) {
        EXPECT_TRUE(u.resets().replace(reset_of(m, a, "chosen-by-caller", 1'700'000'000)).has_value());
        EXPECT_TRUE(u.resets().replace(reset_of(m, b, "b-live", 1'700'000'000)).has_value());
    });

    // The same code for another account, then for the same one: refused, and b's live reset stays live.
    for (const auto account : {b, a}) {
        const auto again = write(
            [&](unit_of_work& u) { return u.resets().replace(reset_of(m, account, "chosen-by-caller", 1'700'000'100)); });
        ASSERT_FALSE(again.has_value());
        EXPECT_EQ(again.error().code, errc::already_exists);
    }
    read([&](unit_of_work& u) {
        const auto first = u.resets().find_by_code(m, "chosen-by-caller");
        EXPECT_EQ(first->account, a);
        EXPECT_EQ(first->created_at, 1'700'000'000);
        EXPECT_FALSE(first->voided_at.has_value());
        EXPECT_FALSE(u.resets().find_by_code(m, "b-live")->voided_at.has_value());
        EXPECT_EQ(u.resets().count_since(a, 0), 1);
        return 0;
    });
}

// Issue 13: a caller-chosen code taken at one merchant must neither block nor reveal the same code at another.
TEST_P(ResetStore, ACodeIsUniqueAndFoundOnlyWithinItsMerchant) {
    const auto m = add_merchant(1);
    const auto other = add_merchant(2);
    const auto a = add_account(m, add_guest(m, "ola@example.com"), "6000000000000001", "ola");
    const auto b = add_account(other, add_guest(other, "ola@example.com"), "6000000000000002", "ola");
    const core::unix_seconds t = 1'700'000'000;
    ASSERT_TRUE(write([&](unit_of_work& u) { return u.resets().replace(reset_of(m, a, "shared-code", t)); }));

    // The same digest at the other merchant is no conflict, and voids nothing of the first.
    const auto second =
        write([&](unit_of_work& u) { return u.resets().replace(reset_of(other, b, "shared-code", t + 1)); });
    ASSERT_TRUE(second.has_value()) << second.error().message;
    read([&](unit_of_work& u) {
        const auto mine = u.resets().find_by_code(m, "shared-code");
        const auto theirs = u.resets().find_by_code(other, "shared-code");
        EXPECT_EQ(mine->account, a);
        EXPECT_EQ(mine->merchant, m);
        EXPECT_FALSE(mine->voided_at.has_value());
        EXPECT_EQ(theirs->account, b);
        EXPECT_EQ(theirs->merchant, other);
        EXPECT_EQ(theirs->id, *second);
        return 0;
    });

    // A code of one merchant is not found through the other, nor through a merchant that does not exist.
    ASSERT_TRUE(write([&](unit_of_work& u) { return u.resets().replace(reset_of(m, a, "only-at-one", t + 2)); }));
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.resets().find_by_code(other, "only-at-one"); }));
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.resets().find_by_code(merchant_id{3}, "only-at-one"); }));
    EXPECT_TRUE(read([&](unit_of_work& u) { return u.resets().find_by_code(m, "only-at-one"); }));

    // Within one merchant a digest is still unique.
    const auto again =
        write([&](unit_of_work& u) { return u.resets().replace(reset_of(other, b, "shared-code", t + 3)); });
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, errc::already_exists);
}

TEST_P(ResetStore, MarkUsedSucceedsOnceOnly) {
    const auto m = add_merchant(1);
    const auto a = add_account(m, add_guest(m, "ike@example.com"), "6000000000000001", "ike");
    const auto id = *write([&](unit_of_work& u) { return u.resets().replace(reset_of(m, a, "code", 1'700'000'000)); });

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.resets().mark_used(id, 1'700'000'060); }));
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.resets().mark_used(id, 1'700'000'070); }));
    EXPECT_EQ(read([&](unit_of_work& u) { return u.resets().find_by_code(m, "code"); })->used_at,
              std::optional<core::unix_seconds>(1'700'000'060));
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.resets().mark_used(id + 1000, 1'700'000'080); }));
}

TEST_P(ResetStore, MarkUsedOnAVoidedResetIsFalse) {
    const auto m = add_merchant(1);
    const auto a = add_account(m, add_guest(m, "jan@example.com"), "6000000000000001", "jan");
    const auto older = *write([&](unit_of_work& u) { return u.resets().replace(reset_of(m, a, "old", 1'700'000'000)); });
    const auto newer = *write([&](unit_of_work& u) { return u.resets().replace(reset_of(m, a, "new", 1'700'000'030)); });

    EXPECT_FALSE(write([&](unit_of_work& u) { return u.resets().mark_used(older, 1'700'000'040); }));
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.resets().find_by_code(m, "old"); })->used_at.has_value());

    EXPECT_EQ(write([&](unit_of_work& u) { return u.resets().void_all(a, 1'700'000'050); }), 1);
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.resets().mark_used(newer, 1'700'000'060); }));
}

TEST_P(ResetStore, VoidAllVoidsEveryLiveResetOfTheAccountOnly) {
    const auto m = add_merchant(1);
    const auto a = add_account(m, add_guest(m, "kai@example.com"), "6000000000000001", "kai");
    const auto b = add_account(m, add_guest(m, "lou@example.com"), "6000000000000002", "lou");
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        // a has one used and one live reset; b has a live one.
        ASSERT_TRUE(u.resets().replace(reset_of(m, a, "a-used", t - 300)).has_value());
        EXPECT_TRUE(u.resets().mark_used(u.resets().find_by_code(m, "a-used")->id, t - 250));
        ASSERT_TRUE(u.resets().replace(reset_of(m, a, "a-live", t - 200)).has_value());
        ASSERT_TRUE(u.resets().replace(reset_of(m, b, "b-live", t - 200)).has_value());
    });

    EXPECT_EQ(write([&](unit_of_work& u) { return u.resets().void_all(a, t); }), 1);
    read([&](unit_of_work& u) {
        EXPECT_EQ(u.resets().find_by_code(m, "a-live")->voided_at, std::optional(t));
        EXPECT_FALSE(u.resets().find_by_code(m, "a-used")->voided_at.has_value());
        EXPECT_FALSE(u.resets().find_by_code(m, "b-live")->voided_at.has_value());
        return 0;
    });
    EXPECT_EQ(write([&](unit_of_work& u) { return u.resets().void_all(a, t + 1); }), 0);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.resets().find_by_code(m, "a-live"); })->voided_at, std::optional(t));
}

TEST_P(ResetStore, CountSinceCountsResetsCreatedAtOrAfterTheBoundary) {
    const auto m = add_merchant(1);
    const auto a = add_account(m, add_guest(m, "max@example.com"), "6000000000000001", "max");
    const auto b = add_account(m, add_guest(m, "ned@example.com"), "6000000000000002", "ned");
    const core::unix_seconds t = 1'700'003'600;
    write([&](unit_of_work& u) {
        for (const auto& [code, at] : {std::pair{"r1", t - 3601}, {"r2", t - 3600}, {"r3", t - 1800}, {"r4", t}}) {
            EXPECT_TRUE(u.resets().replace(reset_of(m, a, code, at)).has_value());
        }
        EXPECT_TRUE(u.resets().mark_used(u.resets().find_by_code(m, "r4")->id, t));
        EXPECT_TRUE(u.resets().replace(reset_of(m, b, "other", t)).has_value());
    });

    // Voided and used resets count too: each one was an email.
    read([&](unit_of_work& u) {
        EXPECT_EQ(u.resets().count_since(a, t - 3601), 4);
        EXPECT_EQ(u.resets().count_since(a, t - 3600), 3);
        EXPECT_EQ(u.resets().count_since(a, t - 3599), 2);
        EXPECT_EQ(u.resets().count_since(a, t), 1);
        EXPECT_EQ(u.resets().count_since(a, t + 1), 0);
        EXPECT_EQ(u.resets().count_since(b, t - 3600), 1);
        return 0;
    });
}

TEST_P(ResetStore, ListForAccountIsNewestFirstInEveryState) {
    const auto m = add_merchant(1);
    const auto a = add_account(m, add_guest(m, "ivy@example.com"), "6000000000000001", "ivy");
    const auto b = add_account(m, add_guest(m, "jon@example.com"), "6000000000000002", "jon");
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        EXPECT_TRUE(u.resets().replace(reset_of(m, a, "voided", t)).has_value());
        const auto used = u.resets().replace(reset_of(m, a, "used", t + 10));
        EXPECT_TRUE(used.has_value() && u.resets().mark_used(*used, t + 15));
        EXPECT_TRUE(u.resets().replace(reset_of(m, a, "live", t + 20)).has_value());
        EXPECT_TRUE(u.resets().replace(reset_of(m, b, "other", t + 30)).has_value());
    });

    const auto resets = read([&](unit_of_work& u) { return u.resets().list_for_account(a); });
    ASSERT_EQ(resets.size(), 3u);
    EXPECT_EQ(resets[0].code_hash, "live");
    EXPECT_FALSE(resets[0].used_at.has_value());
    EXPECT_FALSE(resets[0].voided_at.has_value());
    EXPECT_EQ(resets[1].code_hash, "used");
    EXPECT_EQ(resets[1].used_at, std::optional(t + 15));
    EXPECT_EQ(resets[2].code_hash, "voided");
    EXPECT_EQ(resets[2].voided_at, std::optional(t + 10));
    EXPECT_EQ(resets[2].created_at, t);
    EXPECT_EQ(resets[2].expires_at, t + 600);
    EXPECT_EQ(resets[2].merchant, m);
    EXPECT_EQ(resets[2].account, a);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.resets().list_for_account(b); }).size(), 1u);
}

// ---------------------------------------------------------------------------------------------------------------
// Throttles

// 1'699'999'980 is a multiple of 60, so [w, w + 60) is one window.
constexpr core::unix_seconds minute_start = 1'699'999'980;

TEST_P(ThrottleStore, HitCountsWithinTheWindowAndRestartsInTheNext) {
    const auto hit = [&](core::unix_seconds now) {
        return write([&](unit_of_work& u) { return u.throttles().hit("complete:192.0.2.1", now, 60); });
    };
    EXPECT_EQ(hit(minute_start), 1);
    EXPECT_EQ(hit(minute_start + 30), 2);
    EXPECT_EQ(hit(minute_start + 59), 3);
    EXPECT_EQ(hit(minute_start + 60), 1);
    EXPECT_EQ(hit(minute_start + 61), 2);
    EXPECT_EQ(hit(minute_start + 600), 1);  // several windows later
}

TEST_P(ThrottleStore, HitsPeeksWithoutCounting) {
    const auto hits = [&](core::unix_seconds now) {
        return read([&](unit_of_work& u) { return u.throttles().hits("complete:192.0.2.1", now, 60); });
    };
    EXPECT_EQ(hits(minute_start), 0);
    write([&](unit_of_work& u) {
        u.throttles().hit("complete:192.0.2.1", minute_start + 1, 60);
        u.throttles().hit("complete:192.0.2.1", minute_start + 2, 60);
    });
    EXPECT_EQ(hits(minute_start + 3), 2);
    EXPECT_EQ(hits(minute_start + 59), 2);
    EXPECT_EQ(hits(minute_start + 60), 0);  // the next window has none yet
    EXPECT_EQ(write([&](unit_of_work& u) { return u.throttles().hit("complete:192.0.2.1", minute_start + 4, 60); }),
              3);
}

TEST_P(ThrottleStore, KeysCountIndependently) {
    write([&](unit_of_work& u) {
        EXPECT_EQ(u.throttles().hit("complete:192.0.2.1", minute_start, 60), 1);
        EXPECT_EQ(u.throttles().hit("complete:192.0.2.1", minute_start, 60), 2);
        EXPECT_EQ(u.throttles().hit("complete:192.0.2.2", minute_start, 60), 1);
        EXPECT_EQ(u.throttles().hit("COMPLETE:192.0.2.1", minute_start, 60), 1);  // keys are exact
    });
    read([&](unit_of_work& u) {
        EXPECT_EQ(u.throttles().hits("complete:192.0.2.1", minute_start, 60), 2);
        EXPECT_EQ(u.throttles().hits("complete:192.0.2.2", minute_start, 60), 1);
        EXPECT_EQ(u.throttles().hits("complete:192.0.2.3", minute_start, 60), 0);
        return 0;
    });
}

TEST_P(ThrottleStore, WindowsAreAlignedToMultiplesOfTheirLength) {
    // 3600-second windows: 1'699'999'200 is a multiple of 3600, 1'700'002'800 the next one.
    write([&](unit_of_work& u) {
        EXPECT_EQ(u.throttles().hit("reset:42", 1'700'000'000, 3600), 1);
        EXPECT_EQ(u.throttles().hit("reset:42", 1'700'002'799, 3600), 2);
        EXPECT_EQ(u.throttles().hit("reset:42", 1'700'002'800, 3600), 1);
    });
}

TEST_P(ThrottleStore, HitFromALaggingClockCountsIntoTheNewerWindow) {
    // Another node's clock runs behind: its hits must not restart the count the other nodes built up.
    write([&](unit_of_work& u) {
        EXPECT_EQ(u.throttles().hit("complete:192.0.2.1", minute_start + 60, 60), 1);
        EXPECT_EQ(u.throttles().hit("complete:192.0.2.1", minute_start + 59, 60), 2);
        EXPECT_EQ(u.throttles().hit("complete:192.0.2.1", minute_start + 61, 60), 3);
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Outbox

TEST_P(OutboxStore, EnqueueThenFindRoundTripsEveryField) {
    const auto m = add_merchant(1);
    clock_.set(1'700'000'100);
    auto msg = mail(m, "ola@example.com", 1'700'000'000);
    msg.status = "sent";  // enqueue ignores the state fields: a new message is pending and untried
    msg.attempts = 4;
    msg.sent_at = 1;
    msg.last_error = "stale";
    const auto id = write([&](unit_of_work& u) { return u.outbox().enqueue(msg); });

    const auto found = read([&](unit_of_work& u) { return u.outbox().find(id); });
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, id);
    EXPECT_EQ(found->merchant, m);
    EXPECT_EQ(found->message_id, msg.message_id);
    EXPECT_EQ(found->recipient, "ola@example.com");
    EXPECT_EQ(found->sender, msg.sender);
    EXPECT_EQ(found->subject, msg.subject);
    EXPECT_EQ(found->content, msg.content);
    EXPECT_EQ(found->status, "pending");
    EXPECT_EQ(found->attempts, 0);
    EXPECT_EQ(found->created_at, 1'700'000'100);
    EXPECT_EQ(found->next_attempt_at, 1'700'000'000);
    EXPECT_FALSE(found->sent_at.has_value());
    EXPECT_EQ(found->last_error, "");

    EXPECT_NE(write([&](unit_of_work& u) { return u.outbox().enqueue(msg); }), id);
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.outbox().find(id + 1000); }).has_value());
}

TEST_P(OutboxStore, MessagesOfAnUncommittedUnitAreNotQueued) {
    const auto m = add_merchant(1);
    {
        auto u = db_->begin(tx::write);
        u->outbox().enqueue(mail(m, "pam@example.com", 0));
        EXPECT_EQ(u->outbox().backlog(), 1);
    }
    EXPECT_EQ(read([](unit_of_work& u) { return u.outbox().backlog(); }), 0);
    EXPECT_THAT(write([](unit_of_work& u) { return u.outbox().claim(1'700'000'000, 1'700'000'060, 10); }), IsEmpty());
}

TEST_P(OutboxStore, ClaimTakesDueMessagesAndLeasesThemUntilTheLeaseEnds) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    const auto claim = [&](core::unix_seconds now, core::unix_seconds lease_until) {
        return write([&](unit_of_work& u) { return u.outbox().claim(now, lease_until, 10); });
    };
    const auto due_now = write([&](unit_of_work& u) { return u.outbox().enqueue(mail(m, "now@example.com", t)); });
    write([&](unit_of_work& u) { u.outbox().enqueue(mail(m, "later@example.com", t + 100)); });

    const auto first = claim(t, t + 60);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].id, due_now);
    EXPECT_EQ(first[0].recipient, "now@example.com");
    EXPECT_EQ(first[0].content, mail(m, "now@example.com", t).content);
    EXPECT_EQ(first[0].next_attempt_at, t + 60);
    EXPECT_EQ(read([&](unit_of_work& u) { return u.outbox().find(due_now); })->next_attempt_at, t + 60);

    // Leased: not claimed again before the lease ends, even though it is still pending.
    EXPECT_THAT(claim(t, t + 60), IsEmpty());
    EXPECT_THAT(claim(t + 59, t + 119), IsEmpty());
    EXPECT_EQ(read([](unit_of_work& u) { return u.outbox().backlog(); }), 2);

    // The lease ended without a report (the worker died): the message is due again.
    EXPECT_THAT(recipients(claim(t + 60, t + 160)), ElementsAre("now@example.com"));
    EXPECT_THAT(recipients(claim(t + 100, t + 200)), ElementsAre("later@example.com"));
}

TEST_P(OutboxStore, ClaimIsOldestDueFirstUpToTheLimit) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        u.outbox().enqueue(mail(m, "a@example.com", t - 3));
        u.outbox().enqueue(mail(m, "b@example.com", t - 10));
        u.outbox().enqueue(mail(m, "c@example.com", t - 5));
        u.outbox().enqueue(mail(m, "d@example.com", t - 10));  // same due time as b, queued after it
        u.outbox().enqueue(mail(m, "e@example.com", t + 1));
    });

    const auto first = write([&](unit_of_work& u) { return u.outbox().claim(t, t + 60, 3); });
    EXPECT_THAT(recipients(first), ElementsAre("b@example.com", "d@example.com", "c@example.com"));
    const auto second = write([&](unit_of_work& u) { return u.outbox().claim(t, t + 60, 3); });
    EXPECT_THAT(recipients(second), ElementsAre("a@example.com"));
    EXPECT_THAT(write([&](unit_of_work& u) { return u.outbox().claim(t, t + 60, 0); }), IsEmpty());
}

TEST_P(OutboxStore, MarkFailedCountsTheAttemptAndReschedules) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    const auto id = write([&](unit_of_work& u) { return u.outbox().enqueue(mail(m, "quin@example.com", t)); });
    ASSERT_EQ(write([&](unit_of_work& u) { return u.outbox().claim(t, t + 60, 10); }).size(), 1u);

    write([&](unit_of_work& u) { u.outbox().mark_failed(id, t + 300, "451 4.3.0 try again later"); });
    auto found = read([&](unit_of_work& u) { return u.outbox().find(id); });
    EXPECT_EQ(found->status, "pending");
    EXPECT_EQ(found->attempts, 1);
    EXPECT_EQ(found->next_attempt_at, t + 300);
    EXPECT_EQ(found->last_error, "451 4.3.0 try again later");

    EXPECT_THAT(write([&](unit_of_work& u) { return u.outbox().claim(t + 299, t + 360, 10); }), IsEmpty());
    const auto again = write([&](unit_of_work& u) { return u.outbox().claim(t + 300, t + 360, 10); });
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].attempts, 1);

    write([&](unit_of_work& u) { u.outbox().mark_failed(id, t + 900, "connection refused"); });
    found = read([&](unit_of_work& u) { return u.outbox().find(id); });
    EXPECT_EQ(found->attempts, 2);
    EXPECT_EQ(found->last_error, "connection refused");
}

TEST_P(OutboxStore, MarkDeadGivesUpOnTheMessage) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    const auto id = write([&](unit_of_work& u) { return u.outbox().enqueue(mail(m, "rex@example.com", t)); });
    write([&](unit_of_work& u) {
        u.outbox().mark_failed(id, t, "first");
        u.outbox().mark_dead(id, "550 5.1.1 no such user");
    });

    const auto found = read([&](unit_of_work& u) { return u.outbox().find(id); });
    EXPECT_EQ(found->status, "dead");
    EXPECT_EQ(found->attempts, 2);
    EXPECT_EQ(found->last_error, "550 5.1.1 no such user");
    EXPECT_FALSE(found->sent_at.has_value());
    EXPECT_THAT(write([&](unit_of_work& u) { return u.outbox().claim(t + 86'400, t + 86'460, 10); }), IsEmpty());
    EXPECT_EQ(read([](unit_of_work& u) { return u.outbox().backlog(); }), 0);
}

TEST_P(OutboxStore, MarkSentRecordsTheDeliveryAndALateFailureCannotReopenIt) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    const auto id = write([&](unit_of_work& u) { return u.outbox().enqueue(mail(m, "sue@example.com", t)); });
    write([&](unit_of_work& u) {
        u.outbox().claim(t, t + 60, 10);
        u.outbox().mark_sent(id, t + 5);
    });

    auto found = read([&](unit_of_work& u) { return u.outbox().find(id); });
    EXPECT_EQ(found->status, "sent");
    EXPECT_EQ(found->sent_at, std::optional(t + 5));
    EXPECT_THAT(write([&](unit_of_work& u) { return u.outbox().claim(t + 3600, t + 3660, 10); }), IsEmpty());

    // A worker whose lease ran out reports its own attempt late: the delivery stands.
    write([&](unit_of_work& u) {
        u.outbox().mark_failed(id, t + 600, "timeout");
        u.outbox().mark_dead(id, "timeout");
    });
    found = read([&](unit_of_work& u) { return u.outbox().find(id); });
    EXPECT_EQ(found->status, "sent");
    EXPECT_EQ(found->sent_at, std::optional(t + 5));
    EXPECT_EQ(found->last_error, "");
}

TEST_P(OutboxStore, ListIsNewestFirstOfOneStatusOrAll) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        const auto sent = u.outbox().enqueue(mail(m, "sent@example.com", t));
        const auto dead = u.outbox().enqueue(mail(m, "dead@example.com", t));
        u.outbox().enqueue(mail(m, "pending-1@example.com", t));
        u.outbox().enqueue(mail(m, "pending-2@example.com", t));
        u.outbox().mark_sent(sent, t);
        u.outbox().mark_dead(dead, "gave up");
    });

    read([&](unit_of_work& u) {
        EXPECT_THAT(recipients(u.outbox().list(std::nullopt, 10)),
                    ElementsAre("pending-2@example.com", "pending-1@example.com", "dead@example.com",
                                "sent@example.com"));
        EXPECT_THAT(recipients(u.outbox().list(std::nullopt, 2)),
                    ElementsAre("pending-2@example.com", "pending-1@example.com"));
        EXPECT_THAT(recipients(u.outbox().list("pending", 10)),
                    ElementsAre("pending-2@example.com", "pending-1@example.com"));
        EXPECT_THAT(recipients(u.outbox().list("dead", 10)), ElementsAre("dead@example.com"));
        EXPECT_THAT(recipients(u.outbox().list("sent", 10)), ElementsAre("sent@example.com"));
        EXPECT_THAT(u.outbox().list("unknown", 10), IsEmpty());
        EXPECT_THAT(u.outbox().list(std::nullopt, 0), IsEmpty());
        return 0;
    });
}

TEST_P(OutboxStore, RetryMakesADeadMessageDueNowWithAFreshCount) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    const auto id = write([&](unit_of_work& u) { return u.outbox().enqueue(mail(m, "tom@example.com", t)); });
    write([&](unit_of_work& u) {
        u.outbox().mark_failed(id, t + 60, "first");
        u.outbox().mark_failed(id, t + 120, "second");
        u.outbox().mark_dead(id, "third");
    });

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.outbox().retry(id, t + 7200); }));
    const auto found = read([&](unit_of_work& u) { return u.outbox().find(id); });
    EXPECT_EQ(found->status, "pending");
    EXPECT_EQ(found->attempts, 0);
    EXPECT_EQ(found->next_attempt_at, t + 7200);
    EXPECT_EQ(found->last_error, "");
    EXPECT_EQ(read([](unit_of_work& u) { return u.outbox().backlog(); }), 1);
    EXPECT_THAT(recipients(write([&](unit_of_work& u) { return u.outbox().claim(t + 7200, t + 7260, 10); })),
                ElementsAre("tom@example.com"));
}

TEST_P(OutboxStore, RetryOfAPendingMessageMakesItDueNow) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    const auto id = write([&](unit_of_work& u) { return u.outbox().enqueue(mail(m, "uli@example.com", t)); });
    write([&](unit_of_work& u) { u.outbox().mark_failed(id, t + 3600, "greylisted"); });

    EXPECT_TRUE(write([&](unit_of_work& u) { return u.outbox().retry(id, t + 10); }));
    const auto found = read([&](unit_of_work& u) { return u.outbox().find(id); });
    EXPECT_EQ(found->attempts, 0);
    EXPECT_EQ(found->next_attempt_at, t + 10);
    EXPECT_THAT(recipients(write([&](unit_of_work& u) { return u.outbox().claim(t + 10, t + 70, 10); })),
                ElementsAre("uli@example.com"));
}

TEST_P(OutboxStore, RetryOfASentOrUnknownMessageIsFalse) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    const auto id = write([&](unit_of_work& u) { return u.outbox().enqueue(mail(m, "val@example.com", t)); });
    write([&](unit_of_work& u) { u.outbox().mark_sent(id, t + 1); });

    EXPECT_FALSE(write([&](unit_of_work& u) { return u.outbox().retry(id, t + 10); }));
    EXPECT_FALSE(write([&](unit_of_work& u) { return u.outbox().retry(id + 1000, t + 10); }));
    const auto found = read([&](unit_of_work& u) { return u.outbox().find(id); });
    EXPECT_EQ(found->status, "sent");
    EXPECT_EQ(found->sent_at, std::optional(t + 1));
    EXPECT_EQ(read([](unit_of_work& u) { return u.outbox().backlog(); }), 0);
}

TEST_P(OutboxStore, BacklogCountsPendingMessagesOnly) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    EXPECT_EQ(read([](unit_of_work& u) { return u.outbox().backlog(); }), 0);
    write([&](unit_of_work& u) {
        const auto sent = u.outbox().enqueue(mail(m, "w1@example.com", t));
        const auto dead = u.outbox().enqueue(mail(m, "w2@example.com", t));
        const auto retrying = u.outbox().enqueue(mail(m, "w3@example.com", t));
        u.outbox().enqueue(mail(m, "w4@example.com", t + 86'400));  // not due yet, still pending
        u.outbox().enqueue(mail(m, "w5@example.com", t));
        u.outbox().mark_sent(sent, t);
        u.outbox().mark_dead(dead, "gave up");
        u.outbox().mark_failed(retrying, t + 60, "later");
    });
    EXPECT_EQ(read([](unit_of_work& u) { return u.outbox().backlog(); }), 3);
}

TEST_P(OutboxStore, EraseRecipientDeletesEveryStatusIgnoringCaseWithinTheMerchant) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        const auto sent = u.outbox().enqueue(mail(m1, "Zoe@Example.com", t));
        const auto dead = u.outbox().enqueue(mail(m1, "zoe@example.com", t));
        u.outbox().enqueue(mail(m1, "ZOE@EXAMPLE.COM", t));
        u.outbox().enqueue(mail(m1, "zoey@example.com", t));
        u.outbox().enqueue(mail(m2, "zoe@example.com", t));
        u.outbox().mark_sent(sent, t);
        u.outbox().mark_dead(dead, "gave up");
    });

    EXPECT_EQ(write([&](unit_of_work& u) { return u.outbox().erase_recipient(m1, "zOE@example.COM"); }), 3);
    read([&](unit_of_work& u) {
        const auto left = u.outbox().list(std::nullopt, 10);
        EXPECT_THAT(recipients(left), ElementsAre("zoe@example.com", "zoey@example.com"));
        EXPECT_TRUE(!left.empty() && left.front().merchant == m2);
        EXPECT_EQ(u.outbox().backlog(), 2);
        return 0;
    });
    EXPECT_EQ(write([&](unit_of_work& u) { return u.outbox().erase_recipient(m1, "zoe@example.com"); }), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Audit events

TEST_P(AuditStore, AppendThenListRoundTripsEveryField) {
    const auto m = add_merchant(1);
    const auto p = add_partner("web", {m});
    const auto g = add_guest(m, "kim@example.com");
    const core::unix_seconds t = 1'700'000'000;
    store::audit_event full = event(m, g, t, "login");
    full.outcome = "failed";
    full.partner = p;
    full.client_address = "192.0.2.7";
    full.request_id = "req-0001";
    full.detail = R"({"reason":"wrong password"})";
    store::audit_event bare = event(m, std::nullopt, t + 1, "credentials.rotated");
    bare.detail = "";
    write([&](unit_of_work& u) {
        u.audit().append(full);
        u.audit().append(bare);
    });

    const auto events = read([&](unit_of_work& u) { return events_of(u, m); });
    ASSERT_EQ(events.size(), 2u);
    EXPECT_GT(events[0].id, 0);
    EXPECT_GT(events[1].id, events[0].id);
    EXPECT_EQ(events[0].merchant, m);
    EXPECT_EQ(events[0].at, t);
    EXPECT_EQ(events[0].kind, "login");
    EXPECT_EQ(events[0].outcome, "failed");
    EXPECT_EQ(events[0].partner, std::optional(p));
    EXPECT_EQ(events[0].guest, std::optional(g));
    EXPECT_EQ(events[0].client_address, "192.0.2.7");
    EXPECT_EQ(events[0].request_id, "req-0001");
    EXPECT_EQ(events[0].detail, R"({"reason":"wrong password"})");
    EXPECT_EQ(events[1].kind, "credentials.rotated");
    EXPECT_FALSE(events[1].partner.has_value());
    EXPECT_FALSE(events[1].guest.has_value());
    EXPECT_EQ(events[1].client_address, "");
    EXPECT_EQ(events[1].request_id, "");
    EXPECT_EQ(events[1].detail, "");
}

TEST_P(AuditStore, ListIsOldestFirstAndStopsAtTheLimit) {
    const auto m = add_merchant(1);
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        u.audit().append(event(m, std::nullopt, t + 30, "c"));
        u.audit().append(event(m, std::nullopt, t + 10, "a"));
        u.audit().append(event(m, std::nullopt, t + 20, "b"));
        u.audit().append(event(m, std::nullopt, t + 10, "a-later"));  // same time as a, appended after it
    });
    const auto list = [&](int limit) {
        return kinds_at(read([&](unit_of_work& u) { return events_of(u, m, std::nullopt, limit); }), t);
    };
    EXPECT_THAT(list(10), ElementsAre("a@10", "a-later@10", "b@20", "c@30"));
    EXPECT_THAT(list(2), ElementsAre("a@10", "a-later@10"));
    EXPECT_THAT(list(0), IsEmpty());
}

TEST_P(AuditStore, ListFiltersByGuestTimeAndKindAloneOrTogether) {
    const auto m = add_merchant(1);
    const auto g1 = add_guest(m, "lee@example.com");
    const auto g2 = add_guest(m, "max@example.com");
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        u.audit().append(event(m, g1, t, "login"));
        u.audit().append(event(m, g2, t + 1, "login"));
        u.audit().append(event(m, g1, t + 2, "password.set"));
        u.audit().append(event(m, std::nullopt, t + 3, "credentials.rotated"));
        u.audit().append(event(m, g1, t + 4, "login"));
    });
    const auto list = [&](std::optional<guest_id> g, std::optional<core::unix_seconds> since,
                          std::optional<std::string_view> kind) {
        return kinds_at(read([&](unit_of_work& u) { return u.audit().list(m, g, since, kind, 100); }), t);
    };

    EXPECT_THAT(list(g1, std::nullopt, std::nullopt), ElementsAre("login@0", "password.set@2", "login@4"));
    EXPECT_THAT(list(std::nullopt, t + 2, std::nullopt),
                ElementsAre("password.set@2", "credentials.rotated@3", "login@4"));
    EXPECT_THAT(list(std::nullopt, std::nullopt, "login"), ElementsAre("login@0", "login@1", "login@4"));
    EXPECT_THAT(list(g1, std::nullopt, "login"), ElementsAre("login@0", "login@4"));
    EXPECT_THAT(list(g1, t + 1, std::nullopt), ElementsAre("password.set@2", "login@4"));
    EXPECT_THAT(list(std::nullopt, t + 1, "login"), ElementsAre("login@1", "login@4"));
    EXPECT_THAT(list(g1, t + 1, "login"), ElementsAre("login@4"));
    EXPECT_THAT(list(g2, t + 2, std::nullopt), IsEmpty());
    EXPECT_THAT(list(std::nullopt, std::nullopt, "log"), IsEmpty());  // kinds match exactly
}

TEST_P(AuditStore, EventsAreScopedByMerchantAndServerWideOnesByMerchantZero) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g = add_guest(m1, "ned@example.com");
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        u.audit().append(event(m1, g, t, "login"));
        u.audit().append(event(m2, std::nullopt, t + 1, "profile.changed"));
        u.audit().append(event(merchant_id{0}, std::nullopt, t + 2, "credentials.created"));
    });
    read([&](unit_of_work& u) {
        EXPECT_THAT(kinds_at(events_of(u, m1), t), ElementsAre("login@0"));
        EXPECT_THAT(kinds_at(events_of(u, m2), t), ElementsAre("profile.changed@1"));
        EXPECT_THAT(kinds_at(events_of(u, merchant_id{0}), t), ElementsAre("credentials.created@2"));
        EXPECT_THAT(events_of(u, m2, g), IsEmpty());
        EXPECT_THAT(u.audit().list(m2, std::nullopt, std::nullopt, "login", 10), IsEmpty());
        return 0;
    });
}

TEST_P(AuditStore, PurgeBeforeDeletesOnlyTheMerchantsOlderEvents) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        u.audit().append(event(m1, std::nullopt, t - 100, "old"));
        u.audit().append(event(m1, std::nullopt, t - 1, "older"));
        u.audit().append(event(m1, std::nullopt, t, "boundary"));
        u.audit().append(event(m1, std::nullopt, t + 5, "new"));
        u.audit().append(event(m2, std::nullopt, t - 100, "other-merchant"));
    });

    EXPECT_EQ(write([&](unit_of_work& u) { return u.audit().purge_before(m1, t); }), 2);
    read([&](unit_of_work& u) {
        EXPECT_THAT(kinds_at(events_of(u, m1), t), ElementsAre("boundary@0", "new@5"));
        EXPECT_THAT(kinds_at(events_of(u, m2), t), ElementsAre("other-merchant@-100"));
        return 0;
    });
    EXPECT_EQ(write([&](unit_of_work& u) { return u.audit().purge_before(m1, t); }), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Consent events

TEST_P(ConsentStore, AppendThenListRoundTripsEveryFieldOldestFirst) {
    const auto m = add_merchant(1);
    const auto p = add_partner("web", {m});
    const auto g = add_guest(m, "oda@example.com");
    const core::unix_seconds t = 1'700'000'000;
    auto joined = consent(m, g, t + 10, "email_list.joined");
    joined.partner = p;
    joined.source_address = "198.51.100.4";
    joined.detail = "newsletter";
    auto left = joined;
    left.kind = "email_list.left";
    write([&](unit_of_work& u) {
        u.consents().append(joined);
        u.consents().append(consent(m, g, t, "loyalty.granted"));
        u.consents().append(left);  // same time as joined, appended after it
    });

    const auto events = read([&](unit_of_work& u) { return u.consents().list_for_guest(m, g); });
    EXPECT_THAT(consent_kinds(events), ElementsAre("loyalty.granted", "email_list.joined", "email_list.left"));
    ASSERT_EQ(events.size(), 3u);
    EXPECT_GT(events[0].id, 0);
    EXPECT_NE(events[1].id, events[2].id);
    EXPECT_EQ(events[0].at, t);
    EXPECT_FALSE(events[0].partner.has_value());
    EXPECT_EQ(events[0].source_address, "");
    EXPECT_EQ(events[0].detail, "");
    EXPECT_EQ(events[1].merchant, m);
    EXPECT_EQ(events[1].guest, g);
    EXPECT_EQ(events[1].at, t + 10);
    EXPECT_EQ(events[1].partner, std::optional(p));
    EXPECT_EQ(events[1].source_address, "198.51.100.4");
    EXPECT_EQ(events[1].detail, "newsletter");
}

TEST_P(ConsentStore, ConsentsAreIsolatedBetweenMerchantsAndGuests) {
    const auto m1 = add_merchant(1);
    const auto m2 = add_merchant(2);
    const auto g1 = add_guest(m1, "pia@example.com");
    const auto g2 = add_guest(m2, "pia@example.com");
    const auto neighbour = add_guest(m1, "quy@example.com");
    const core::unix_seconds t = 1'700'000'000;
    write([&](unit_of_work& u) {
        u.consents().append(consent(m1, g1, t, "loyalty.granted"));
        u.consents().append(consent(m2, g2, t, "email_list.joined"));
    });

    // An event filed under the wrong merchant either fails loudly or stays invisible.
    try {
        write([&](unit_of_work& u) { u.consents().append(consent(m2, g1, t, "email_list.left")); });
    } catch (const core::backend_error&) {
    }

    read([&](unit_of_work& u) {
        EXPECT_THAT(consent_kinds(u.consents().list_for_guest(m1, g1)), ElementsAre("loyalty.granted"));
        EXPECT_THAT(consent_kinds(u.consents().list_for_guest(m2, g2)), ElementsAre("email_list.joined"));
        EXPECT_THAT(u.consents().list_for_guest(m1, g2), IsEmpty());
        EXPECT_THAT(u.consents().list_for_guest(m1, neighbour), IsEmpty());
        EXPECT_THAT(u.consents().list_for_guest(m2, g1), IsEmpty());
        return 0;
    });
}

// ---------------------------------------------------------------------------------------------------------------
// Units of work

TEST_P(UnitOfWork, PingAnswers) { EXPECT_TRUE(db_->ping()); }

TEST_P(UnitOfWork, WritesAreRolledBackUnlessCommitted) {
    const auto m = add_merchant(1);
    {
        auto u = db_->begin(tx::write);
        ASSERT_TRUE(u->merchants().insert({merchant_id{2}, "Uncommitted", 0, 8}, "hotel-2").has_value());
        ASSERT_TRUE(u->guests().insert(full_guest(m, "lost@example.com")).has_value());
        EXPECT_TRUE(u->merchants().find(merchant_id{2}).has_value());  // visible inside its own unit
    }
    read([&](unit_of_work& u) {
        EXPECT_FALSE(u.merchants().find(merchant_id{2}).has_value());
        EXPECT_FALSE(u.guests().find_by_email(m, "lost@example.com").has_value());
        return 0;
    });

    // The rolled-back id and email are free again.
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.merchants().insert({merchant_id{2}, "Now", 0, 8}, "hotel-2"); }));
    EXPECT_TRUE(write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "lost@example.com")); }));
}

TEST_P(UnitOfWork, CommittedWritesSurviveReopening) {
    const auto m = add_merchant(1);
    const auto g = write([&](unit_of_work& u) { return u.guests().insert(full_guest(m, "kept@example.com")); });
    ASSERT_TRUE(g.has_value());
    const auto a = add_account(m, *g, "6000000000000001", "kept");

    reopen();

    const auto found = read([&](unit_of_work& u) { return u.guests().find_by_email(m, "KEPT@example.com"); });
    ASSERT_TRUE(found.has_value());
    expect_same_profile(*found, full_guest(m, "kept@example.com"));
    EXPECT_EQ(read([&](unit_of_work& u) { return u.accounts().find(m, a); })->printed_card_number, "6000000000000001");
    EXPECT_EQ(read([](unit_of_work& u) { return u.merchants().list(); }).size(), 1u);
}

TEST_P(UnitOfWork, ReadersDoNotSeeUncommittedWrites) {
    const auto m = add_merchant(1);
    auto writer = db_->begin(tx::write);
    ASSERT_TRUE(writer->guests().insert(full_guest(m, "pending@example.com")).has_value());
    EXPECT_FALSE(read([&](unit_of_work& u) { return u.guests().find_by_email(m, "pending@example.com"); }));
    writer->commit();
    EXPECT_TRUE(read([&](unit_of_work& u) { return u.guests().find_by_email(m, "pending@example.com"); }));
}

TEST_P(UnitOfWork, ScrubKeepsWhatWasCommittedEvenWhileTheUnitIsStillHeld) {
    const auto m = add_merchant(1);
    const auto gone = add_guest(m, "gone@example.com");

    // Erase, commit, and scrub before the unit of work is destroyed, as an erasure flow may.
    auto u = db_->begin(tx::write);
    ASSERT_TRUE(u->guests().insert(full_guest(m, "stays@example.com")).has_value());
    EXPECT_TRUE(u->guests().erase(m, gone));
    u->commit();
    EXPECT_NO_THROW(db_->scrub());
    u.reset();
    EXPECT_NO_THROW(db_->scrub());

    reopen();
    read([&](unit_of_work& r) {
        const auto found = r.guests().find_by_email(m, "stays@example.com");
        EXPECT_TRUE(found.has_value());
        EXPECT_FALSE(r.guests().find(m, gone).has_value());
        return 0;
    });
}

TEST_P(UnitOfWork, ConcurrentWritersAllLand) {
    const auto m = add_merchant(1);
    const auto g = add_guest(m, "busy@example.com");
    constexpr int threads = 4;
    constexpr int per_thread = 50;

    std::atomic<int> failures{0};
    std::mutex first_error_mutex;
    std::string first_error;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                try {
                    // Read-modify-write in one unit: a lost update would show in the final version and list.
                    auto u = db_->begin(tx::write);
                    auto guest = u->guests().find(m, g);
                    guest->custom_fields.push_back({"t" + std::to_string(t), std::to_string(i)});
                    if (!u->guests().update(*guest)) {
                        ++failures;
                        continue;
                    }
                    u->commit();
                } catch (const std::exception& e) {
                    ++failures;
                    std::lock_guard lock(first_error_mutex);
                    if (first_error.empty()) {
                        first_error = e.what();
                    }
                }
            }
        });
    }
    for (auto& w : workers) {
        w.join();
    }

    EXPECT_EQ(failures.load(), 0) << first_error;
    const auto after = read([&](unit_of_work& u) { return u.guests().find(m, g); });
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(after->version, 1 + threads * per_thread);
    ASSERT_EQ(after->custom_fields.size(), static_cast<std::size_t>(threads * per_thread));
    // Each thread's own updates landed in its order.
    std::vector<int> next(threads, 0);
    for (const auto& f : after->custom_fields) {
        const int t = std::stoi(f.name.substr(1));
        EXPECT_EQ(std::stoi(f.value), next[static_cast<std::size_t>(t)]++);
    }
}

// store::read_scope: a request's reads share one transaction, so one snapshot.

namespace {

/// Commits a guest with that email from another thread (so outside the caller's scope), and waits for it.
void commit_guest_elsewhere(store::database& db, merchant_id m, const std::string& email) {
    std::thread([&] {
        auto u = db.begin(tx::write);
        ASSERT_TRUE(u->guests().insert(full_guest(m, email)).has_value());
        u->commit();
    }).join();
}

bool sees(store::database& db, merchant_id m, const std::string& email) {
    return db.begin(tx::read)->guests().find_by_email(m, email).has_value();
}

}  // namespace

TEST_P(UnitOfWork, ReadsInAScopeShareOneSnapshot) {
    const auto m = add_merchant(1);
    {
        store::read_scope scope(*db_);
        EXPECT_FALSE(sees(*db_, m, "later@example.com"));  // the scope's transaction starts here
        commit_guest_elsewhere(*db_, m, "later@example.com");

        // A later read of the scope, even after the first unit is gone, reads the same snapshot...
        EXPECT_FALSE(sees(*db_, m, "later@example.com"));
        // ...while another thread, outside any scope, reads afresh.
        bool seen_elsewhere = false;
        std::thread([&] { seen_elsewhere = sees(*db_, m, "later@example.com"); }).join();
        EXPECT_TRUE(seen_elsewhere);
    }
    EXPECT_TRUE(sees(*db_, m, "later@example.com"));  // the scope's transaction ended with it
}

TEST_P(UnitOfWork, AJoinedUnitKeepsTheScopesTransactionAndItsCommitEndsNothing) {
    const auto m = add_merchant(1);
    std::unique_ptr<unit_of_work> kept;
    {
        store::read_scope scope(*db_);
        store::read_scope nested(*db_);  // does nothing: the outer scope stays the thread's scope
        kept = db_->begin(tx::read);
        EXPECT_FALSE(kept->guests().find_by_email(m, "later@example.com"));
        kept->commit();  // a joined unit's commit leaves the shared transaction open
        commit_guest_elsewhere(*db_, m, "later@example.com");
        EXPECT_FALSE(sees(*db_, m, "later@example.com"));
    }
    // The scope is gone but the unit still holds the transaction: still the old snapshot.
    EXPECT_FALSE(kept->guests().find_by_email(m, "later@example.com"));
    kept.reset();
    EXPECT_TRUE(sees(*db_, m, "later@example.com"));
}

TEST_P(UnitOfWork, AWriteInAScopeIsItsOwnTransactionAndTheReadsAfterItSeeIt) {
    const auto m = add_merchant(1);
    store::read_scope scope(*db_);
    auto before = db_->begin(tx::read);
    EXPECT_FALSE(before->guests().find_by_email(m, "mine@example.com"));

    // Same thread, scope still open and its transaction still held: the write neither joins nor waits on it.
    {
        auto w = db_->begin(tx::write);
        ASSERT_TRUE(w->guests().insert(full_guest(m, "mine@example.com")).has_value());
        w->commit();
    }
    EXPECT_TRUE(sees(*db_, m, "mine@example.com"));  // the reads after the write start the scope's next transaction
    EXPECT_FALSE(before->guests().find_by_email(m, "mine@example.com"));  // a unit from before keeps its snapshot

    // And they share that one snapshot again.
    commit_guest_elsewhere(*db_, m, "other@example.com");
    EXPECT_FALSE(sees(*db_, m, "other@example.com"));
}

}  // namespace guestd::contract
