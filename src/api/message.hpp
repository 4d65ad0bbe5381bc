// The HTTP request and response as the api layer sees them: plain strings, no Beast, so handlers, the router and
// their tests compile without Asio. src/http converts to and from Beast's types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::api {

enum class verb { get, post, put, del };

/// "GET", "POST", "PUT", "DELETE".
std::string_view to_string(verb v) noexcept;

struct header {
    std::string name;  // lower case
    std::string value;
};

struct request {
    verb method = verb::get;
    std::string path;          // the path as received (not percent-decoded), without the query
    std::string query_string;  // raw, after '?', without it
    std::vector<header> headers;
    std::string body;
    std::string client_address;
    std::string request_id;

    /// The first header of that (lower-case) name.
    std::optional<std::string_view> header_value(std::string_view lower_name) const;
    /// The first query parameter of that name, percent-decoded ('+' is a space).
    std::optional<std::string> query(std::string_view name) const;
};

struct response {
    unsigned status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<header> headers;
};

}  // namespace guestd::api
