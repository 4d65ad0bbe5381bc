#include "api/ops/handlers.hpp"

#include "api/endpoints.hpp"
#include "api/errors.hpp"
#include "core/metrics.hpp"
#include "domain/services.hpp"

#include <boost/json/object.hpp>

namespace guestd::api::ops {

core::result<response> healthz(const call&) {
    return json_response(200, boost::json::object{{"status", "ok"}});
}

core::result<response> readyz(const call& c) {
    bool ready = false;
    try {
        ready = c.services.db().ping();
    } catch (const core::backend_error&) {
        ready = false;
    }
    if (!ready) return json_response(503, boost::json::object{{"status", "unavailable"}});
    return json_response(200, boost::json::object{{"status", "ready"}});
}

core::result<response> metrics(const call&) {
    return response{.status = 200, .body = core::metrics::render(), .content_type = "text/plain; version=0.0.4"};
}

core::result<response> openapi(const call&) {
    return response{.status = 200, .body = openapi_document(), .content_type = "application/yaml"};
}

}  // namespace guestd::api::ops
