// Reading a request body as JSON: the Content-Type check, a strict parse (standard JSON, bounded depth, valid
// UTF-8) and validation against the endpoint's schema. The dispatcher runs these before a handler sees the body.
#pragma once

#include "api/message.hpp"
#include "api/schema.hpp"
#include "core/error.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <string_view>

namespace guestd::api {

/// The deepest nesting of arrays and objects a body may have.
inline constexpr std::size_t max_json_depth = 32;

/// True when the request has no (or a blank) Content-Type or says application/json (any parameters, any case).
bool is_json_content_type(const request& req);

/// Parses text as exactly one JSON value: no comments or trailing commas, at most max_json_depth levels, every
/// string and key valid UTF-8, every number within the range of a double. invalid_argument "request body is not
/// valid JSON" (no fields) otherwise.
core::result<boost::json::value> parse_json(std::string_view text);

/// parse_json(), then validate() against s: invalid_argument "invalid request" naming every broken rule.
core::result<boost::json::value> read_body(std::string_view text, const schema& s);

}  // namespace guestd::api
