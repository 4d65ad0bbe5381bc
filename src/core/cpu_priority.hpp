// How the scheduler treats guestd's threads (Linux sets both per thread; neither needs a privilege).
#pragma once

namespace guestd::core {

/// Lowers the calling thread to nice 10 for the rest of its life (raising it back would need CAP_SYS_NICE); a thread
/// already at nice 10 or lower in priority keeps its own. The
/// hashing threads run so: a flood of logins takes the CPU that requests leave over, and still gets about a tenth
/// of a core against a busy neighbour (SCHED_IDLE would starve logins entirely whenever another process keeps
/// the cores busy, and a hashing thread also holds the write lock for the login's transaction).
void lower_thread_priority();

/// Asks for short time slices (0.1 ms) for the calling thread: with the EEVDF scheduler (Linux 6.12 and later,
/// sched_setattr's sched_runtime for SCHED_OTHER), a thread that wakes with a short request gets an early virtual
/// deadline and preempts a hashing thread at once rather than after its slice. I/O threads and workers ask for it.
/// Only a SCHED_OTHER thread asks (another policy an operator chose stays); its nice value is kept. False when the
/// thread was not SCHED_OTHER or the kernel refused; a kernel before 6.12 accepts the call and ignores the slice.
bool request_short_slices();

}  // namespace guestd::core
