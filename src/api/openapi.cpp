#include "api/openapi.hpp"

#include "api/errors.hpp"
#include "api/message.hpp"
#include "api/validate.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>

namespace guestd::api {
namespace {

using boost::json::array;
using boost::json::object;
using boost::json::value;

constexpr std::string_view description_text =
    "guestd is a self-hosted guest-account service. It speaks two public wire dialects: the Experience CRM "
    "\"Guests Personal Space\" API (/api/xp-guest-account/..., with the PMS push /api/xp-store-bookings/... and "
    "the email lists /api/xp-email-lists/...) and the Paytronix Server API Guest Management "
    "(/rest/{release}/guestmanagement/....json). Errors follow the dialect of the path: {\"message\", \"errors\"} "
    "for Experience, {\"result\": \"failure\", \"errorCode\", \"errorMessage\"} for Paytronix.";

std::string_view type_name(json_type t) noexcept {
    switch (t) {
        case json_type::string: return "string";
        case json_type::integer: return "integer";
        case json_type::number: return "number";
        case json_type::boolean: return "boolean";
        case json_type::object: return "object";
        case json_type::array: return "array";
        case json_type::scalar: return "string";
    }
    return "string";
}

// "string", or ["string", "null"] for a nullable value; a scalar is ["string", "integer"], or ["string", "number"]
// when its format is decimal.
value type_of(json_type t, bool nullable, string_format f = string_format::none) {
    array types;
    types.emplace_back(type_name(t));
    if (t == json_type::scalar) types.emplace_back(f == string_format::decimal ? "number" : "integer");
    if (nullable) types.emplace_back("null");
    if (types.size() == 1) return types[0];
    return types;
}

// The bounds of numbers (JSON Schema applies them to numbers only, so a scalar's string form is free of them):
// integers within their range, decimals below 10^15 in magnitude.
void add_number_rules(object& o, json_type t, const property& rules) {
    const bool decimal = t == json_type::number || (t == json_type::scalar && rules.format == string_format::decimal);
    if (decimal) {
        o["exclusiveMinimum"] = -decimal_limit;
        o["exclusiveMaximum"] = decimal_limit;
        return;
    }
    if (t != json_type::integer && t != json_type::scalar) return;
    // int64 goes without saying: bounds only where the field narrows it
    if (t == json_type::integer) o["format"] = "int64";
    if (rules.range.minimum != integer_range{}.minimum) o["minimum"] = rules.range.minimum;
    if (rules.range.maximum != integer_range{}.maximum) o["maximum"] = rules.range.maximum;
}

// The decimal pattern, with at most decimal_integer_digits digits before the point (leading zeros aside).
const std::string decimal_pattern =
    "^[+-]?0*[0-9]{1," + std::to_string(decimal_integer_digits) + "}(\\.[0-9]+)?$";

// Standard formats where ours mean the same (email, date); named formats plus a pattern where they differ, so
// generic tools still check them.
void add_format(object& o, string_format f) {
    const auto set = [&](std::string_view name, std::string_view pattern) {
        o["format"] = name;
        if (!pattern.empty()) o["pattern"] = pattern;
    };
    switch (f) {
        case string_format::none: return;
        case string_format::email: return set("email", "");
        case string_format::date: return set("date", "");
        case string_format::date_time:
            return set("local-date-time", "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$");
        case string_format::time: return set("local-time", "^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$");
        case string_format::country: return set("country-code", "^[A-Za-z]{2}$");
        case string_format::language: return set("language-code", "^[A-Za-z]{2}$");
        case string_format::phone: return set("phone", "^\\+[0-9 .-]+$");
        case string_format::decimal: return set("decimal", decimal_pattern);
        case string_format::non_empty:
            o["minLength"] = 1;
            o["pattern"] = "\\S";
            return;
    }
}

// maxLength, format and enum of a string (or scalar) with these rules.
void add_string_rules(object& o, const property& rules, bool nullable) {
    o["maxLength"] = rules.max_length == 0 ? default_max_length : rules.max_length;
    add_format(o, rules.format);
    if (!rules.allowed.empty()) {
        array values;
        for (const std::string_view a : rules.allowed) values.emplace_back(a);
        if (nullable) values.emplace_back(nullptr);
        o["enum"] = std::move(values);
    }
}

std::string_view method_key(verb v) noexcept {
    switch (v) {
        case verb::get: return "get";
        case verb::post: return "post";
        case verb::put: return "put";
        case verb::del: return "delete";
    }
    return "get";
}

std::string_view reason_phrase(unsigned status) noexcept {
    switch (status) {
        case 200: return "OK";
        case 201: return "Created";
        case 204: return "No Content";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 412: return "Precondition Failed";
        case 413: return "Content Too Large";
        case 415: return "Unsupported Media Type";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 503: return "Service Unavailable";
        default: return "Response";
    }
}

// "post_rest_release_guestmanagement_generateAndSendGuestResetPasswordCode_json"
std::string operation_id(const endpoint& ep) {
    std::string id(method_key(ep.method));
    for (const char c : ep.path) {
        const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum) {
            id += c;
        } else if (id.back() != '_') {
            id += '_';
        }
    }
    while (id.back() == '_') id.pop_back();
    return id;
}

array security(auth_kind kind) {
    switch (kind) {
        case auth_kind::none: return {};
        case auth_kind::partner_bearer: return {object{{"partnerBearer", array{}}}};
        case auth_kind::partner_bearer_and_guest_token:
            return {object{{"partnerBearer", array{}}, {"guestToken", array{}}}};
        case auth_kind::basic: return {object{{"basicAuth", array{}}}};
    }
    return {};
}

object security_schemes() {
    return {
        {"partnerBearer",
         object{{"type", "http"},
                {"scheme", "bearer"},
                {"description", "<partner_token>:<hotel_token> (Experience): selects the partner and the merchant."}}},
        {"guestToken",
         object{{"type", "apiKey"},
                {"in", "header"},
                {"name", "x-guest-token"},
                {"description", "The guest token returned by login, issued for this merchant and partner."}}},
        {"basicAuth",
         object{{"type", "http"},
                {"scheme", "basic"},
                {"description", "<client_id>:<client_secret> of a partner (Paytronix)."}}},
    };
}

// Builds the document: first collects every named schema, then renders paths and components.
class builder {
public:
    explicit builder(std::span<const endpoint> table) : table_(table) {}

