// Password hashing and policy: argon2id through libsodium at no less than OWASP's floor (19 MiB, t=2, p=1),
// stored as the PHC string, upgraded at login when the parameters change; the merchant's password policy.
#pragma once

#include "core/error.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace guestd::domain {

struct hash_params {
    unsigned long long opslimit = 2;            // t
    std::size_t memlimit = 19 * 1024 * 1024;    // m, bytes
};

class passwords {
public:
    /// Throws std::invalid_argument when params fall below OWASP's floor.
    explicit passwords(hash_params params = {});

    /// The argon2id PHC string of password ("$argon2id$v=19$m=19456,t=2,p=1$...").
    std::string hash(std::string_view password) const;
    /// True when password matches the PHC string (constant-time inside libsodium).
    bool verify(std::string_view phc, std::string_view password) const;
    /// Spends the time of one verification against a fixed hash, for callers with no account to check, so the
    /// answer's timing does not tell whether the account exists.
    void verify_dummy(std::string_view password) const;
    /// True when phc was made with other parameters than the current ones.
    bool needs_rehash(std::string_view phc) const;

    const hash_params& params() const { return params_; }

private:
    hash_params params_;
    std::string dummy_;
};

/// The merchant's password policy: at least min_length characters (UTF-8 code points), at most 1024 bytes, not
/// among the most common passwords (zxcvbn's frequency lists). Returns the reason when it breaks the policy.
core::result<void> check_password_policy(std::string_view password, int min_length);

}  // namespace guestd::domain
