// The OpenAPI 3.1 document generated from the endpoint table, so what guestd documents is what it serves.
// `guestd openapi` writes it to docs/openapi.yaml; a test fails when the checked-in copy is stale. The output is
// deterministic: paths in table order, schemas sorted by name, no timestamps.
#pragma once

#include "api/endpoint.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <span>
#include <string>
#include <string_view>

namespace guestd::api {

/// The OpenAPI 3.1.0 document for table as JSON: info, tags, paths (table order), components.schemas (every
/// schema reachable from the table plus the dialects' error bodies, by name) and securitySchemes. Throws
/// std::invalid_argument when two different schemas share a name or a schema's example is not JSON.
boost::json::object openapi_document(std::span<const endpoint> table, std::string_view version);

/// openapi_document() as YAML.
std::string render_openapi(std::span<const endpoint> table, std::string_view version);

/// Block-style YAML for a JSON value: every string value a JSON-style double-quoted scalar, keys plain only when
/// they cannot be misread, so the text is valid YAML whatever the strings hold.
std::string to_yaml(const boost::json::value& v);

}  // namespace guestd::api
