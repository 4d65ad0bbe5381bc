// Small text helpers shared by the layers that write HTML (the reset page, the emails) and the code that looks at
// text byte by byte (UTF-8 lead bytes, ASCII ranges, percent-encoding).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace guestd::core {

/// True when a and b are equal ignoring ASCII case (emails, usernames).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// text with &, <, >, " and ' replaced by their HTML entities: safe inside elements and quoted attributes.
std::string html_escape(std::string_view text);

/// The pieces (anything a std::string_view can view) one after another, in one allocation. Where GCC 12 warns
/// about "literal" + std::string&& (a bogus -Wrestrict, GCC PR 105329), build the string with this instead.
template <class... Pieces>
std::string concat(const Pieces&... pieces) {
    const std::string_view views[] = {std::string_view(pieces)...};
    std::string out;
    std::size_t size = 0;
    for (const auto view : views) size += view.size();
    out.reserve(size);
    for (const auto view : views) out += view;
    return out;
}

/// The bytes of text as unsigned char (0 to 255, never negative), for tests on byte values.
inline std::span<const unsigned char> bytes(std::string_view text) noexcept {
    return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace guestd::core
