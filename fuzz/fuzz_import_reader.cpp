// libFuzzer entry point of fuzz_import_reader; the work is in harness/import_harness.cpp, which the g++ replay test shares.
#include "harness/import_harness.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    guestd::fuzz::run_import(data, size);
    return 0;
}
