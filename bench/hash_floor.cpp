// The hashing floor: raw argon2id verifications per second at guestd's parameters, on 1 and on every core.
// bench/smoke.sh divides guestd's login rate by this to show what a login costs beyond its hash.
#include "domain/passwords.hpp"
#include "domain/secrets.hpp"

#include <benchmark/benchmark.h>

#include <thread>

namespace {

const guestd::domain::passwords& hasher() {
    static const guestd::domain::passwords h = [] {
        guestd::domain::init_crypto();
        return guestd::domain::passwords{};
    }();
    return h;
}

void argon2id_verify(benchmark::State& state) {
    static const std::string phc = hasher().hash("correct horse battery staple");
    for (auto _ : state) benchmark::DoNotOptimize(hasher().verify(phc, "correct horse battery staple"));
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(argon2id_verify)->Threads(1)->UseRealTime();
BENCHMARK(argon2id_verify)->Threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())))->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
