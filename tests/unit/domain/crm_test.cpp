#include "domain/crm.hpp"

#include "domain/accounts.hpp"
#include "unit/domain/fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace guestd::domain {
namespace {

class Crm : public testing::domain_fixture {
protected:
    static pms_booking booking(std::string reference, std::string customer_ref, std::string email) {
        pms_booking b{.reference = std::move(reference), .status = "valid", .arrival = "2026-09-17",
                      .departure = "2026-09-20", .payload = "{}"};
        b.customer.reference = std::move(customer_ref);
        b.customer.fields.email = std::move(email);
        return b;
    }
    std::optional<guest_view> show(const std::string& email) {
        auto v = services_->accounts().show(merchant_, email);
        return v ? std::optional(*v) : std::nullopt;
    }
};

TEST_F(Crm, ABatchWithOneBadItemStoresNothing) {
    auto good = booking("B1", "C1", "a@example.com");
    auto bad = booking("B2", "C2", "b@example.com");
    bad.departure = "2026-09-01";  // before arrival
    auto r = services_->crm().push_bookings(merchant_, {good, bad});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, core::errc::invalid_argument);
    EXPECT_EQ(r.error().fields.at(0).field, "bookings[1].departure");
    EXPECT_FALSE(show("a@example.com"));
}

TEST_F(Crm, CountsCreatedAndReplacedBookings) {
    auto first = services_->crm().push_bookings(merchant_, {booking("B1", "C1", "a@example.com")}).value();
    EXPECT_EQ(first.created, 1);
    EXPECT_EQ(first.updated, 0);
    auto again = services_->crm()
                     .push_bookings(merchant_, {booking("B1", "C1", "a@example.com"), booking("B2", "C1", "a@example.com")})
                     .value();
    EXPECT_EQ(again.created, 1);
    EXPECT_EQ(again.updated, 1);
    EXPECT_EQ(show("a@example.com")->reservation_count, 2);
}

TEST_F(Crm, TheCustomerReferenceFollowsAnEmailChange) {
    ASSERT_TRUE(services_->crm().push_bookings(merchant_, {booking("B1", "C1", "old@example.com")}));
    ASSERT_TRUE(services_->crm().push_bookings(merchant_, {booking("B2", "C1", "new@example.com")}));
    EXPECT_FALSE(show("old@example.com"));
    ASSERT_TRUE(show("new@example.com"));
    EXPECT_EQ(show("new@example.com")->reservation_count, 2);
}

TEST_F(Crm, AReferenceAndAnEmailOfTwoGuestsIsRefused) {
    ASSERT_TRUE(services_->crm().push_bookings(merchant_, {booking("B1", "C1", "a@example.com"),
                                                           booking("B2", "C2", "b@example.com")}));
    auto r = services_->crm().push_bookings(merchant_, {booking("B3", "C1", "b@example.com")});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().fields.at(0).field, "bookings[0].customer.email");
}

TEST_F(Crm, CustomerPushReplacesPmsFieldsButKeepsMobile) {
    pms_customer c{.reference = "C1"};
    c.fields.email = "a@example.com";
    c.fields.city = "Paris";
    c.extra_attributes = std::vector<store::custom_field>{{"vip", "1"}};
    ASSERT_TRUE(services_->crm().push_customers(merchant_, {c}));

    auto g = show("a@example.com")->guest;
    ASSERT_TRUE(services_->accounts().update_profile(merchant_, g.id, {{find_profile_field("mobile"), "+33601020304"}},
                                                     std::nullopt));
    pms_customer again{.reference = "C1"};
    again.fields.email = "a@example.com";
    auto counts = services_->crm().push_customers(merchant_, {again}).value();
    EXPECT_EQ(counts.updated, 1);

    g = show("a@example.com")->guest;
    EXPECT_FALSE(g.fields.city);
    EXPECT_EQ(g.fields.mobile, "+33601020304");
    ASSERT_EQ(g.custom_fields.size(), 1u);  // extra_attributes absent: custom fields kept
    EXPECT_EQ(g.custom_fields[0].name, "vip");
}

