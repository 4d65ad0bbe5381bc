// The hashing floor: raw libsodium argon2id verifications per second at guestd's parameters, on 1 and on every
// core (argon2id_verify); and the same through guestd's hasher on threads that keep argon2id's memory mapped, as
// the hashing pool's do (argon2id_verify_kept_memory, src/domain/hash_memory.hpp). bench/run.sh and bench/smoke.sh
// divide guestd's login rate by the first (the floor) and bench/run.sh also by the second (what a login costs
// beyond guestd's own hash).
#include "domain/hash_memory.hpp"
#include "domain/passwords.hpp"
#include "domain/secrets.hpp"

#include <benchmark/benchmark.h>
#include <sodium.h>

#include <thread>

namespace {

const guestd::domain::passwords& hasher() {
    static const guestd::domain::passwords h = [] {
        guestd::domain::init_crypto();
        return guestd::domain::passwords{};
    }();
    return h;
}

const std::string& stored() {
    static const std::string phc = hasher().hash("correct horse battery staple");
    return phc;
}

void argon2id_verify(benchmark::State& state) {
    const std::string& phc = stored();
    const std::string_view password = "correct horse battery staple";
    for (auto _ : state)
        benchmark::DoNotOptimize(crypto_pwhash_str_verify(phc.c_str(), password.data(), password.size()));
    state.SetItemsProcessed(state.iterations());
}

void argon2id_verify_kept_memory(benchmark::State& state) {
    const std::string& phc = stored();
    guestd::domain::keep_hash_memory_on_this_thread();
    for (auto _ : state) benchmark::DoNotOptimize(hasher().verify(phc, "correct horse battery staple"));
    state.SetItemsProcessed(state.iterations());
}

const int all_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
BENCHMARK(argon2id_verify)->Threads(1)->UseRealTime();
BENCHMARK(argon2id_verify)->Threads(all_cores)->UseRealTime();
BENCHMARK(argon2id_verify_kept_memory)->Threads(1)->UseRealTime();
BENCHMARK(argon2id_verify_kept_memory)->Threads(all_cores)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
