// Request validation against the endpoint table: JSON bodies against their schema (schema.hpp) and query strings
// against the endpoint's query parameters. The dispatcher runs both before a handler sees the request; the format
// checkers are exported so handlers and the domain reuse the same rules.
#pragma once

#include "api/endpoint.hpp"
#include "api/message.hpp"
#include "api/schema.hpp"
#include "core/error.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::api {

/// The string limit applied when a property's max_length is 0.
inline constexpr std::size_t default_max_length = 1024;
/// The array limit applied when a property's (or schema's) max_items is 0.
inline constexpr std::size_t default_max_items = 1000;

/// Every rule v breaks, in a stable order, with paths such as "bookings[3].customer.email"; empty when valid.
/// A top-level value of the wrong kind gives field "" with "must be a JSON object" (or "must be a JSON array").
std::vector<core::field_error> validate(const boost::json::value& v, const schema& s);

/// Every rule the request's query string breaks for params (required, length, UTF-8, format, integer and range);
/// unknown parameters are ignored.
std::vector<core::field_error> validate_query(const request& req, const std::vector<query_param>& params);

/// Reads text as an integer written as one (an optional '-', then ASCII digits, nothing else) within r: its
/// value, or the reason the validator gives ("must be an integer", "is out of range (1 to 2147483647)"). For
/// numbers that arrive as text (query strings, forms), so they meet the rule a JSON body's integers meet.
std::expected<std::int64_t, std::string> parse_integer(std::string_view text, integer_range r);

/// True when s satisfies format f (string_format::none accepts anything).
bool matches(string_format f, std::string_view s) noexcept;

/// The reason the validator gives when a value breaks f ("must be an email address", ...).
std::string_view format_reason(string_format f) noexcept;

/// True when s is well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool valid_utf8(std::string_view s) noexcept;

}  // namespace guestd::api
