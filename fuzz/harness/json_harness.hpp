// Request bodies against each endpoint's schema, without HTTP or a store: the strict JSON parse and validation
// the dispatcher runs (api::read_body), then the Experience mappings a handler applies to a valid body. Shared by
// fuzz_json_validate (clang, libFuzzer) and the corpus replay test (g++, tests/unit/fuzz).
#pragma once

#include <cstddef>
#include <cstdint>

namespace guestd::fuzz {

/// Runs one input: its first byte picks the schema (modulo how many there are: each distinct request body of the
/// endpoint table, then the push items), the rest is the body. A body accepted once must be accepted again after
/// a serialize and parse round trip; aborts when not.
void run_json(const std::uint8_t* data, std::size_t size);

}  // namespace guestd::fuzz
