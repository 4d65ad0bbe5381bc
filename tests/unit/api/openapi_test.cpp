#include "api/openapi.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace guestd::api {
namespace {

const schema name_value{
    .name = "NameValue",
    .properties = {{.name = "name", .required = true}, {.name = "value", .required = true}},
};

const schema address{
    .name = "Address", .properties = {{.name = "city"}, {.name = "country", .format = string_format::country}}};

const schema guest{
    .name = "GuestInformation",
    .properties = {{.name = "email", .required = true, .max_length = 254, .format = string_format::email},
                   {.name = "phone", .nullable = true, .format = string_format::phone},
                   {.name = "title", .nullable = true, .allowed = {"Mr", "Mrs"}},
                   {.name = "birthdate", .format = string_format::date},
                   {.name = "address", .type = json_type::object, .nullable = true, .object = &address},
                   {.name = "home", .type = json_type::object, .object = &address},
                   {.name = "custom_fields", .type = json_type::array, .items = &name_value},
                   {.name = "tags", .type = json_type::array, .max_items = 5},
                   {.name = "count", .type = json_type::scalar, .format = string_format::decimal}},
    .description = "A guest \"profile\".",
    .example = R"({"email": "john@example.com"})",
};

const schema extra{.name = "ExtraAttributes", .additional_properties = true, .string_values = true};

const schema push{
    .name = "BookingsPush",
    .properties = {{.name = "bookings", .type = json_type::array, .required = true, .items = &guest},
                   {.name = "extra", .type = json_type::object, .object = &extra}},
};

const schema reset{.name = "ResetRequest",
                   .properties = {{.name = "merchantId", .type = json_type::integer,
                                   .range = {.minimum = 1, .maximum = 2'147'483'647}},
                                  {.name = "card", .type = json_type::scalar, .range = {.minimum = 0}},
                                  {.name = "amount", .type = json_type::number},
                                  {.name = "ids", .type = json_type::array, .item_type = json_type::integer}}};

const std::vector<endpoint> table{
    {.method = verb::get,
     .path = "/api/xp-guest-account/guest-informations",
     .speaks = dialect::experience,
     .auth = auth_kind::partner_bearer_and_guest_token,
     .summary = "Read the guest's profile",
     .query = {{.name = "email", .required = true, .format = string_format::email, .description = "who"}},
     .responses = {{200, &guest, "The profile"}, {401, nullptr}},
     .tag = "Guests Personal Space"},
    {.method = verb::post,
     .path = "/api/xp-store-bookings/bookings",
     .speaks = dialect::experience,
     .auth = auth_kind::partner_bearer,
     .request_body = &push,
     .responses = {{200, nullptr}, {400, nullptr, "One bad item rejects the batch"}},
     .errors = error_style::batch,
     .tag = "PMS push"},
    {.method = verb::post,
     .path = "/rest/{release}/guestmanagement/generateAndSendGuestResetPasswordCode.json",
     .speaks = dialect::paytronix,
     .auth = auth_kind::basic,
     .request_body = &reset,
     .responses = {{200, nullptr}, {401, nullptr}},
     .tag = "Guest Management"},
    {.method = verb::put,
     .path = "/api/xp-guest-account/guest-informations",
     .speaks = dialect::experience,
     .auth = auth_kind::partner_bearer_and_guest_token,
     .request_body = &guest,
     .responses = {{200, &guest}},
     .tag = "Guests Personal Space"},
    {.method = verb::get, .path = "/healthz", .speaks = dialect::ops, .tag = "Ops"},
};

// The member at the end of keys, inside v.
const boost::json::value& at(const boost::json::value& v, std::initializer_list<std::string_view> keys) {
    const boost::json::value* cur = &v;
    for (const auto k : keys) cur = &cur->as_object().at(k);
    return *cur;
}

boost::json::value json(std::string_view text) { return boost::json::parse(text); }

TEST(OpenApi, OutputIsDeterministic) {
    EXPECT_EQ(render_openapi(table, "1.2.3"), render_openapi(table, "1.2.3"));
    EXPECT_NE(render_openapi(table, "1.2.3"), render_openapi(table, "1.2.4"));
}

TEST(OpenApi, OpensWithTheVersionAndInfo) {
    const std::string yaml = render_openapi(table, "1.2.3");
    EXPECT_EQ(yaml.rfind("openapi: \"3.1.0\"\ninfo:\n  title: \"guestd\"\n  version: \"1.2.3\"\n", 0), 0u) << yaml;
    EXPECT_NE(yaml.find("Experience"), std::string::npos);
    EXPECT_NE(yaml.find("Paytronix"), std::string::npos);
}

TEST(OpenApi, ListsPathsInTableOrderWithTheirOperations) {
    const std::string yaml = render_openapi(table, "1");
    const auto informations = yaml.find("\n  \"/api/xp-guest-account/guest-informations\":\n    get:\n");
    const auto bookings = yaml.find("\n  \"/api/xp-store-bookings/bookings\":\n    post:\n");
    const auto reset_path =
        yaml.find("\n  \"/rest/{release}/guestmanagement/generateAndSendGuestResetPasswordCode.json\":\n");
    const auto health = yaml.find("\n  \"/healthz\":\n");
    ASSERT_NE(informations, std::string::npos) << yaml;
    ASSERT_NE(bookings, std::string::npos);
    ASSERT_NE(reset_path, std::string::npos);
    ASSERT_NE(health, std::string::npos);
    EXPECT_LT(informations, bookings);
    EXPECT_LT(bookings, reset_path);
    EXPECT_LT(reset_path, health);
    // Both methods of one path share its path item
    const auto doc = boost::json::value(openapi_document(table, "1"));
    const auto& item = at(doc, {"paths", "/api/xp-guest-account/guest-informations"}).as_object();
    ASSERT_EQ(item.size(), 2u);
    EXPECT_EQ(item.begin()->key(), "get");
    EXPECT_EQ((item.begin() + 1)->key(), "put");
}

TEST(OpenApi, DescribesParametersBodiesAndResponses) {
    const auto doc = boost::json::value(openapi_document(table, "1"));
    const auto& get = at(doc, {"paths", "/api/xp-guest-account/guest-informations", "get"});
    EXPECT_EQ(get.at("summary"), "Read the guest's profile");
    EXPECT_EQ(get.at("operationId"), "get_api_xp_guest_account_guest_informations");
    EXPECT_EQ(get.at("tags"), json(R"(["Guests Personal Space"])"));
    EXPECT_EQ(get.at("parameters"), json(R"([{"name": "email", "in": "query", "required": true, "description": "who",
        "schema": {"type": "string", "maxLength": 1024, "format": "email"}}])"));
    EXPECT_EQ(get.at("responses"), json(R"({
        "200": {"description": "The profile", "content": {"application/json": {"schema":
            {"$ref": "#/components/schemas/GuestInformation"}}}},
        "401": {"description": "Unauthorized", "content": {"application/json": {"schema":
            {"$ref": "#/components/schemas/ExperienceError"}}}}})"));

    const auto reset_op =
        at(doc, {"paths", "/rest/{release}/guestmanagement/generateAndSendGuestResetPasswordCode.json", "post"});
    EXPECT_EQ(reset_op.at("parameters"),
              json(R"([{"name": "release", "in": "path", "required": true, "schema": {"type": "string"}}])"));
    EXPECT_EQ(reset_op.at("requestBody"), json(R"({"required": true, "content": {"application/json":
        {"schema": {"$ref": "#/components/schemas/ResetRequest"}}}})"));
    EXPECT_EQ(at(reset_op, {"responses", "401", "content", "application/json", "schema", "$ref"}),
              "#/components/schemas/PaytronixFailure");
    EXPECT_EQ(at(reset_op, {"responses", "200"}), json(R"({"description": "OK"})"));

    const auto push_op = at(doc, {"paths", "/api/xp-store-bookings/bookings", "post"});
    EXPECT_EQ(at(push_op, {"responses", "400", "description"}), "One bad item rejects the batch");
    EXPECT_EQ(at(push_op, {"responses", "400", "content", "application/json", "schema", "$ref"}),
              "#/components/schemas/PmsBatchError");
}

TEST(OpenApi, NamesTheSecurityOfEachAuthKind) {
    const auto doc = boost::json::value(openapi_document(table, "1"));
    EXPECT_EQ(at(doc, {"paths", "/api/xp-guest-account/guest-informations", "get", "security"}),
              json(R"([{"partnerBearer": [], "guestToken": []}])"));
    EXPECT_EQ(at(doc, {"paths", "/api/xp-store-bookings/bookings", "post", "security"}),
              json(R"([{"partnerBearer": []}])"));
    EXPECT_EQ(at(doc, {"paths", "/rest/{release}/guestmanagement/generateAndSendGuestResetPasswordCode.json", "post",
                       "security"}),
              json(R"([{"basicAuth": []}])"));
    EXPECT_EQ(at(doc, {"paths", "/healthz", "get", "security"}), json("[]"));
    EXPECT_EQ(at(doc, {"components", "securitySchemes", "partnerBearer", "scheme"}), "bearer");
    EXPECT_EQ(at(doc, {"components", "securitySchemes", "basicAuth", "scheme"}), "basic");
    EXPECT_EQ(at(doc, {"components", "securitySchemes", "guestToken"}),
              json(R"({"type": "apiKey", "in": "header", "name": "x-guest-token",
                       "description": "The guest token returned by login, issued for this merchant and partner."})"));
    const std::string yaml = render_openapi(table, "1");
    EXPECT_NE(yaml.find("  securitySchemes:\n    partnerBearer:\n      type: \"http\"\n      scheme: \"bearer\"\n"
                        "      description: \"<partner_token>:<hotel_token>"),
              std::string::npos);
    EXPECT_NE(yaml.find("      security:\n        - partnerBearer: []\n          guestToken: []\n"), std::string::npos);
}

TEST(OpenApi, GeneratesEveryReachableSchemaSortedByName) {
    const auto doc = boost::json::value(openapi_document(table, "1"));
    std::vector<std::string> names;
    for (const auto& kv : at(doc, {"components", "schemas"}).as_object()) names.emplace_back(kv.key());
    EXPECT_EQ(names, (std::vector<std::string>{"Address", "BookingsPush", "ExperienceError", "ExtraAttributes",
                                               "FieldErrors", "GuestInformation", "NameValue", "PaytronixFailure",
                                               "PmsBatchError", "PmsBatchErrorItem", "ResetRequest"}));
}

TEST(OpenApi, RendersSchemaRules) {
    const auto doc = boost::json::value(openapi_document(table, "1"));
    const auto g = at(doc, {"components", "schemas", "GuestInformation"});
    EXPECT_EQ(g.at("type"), "object");
    EXPECT_EQ(g.at("description"), "A guest \"profile\".");
    EXPECT_EQ(g.at("required"), json(R"(["email"])"));
    EXPECT_EQ(g.at("additionalProperties"), false);
    EXPECT_EQ(g.at("examples"), json(R"([{"email": "john@example.com"}])"));
    const auto props = g.at("properties");
    EXPECT_EQ(props.at("email"), json(R"({"type": "string", "maxLength": 254, "format": "email"})"));
    EXPECT_EQ(props.at("phone"), json(R"({"type": ["string", "null"], "maxLength": 1024, "format": "phone",
                                          "pattern": "^\\+[0-9 .-]+$"})"));
    EXPECT_EQ(props.at("title"),
              json(R"({"type": ["string", "null"], "maxLength": 1024, "enum": ["Mr", "Mrs", null]})"));
    EXPECT_EQ(props.at("birthdate"), json(R"({"type": "string", "maxLength": 1024, "format": "date"})"));
    EXPECT_EQ(props.at("address"),
              json(R"({"anyOf": [{"$ref": "#/components/schemas/Address"}, {"type": "null"}]})"));
    EXPECT_EQ(props.at("home"), json(R"({"$ref": "#/components/schemas/Address"})"));
    EXPECT_EQ(props.at("custom_fields"),
              json(R"({"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/NameValue"}})"));
    EXPECT_EQ(props.at("tags"),
              json(R"({"type": "array", "maxItems": 5, "items": {"type": "string", "maxLength": 1024}})"));
    EXPECT_EQ(props.at("count"), json(R"({"type": ["string", "number"], "maxLength": 1024, "format": "decimal",
                                          "pattern": "^[+-]?0*[0-9]{1,15}(\\.[0-9]+)?$",
                                          "exclusiveMinimum": -1000000000000000,
                                          "exclusiveMaximum": 1000000000000000})"));
    EXPECT_EQ(at(doc, {"components", "schemas", "ExtraAttributes", "additionalProperties"}),
              json(R"({"type": "string", "maxLength": 1024})"));
    EXPECT_EQ(at(doc, {"components", "schemas", "PaytronixFailure", "required"}),
              json(R"(["result", "errorCode", "errorMessage"])"));
}

TEST(OpenApi, RendersTheRangeOfNumbers) {
    const auto doc = boost::json::value(openapi_document(table, "1"));
    const auto props = at(doc, {"components", "schemas", "ResetRequest", "properties"});
    EXPECT_EQ(props.at("merchantId"),
              json(R"({"type": "integer", "format": "int64", "minimum": 1, "maximum": 2147483647})"));
    // A scalar's number is an integer unless its format is decimal
    EXPECT_EQ(props.at("card"), json(R"({"type": ["string", "integer"], "maxLength": 1024, "minimum": 0})"));
    EXPECT_EQ(props.at("amount"), json(R"({"type": "number", "exclusiveMinimum": -1000000000000000,
                                           "exclusiveMaximum": 1000000000000000})"));
    // The int64 range goes without saying
    EXPECT_EQ(props.at("ids").at("items"), json(R"({"type": "integer", "format": "int64"})"));
}

TEST(OpenApi, RendersIntegerQueryParameters) {
    const std::vector<endpoint> one{{.method = verb::get, .path = "/reset-password", .speaks = dialect::web,
                                     .query = {{.name = "merchant", .required = true, .type = json_type::integer,
                                                .range = {.minimum = 1, .maximum = 99}}},
                                     .responses = {{200, nullptr}}}};
    const auto doc = boost::json::value(openapi_document(one, "1"));
    EXPECT_EQ(at(doc, {"paths", "/reset-password", "get", "parameters"}),
              json(R"([{"name": "merchant", "in": "query", "required": true,
                        "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": 99}}])"));
}

TEST(OpenApi, RefusesTwoSchemasWithOneName) {
    const schema a{.name = "Same"};
    const schema b{.name = "Same"};
    const std::vector<endpoint> clash{
        {.method = verb::post, .path = "/a", .speaks = dialect::ops, .request_body = &a},
        {.method = verb::post, .path = "/b", .speaks = dialect::ops, .request_body = &b},
    };
    EXPECT_THROW(openapi_document(clash, "1"), std::invalid_argument);
}

TEST(OpenApi, RefusesAnExampleThatIsNotJson) {
    const schema bad{.name = "Bad", .example = "{oops"};
    const std::vector<endpoint> t{{.method = verb::post, .path = "/a", .speaks = dialect::ops, .request_body = &bad}};
    EXPECT_THROW(openapi_document(t, "1"), std::invalid_argument);
}

TEST(Yaml, QuotesEveryStringAndOnlyAmbiguousKeys) {
    const auto v = json(R"({"a": "x", "list": [1, {"b": true, "c": []}, [2, 3]], "200": {}, "on": null,
        "$ref": "r", "x-guest-token": 1.5, "/p": "q\"\\\n\t\u0001\u007f\u0085", "": ""})");
    EXPECT_EQ(to_yaml(v), "a: \"x\"\n"
                          "list:\n"
                          "  - 1\n"
                          "  - b: true\n"
                          "    c: []\n"
                          "  - - 2\n"
                          "    - 3\n"
                          "\"200\": {}\n"
                          "\"on\": null\n"
                          "$ref: \"r\"\n"
                          "x-guest-token: 1.5E0\n"
                          "\"/p\": \"q\\\"\\\\\\n\\t\\u0001\\u007F\\u0085\"\n"
                          "\"\": \"\"\n");
}

TEST(Yaml, NestsObjectsUnderKeysAndArrayItems) {
    const auto v = json(R"({"paths": {"/x": {"get": {"security": [{"basicAuth": []}]}}}})");
    EXPECT_EQ(to_yaml(v), "paths:\n"
                          "  \"/x\":\n"
                          "    get:\n"
                          "      security:\n"
                          "        - basicAuth: []\n");
}

}  // namespace
}  // namespace guestd::api
