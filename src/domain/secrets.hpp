// Random secrets and their digests: guest tokens, partner and hotel tokens, client secrets, printed card
// numbers. Every secret is drawn from libsodium's CSPRNG and stored only as its BLAKE2b-256 digest.
#pragma once

#include "store/records.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace guestd::domain {

/// `bytes` random bytes as unpadded base64url (32 bytes -> 43 characters).
std::string random_token(std::size_t bytes = 32);

/// The digest stored and indexed in place of a secret (32 raw bytes).
store::secret_hash digest(std::string_view secret);

/// Constant-time equality of two digests.
bool digests_equal(std::string_view a, std::string_view b) noexcept;

/// A fresh 16-digit printed card number: "6", 14 random digits, a Luhn check digit.
std::string random_card_number();

/// True when the digits pass the Luhn check.
bool luhn_valid(std::string_view digits) noexcept;

/// Initialises libsodium once; throws std::runtime_error if it cannot.
void init_crypto();

}  // namespace guestd::domain
