#include "unit/domain/fixture.hpp"

#include "domain/crm.hpp"
#include "domain/passwords.hpp"
#include "domain/secrets.hpp"
#include "store/sqlite/sqlite_database.hpp"

#include <random>

namespace guestd::testing {

void domain_fixture::SetUp() {
    domain::init_crypto();
    dir_ = std::filesystem::temp_directory_path() / ("guestd-domain-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir_);
    db_ = store::sqlite::open({.path = (dir_ / "test.db").string()}, clock_);
    services_ = std::make_unique<domain::services>(*db_, clock_, std::make_unique<domain::passwords>());
    ASSERT_TRUE(services_->credentials().add_merchant(merchant_, "Hotel Test"));
    auto partner = services_->credentials().add_partner("Acme", {merchant_}, false);
    ASSERT_TRUE(partner);
    caller_ = {partner->id, merchant_};
}

void domain_fixture::TearDown() {
    services_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
}

void domain_fixture::push_booking(const std::string& reference, const std::string& email, const std::string& status,
                                  const std::string& arrival) {
    domain::pms_booking b{.reference = reference, .status = status, .arrival = arrival, .payload = "{}"};
    b.customer.reference = "C-" + email;
    b.customer.fields.email = email;
    ASSERT_TRUE(services_->crm().push_bookings(merchant_, {b}));
}

}  // namespace guestd::testing