    object build(std::string_view version) {
        // Collect the schemas the table reaches, by name
        for (const endpoint& ep : table_) {
            if (ep.request_body != nullptr) collect(*ep.request_body);
            for (const response_spec& r : ep.responses) {
                if (const schema* body = response_body(ep, r)) collect(*body);
            }
        }
        // Render the document in a fixed member order
        object doc;
        doc["openapi"] = "3.1.0";
        doc["info"] = object{{"title", "guestd"}, {"version", version}, {"description", description_text}};
        doc["tags"] = tags();
        doc["paths"] = paths();
        object schemas;
        for (const auto& [name, s] : named_) schemas[name] = schema_object(*s);
        doc["components"] = object{{"schemas", std::move(schemas)}, {"securitySchemes", security_schemes()}};
        return doc;
    }

private:
    // The schema a response documents: its own, or the dialect's error body for an error status without one.
    static const schema* response_body(const endpoint& ep, const response_spec& r) {
        if (r.body != nullptr) return r.body;
        if (r.status >= 400) return &error_schema(ep.speaks, ep.errors);
        return nullptr;
    }

    void collect(const schema& s) {
        if (!visited_.insert(&s).second) return;
        if (!s.name.empty()) {
            const auto [it, inserted] = named_.emplace(std::string(s.name), &s);
            if (!inserted && it->second != &s) {
                throw std::invalid_argument("two different schemas are named " + std::string(s.name));
            }
        }
        if (s.items != nullptr) collect(*s.items);
        for (const property& p : s.properties) {
            if (p.object != nullptr) collect(*p.object);
            if (p.items != nullptr) collect(*p.items);
        }
    }

    // A $ref to a named schema; an unnamed one is written in place.
    value ref(const schema& s) {
        if (s.name.empty()) return schema_object(s);
        return object{{"$ref", "#/components/schemas/" + std::string(s.name)}};
    }

