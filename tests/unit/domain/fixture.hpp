// A real SQLite database in a temp directory with a merchant, a partner and the domain services on a manual
// clock: what the domain's unit tests run against.
#pragma once

#include "core/clock.hpp"
#include "domain/credentials.hpp"
#include "domain/services.hpp"
#include "store/store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

namespace guestd::testing {

class domain_fixture : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    /// Pushes a booking of `status` for `email` so the guest exists (and qualifies unless cancelled).
    void push_booking(const std::string& reference, const std::string& email, const std::string& status = "valid",
                      const std::string& arrival = "2026-09-17");

    std::filesystem::path dir_;
    core::manual_clock clock_;
    std::unique_ptr<store::database> db_;
    std::unique_ptr<domain::services> services_;
    domain::bearer_identity caller_{};
    core::merchant_id merchant_{1234};
};

}  // namespace guestd::testing
