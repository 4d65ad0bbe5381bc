#include "domain/hash_memory.hpp"

#include "domain/passwords.hpp"
#include "domain/secrets.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

namespace guestd::domain {
namespace {

constexpr std::size_t k_area_bytes = 19456 * 1024;  // m=19456 KiB: argon2id's memory at guestd's parameters

class HashMemory : public ::testing::Test {
protected:
    static void SetUpTestSuite() { init_crypto(); }
    const passwords hasher_;
};

/// Runs fn on a new thread, as the hashing pool runs its jobs, and waits for it.
void on_thread(const std::function<void()>& fn) {
    std::thread t(fn);
    t.join();
}

/// The VmFlags line of /proc/self/smaps for the mapping that holds addr ("" when none does).
std::string vm_flags_of(const void* addr) {
    std::ifstream smaps("/proc/self/smaps");
    const auto at = reinterpret_cast<std::uintptr_t>(addr);
    bool inside = false;
    for (std::string line; std::getline(smaps, line);) {
        std::uintptr_t begin = 0, end = 0;
        char dash = 0;
        std::istringstream range(line);
        if (range >> std::hex >> begin >> dash >> end && dash == '-') inside = at >= begin && at < end;
        else if (inside && line.starts_with("VmFlags:")) return line;
    }
    return {};
}

bool is_mapped(const void* addr) {
    unsigned char resident = 0;
    const long page = sysconf(_SC_PAGESIZE);
    auto* start = reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(addr) & ~static_cast<std::uintptr_t>(page - 1));
    return mincore(start, static_cast<std::size_t>(page), &resident) == 0 || errno != ENOMEM;
}

TEST_F(HashMemory, AThreadThatKeepsItsMemoryServesEveryHashFromOneAreaZeroedBetweenThem) {
    on_thread([&] {
        keep_hash_memory_on_this_thread();
        EXPECT_EQ(kept_hash_memory_of_this_thread().data, nullptr) << "nothing is mapped before the first hash";

        const auto phc = hasher_.hash("correct horse battery staple");
        const auto first = kept_hash_memory_of_this_thread();
        ASSERT_NE(first.data, nullptr);
        EXPECT_EQ(first.size, k_area_bytes);
        EXPECT_EQ(first.reuses, 0u);

        EXPECT_TRUE(hasher_.verify(phc, "correct horse battery staple"));
        EXPECT_FALSE(hasher_.verify(phc, "correct horse battery stapler"));
        hasher_.verify_dummy("anything");
        const auto after = kept_hash_memory_of_this_thread();
        EXPECT_EQ(after.data, first.data);
        EXPECT_EQ(after.reuses, 3u);

        // libsodium leaves its blocks in the memory it frees; the area is zeroed when it comes back.
        EXPECT_TRUE(std::all_of(after.data, after.data + after.size, [](unsigned char b) { return b == 0; }));
        EXPECT_NE(vm_flags_of(after.data).find(" dd"), std::string::npos) << "left out of core dumps";
    });
}

TEST_F(HashMemory, TheAreaIsUnmappedWhenItsThreadEnds) {
    const unsigned char* area = nullptr;
    on_thread([&] {
        keep_hash_memory_on_this_thread();
        (void)hasher_.hash("correct horse battery staple");
        area = kept_hash_memory_of_this_thread().data;
        ASSERT_NE(area, nullptr);
        EXPECT_TRUE(is_mapped(area));
    });
    EXPECT_FALSE(is_mapped(area));
}

TEST_F(HashMemory, ReusedMemoryGivesTheSameDigestsAsFreshMemory) {
    // Raw argon2id with a fixed salt, so that the outputs can be compared: fresh memory on a plain thread, then
    // the area's first and second (reused, previously written) use on a keeping thread.
    const std::string password = "correct horse battery staple";
    std::array<unsigned char, crypto_pwhash_SALTBYTES> salt{};
    salt.fill(7);
    const auto digest = [&] {
        std::array<unsigned char, 32> out{};
        const hash_memory_scope scope;
        EXPECT_EQ(crypto_pwhash(out.data(), out.size(), password.data(), password.size(), salt.data(), 2,
                                k_area_bytes, crypto_pwhash_ALG_ARGON2ID13),
                  0);
        return out;
    };
    std::array<unsigned char, 32> fresh{}, kept_first{}, kept_second{};
    on_thread([&] { fresh = digest(); });
    on_thread([&] {
        keep_hash_memory_on_this_thread();
        kept_first = digest();
        kept_second = digest();
        EXPECT_EQ(kept_hash_memory_of_this_thread().reuses, 1u);
    });
    EXPECT_EQ(kept_first, fresh);
    EXPECT_EQ(kept_second, fresh);
}

TEST_F(HashMemory, OtherThreadsAndOtherMappingsAreLeftToTheKernel) {
    // A thread that does not keep its memory: the hash maps and unmaps as libsodium does.
    on_thread([&] {
        (void)hasher_.hash("correct horse battery staple");
        EXPECT_EQ(kept_hash_memory_of_this_thread().data, nullptr);
    });
    on_thread([&] {
        keep_hash_memory_on_this_thread();
        (void)hasher_.hash("correct horse battery staple");
        const auto area = kept_hash_memory_of_this_thread();
        const int argon2id_flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;

        // argon2id's very request, made outside a hash, is a mapping of its own, unmapped for real.
        void* outside = mmap(nullptr, k_area_bytes, PROT_READ | PROT_WRITE, argon2id_flags, -1, 0);
        ASSERT_NE(outside, MAP_FAILED);
        EXPECT_NE(outside, static_cast<const void*>(area.data));
        ASSERT_EQ(munmap(outside, k_area_bytes), 0);
        EXPECT_FALSE(is_mapped(outside));

        // Inside a hash too, since only libsodium's calls reach the area: the same request from other code (this
        // test, guestd, any other library) and any other shape get mappings of their own.
        const hash_memory_scope scope;
        void* same = mmap(nullptr, k_area_bytes, PROT_READ | PROT_WRITE, argon2id_flags, -1, 0);
        void* small = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        void* shared = mmap(nullptr, k_area_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        ASSERT_NE(same, MAP_FAILED);
        ASSERT_NE(small, MAP_FAILED);
        ASSERT_NE(shared, MAP_FAILED);
        EXPECT_NE(same, static_cast<const void*>(area.data));
        EXPECT_NE(small, static_cast<const void*>(area.data));
        EXPECT_NE(shared, static_cast<const void*>(area.data));
        EXPECT_EQ(munmap(same, k_area_bytes), 0);
        EXPECT_EQ(munmap(small, 4096), 0);
        EXPECT_EQ(munmap(shared, k_area_bytes), 0);
        EXPECT_FALSE(is_mapped(same));
        EXPECT_FALSE(is_mapped(shared));
        EXPECT_TRUE(is_mapped(area.data));
        const auto after = kept_hash_memory_of_this_thread();
        EXPECT_EQ(after.data, area.data);
        EXPECT_EQ(after.reuses, 0u);
    });
}

TEST_F(HashMemory, LibsodiumsOtherMappingsAreLeftToTheKernel) {
    // sodium_malloc maps guarded memory through the same renamed mmap, even during a hash: it gets a mapping of its
    // own, which sodium_free unmaps, and the area stays as it was.
    on_thread([&] {
        keep_hash_memory_on_this_thread();
        (void)hasher_.hash("correct horse battery staple");
        const auto area = kept_hash_memory_of_this_thread();
        ASSERT_NE(area.data, nullptr);

        const hash_memory_scope scope;
        auto* guarded = static_cast<unsigned char*>(sodium_malloc(k_area_bytes));
        ASSERT_NE(guarded, nullptr);
        const auto begin = reinterpret_cast<std::uintptr_t>(guarded);
        const auto area_begin = reinterpret_cast<std::uintptr_t>(area.data);
        EXPECT_TRUE(begin + k_area_bytes <= area_begin || begin >= area_begin + area.size)
            << "sodium_malloc got memory inside the area";
        std::fill_n(guarded, k_area_bytes, static_cast<unsigned char>(1));
        sodium_free(guarded);
        EXPECT_FALSE(is_mapped(guarded));
        const auto after = kept_hash_memory_of_this_thread();
        EXPECT_EQ(after.data, area.data);
        EXPECT_EQ(after.size, area.size);
        EXPECT_EQ(after.reuses, 0u);
    });
}

TEST_F(HashMemory, NoMmapOfGuestdsStandsInFrontOfOtherLibraries) {
    // An mmap or munmap defined in the executable would stand in front of every shared library's calls: the
    // process's must come from a library (libc, or a sanitizer's runtime).
    Dl_info here{}, mmap_from{}, munmap_from{};
    ASSERT_NE(dladdr(reinterpret_cast<void*>(&is_mapped), &here), 0);
    void* const process_mmap = dlsym(RTLD_DEFAULT, "mmap");
    void* const process_munmap = dlsym(RTLD_DEFAULT, "munmap");
    ASSERT_NE(process_mmap, nullptr);
    ASSERT_NE(process_munmap, nullptr);
    ASSERT_NE(dladdr(process_mmap, &mmap_from), 0);
    ASSERT_NE(dladdr(process_munmap, &munmap_from), 0);
    EXPECT_NE(mmap_from.dli_fbase, here.dli_fbase) << "mmap is defined in " << here.dli_fname;
    EXPECT_NE(munmap_from.dli_fbase, here.dli_fbase) << "munmap is defined in " << here.dli_fname;
}

}  // namespace
}  // namespace guestd::domain
