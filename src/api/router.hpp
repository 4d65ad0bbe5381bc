// Matching a request line against the endpoint table: exact segments, `{name}` segments matching any one
// non-empty segment. The dispatcher routes with this; handlers read their path parameters with path_param().
#pragma once

#include "api/api.hpp"
#include "api/endpoint.hpp"
#include "api/message.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace guestd::api {

/// True when path has as many '/'-separated segments as pattern, each equal to the pattern's or, for a `{name}`
/// segment, non-empty. A trailing slash is one more (empty) segment, so "/a/" does not match "/a".
bool path_matches(std::string_view pattern, std::string_view path) noexcept;

/// The segment of path that `{name}` in pattern matched; nullopt when path does not match or pattern has no such
/// segment.
std::optional<std::string_view> path_param(std::string_view pattern, std::string_view path,
                                           std::string_view name) noexcept;

/// The first endpoint of table for method and path; else 404 "not found", or 405 "method not allowed" with an
/// Allow header listing the path's methods in table order, in the dialect of the path.
route_result find_route(std::span<const endpoint> table, verb method, std::string_view path);

}  // namespace guestd::api
