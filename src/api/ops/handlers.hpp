// Operational endpoints: liveness, readiness (the store answers), Prometheus metrics, the OpenAPI document.
#pragma once

#include "api/endpoint.hpp"

namespace guestd::api::ops {

core::result<response> healthz(const call& c);
core::result<response> readyz(const call& c);
core::result<response> metrics(const call& c);
core::result<response> openapi(const call& c);

}  // namespace guestd::api::ops
