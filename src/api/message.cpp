#include "api/message.hpp"

#include <cstddef>

namespace guestd::api {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Decodes one query component: %XX becomes its byte, '+' a space; a '%' not followed by two hex digits stays as
// it is, so nothing is rejected here (the validator judges the value).
std::string decode_component(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '+') {
            out.push_back(' ');
        } else if (c == '%' && i + 2 < in.size() && hex_digit(in[i + 1]) >= 0 && hex_digit(in[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_digit(in[i + 1]) * 16 + hex_digit(in[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace

std::string_view to_string(verb v) noexcept {
    switch (v) {
        case verb::get: return "GET";
        case verb::post: return "POST";
        case verb::put: return "PUT";
        case verb::del: return "DELETE";
    }
    return "GET";
}

std::optional<std::string_view> request::header_value(std::string_view lower_name) const {
    for (const auto& h : headers) {
        if (iequals(h.name, lower_name)) return std::string_view(h.value);
    }
    return std::nullopt;
}

std::optional<std::string> request::query(std::string_view name) const {
    std::string_view rest = query_string;
    while (!rest.empty()) {
        // Take the next name=value pair
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (pair.empty()) continue;
        // Compare the decoded name; a pair without '=' has an empty value
        const std::size_t eq = pair.find('=');
        if (decode_component(pair.substr(0, eq)) != name) continue;
        return eq == std::string_view::npos ? std::string{} : decode_component(pair.substr(eq + 1));
    }
    return std::nullopt;
}

}  // namespace guestd::api
