// The Paytronix Guest Management dialect: reset requests by exactly one identifier and guestd's completion
// extension. Handlers translate the body into one domain::recovery call and the answer into `result` bodies.
#pragma once

#include "api/endpoint.hpp"

namespace guestd::api::paytronix {

core::result<response> generate_and_send_reset_code(const call& c);
core::result<response> send_reset_code(const call& c);
core::result<response> complete_reset(const call& c);

}  // namespace guestd::api::paytronix
