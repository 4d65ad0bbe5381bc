// libFuzzer entry point of fuzz_json_validate; the work is in harness/json_harness.cpp, which the g++ replay test shares.
#include "harness/json_harness.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    guestd::fuzz::run_json(data, size);
    return 0;
}
