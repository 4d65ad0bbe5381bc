// The personal-space profile fields as one table: their wire names, where they live in store::profile, and
// whether a JSON null may clear them. GET and PUT guest-informations, the CLI and the PMS mapping all read it.
#pragma once

#include "store/records.hpp"

#include <array>
#include <string_view>

namespace guestd::domain {

struct profile_field {
    std::string_view name;
    store::opt_string store::profile::*member;
    bool clearable;  // a JSON null in PUT guest-informations clears it
};

inline constexpr std::array<profile_field, 14> profile_fields{{
    {"title", &store::profile::title, true},
    {"firstname", &store::profile::firstname, true},
    {"lastname", &store::profile::lastname, true},
    {"phone", &store::profile::phone, true},
    {"mobile", &store::profile::mobile, false},
    {"email", &store::profile::email, false},
    {"street", &store::profile::street, true},
    {"zip_code", &store::profile::zip_code, true},
    {"city", &store::profile::city, true},
    {"state", &store::profile::state, true},
    {"country", &store::profile::country, true},
    {"birthdate", &store::profile::birthdate, false},
    {"language", &store::profile::language, true},
    {"nationality", &store::profile::nationality, true},
}};

/// The field named name, or nullptr.
inline const profile_field* find_profile_field(std::string_view name) {
    for (const auto& f : profile_fields)
        if (f.name == name) return &f;
    return nullptr;
}

}  // namespace guestd::domain
