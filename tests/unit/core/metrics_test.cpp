#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace guestd::core {
namespace {

// The registry is process-wide, so every test uses labels of its own.
bool has_line(const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, CountsRequestsByMethodEndpointAndStatus) {
    metrics::observe_request("GET", "/count/a", 200, 0.01);
    metrics::observe_request("GET", "/count/a", 200, 0.01);
    metrics::observe_request("POST", "/count/a", 400, 0.01);
    const auto text = metrics::render();
    EXPECT_TRUE(has_line(text, R"(guestd_http_requests_total{method="GET",endpoint="/count/a",status="200"} 2)"));
    EXPECT_TRUE(has_line(text, R"(guestd_http_requests_total{method="POST",endpoint="/count/a",status="400"} 1)"));
}

TEST(Metrics, RendersCumulativeLatencyBucketsWithSumAndCount) {
    metrics::observe_request("GET", "/hist", 200, 0.003);
    metrics::observe_request("GET", "/hist", 200, 0.2);
    metrics::observe_request("GET", "/hist", 200, 30);
    const auto text = metrics::render();
    const std::string b = R"(guestd_http_request_duration_seconds_bucket{endpoint="/hist",le=)";
    EXPECT_TRUE(has_line(text, b + R"("0.0005"} 0)"));
    EXPECT_TRUE(has_line(text, b + R"("0.0025"} 0)"));
    EXPECT_TRUE(has_line(text, b + R"("0.005"} 1)"));
    EXPECT_TRUE(has_line(text, b + R"("0.25"} 2)"));
    EXPECT_TRUE(has_line(text, b + R"("10"} 2)"));
    EXPECT_TRUE(has_line(text, b + R"("+Inf"} 3)"));
    EXPECT_TRUE(has_line(text, R"(guestd_http_request_duration_seconds_sum{endpoint="/hist"} 30.203)"));
    EXPECT_TRUE(has_line(text, R"(guestd_http_request_duration_seconds_count{endpoint="/hist"} 3)"));
}

TEST(Metrics, DeclaresEveryFamilyWithHelpAndType) {
    metrics::set_gauge("guestd_hash_queue_depth", 0);
    metrics::add_counter("test_declared_total");
    const auto text = metrics::render();
    EXPECT_TRUE(has_line(text, "# TYPE guestd_http_requests_total counter"));
    EXPECT_TRUE(has_line(text, "# TYPE guestd_http_request_duration_seconds histogram"));
    EXPECT_TRUE(has_line(text, "# HELP guestd_hash_queue_depth Password-hashing jobs waiting for a hashing thread."));
    EXPECT_TRUE(has_line(text, "# TYPE guestd_hash_queue_depth gauge"));
    EXPECT_TRUE(has_line(text, "# TYPE test_declared_total counter"));
    EXPECT_NE(text.find("# HELP test_declared_total "), std::string::npos);
}

TEST(Metrics, GaugesKeepTheLastValueAndCountersAccumulate) {
    metrics::set_gauge("test_gauge", 5);
    metrics::set_gauge("test_gauge", 2);
    metrics::add_counter("test_counter_total");
    metrics::add_counter("test_counter_total", 2.5);
    metrics::add_counter("test_counter_total", -10);  // ignored: counters never go down
    const auto text = metrics::render();
    EXPECT_TRUE(has_line(text, "test_gauge 2"));
    EXPECT_TRUE(has_line(text, "test_counter_total 3.5"));
}

TEST(Metrics, EscapesLabelValues) {
    metrics::observe_request("GET", "/esc/\"q\"\\\n", 404, 0);
    EXPECT_TRUE(has_line(metrics::render(),
                         R"(guestd_http_requests_total{method="GET",endpoint="/esc/\"q\"\\\n",status="404"} 1)"));
}

TEST(Metrics, CountsExactlyUnderConcurrentUpdates) {
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([] {
            for (int i = 0; i < 1000; ++i) {
                metrics::observe_request("GET", "/concurrent", 200, 0.001);
                metrics::add_counter("test_concurrent_total");
            }
        });
    for (auto& t : threads) t.join();
    const auto text = metrics::render();
    EXPECT_TRUE(has_line(text, R"(guestd_http_requests_total{method="GET",endpoint="/concurrent",status="200"} 4000)"));
    EXPECT_TRUE(has_line(text, R"(guestd_http_request_duration_seconds_count{endpoint="/concurrent"} 4000)"));
    EXPECT_TRUE(has_line(text, "test_concurrent_total 4000"));
}

}  // namespace
}  // namespace guestd::core