TEST_F(Crm, ARepeatedPushChangesNothingNotEvenTheVersion) {
    pms_customer c{.reference = "C1"};
    c.fields.email = "a@example.com";
    c.fields.city = "Paris";
    ASSERT_TRUE(services_->crm().push_customers(merchant_, {c}));
    const auto before = show("a@example.com")->guest.version;
    EXPECT_EQ(services_->crm().push_customers(merchant_, {c}).value().updated, 1);
    EXPECT_EQ(show("a@example.com")->guest.version, before);
    c.fields.city = "Lyon";
    ASSERT_TRUE(services_->crm().push_customers(merchant_, {c}));
    EXPECT_EQ(show("a@example.com")->guest.version, before + 1);
}

TEST_F(Crm, CustomerErrorsNameTheItemAndTheField) {
    ASSERT_TRUE(services_->crm().push_bookings(merchant_, {booking("B1", "C1", "a@example.com"),
                                                           booking("B2", "C2", "b@example.com")}));
    pms_customer c{.reference = "C1"};
    c.fields.email = "b@example.com";
    auto r = services_->crm().push_customers(merchant_, {c});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().fields.at(0).field, "customers[0].email");
}

TEST_F(Crm, EmailListMembershipQualifiesAndLeavingUnqualifies) {
    auto added = services_->crm().add_to_list(merchant_, "news", {{"n@example.com", "Nina", {}, "fr"}}).value();
    EXPECT_EQ(added.created, 1);
    EXPECT_EQ(services_->crm().add_to_list(merchant_, "news", {{"n@example.com", {}, {}, {}}}).value().updated, 1);
    EXPECT_EQ(show("n@example.com")->guest.fields.firstname, "Nina");

    ASSERT_TRUE(services_->crm().remove_from_list(merchant_, "news", "N@example.com"));
    auto again = services_->crm().remove_from_list(merchant_, "news", "n@example.com");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, core::errc::not_found);
    auto r = services_->accounts().set_password(merchant_, "n@example.com", "correct horse battery staple");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, core::errc::not_found);
}

TEST_F(Crm, CustomFieldsReplaceByNameAndReportUnknownStays) {
    ASSERT_TRUE(services_->crm().push_bookings(merchant_, {booking("B1", "C1", "a@example.com")}));
    auto r = services_->crm()
                 .set_custom_fields(merchant_, "a@example.com", {{"Level", {"Silver", "Gold"}}},
                                    {{"B1", {{"ota", "Booking.com"}}}, {"B404", {{"ota", "x"}}}})
                 .value();
    EXPECT_EQ(r.customer_successes, std::vector<std::string>{"Level"});
    EXPECT_EQ(r.stay_successes, std::vector<std::string>{"B1"});
    EXPECT_EQ(r.stay_errors, std::vector<std::string>{"B404"});

    ASSERT_TRUE(services_->crm().set_custom_fields(merchant_, "a@example.com", {{"Level", {"Platinum"}}}, {}));
    const auto view = services_->crm().custom_fields(merchant_, "a@example.com").value();
    ASSERT_EQ(view.customer.size(), 1u);
    EXPECT_EQ(view.customer[0].values, std::vector<std::string>{"Platinum"});
    ASSERT_EQ(view.stays.size(), 1u);
    EXPECT_EQ(view.stays[0].data.at(0).value, "Booking.com");
}

TEST_F(Crm, EachOptInChangeAppendsOneConsentEventAndNoChangeAppendsNone) {
    push_booking("B1", "olga@example.com");
    const actor who{caller_.partner, "198.51.100.7", "req-9"};
    auto uow = db_->begin(store::tx::write);
    const auto before = *uow->guests().find_by_email(merchant_, "olga@example.com");
    const auto consents = [&] { return uow->consents().list_for_guest(merchant_, before.id); };
    const auto already = consents().size();

    auto after = before;
    record_opt_in_consents(*uow, before, after, who, 100);
    EXPECT_EQ(consents().size(), already);

    after.opt_in = true;
    record_opt_in_consents(*uow, before, after, who, 101);
    auto both = after;
    both.opt_in = false;
    both.text_campaign_opt_in = true;
    record_opt_in_consents(*uow, after, both, who, 102);

    const auto events = consents();
    ASSERT_EQ(events.size(), already + 3);
    std::vector<std::string> kinds;
    for (auto i = already; i < events.size(); ++i) kinds.push_back(events[i].kind);
    EXPECT_THAT(kinds, ::testing::UnorderedElementsAre("email_opt_in.granted", "email_opt_in.withdrawn",
                                                       "sms_opt_in.granted"));
    EXPECT_EQ(events.back().source_address, "198.51.100.7");
}

}  // namespace
}  // namespace guestd::domain
