#include "core/cpu_priority.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <thread>

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace guestd::core {
namespace {

int nice_of(pid_t tid) {
    errno = 0;
    return getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
}

pid_t self() { return static_cast<pid_t>(gettid()); }

TEST(LowerThreadPriority, SetsNiceTenOnTheCallingThreadOnly) {
    const int before = nice_of(self());
    std::thread([before] {
        lower_thread_priority();
        EXPECT_EQ(nice_of(self()), std::max(before, 10)) << "lowered to 10, never raised";
    }).join();
    EXPECT_EQ(nice_of(self()), before) << "Linux keeps nice per thread: the caller's other threads keep theirs";
}

// sched_getattr(2)'s view of a thread's custom slice.
std::uint64_t slice_of_this_thread() {
    struct {
        std::uint32_t size, policy;
        std::uint64_t flags;
        std::int32_t nice;
        std::uint32_t priority;
        std::uint64_t runtime, deadline, period;
        std::uint32_t util_min, util_max;
    } attr{};
    if (syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) return 0;
    return attr.runtime;
}

TEST(LowerThreadPriority, NeverRaisesAThreadAlreadyBelowIt) {
    std::thread([] {
        const int start = std::max(nice_of(self()), 15);
        ASSERT_EQ(setpriority(PRIO_PROCESS, static_cast<id_t>(self()), start), 0);
        lower_thread_priority();
        EXPECT_EQ(nice_of(self()), start);
    }).join();
}

TEST(RequestShortSlices, LeavesAnotherSchedulingPolicyAlone) {
    std::thread([] {
        const sched_param none{.sched_priority = 0};
        ASSERT_EQ(sched_setscheduler(0, SCHED_BATCH, &none), 0);
        EXPECT_FALSE(request_short_slices());
        EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
    }).join();
}

TEST(RequestShortSlices, AsksTheKernelForATenthOfAMillisecondAndKeepsTheNiceValue) {
    const int before = nice_of(self());
    bool taken = false;
    std::uint64_t slice = 0;
    int nice = 0;
    std::thread([&] {
        lower_thread_priority();
        taken = request_short_slices();
        slice = slice_of_this_thread();
        nice = nice_of(self());
    }).join();
    // Before Linux 6.12 (EEVDF's custom slices) the kernel ignores sched_runtime for SCHED_OTHER.
    if (!taken || slice == 0) GTEST_SKIP() << "this kernel takes no custom slice for SCHED_OTHER";
    EXPECT_EQ(slice, 100'000u);
    EXPECT_EQ(nice, std::max(before, 10)) << "asking for short slices must not undo a lowered priority";
}

}  // namespace
}  // namespace guestd::core
