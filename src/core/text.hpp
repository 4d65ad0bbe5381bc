// Small text helpers shared by the layers that write HTML (the reset page, the emails).
#pragma once

#include <string>
#include <string_view>

namespace guestd::core {

/// True when a and b are equal ignoring ASCII case (emails, usernames).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// text with &, <, >, " and ' replaced by their HTML entities: safe inside elements and quoted attributes.
std::string html_escape(std::string_view text);

}  // namespace guestd::core
