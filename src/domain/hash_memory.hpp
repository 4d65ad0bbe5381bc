// Argon2id's working memory, kept mapped on the hashing threads from one hash to the next.
//
// libsodium maps the memory of every argon2id hash afresh (19 MiB at guestd's parameters, mmap with MAP_POPULATE)
// and unmaps it afterwards, without zeroing it first. The kernel then allocates, zeroes and frees some 4,900 pages
// per hash: more than half of a verification's CPU on the 2-core benchmark machine (12.7 ms of CPU with the
// mapping, 5.8 ms without), and work inside system calls that a kernel without preemption (PREEMPT_NONE) does
// not interrupt, so that under a login flood every other thread waited for a core (docs/performance.md).
//
// libsodium has no allocator hook, so guestd links it statically from a copy of libsodium.a whose calls to mmap and
// munmap are renamed guestd_sodium_mmap and guestd_sodium_munmap (cmake/Dependencies.cmake), defined here. On a
// thread that keeps its hash memory, during a hash, argon2id's mapping is served from the thread's area, and
// libsodium's munmap of it zeroes it and keeps it; libsodium's other calls, and its calls on other threads, go to
// libc's mmap and munmap unchanged. No one else's calls come here: guestd's own code and every other library, static
// or shared, call libc's (or a sanitizer's) mmap directly.
//
// The memory a process holds for hashing is then hash-threads x memlimit at all times instead of at the peak of a
// burst of logins; the area is excluded from core dumps and zeroed between hashes, so no password-derived block
// outlives its hash (before, libsodium's unzeroed pages went back to the kernel).
#pragma once

#include <cstddef>
#include <cstdint>

namespace guestd::domain {

/// From now until the calling thread ends, argon2id hashes on it (passwords::hash and verify) reuse one area; the
/// hashing pool's threads call it when they start. The area is unmapped when the thread ends.
void keep_hash_memory_on_this_thread();

/// Marks a hash in progress on the calling thread: only inside one is libsodium's mapping served from the
/// thread's area. passwords::hash and passwords::verify open one around their libsodium call.
class hash_memory_scope {
public:
    hash_memory_scope() noexcept;
    ~hash_memory_scope();
    hash_memory_scope(const hash_memory_scope&) = delete;
    hash_memory_scope& operator=(const hash_memory_scope&) = delete;

private:
    bool outer_;
};

/// What the calling thread keeps, for tests and diagnostics.
struct kept_hash_memory {
    const unsigned char* data = nullptr;  // the area, nullptr before its first hash or on a thread that keeps none
    std::size_t size = 0;
    std::uint64_t reuses = 0;  // hashes served from the area without a new mapping
};
kept_hash_memory kept_hash_memory_of_this_thread();

}  // namespace guestd::domain
