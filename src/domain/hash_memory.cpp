#include "domain/hash_memory.hpp"

#include <string.h>  // explicit_bzero
#include <sys/mman.h>

// libsodium's calls to mmap and munmap, renamed in the copy of libsodium.a that guestd links
// (cmake/Dependencies.cmake); defined at the end of this file.
extern "C" void* guestd_sodium_mmap(void* addr, std::size_t length, int prot, int flags, int fd,
                                    off_t offset) noexcept;
extern "C" int guestd_sodium_munmap(void* addr, std::size_t length) noexcept;

namespace guestd::domain {
namespace {

constexpr std::size_t k_smallest = std::size_t{1} << 20;   // argon2id's floor here is 19 MiB
constexpr std::size_t k_largest = std::size_t{256} << 20;  // a larger memlimit is mapped each time, not kept

/// One thread's kept argon2id memory: lent to libsodium for the length of a hash, zeroed when it is given back.
class area {
public:
    area() = default;
    area(const area&) = delete;
    area& operator=(const area&) = delete;
    ~area() { release(); }

    /// The area for the mapping argon2id asks for (anonymous, private, read-write, populated: sodium_malloc's
    /// guarded mappings are not populated), or nullptr when this request is something else or the area is out
    /// already: the caller then maps as usual.
    void* lend(void* addr, std::size_t length, int prot, int flags, int fd) noexcept {
        const int argon2id_flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
        if (lent_ != 0 || addr != nullptr || fd != -1 || prot != (PROT_READ | PROT_WRITE) ||
            flags != argon2id_flags || length < k_smallest || length > k_largest)
            return nullptr;
        if (length > size_) {
            // The first hash on this thread, or a larger memlimit than before (a PHC string with other parameters).
            release();
            void* fresh = ::mmap(nullptr, length, prot, argon2id_flags, -1, 0);
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
        if (base_ != nullptr && lent_ == 0) (void)::munmap(base_, size_);
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

// Both are plain pointers and flags so that reading them in guestd_sodium_mmap needs no thread-local initialisation.
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

extern "C" void* guestd_sodium_mmap(void* addr, std::size_t length, int prot, int flags, int fd,
                                    off_t offset) noexcept {
    using namespace guestd::domain;
    if (hashing && kept != nullptr)
        if (void* lent = kept->lend(addr, length, prot, flags, fd)) return lent;
    return ::mmap(addr, length, prot, flags, fd, offset);
}

extern "C" int guestd_sodium_munmap(void* addr, std::size_t length) noexcept {
    using namespace guestd::domain;
    if (kept != nullptr && kept->take_back(addr, length)) return 0;
    return ::munmap(addr, length);
}
