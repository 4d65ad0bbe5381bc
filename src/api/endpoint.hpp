// One description of an endpoint, as data: the router, the request validator and `guestd openapi` all read the
// table built from these (api/endpoints.cpp), so what guestd serves and what it documents cannot drift.
#pragma once

#include "api/message.hpp"
#include "api/schema.hpp"
#include "core/error.hpp"
#include "core/ids.hpp"
#include "store/records.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace guestd::domain {
class services;
}

namespace guestd::api {

/// Which public dialect an endpoint speaks; it decides the error shape.
enum class dialect { experience, paytronix, ops, web };

enum class auth_kind {
    none,
    partner_bearer,                  // Authorization: Bearer <partner_token>:<hotel_token>
    partner_bearer_and_guest_token,  // the above plus x-guest-token issued for that merchant and partner
    basic,                           // Authorization: Basic <client_id>:<client_secret>
};

/// Where the handler runs: store calls on the worker pool; anything that hashes a password on the bounded
/// hashing pool, which answers 503 at once when full so reads never queue behind hashing; a handler that neither
/// touches the store nor blocks (liveness, metrics) on its I/O thread, so a saturated pool never sheds the probes
/// that tell an operator whether the process lives and how busy it is.
enum class pool_kind { worker, hashing, io };

/// How validation errors are shaped in the Experience dialect: {"errors": {field: reason}} or the PMS batch
/// shape {"success": false, "errors": [{"index", "field", "reason"}]}.
enum class error_style { fields, batch };

struct query_param {
    std::string_view name;
    bool required = false;
    string_format format = string_format::none;
    std::string_view description;
    json_type type = json_type::string;  // string or integer (digits with an optional '-', within range)
    integer_range range = {};
};

struct response_spec {
    unsigned status;
    const schema* body = nullptr;  // nullptr: no body or the dialect's error shape
    std::string_view description;
};

/// Who is calling, as the auth step established it.
struct caller {
    std::optional<core::partner_id> partner;
    std::optional<core::merchant_id> merchant;   // from the hotel token (Experience)
    std::optional<core::account_id> account;     // from x-guest-token
    std::optional<core::guest_id> guest;         // from x-guest-token: the account's guest
    std::optional<store::guest> signed_in;       // from x-guest-token: that guest, read with the token check
    bool b2b = false;                            // partner holds b2b rights (Paytronix)
    bool caller_reset_codes = false;             // partner may send its own resetCode (Paytronix)
    std::vector<core::merchant_id> merchants;    // merchants the Basic partner is granted (Paytronix)
};

/// Everything a handler gets: the request, the authenticated caller, the validated JSON body (null when the
/// endpoint takes none) and the domain services.
struct call {
    const request& req;
    const caller& who;
    const boost::json::value& body;
    domain::services& services;
};

using handler_fn = core::result<response> (*)(const call&);

struct endpoint {
    verb method;
    std::string_view path;  // segments in braces match any one segment: /rest/{release}/...
    dialect speaks;
    auth_kind auth = auth_kind::none;
    pool_kind pool = pool_kind::worker;
    std::string_view summary;
    std::string_view description;
    std::vector<query_param> query;
    const schema* request_body = nullptr;
    std::vector<response_spec> responses;
    handler_fn handler = nullptr;
    error_style errors = error_style::fields;
    std::size_t body_limit = 0;  // request body bytes; 0 = the server's default (64 KiB)
    std::string_view tag;  // OpenAPI tag ("Guests Personal Space", "PMS push", "Ops")
    // The handler only reads: it runs in the read transaction of the caller's authentication (store::read_scope),
    // so the whole request sees one snapshot. Every other endpoint's handler starts its own transactions.
    bool read_only = false;
};

}  // namespace guestd::api
