// Invariants of guestd's endpoint table that the server relies on.
#include "api/endpoints.hpp"

#include <gtest/gtest.h>

#include <string>

namespace guestd::api {
namespace {

const endpoint* find(verb method, std::string_view path) {
    for (const auto& ep : endpoints())
        if (ep.method == method && ep.path == path) return &ep;
    return nullptr;
}

// A handler on the I/O thread holds every connection of that thread while it runs: it must not authenticate (a
// store read, a network round trip on PostgreSQL) nor take a body to validate.
TEST(EndpointTable, OnlyUnauthenticatedBodylessHandlersRunOnTheIOThread) {
    for (const auto& ep : endpoints()) {
        if (ep.pool != pool_kind::io) continue;
        EXPECT_EQ(ep.auth, auth_kind::none) << ep.path;
        EXPECT_EQ(ep.request_body, nullptr) << ep.path;
        EXPECT_FALSE(ep.read_only) << ep.path;
    }
}

// Liveness and metrics must answer while the workers are saturated: a shed liveness probe gets a busy process
// restarted, and shed metrics blind its operator exactly when they matter.
TEST(EndpointTable, LivenessAndMetricsRunOnTheIOThread) {
    for (const auto* path : {"/healthz", "/metrics"}) {
        const auto* ep = find(verb::get, path);
        ASSERT_NE(ep, nullptr) << path;
        EXPECT_EQ(ep->pool, pool_kind::io) << path;
    }
}

}  // namespace
}  // namespace guestd::api
