// `guestd serve --demo`: a merchant, a partner and one guest with a booking, so a newcomer can try every call
// with curl and nothing else.
#pragma once

#include "domain/services.hpp"

#include <iosfwd>
#include <string>

namespace guestd::app {

/// Creates (or refreshes) the demo merchant 1234 and a new demo partner, pushes a demo booking, and prints the
/// credentials and ready-to-paste curl commands for base_url; mail_location says where emails go.
void print_demo(domain::services& services, const std::string& base_url, const std::string& mail_location,
                std::ostream& out);

}  // namespace guestd::app
