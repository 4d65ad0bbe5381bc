// The storage contract suite: one set of TEST_P cases (store_contract.cpp) that every backend of
// store/store.hpp must pass. A backend's test file supplies a `backend` (how to make a fresh database) and
// instantiates the suite with GUESTD_INSTANTIATE_STORE_CONTRACT; the cases never know which backend they run on.
#pragma once

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "store/store.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

namespace guestd::contract {

/// Opens one test's database; every call opens the same database anew, so a test can close and reopen it.
using database_factory = std::function<std::unique_ptr<store::database>(const core::clock&)>;

/// One test's database: `open` opens it, `remove` deletes it (called after the test, once it is closed).
struct scratch_database {
    database_factory open;
    std::function<void()> remove;
};

/// A backend under test: its name (in test names) and how to make a fresh, empty, migrated database.
struct backend {
    std::string name;
    std::function<scratch_database()> fresh;
};

inline void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

/// Names instantiations after the backend.
inline std::string backend_name(const ::testing::TestParamInfo<backend>& info) { return info.param.name; }

/// The fixture of every contract case: a fresh database per test, a manual clock, and seeding helpers.
class store_contract : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override;
    void TearDown() override;

    /// Closes the database and opens it again, as a restart would.
    void reopen();

    /// Runs fn(unit) in a write unit of work, commits, and returns what fn returned.
    template <class Fn>
    auto write(Fn&& fn) {
        auto uow = db_->begin(store::tx::write);
        if constexpr (std::is_void_v<std::invoke_result_t<Fn&, store::unit_of_work&>>) {
            fn(*uow);
            uow->commit();
        } else {
            auto out = fn(*uow);
            uow->commit();
            return out;
        }
    }

    /// Runs fn(unit) in a read unit of work and returns what fn returned.
    template <class Fn>
    auto read(Fn&& fn) {
        auto uow = db_->begin(store::tx::read);
        return fn(*uow);
    }

    /// Adds merchant id (hotel token hash "hotel-<id>") and returns its id.
    core::merchant_id add_merchant(std::int64_t id);
    /// Adds a guest of m with only an email (none when empty) and returns its id.
    core::guest_id add_guest(core::merchant_id m, const std::string& email);
    /// Adds a partner granted the merchants and returns its id.
    core::partner_id add_partner(const std::string& client_id, std::vector<core::merchant_id> merchants);
    /// Adds an account of guest g with that card number and username and returns its id.
    core::account_id add_account(core::merchant_id m, core::guest_id g, const std::string& card,
                                 const std::string& username);
    /// Merchant id as find, find_by_hotel_token and list each return it (nullopt where one does not).
    std::vector<std::optional<store::merchant>> read_every_way(core::merchant_id id,
                                                               const std::string& hotel_token_hash);

    core::manual_clock clock_;
    scratch_database scratch_;
    std::unique_ptr<store::database> db_;
};

// One suite per store, so test names read "GuestStore.FindByEmailIgnoresAsciiCase".
class MerchantStore : public store_contract {};
class PartnerStore : public store_contract {};
class GuestStore : public store_contract {};
class AccountStore : public store_contract {};
class SessionStore : public store_contract {};
class OAuthTokenStore : public store_contract {};
class ReservationStore : public store_contract {};
class EmailListStore : public store_contract {};
class ResetStore : public store_contract {};
class ThrottleStore : public store_contract {};
class OutboxStore : public store_contract {};
class AuditStore : public store_contract {};
class ConsentStore : public store_contract {};
class UnitOfWork : public store_contract {};

}  // namespace guestd::contract

/// Instantiates every contract suite for one backend; use inside namespace guestd::contract.
#define GUESTD_INSTANTIATE_STORE_CONTRACT(prefix, backend_value)                                                  \
    INSTANTIATE_TEST_SUITE_P(prefix, MerchantStore, ::testing::Values(backend_value),                             \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, PartnerStore, ::testing::Values(backend_value),                              \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, GuestStore, ::testing::Values(backend_value),                                \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, AccountStore, ::testing::Values(backend_value),                              \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, SessionStore, ::testing::Values(backend_value),                              \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, OAuthTokenStore, ::testing::Values(backend_value),                           \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, ReservationStore, ::testing::Values(backend_value),                          \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, EmailListStore, ::testing::Values(backend_value),                            \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, ResetStore, ::testing::Values(backend_value),                                \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, ThrottleStore, ::testing::Values(backend_value),                             \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, OutboxStore, ::testing::Values(backend_value),                               \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, AuditStore, ::testing::Values(backend_value),                                \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, ConsentStore, ::testing::Values(backend_value),                              \
                             ::guestd::contract::backend_name);                                                   \
    INSTANTIATE_TEST_SUITE_P(prefix, UnitOfWork, ::testing::Values(backend_value), ::guestd::contract::backend_name)
