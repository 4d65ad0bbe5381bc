// The retry schedule: exponential from first_retry, capped, with 50-100% jitter.
#include "mail/worker.hpp"

#include <gtest/gtest.h>

#include <set>

namespace guestd::mail {
namespace {

// Enough draws that a jitter outside its bounds, or no jitter at all, shows.
constexpr int draws = 500;

TEST(Backoff, TheFirstRetryComesWithinFirstRetryAndNoSoonerThanHalfOfIt) {
    const worker_options o;
    for (int i = 0; i < draws; ++i) {
        const auto d = backoff(o, 1);
        EXPECT_GE(d, o.first_retry / 2);
        EXPECT_LE(d, o.first_retry);
    }
    EXPECT_LE(o.first_retry, 10);  // the issue promises a first retry within 10 seconds
}

TEST(Backoff, DoublesWithEachAttempt) {
    worker_options o;
    o.first_retry = 8;
    o.max_backoff = 1 << 20;
    for (int attempts = 1; attempts <= 10; ++attempts) {
        const core::unix_seconds base = 8LL << (attempts - 1);
        for (int i = 0; i < draws; ++i) {
            const auto d = backoff(o, attempts);
            ASSERT_GE(d, base / 2) << "attempt " << attempts;
            ASSERT_LE(d, base) << "attempt " << attempts;
        }
    }
}

TEST(Backoff, IsCappedAtMaxBackoffHoweverManyAttempts) {
    worker_options o;
    o.first_retry = 8;
    o.max_backoff = 3600;
    for (const int attempts : {10, 11, 30, 63, 64, 1000, 1 << 30}) {
        for (int i = 0; i < draws; ++i) {
            const auto d = backoff(o, attempts);
            ASSERT_GE(d, o.max_backoff / 2) << "attempt " << attempts;
            ASSERT_LE(d, o.max_backoff) << "attempt " << attempts;
        }
    }
}

TEST(Backoff, SpreadsRetriesThatFailedTogether) {
    worker_options o;
    o.first_retry = 64;
    std::set<core::unix_seconds> seen;
    for (int i = 0; i < draws; ++i) seen.insert(backoff(o, 1));
    // 33 possible values; hundreds of draws land on many of them.
    EXPECT_GT(seen.size(), 10u);
}

TEST(Backoff, TreatsANonPositiveAttemptAsTheFirst) {
    const worker_options o;
    for (int i = 0; i < draws; ++i) {
        EXPECT_GE(backoff(o, 0), o.first_retry / 2);
        EXPECT_LE(backoff(o, 0), o.first_retry);
    }
}

}  // namespace
}  // namespace guestd::mail
