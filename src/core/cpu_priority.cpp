#include "core/cpu_priority.hpp"

#include <cerrno>
#include <cstdint>

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace guestd::core {
namespace {

// struct sched_attr of sched_setattr(2), its first version (SCHED_ATTR_SIZE_VER0); glibc 2.36 has no wrapper.
struct sched_attr_v0 {
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime;
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
};

static_assert(sizeof(sched_attr_v0) == 48);

constexpr std::uint64_t k_short_slice_ns = 100'000;  // EEVDF's smallest custom slice

}  // namespace

void lower_thread_priority() {
    // Never raise it: an operator may have started guestd at a lower priority already (nice, systemd's Nice=).
    const auto tid = static_cast<id_t>(gettid());
    errno = 0;
    const int current = getpriority(PRIO_PROCESS, tid);
    if (errno != 0 || current >= 10) return;
    (void)setpriority(PRIO_PROCESS, tid, 10);
}

bool request_short_slices() {
    // Only a plain SCHED_OTHER thread: an operator's SCHED_BATCH, SCHED_IDLE or real-time policy stays as it is.
    const int policy = sched_getscheduler(0);
    if (policy < 0 || (policy & ~SCHED_RESET_ON_FORK) != SCHED_OTHER) return false;
    errno = 0;
    const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    if (errno != 0) return false;
    sched_attr_v0 attr{.size = sizeof(sched_attr_v0),
                       .sched_policy = SCHED_OTHER,
                       .sched_flags = (policy & SCHED_RESET_ON_FORK) != 0 ? std::uint64_t{0x01} : 0,  // keep it
                       .sched_nice = nice,  // the current one: 0 would try to raise a lowered thread
                       .sched_priority = 0,
                       .sched_runtime = k_short_slice_ns,
                       .sched_deadline = 0,
                       .sched_period = 0};
    return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

}  // namespace guestd::core
