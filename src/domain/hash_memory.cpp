#include "domain/hash_memory.hpp"

#include <dlfcn.h>
#include <string.h>  // explicit_bzero
#include <sys/mman.h>

namespace guestd::domain {
namespace {

using mmap_fn = void* (*)(void*, std::size_t, int, int, int, off_t);
using munmap_fn = int (*)(void*, std::size_t);

// The definitions guestd's own stand in front of: libc's, or a sanitizer's interceptor that wraps them.
mmap_fn next_mmap() {
    static const auto next = reinterpret_cast<mmap_fn>(dlsym(RTLD_NEXT, "mmap"));
    return next;
}
munmap_fn next_munmap() {
    static const auto next = reinterpret_cast<munmap_fn>(dlsym(RTLD_NEXT, "munmap"));
    return next;
}

constexpr std::size_t k_smallest = std::size_t{1} << 20;   // argon2id's floor here is 19 MiB
constexpr std::size_t k_largest = std::size_t{256} << 20;  // a larger memlimit is mapped each time, not kept

/// One thread's kept argon2id memory: lent to libsodium for the length of a hash, zeroed when it is given back.
class area {
public:
    area() = default;
    area(const area&) = delete;
    area& operator=(const area&) = delete;
    ~area() { release(); }

    /// The area for a mapping argon2id asks for, or nullptr when this request is something else or the area is
    /// out already: the caller then maps as usual.
    void* lend(void* addr, std::size_t length, int prot, int flags, int fd) noexcept {
        const int anonymous = MAP_PRIVATE | MAP_ANONYMOUS;
        if (lent_ != 0 || addr != nullptr || fd != -1 || prot != (PROT_READ | PROT_WRITE) ||
            (flags & ~MAP_POPULATE) != anonymous || length < k_smallest || length > k_largest)
            return nullptr;
        if (length > size_) {
            // The first hash on this thread, or a larger memlimit than before (a PHC string with other parameters).
            release();
            void* fresh = next_mmap()(nullptr, length, prot, anonymous | MAP_POPULATE, -1, 0);
            if (fresh == MAP_FAILED) return nullptr;
            (void)madvise(fresh, length, MADV_DONTDUMP);
            base_ = static_cast<unsigned char*>(fresh);
            size_ = length;
        } else {
            ++reuses_;
        }
        lent_ = length;
        return base_;
    }

    /// True when munmap(addr, length) gives the area back: it is zeroed and kept. A call that would unmap part of
    /// it (no argon2id does) lets it go: the caller owns what was lent.
    bool take_back(void* addr, std::size_t length) noexcept {
        if (lent_ == 0) return false;
        const auto* begin = static_cast<unsigned char*>(addr);
        if (begin == base_ && length == lent_) {
            explicit_bzero(base_, lent_);
            lent_ = 0;
            return true;
        }
        if (begin < base_ + size_ && begin + length > base_) forget();
        return false;
    }

    kept_hash_memory view() const { return {base_, size_, reuses_}; }

private:
    void release() noexcept {
        if (base_ != nullptr && lent_ == 0) (void)next_munmap()(base_, size_);
        forget();
    }
    void forget() noexcept {
        base_ = nullptr;
        size_ = 0;
        lent_ = 0;
    }

    unsigned char* base_ = nullptr;
    std::size_t size_ = 0;
    std::size_t lent_ = 0;  // the length lent out, 0 when the area is home
    std::uint64_t reuses_ = 0;
};

// Both are plain pointers and flags so that reading them in mmap needs no thread-local initialisation.
thread_local area* kept = nullptr;      // this thread's area, when it keeps one
thread_local bool hashing = false;      // a passwords::hash or verify is running on this thread

}  // namespace

void keep_hash_memory_on_this_thread() {
    struct owner {
        area memory;
        ~owner() { kept = nullptr; }
    };
    static thread_local owner own;
    kept = &own.memory;
}

hash_memory_scope::hash_memory_scope() noexcept : outer_(!hashing) { hashing = true; }

hash_memory_scope::~hash_memory_scope() {
    if (outer_) hashing = false;
}

kept_hash_memory kept_hash_memory_of_this_thread() { return kept != nullptr ? kept->view() : kept_hash_memory{}; }

}  // namespace guestd::domain

// ThreadSanitizer's runtime, loaded as a shared library, maps memory through these symbols before it can run the
// static initialisation next_mmap() needs, and aborts ("nested bug in the same thread"); a TSan build keeps no
// hash memory and leaves libsodium's mappings to the kernel.
#if defined(__SANITIZE_THREAD__)
#define GUESTD_SERVE_HASH_MEMORY 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GUESTD_SERVE_HASH_MEMORY 0
#endif
#endif
#ifndef GUESTD_SERVE_HASH_MEMORY
#define GUESTD_SERVE_HASH_MEMORY 1
#endif

#if GUESTD_SERVE_HASH_MEMORY
// The executable's definitions, which libsodium's calls reach before libc's.
extern "C" void* mmap(void* addr, std::size_t length, int prot, int flags, int fd, off_t offset) noexcept {
    using namespace guestd::domain;
    if (hashing && kept != nullptr)
        if (void* lent = kept->lend(addr, length, prot, flags, fd)) return lent;
    return next_mmap()(addr, length, prot, flags, fd, offset);
}

extern "C" int munmap(void* addr, std::size_t length) noexcept {
    using namespace guestd::domain;
    if (kept != nullptr && kept->take_back(addr, length)) return 0;
    return next_munmap()(addr, length);
}
#endif
