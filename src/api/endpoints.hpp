// The endpoint table: every path guestd serves, in one place. The router, request validation and
// `guestd openapi` (docs/openapi.yaml) all read it.
#pragma once

#include "api/endpoint.hpp"

#include <span>
#include <string_view>

namespace guestd::api {

/// Every endpoint, grouped by dialect, in the order the OpenAPI document lists them.
std::span<const endpoint> endpoints();

/// The OpenAPI 3.1 document of endpoints(), rendered once.
const std::string& openapi_document();

/// guestd's version, as the OpenAPI document and /healthz report it.
inline constexpr std::string_view version = "0.1.0";

}  // namespace guestd::api
