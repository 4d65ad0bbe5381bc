// The request path as src/http/session.cpp drives it, minus the socket: bytes -> Beast's request parser with
// guestd's limits -> routing, authentication, validation and the handler of each dialect through the
// api::dispatcher and the real endpoint table, on a SQLite store in a temporary directory. Shared by the
// fuzz_request target (clang, libFuzzer) and the corpus replay test (g++, tests/unit/fuzz).
#pragma once

#include <cstddef>
#include <cstdint>

namespace guestd::fuzz {

/// Runs one input: an HTTP/1.1 byte stream of one or more pipelined requests. The placeholders @BEARER@ (partner
/// and hotel tokens), @BASIC@ (base64 client id and secret) and @GUEST@ (a guest token) are replaced by a seeded
/// partner's real credentials first, so inputs get past authentication; the merchant's id is 1234, and the guest
/// john.doe@example.com has an account and the booking B-1. Aborts on a broken invariant: a header that would
/// split the response, a JSON answer that is not JSON, a 500.
void run_request(const std::uint8_t* data, std::size_t size);

}  // namespace guestd::fuzz
