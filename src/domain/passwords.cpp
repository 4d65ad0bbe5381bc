#include "domain/passwords.hpp"

#include "core/text.hpp"
#include "domain/hash_memory.hpp"

#include <sodium.h>
#include <zxcvbn.h>

#include <stdexcept>

namespace guestd::domain {

passwords::passwords(hash_params params) : params_(params) {
    if (params_.opslimit < 2 || params_.memlimit < 19u * 1024 * 1024)
        throw std::invalid_argument("argon2id parameters below OWASP's floor (19 MiB, t=2)");
    dummy_ = hash("guestd dummy password for timing-safe misses");
}

std::string passwords::hash(std::string_view password) const {
    char out[crypto_pwhash_STRBYTES];
    const hash_memory_scope scope;
    if (crypto_pwhash_str_alg(out, password.data(), password.size(), params_.opslimit, params_.memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::bad_alloc();  // libsodium fails here only when it cannot allocate memlimit bytes
    return out;
}

bool passwords::verify(std::string_view phc, std::string_view password) const {
    // libsodium wants a NUL-terminated PHC string.
    const std::string terminated(phc);
    const hash_memory_scope scope;
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

void passwords::verify_dummy(std::string_view password) const { (void)verify(dummy_, password); }

bool passwords::needs_rehash(std::string_view phc) const {
    const std::string terminated(phc);
    return crypto_pwhash_str_needs_rehash(terminated.c_str(), params_.opslimit, params_.memlimit) != 0;
}

namespace {

std::size_t code_points(std::string_view s) {
    std::size_t n = 0;
    for (const unsigned char c : core::bytes(s))
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

/// True when one dictionary match (plain or leet) covers the whole password: it is a listed common password
/// or word, perhaps with a digit or two tacked on, which zxcvbn scores as a few bits of entropy.
bool is_common(const std::string& password) {
    ZxcMatch_t* info = nullptr;
    const double bits = ZxcvbnMatch(password.c_str(), nullptr, &info);
    bool whole_word = false;
    for (ZxcMatch_t* m = info; m != nullptr; m = m->Next) {
        const int type = static_cast<int>(m->Type) & ~static_cast<int>(MULTIPLE_MATCH);
        const bool dictionary = type == DICTIONARY_MATCH || type == DICT_LEET_MATCH;
        if (dictionary && m->Begin == 0 && static_cast<std::size_t>(m->Length) >= password.size() - 2)
            whole_word = true;
    }
    ZxcvbnFreeInfo(info);
    // Under 20 bits is a guess in the first million; a whole-word match under 25 bits is a listed password.
    return bits < 20.0 || (whole_word && bits < 25.0);
}

}  // namespace

core::result<void> check_password_policy(std::string_view password, int min_length) {
    const auto reject = [](std::string reason) { return core::invalid("invalid request", {{"password", std::move(reason)}}); };
    if (password.size() > 1024) return reject("must be at most 1024 bytes");
    if (code_points(password) < static_cast<std::size_t>(min_length))
        return reject("must be at least " + std::to_string(min_length) + " characters");
    if (password.find('\0') != std::string_view::npos) return reject("must not contain NUL characters");
    if (is_common(std::string(password))) return reject("is too common; choose a less guessable password");
    return {};
}

}  // namespace guestd::domain
