#include "core/cpu_priority.hpp"

#include <cstdint>

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace guestd::core {
namespace {

// struct sched_attr of sched_setattr(2); glibc 2.36 has no wrapper.
struct sched_attr_v1 {
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime;
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
};

constexpr std::uint64_t k_short_slice_ns = 100'000;  // EEVDF's smallest custom slice

}  // namespace

void lower_thread_priority() { (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10); }

bool request_short_slices() {
    const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
    sched_attr_v1 attr{.size = sizeof(sched_attr_v1),
                       .sched_policy = SCHED_OTHER,
                       .sched_flags = 0,
                       .sched_nice = nice,
                       .sched_priority = 0,
                       .sched_runtime = k_short_slice_ns,
                       .sched_deadline = 0,
                       .sched_period = 0};
    return syscall(SYS_sched_setattr, 0, &attr, 0) == 0;
}

}  // namespace guestd::core
