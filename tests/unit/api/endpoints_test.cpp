// Invariants of guestd's endpoint table that the server relies on.
#include "api/endpoints.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace guestd::api {
namespace {

// Liveness and metrics answer on the I/O thread, so that a saturated worker pool never sheds them (a shed
// liveness probe gets a busy process restarted; shed metrics blind its operator exactly when they matter). A
// handler there holds every connection of its thread while it runs: it must not authenticate (a store read, a
// network round trip on PostgreSQL), take a body to validate, nor touch the store, which no flag shows (/readyz
// pings it): so the io endpoints are exactly the two known not to.
TEST(EndpointTable, OnlyLivenessAndMetricsRunOnTheIOThread) {
    std::vector<std::string> io;
    for (const auto& ep : endpoints())
        if (ep.pool == pool_kind::io) io.emplace_back(ep.path);
    EXPECT_EQ(io, (std::vector<std::string>{"/healthz", "/metrics"}));
}

TEST(EndpointTable, IOThreadHandlersAreUnauthenticatedAndBodyless) {
    for (const auto& ep : endpoints()) {
        if (ep.pool != pool_kind::io) continue;
        EXPECT_EQ(ep.auth, auth_kind::none) << ep.path;
        EXPECT_EQ(ep.request_body, nullptr) << ep.path;
        EXPECT_FALSE(ep.read_only) << ep.path;
    }
}

}  // namespace
}  // namespace guestd::api
