// libFuzzer entry point of fuzz_request; the work is in harness/request_harness.cpp, which the g++ replay test shares.
#include "harness/request_harness.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    guestd::fuzz::run_request(data, size);
    return 0;
}
