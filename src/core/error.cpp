#include "core/error.hpp"

namespace guestd::core {

const char* to_string(errc code) noexcept {
    switch (code) {
        case errc::invalid_argument: return "invalid_argument";
        case errc::unauthenticated: return "unauthenticated";
        case errc::permission_denied: return "permission_denied";
        case errc::not_found: return "not_found";
        case errc::already_exists: return "already_exists";
        case errc::failed_precondition: return "failed_precondition";
        case errc::resource_exhausted: return "resource_exhausted";
        case errc::unavailable: return "unavailable";
        case errc::internal: return "internal";
    }
    return "internal";
}

}  // namespace guestd::core
