// The import path of `guestd import` minus the file: bytes -> the CSV and JSON Lines readers of src/import/ and
// the importer (header compilation, row building, the push APIs' validation and mapping, and the domain's batch
// calls on a SQLite store in a temporary directory). Shared by fuzz_import_reader (clang, libFuzzer) and the
// corpus replay test (g++, tests/unit/fuzz).
#pragma once

#include <cstddef>
#include <cstdint>

namespace guestd::fuzz {

/// Runs one input. Its first byte chooses how: bit 0 the format (CSV, JSON Lines), bits 1-2 the kind (bookings,
/// customers, email list, bookings), bits 3-5 the read chunk (1 byte to 64 KiB), bit 6 a 64-byte record limit for
/// the readers, bit 7 a real import into the store instead of a dry run; the rest is the file. The readers must
/// give the same records whatever the chunk size; aborts when they do not.
void run_import(const std::uint8_t* data, std::size_t size);

}  // namespace guestd::fuzz
