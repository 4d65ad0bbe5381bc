// The case folding guestd applies to emails and usernames before it stores or compares them; shared by both
// backends' stores and their tests.
#pragma once

#include <string>
#include <string_view>

namespace guestd::store::sql {

/// ASCII lowercase: bytes outside A-Z (UTF-8 included) stay as they are.
inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& ch : out) {
        if (ch >= 'A' && ch <= 'Z') {
            ch = static_cast<char>(ch - 'A' + 'a');
        }
    }
    return out;
}

}  // namespace guestd::store::sql
