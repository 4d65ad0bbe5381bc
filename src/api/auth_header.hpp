// Reading credentials out of the Authorization header: the Experience bearer pair and HTTP Basic. Only parsing
// lives here; the dispatcher hands the result to domain::credentials, which decides whether it is valid.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace guestd::api {

/// The credentials after "Bearer " (scheme in any case, surrounding blanks trimmed); nullopt when the header is
/// absent, of another scheme, or has nothing after the scheme.
std::optional<std::string_view> bearer_credentials(std::optional<std::string_view> authorization) noexcept;

/// HTTP Basic client id and secret.
struct basic_credentials_pair {
    std::string client_id;
    std::string secret;
};

/// Decodes "Basic <base64>" (standard alphabet with padding) and splits it at the first ':'; nullopt when the
/// header is absent, of another scheme, not base64, or has no ':' or an empty client id or secret.
std::optional<basic_credentials_pair> basic_credentials(std::optional<std::string_view> authorization);

}  // namespace guestd::api
