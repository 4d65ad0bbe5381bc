// The domain's view of who is calling: partner, client address and request id, for the audit trail.
#pragma once

#include "api/endpoint.hpp"
#include "domain/audit.hpp"

namespace guestd::api {

inline domain::actor actor_of(const call& c) { return {c.who.partner, c.req.client_address, c.req.request_id}; }

}  // namespace guestd::api
