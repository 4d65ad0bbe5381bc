#include "api/auth_header.hpp"

#include <sodium.h>

#include <cstddef>

namespace guestd::api {
namespace {

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The text after `scheme` and at least one blank, when the header uses that scheme (compared case-insensitively).
std::optional<std::string_view> after_scheme(std::optional<std::string_view> header, std::string_view scheme) noexcept {
    if (!header) return std::nullopt;
    const std::string_view h = trim(*header);
    if (h.size() <= scheme.size() || (h[scheme.size()] != ' ' && h[scheme.size()] != '\t')) return std::nullopt;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        const char c = h[i] >= 'A' && h[i] <= 'Z' ? static_cast<char>(h[i] - 'A' + 'a') : h[i];
        if (c != scheme[i]) return std::nullopt;
    }
    const std::string_view rest = trim(h.substr(scheme.size()));
    if (rest.empty()) return std::nullopt;
    return rest;
}

}  // namespace

std::optional<std::string_view> bearer_credentials(std::optional<std::string_view> authorization) noexcept {
    return after_scheme(authorization, "bearer");
}

std::optional<basic_credentials_pair> basic_credentials(std::optional<std::string_view> authorization) {
    const auto encoded = after_scheme(authorization, "basic");
    if (!encoded) return std::nullopt;
    // Decode the whole token: trailing garbage or a missing pad is malformed, not ignored
    std::string decoded(encoded->size() / 4 * 3 + 3, '\0');
    std::size_t length = 0;
    const char* end = nullptr;
    const int rc = sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), encoded->data(),
                                     encoded->size(), nullptr, &length, &end, sodium_base64_VARIANT_ORIGINAL);
    if (rc != 0 || end != encoded->data() + encoded->size()) return std::nullopt;
    decoded.resize(length);
    // Split at the first ':' (a secret may contain more)
    const std::size_t colon = decoded.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == decoded.size()) return std::nullopt;
    basic_credentials_pair out{decoded.substr(0, colon), decoded.substr(colon + 1)};
    sodium_memzero(decoded.data(), decoded.size());
    return out;
}

}  // namespace guestd::api
