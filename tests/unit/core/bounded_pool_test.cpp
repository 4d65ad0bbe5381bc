#include "core/bounded_pool.hpp"

#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

namespace guestd::core {
namespace {

// Occupies a pool's only thread until released, so the test controls what waits in the queue.
class gate {
public:
    std::function<void()> job() {
        return [this] {
            started_.set_value();
            released_.wait();
        };
    }
    void wait_started() { started_.get_future().wait(); }
    void release() { release_.set_value(); }

private:
    std::promise<void> started_;
    std::promise<void> release_;
    std::shared_future<void> released_ = release_.get_future().share();
};

bool renders_line(const std::string& line) { return metrics::render().find(line + "\n") != std::string::npos; }

TEST(BoundedPool, RunsEveryPostedJob) {
    std::atomic<int> ran{0};
    bounded_pool pool(3, 100);
    for (int i = 0; i < 50; ++i) {
        std::function<void()> job = [&ran] { ++ran; };
        ASSERT_TRUE(pool.try_post(job));
    }
    pool.stop();
    EXPECT_EQ(ran.load(), 50);
}

TEST(BoundedPool, RefusesWhenQueueIsFullAndLeavesJobUntouched) {
    bounded_pool pool(1, 2);
    gate g;
    auto blocker = g.job();
    ASSERT_TRUE(pool.try_post(blocker));
    g.wait_started();

    std::atomic<int> ran{0};
    std::function<void()> a = [&ran] { ++ran; };
    std::function<void()> b = [&ran] { ++ran; };
    std::function<void()> c = [&ran] { ran += 100; };
    ASSERT_TRUE(pool.try_post(a));
    EXPECT_FALSE(pool.saturated());
    ASSERT_TRUE(pool.try_post(b));
    EXPECT_EQ(pool.queued(), 2u);
    EXPECT_TRUE(pool.saturated());

    EXPECT_FALSE(pool.try_post(c));
    ASSERT_TRUE(c) << "a refused job stays with the caller";
    c();
    EXPECT_EQ(ran.load(), 100);

    g.release();
    pool.stop();
    EXPECT_EQ(ran.load(), 102);
}

TEST(BoundedPool, StopFinishesQueuedJobsThenRefusesNewOnes) {
    bounded_pool pool(1, 10);
    gate g;
    auto blocker = g.job();
    ASSERT_TRUE(pool.try_post(blocker));
    g.wait_started();
    std::atomic<int> ran{0};
    for (int i = 0; i < 5; ++i) {
        std::function<void()> job = [&ran] { ++ran; };
        ASSERT_TRUE(pool.try_post(job));
    }

    auto stopped = std::async(std::launch::async, [&pool] { pool.stop(); });
    g.release();
    stopped.get();
    EXPECT_EQ(ran.load(), 5);

    std::function<void()> late = [] {};
    EXPECT_TRUE(pool.saturated()) << "a stopped pool takes nothing";
    EXPECT_FALSE(pool.try_post(late));
    EXPECT_TRUE(late);
    pool.stop();  // idempotent
}

TEST(BoundedPool, EachThreadRunsTheStartHookBeforeItsFirstJob) {
    std::mutex mutex;
    std::set<std::thread::id> started;
    std::set<std::thread::id> ran_on;
    {
        bounded_pool pool(3, 100, "", [&] {
            std::lock_guard lock(mutex);
            EXPECT_TRUE(started.insert(std::this_thread::get_id()).second) << "the hook runs once per thread";
        });
        for (int i = 0; i < 30; ++i) {
            std::function<void()> job = [&] {
                std::lock_guard lock(mutex);
                EXPECT_TRUE(started.contains(std::this_thread::get_id()));
                ran_on.insert(std::this_thread::get_id());
            };
            ASSERT_TRUE(pool.try_post(job));
        }
        pool.stop();
    }
    EXPECT_EQ(started.size(), 3u) << "every thread ran the hook, even one that got no job";
    EXPECT_FALSE(ran_on.empty());
}

TEST(BoundedPool, KeepsItsQueueDepthGaugeUpToDate) {
    bounded_pool pool(1, 4, "test_pool_depth");
    EXPECT_TRUE(renders_line("test_pool_depth 0"));
    gate g;
    auto blocker = g.job();
    ASSERT_TRUE(pool.try_post(blocker));
    g.wait_started();
    std::function<void()> a = [] {};
    std::function<void()> b = [] {};
    ASSERT_TRUE(pool.try_post(a));
    ASSERT_TRUE(pool.try_post(b));
    EXPECT_TRUE(renders_line("test_pool_depth 2"));

    g.release();
    pool.stop();
    EXPECT_TRUE(renders_line("test_pool_depth 0"));
}

TEST(BoundedPool, SurvivesAJobThatThrows) {
    bounded_pool pool(1, 4);
    std::function<void()> bad = [] { throw std::runtime_error("boom"); };
    ASSERT_TRUE(pool.try_post(bad));
    std::promise<void> done;
    std::function<void()> good = [&done] { done.set_value(); };
    ASSERT_TRUE(pool.try_post(good));
    done.get_future().get();
    pool.stop();
}

}  // namespace
}  // namespace guestd::core