    object schema_object(const schema& s) {
        object o;
        switch (s.type) {
            case json_type::object: {
                o["type"] = "object";
                if (!s.description.empty()) o["description"] = s.description;
                object props;
                array required;
                for (const property& p : s.properties) {
                    props[p.name] = property_object(p);
                    if (p.required) required.emplace_back(p.name);
                }
                if (!props.empty()) o["properties"] = std::move(props);
                if (!required.empty()) o["required"] = std::move(required);
                if (!s.additional_properties) {
                    o["additionalProperties"] = false;
                } else if (s.string_values) {
                    o["additionalProperties"] = object{{"type", "string"}, {"maxLength", default_max_length}};
                } else {
                    o["additionalProperties"] = true;
                }
                break;
            }
            case json_type::array:
                o["type"] = "array";
                if (!s.description.empty()) o["description"] = s.description;
                if (s.items != nullptr) o["items"] = ref(*s.items);
                o["maxItems"] = s.max_items == 0 ? default_max_items : s.max_items;
                break;
            case json_type::string:
            case json_type::integer:
            case json_type::number:
            case json_type::boolean:
            case json_type::scalar:
                o["type"] = type_of(s.type, false);
                add_number_rules(o, s.type, property{});
                if (!s.description.empty()) o["description"] = s.description;
                break;
        }
        if (!s.example.empty()) {
            boost::system::error_code ec;
            value example = boost::json::parse(s.example, ec);
            if (ec) throw std::invalid_argument("the example of schema " + std::string(s.name) + " is not JSON");
            o["examples"] = array{std::move(example)};
        }
        return o;
    }

    object property_object(const property& p) {
        object o;
        switch (p.type) {
            case json_type::object:
                if (p.object == nullptr) {
                    o["type"] = type_of(p.type, p.nullable);
                } else if (p.nullable) {
                    o["anyOf"] = array{ref(*p.object), object{{"type", "null"}}};
                } else {
                    o = ref(*p.object).as_object();
                }
                break;
            case json_type::array:
                o["type"] = type_of(p.type, p.nullable);
                o["maxItems"] = p.max_items == 0 ? default_max_items : p.max_items;
                o["items"] = p.items != nullptr ? ref(*p.items) : value(item_object(p));
                break;
            case json_type::string:
            case json_type::scalar:
                o["type"] = type_of(p.type, p.nullable, p.format);
                add_string_rules(o, p, p.nullable);
                add_number_rules(o, p.type, p);
                break;
            case json_type::integer:
            case json_type::number:
            case json_type::boolean:
                o["type"] = type_of(p.type, p.nullable);
                add_number_rules(o, p.type, p);
                break;
        }
        if (!p.description.empty()) o["description"] = p.description;
        return o;
    }

    // The items of an array property without an item schema: p.item_type with p's string rules.
    static object item_object(const property& p) {
        object o;
        o["type"] = type_of(p.item_type, false, p.format);
        if (p.item_type == json_type::string || p.item_type == json_type::scalar) add_string_rules(o, p, false);
        add_number_rules(o, p.item_type, p);
        return o;
    }

    array tags() const {
        array out;
        std::set<std::string_view> seen;
        for (const endpoint& ep : table_) {
            if (!ep.tag.empty() && seen.insert(ep.tag).second) out.emplace_back(object{{"name", ep.tag}});
        }
        return out;
    }

    // One path item per distinct pattern, in the order the table first names it, with its operations in
    // table order.
    object paths() {
        object out;
        for (const endpoint& ep : table_) {
            value& item = out[ep.path];
            if (!item.is_object()) item = object{};
            item.as_object()[method_key(ep.method)] = operation(ep);
        }
        return out;
    }

    object operation(const endpoint& ep) {
        object op;
        op["operationId"] = operation_id(ep);
        if (!ep.summary.empty()) op["summary"] = ep.summary;
        if (!ep.description.empty()) op["description"] = ep.description;
        if (!ep.tag.empty()) op["tags"] = array{value(ep.tag)};
        op["security"] = security(ep.auth);
        // Path parameters, then query parameters
        array params;
        std::string_view rest = ep.path;
        while (!rest.empty()) {
            const std::size_t slash = rest.find('/');
            const std::string_view seg = rest.substr(0, slash);
            rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
            if (seg.size() < 2 || seg.front() != '{' || seg.back() != '}') continue;
            params.emplace_back(object{{"name", seg.substr(1, seg.size() - 2)},
                                       {"in", "path"},
                                       {"required", true},
                                       {"schema", object{{"type", "string"}}}});
        }
        for (const query_param& q : ep.query) {
            object s;
            if (q.type == json_type::integer) {
                s = {{"type", "integer"}};
                add_number_rules(s, json_type::integer, property{.range = q.range});
            } else {
                s = {{"type", "string"}, {"maxLength", default_max_length}};
                add_format(s, q.format);
            }
            object param{{"name", q.name}, {"in", "query"}, {"required", q.required}};
            if (!q.description.empty()) param["description"] = q.description;
            param["schema"] = std::move(s);
            params.emplace_back(std::move(param));
        }
        if (!params.empty()) op["parameters"] = std::move(params);
        if (ep.request_body != nullptr) {
            op["requestBody"] = object{
                {"required", true},
                {"content", object{{"application/json", object{{"schema", ref(*ep.request_body)}}}}}};
        }
        // Responses, each error status documented with the dialect's error body unless the table names one
        object responses;
        for (const response_spec& r : ep.responses) {
            object resp{{"description", r.description.empty() ? reason_phrase(r.status) : r.description}};
            if (const schema* body = response_body(ep, r)) {
                resp["content"] = object{{"application/json", object{{"schema", ref(*body)}}}};
            }
            responses[std::to_string(r.status)] = std::move(resp);
        }
        if (responses.empty()) responses["default"] = object{{"description", "Response"}};
        op["responses"] = std::move(responses);
        return op;
    }

