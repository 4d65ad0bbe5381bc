#include "domain/secrets.hpp"

#include <sodium.h>

#include <stdexcept>
#include <vector>

namespace guestd::domain {

void init_crypto() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string random_token(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    randombytes_buf(raw.data(), raw.size());
    std::string out(sodium_base64_encoded_len(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.size() - 1);  // drop the terminating NUL
    sodium_memzero(raw.data(), raw.size());
    return out;
}

store::secret_hash digest(std::string_view secret) {
    std::string out(crypto_generichash_BYTES, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                       reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), nullptr, 0);
    return out;
}

bool digests_equal(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

int luhn_sum(std::string_view digits, bool double_first) {
    int sum = 0;
    bool dbl = double_first;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        int d = *it - '0';
        if (dbl) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
        dbl = !dbl;
    }
    return sum;
}

}  // namespace

bool luhn_valid(std::string_view digits) noexcept {
    if (digits.size() < 2) return false;
    for (char c : digits)
        if (c < '0' || c > '9') return false;
    return luhn_sum(digits, false) % 10 == 0;
}

std::string random_card_number() {
    std::string n = "6";
    for (int i = 0; i < 14; ++i) n.push_back(static_cast<char>('0' + randombytes_uniform(10)));
    // The check digit makes the sum of the whole number, rightmost digit undoubled, a multiple of ten.
    const int sum = luhn_sum(n, true);
    n.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
    return n;
}

}  // namespace guestd::domain