    std::span<const endpoint> table_;
    std::set<const schema*> visited_;
    std::map<std::string, const schema*> named_;
};

// ---- YAML ----

// A key YAML reads back as the same string without quotes: identifier-like and no YAML 1.1 boolean or null word.
bool plain_key(std::string_view k) noexcept {
    if (k.empty()) return false;
    const char first = k.front();
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '_' || first == '$')) {
        return false;
    }
    for (const char c : k) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '$' || c == '.' || c == '-';
        if (!ok) return false;
    }
    std::string lower;
    for (const char c : k) lower += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    static const std::set<std::string, std::less<>> reserved{
        "y", "n", "yes", "no", "on", "off", "true", "false", "null"};
    return !reserved.contains(lower);
}

void append_escape(std::string& out, unsigned code) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04X", code);
    out += buf;
}

// A double-quoted scalar with JSON escapes; C0 and C1 controls and DEL are escaped, as YAML requires.
void append_quoted(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    append_escape(out, c);
                } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
                           static_cast<unsigned char>(s[i + 1]) <= 0x9f) {
                    append_escape(out, static_cast<unsigned char>(s[++i]));
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

void append_key(std::string& out, std::string_view k) {
    if (plain_key(k)) {
        out += k;
    } else {
        append_quoted(out, k);
    }
}

bool is_block(const value& v) noexcept {
    return (v.is_object() && !v.get_object().empty()) || (v.is_array() && !v.get_array().empty());
}

// A value written on one line: a scalar, {} or [].
void append_inline(std::string& out, const value& v) {
    switch (v.kind()) {
        case boost::json::kind::null: out += "null"; break;
        case boost::json::kind::bool_: out += v.get_bool() ? "true" : "false"; break;
        case boost::json::kind::int64: out += std::to_string(v.get_int64()); break;
        case boost::json::kind::uint64: out += std::to_string(v.get_uint64()); break;
        case boost::json::kind::double_: out += boost::json::serialize(v); break;
        case boost::json::kind::string: append_quoted(out, v.get_string()); break;
        case boost::json::kind::array: out += "[]"; break;
        case boost::json::kind::object: out += "{}"; break;
    }
}

void append_block(std::string& out, const value& v, std::size_t indent) {
    const std::string pad(indent, ' ');
    if (v.is_object()) {
        for (const auto& kv : v.get_object()) {
            out += pad;
            append_key(out, kv.key());
            out += ':';
            if (is_block(kv.value())) {
                out += '\n';
                append_block(out, kv.value(), indent + 2);
            } else {
                out += ' ';
                append_inline(out, kv.value());
                out += '\n';
            }
        }
        return;
    }
    for (const value& item : v.get_array()) {
        if (is_block(item)) {
            // Write the item one level deeper, then put the dash where its first indentation was
            std::string nested;
            append_block(nested, item, indent + 2);
            out += pad;
            out += "- ";
            out.append(nested, indent + 2);
        } else {
            out += pad;
            out += "- ";
            append_inline(out, item);
            out += '\n';
        }
    }
}

}  // namespace

boost::json::object openapi_document(std::span<const endpoint> table, std::string_view version) {
    return builder(table).build(version);
}

std::string render_openapi(std::span<const endpoint> table, std::string_view version) {
    return to_yaml(openapi_document(table, version));
}

std::string to_yaml(const boost::json::value& v) {
    std::string out;
    if (is_block(v)) {
        append_block(out, v, 0);
    } else {
        append_inline(out, v);
        out += '\n';
    }
    return out;
}

}  // namespace guestd::api
