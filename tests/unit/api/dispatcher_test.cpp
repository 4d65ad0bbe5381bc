// The dispatcher end to end on a real SQLite store: authentication through domain::credentials, query and body
// checks, handler failures and exceptions, each answered in the endpoint's dialect.
#include "api/api.hpp"

#include "api/errors.hpp"
#include "domain/accounts.hpp"
#include "domain/credentials.hpp"
#include "domain/crm.hpp"
#include "domain/passwords.hpp"
#include "domain/services.hpp"
#include "store/sqlite/sqlite_database.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace guestd::api {
namespace {

using core::errc;

// Echoes what the auth step and the body reader established.
core::result<response> echo(const call& c) {
    boost::json::object out;
    out["partner"] = c.who.partner ? boost::json::value(c.who.partner->value) : nullptr;
    out["merchant"] = c.who.merchant ? boost::json::value(c.who.merchant->value) : nullptr;
    out["account"] = c.who.account ? boost::json::value(c.who.account->value) : nullptr;
    out["b2b"] = c.who.b2b;
    out["body"] = c.body;
    return json_response(200, out);
}

core::result<response> throws_transient(const call&) { throw core::backend_error("database is locked", true); }
core::result<response> throws_fatal(const call&) { throw core::backend_error("disk I/O error", false); }
core::result<response> throws_std(const call&) { throw std::runtime_error("boom"); }
core::result<response> fails_internal(const call&) {
    return core::fail(errc::internal, "row 12 is corrupt", "sqlite said something");
}
core::result<response> fails_not_found(const call&) { return core::fail(errc::not_found, "customer not found"); }
core::result<response> fails_wrong_password(const call&) {
    return core::fail(errc::unauthenticated, "The password provided for the customer is incorrect.");
}
// Reads merchantId as the Paytronix handlers do: to_number<int64_t>() throws on a number that is not an exact
// int64 ("not exact"), which the dispatcher used to answer with 500.
core::result<response> reads_merchant(const call& c) {
    return json_response(200, boost::json::object{{"merchant", c.body.at("merchantId").to_number<std::int64_t>()}});
}

const schema credentials_body{
    .name = "Credentials",
    .properties = {{.name = "email", .required = true, .format = string_format::email},
                   {.name = "password", .required = true}},
};
const schema merchant_body{
    .name = "Reset", .properties = {{.name = "merchantId", .type = json_type::integer, .required = true}}};
const schema pushed{
    .name = "Pushed", .properties = {{.name = "email", .required = true, .format = string_format::email}}};
const schema push_body{
    .name = "Push", .properties = {{.name = "bookings", .type = json_type::array, .required = true, .items = &pushed}}};

const std::vector<endpoint> table{
    {.method = verb::get, .path = "/api/guest", .speaks = dialect::experience,
     .auth = auth_kind::partner_bearer_and_guest_token, .handler = &echo},
    {.method = verb::get, .path = "/api/partner", .speaks = dialect::experience, .auth = auth_kind::partner_bearer,
     .handler = &echo},
    {.method = verb::post, .path = "/rest/{release}/guestmanagement/echo.json", .speaks = dialect::paytronix,
     .auth = auth_kind::basic, .request_body = &merchant_body, .handler = &echo},
    {.method = verb::post, .path = "/api/body", .speaks = dialect::experience, .request_body = &credentials_body,
     .handler = &echo},
    {.method = verb::get, .path = "/api/query", .speaks = dialect::experience,
     .query = {{.name = "email", .required = true, .format = string_format::email}}, .handler = &echo},
    {.method = verb::post, .path = "/api/batch", .speaks = dialect::experience, .request_body = &push_body,
     .handler = &echo, .errors = error_style::batch},
    {.method = verb::get, .path = "/ops/transient", .speaks = dialect::ops, .handler = &throws_transient},
    {.method = verb::get, .path = "/ops/fatal", .speaks = dialect::ops, .handler = &throws_fatal},
    {.method = verb::get, .path = "/ops/std", .speaks = dialect::ops, .handler = &throws_std},
    {.method = verb::get, .path = "/ops/internal", .speaks = dialect::ops, .handler = &fails_internal},
    {.method = verb::get, .path = "/ops/missing", .speaks = dialect::ops},
    {.method = verb::get, .path = "/api/unknown-customer", .speaks = dialect::experience, .handler = &fails_not_found},
    {.method = verb::post, .path = "/rest/{release}/guestmanagement/busy.json", .speaks = dialect::paytronix,
     .handler = &throws_transient},
    {.method = verb::post, .path = "/api/login", .speaks = dialect::experience, .auth = auth_kind::partner_bearer,
     .handler = &fails_wrong_password},
    {.method = verb::post, .path = "/rest/{release}/guestmanagement/merchant.json", .speaks = dialect::paytronix,
     .request_body = &merchant_body, .handler = &reads_merchant},
};

std::optional<std::string> header_of(const response& r, std::string_view name) {
    for (const auto& h : r.headers) {
        if (h.name == name) return h.value;
    }
    return std::nullopt;
}

std::string base64(std::string_view s) {
    std::string out(sodium_base64_ENCODED_LEN(s.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

class Dispatcher : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "guestd-api-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
        db_ = store::sqlite::open({.path = (dir_ / "guestd.db").string()}, clock_);
        services_ = std::make_unique<domain::services>(*db_, clock_, std::make_unique<domain::passwords>());
        merchant_ = services_->credentials().add_merchant(core::merchant_id{7}, "Hotel Demo").value();
        partner_ = services_->credentials().add_partner("Website", {merchant_.id}, true).value();
        dispatcher_.emplace(table, *services_);
    }

    void TearDown() override {
        dispatcher_.reset();
        services_.reset();
        db_.reset();
        std::filesystem::remove_all(dir_);
    }

    std::string bearer() const { return "Bearer " + partner_.partner_token + ":" + merchant_.hotel_token; }

    // Routes and runs a request as the http layer would.
    response run(verb method, std::string path, std::vector<header> headers = {}, std::string body = {},
                 std::string query = {}) {
        request req;
        req.method = method;
        req.path = std::move(path);
        req.query_string = std::move(query);
        req.headers = std::move(headers);
        req.body = std::move(body);
        req.request_id = "req-1";
        const route_result routed = dispatcher_->route(req.method, req.path);
        if (const auto* r = std::get_if<response>(&routed)) return *r;
        return dispatcher_->handle(*std::get<const endpoint*>(routed), req);
    }

    // A guest token for a guest with an account.
    std::string guest_token() {
        const domain::bearer_identity by{partner_.id, merchant_.id};
        EXPECT_TRUE(services_->crm().add_to_list(merchant_.id, "news", {{.email = "john@example.com"}}).has_value());
        EXPECT_TRUE(services_->accounts()
                        .set_password(merchant_.id, "john@example.com", "correct horse battery staple")
                        .has_value());
        auto token = services_->accounts().login(by, "john@example.com", "correct horse battery staple");
        EXPECT_TRUE(token.has_value());
        return token.value_or("");
    }

    core::manual_clock clock_;
    std::filesystem::path dir_;
    std::unique_ptr<store::database> db_;
    std::unique_ptr<domain::services> services_;
    domain::new_merchant merchant_;
    domain::new_partner partner_;
    std::optional<dispatcher> dispatcher_;
};

TEST_F(Dispatcher, LabelsRequestsByThePathPattern) {
    EXPECT_EQ(dispatcher::label(dispatcher_->route(verb::post, "/rest/25.33/guestmanagement/echo.json")),
              "/rest/{release}/guestmanagement/echo.json");
    EXPECT_EQ(dispatcher::label(dispatcher_->route(verb::get, "/nope")), "unmatched");
    EXPECT_EQ(dispatcher::label(dispatcher_->route(verb::put, "/api/partner")), "unmatched");
    EXPECT_EQ(dispatcher_->table().size(), table.size());
}

TEST_F(Dispatcher, PartnerBearerSelectsPartnerAndMerchant) {
    const response r = run(verb::get, "/api/partner", {{"authorization", bearer()}});
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(boost::json::parse(r.body),
              boost::json::parse(R"({"partner": )" + std::to_string(partner_.id.value) +
                                 R"(, "merchant": 7, "account": null, "b2b": false, "body": null})"));
}

TEST_F(Dispatcher, BearerSchemeIsCaseInsensitive) {
    const std::string lower = "bearer " + partner_.partner_token + ":" + merchant_.hotel_token;
    EXPECT_EQ(run(verb::get, "/api/partner", {{"authorization", lower}}).status, 200u);
}

TEST_F(Dispatcher, MissingOrMalformedBearerIsUnauthenticated) {
    for (const std::vector<header>& headers : std::vector<std::vector<header>>{
             {}, {{"authorization", "Bearer"}}, {{"authorization", "Basic " + base64("a:b")}}}) {
        const response r = run(verb::get, "/api/partner", headers);
        EXPECT_EQ(r.status, 401u);
        EXPECT_EQ(r.body, R"({"message":"missing or malformed credentials"})");
        // No bearer token came, so the challenge names none (RFC 6750 §3.1)
        EXPECT_EQ(header_of(r, "www-authenticate"), R"(Bearer realm="guestd")");
    }
}

TEST_F(Dispatcher, WrongBearerIsUnauthenticatedWithoutEchoingIt) {
    const std::string wrong = partner_.partner_token + ":not-the-hotel-token";
    const response r = run(verb::get, "/api/partner", {{"authorization", "Bearer " + wrong}});
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(r.body.find("not-the-hotel-token"), std::string::npos);
    EXPECT_EQ(r.body.find(partner_.partner_token), std::string::npos);
    EXPECT_EQ(header_of(r, "www-authenticate"), R"(Bearer realm="guestd", error="invalid_token")");
    const response malformed = run(verb::get, "/api/partner", {{"authorization", "Bearer no-colon"}});
    EXPECT_EQ(malformed.status, 401u);
    EXPECT_EQ(header_of(malformed, "www-authenticate"), R"(Bearer realm="guestd", error="invalid_token")");
}

TEST_F(Dispatcher, GuestTokenIdentifiesTheAccount) {
    const std::string token = guest_token();
    const response r = run(verb::get, "/api/guest", {{"authorization", bearer()}, {"x-guest-token", token}});
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto body = boost::json::parse(r.body);
    EXPECT_TRUE(body.at("account").is_int64());
    EXPECT_EQ(body.at("merchant"), 7);
}

TEST_F(Dispatcher, MissingOrWrongGuestTokenIsUnauthenticated) {
    const response missing = run(verb::get, "/api/guest", {{"authorization", bearer()}});
    EXPECT_EQ(missing.status, 401u);
    EXPECT_EQ(missing.body, R"({"message":"missing guest token"})");
    EXPECT_EQ(header_of(missing, "www-authenticate"), R"(Bearer realm="guestd")");
    const response wrong =
        run(verb::get, "/api/guest", {{"authorization", bearer()}, {"x-guest-token", "not-a-token"}});
    EXPECT_EQ(wrong.status, 401u);
    EXPECT_EQ(header_of(wrong, "www-authenticate"), R"(Bearer realm="guestd", error="invalid_token")");
    // The guest token is checked only after the partner
    EXPECT_EQ(run(verb::get, "/api/guest", {{"x-guest-token", "x"}}).body,
              R"({"message":"missing or malformed credentials"})");
}

TEST_F(Dispatcher, BasicIdentifiesThePartnerAndItsB2bRight) {
    const std::string auth = "Basic " + base64(partner_.client_id + ":" + partner_.client_secret);
    const response r = run(verb::post, "/rest/25.33/guestmanagement/echo.json", {{"authorization", auth}},
                           R"({"merchantId": 7})");
    ASSERT_EQ(r.status, 200u) << r.body;
    const auto body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("partner"), partner_.id.value);
    EXPECT_EQ(body.at("merchant"), nullptr);
    EXPECT_EQ(body.at("b2b"), true);
    EXPECT_EQ(body.at("body"), boost::json::parse(R"({"merchantId": 7})"));
}

TEST_F(Dispatcher, WrongOrMalformedBasicFailsInThePaytronixShape) {
    const std::string wrong = "Basic " + base64(partner_.client_id + ":wrong-secret");
    const response r = run(verb::post, "/rest/1/guestmanagement/echo.json", {{"authorization", wrong}}, "{}");
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(boost::json::parse(r.body).at("errorCode"), "guestmanagement.authentication_failed");
    EXPECT_EQ(r.body.find("wrong-secret"), std::string::npos);
    const response malformed =
        run(verb::post, "/rest/1/guestmanagement/echo.json", {{"authorization", "Basic !!"}}, "{}");
    EXPECT_EQ(malformed.status, 401u);
    EXPECT_EQ(malformed.body, R"({"result":"failure","errorCode":"guestmanagement.authentication_failed",)"
                              R"("errorMessage":"missing or malformed credentials"})");
    for (const response& refused : {r, malformed, run(verb::post, "/rest/1/guestmanagement/echo.json", {}, "{}")})
        EXPECT_EQ(header_of(refused, "www-authenticate"), R"(Basic realm="guestd", charset="UTF-8")");
}

TEST_F(Dispatcher, AHandlersUnauthorizedAnswerCarriesTheEndpointsChallenge) {
    const response r = run(verb::post, "/api/login", {{"authorization", bearer()}});
    EXPECT_EQ(r.status, 401u);
    // The partner's token was fine: the challenge names no error
    EXPECT_EQ(header_of(r, "www-authenticate"), R"(Bearer realm="guestd")");
}

TEST_F(Dispatcher, AnsweredCallsCarryNoChallenge) {
    EXPECT_FALSE(header_of(run(verb::get, "/api/partner", {{"authorization", bearer()}}), "www-authenticate"));
    EXPECT_FALSE(header_of(run(verb::get, "/api/unknown-customer"), "www-authenticate"));
}

TEST_F(Dispatcher, InvalidQueryParametersAreBadRequests) {
    const response r = run(verb::get, "/api/query");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body, R"({"message":"invalid request","errors":{"email":"is required"}})");
    EXPECT_EQ(run(verb::get, "/api/query", {}, {}, "email=john%40example.com").status, 200u);
}

TEST_F(Dispatcher, BodiesMustBeJson) {
    const response r = run(verb::post, "/api/body", {{"content-type", "text/plain"}}, "{}");
    EXPECT_EQ(r.status, 415u);
    EXPECT_EQ(r.body, R"({"message":"Content-Type must be application/json"})");
    const response px = run(verb::post, "/rest/1/guestmanagement/echo.json",
                            {{"authorization", "Basic " + base64(partner_.client_id + ":" + partner_.client_secret)},
                             {"content-type", "application/xml"}},
                            "<x/>");
    EXPECT_EQ(px.status, 415u);
    EXPECT_EQ(boost::json::parse(px.body).at("errorCode"), "guestmanagement.unsupported_media_type");
}

TEST_F(Dispatcher, MalformedInvalidUtf8AndOverDeepBodiesAreBadRequests) {
    for (const std::string& body : {std::string("{\"email\": "), std::string("{\"email\": \"\xff@x.com\"}"),
                                    std::string(33, '[') + std::string(33, ']')}) {
        const response r = run(verb::post, "/api/body", {{"content-type", "application/json; charset=utf-8"}}, body);
        EXPECT_EQ(r.status, 400u);
        EXPECT_EQ(r.body, R"({"message":"request body is not valid JSON"})");
    }
}

TEST_F(Dispatcher, SchemaViolationsNameTheirFields) {
    const response r = run(verb::post, "/api/body", {}, R"({"email": "john", "admin": true})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body, R"({"message":"invalid request","errors":{"email":"must be an email address",)"
                      R"("password":"is required","admin":"is not allowed"}})");
}

// Issue 13, defect 2: a number the handler cannot read as int64 reached it and became a 500.
TEST_F(Dispatcher, IntegersAHandlerCannotReadAreBadRequestsNotInternalErrors) {
    for (const char* number : {"9223372036854775808", "-9223372036854775809", "1e19", "18446744073709551616",
                               "18446744073709551615", "1.5", "1.0", "1e-400"}) {
        const response r = run(verb::post, "/rest/25.33/guestmanagement/merchant.json", {},
                               std::string(R"({"merchantId": )") + number + "}");
        EXPECT_EQ(r.status, 400u) << number;
        const auto body = boost::json::parse(r.body);
        EXPECT_EQ(body.at("result"), "failure") << number;
        EXPECT_EQ(body.at("errorCode"), "guestmanagement.invalid_request") << number;
        EXPECT_TRUE(body.at("errorMessage").as_string().starts_with("invalid request: merchantId ")) << r.body;
    }
    const response fine = run(verb::post, "/rest/25.33/guestmanagement/merchant.json", {},
                              R"({"merchantId": -9223372036854775808})");
    EXPECT_EQ(fine.status, 200u);
    EXPECT_EQ(fine.body, R"({"merchant":-9223372036854775808})");
}

TEST_F(Dispatcher, BatchEndpointsAnswerTheBatchShape) {
    const response r =
        run(verb::post, "/api/batch", {}, R"({"bookings": [{"email": "a@example.com"}, {"email": "b"}]})");
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body, R"({"success":false,"message":"invalid request","errors":[)"
                      R"({"index":1,"field":"email","reason":"must be an email address"}]})");
}

TEST_F(Dispatcher, EndpointsWithoutABodyGetNull) {
    const response r = run(verb::get, "/api/query", {}, "ignored", "email=a@example.com");
    EXPECT_EQ(boost::json::parse(r.body).at("body"), nullptr);
}

TEST_F(Dispatcher, HandlerFailuresAreMappedInTheDialect) {
    const response r = run(verb::get, "/api/unknown-customer");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(r.body, R"({"message":"customer not found"})");
}

TEST_F(Dispatcher, TransientBackendErrorsAreUnavailableWithRetryAfter) {
    const response r = run(verb::get, "/ops/transient");
    EXPECT_EQ(r.status, 503u);
    EXPECT_EQ(r.body, R"({"message":"service unavailable"})");
    EXPECT_EQ(header_of(r, "retry-after"), "1");
    const response px = run(verb::post, "/rest/1/guestmanagement/busy.json");
    EXPECT_EQ(px.status, 503u);
    EXPECT_EQ(boost::json::parse(px.body).at("errorCode"), "guestmanagement.unavailable");
}

TEST_F(Dispatcher, OtherFailuresAreInternalErrorsThatRevealNothing) {
    for (const char* path : {"/ops/fatal", "/ops/std", "/ops/internal", "/ops/missing"}) {
        const response r = run(verb::get, path);
        EXPECT_EQ(r.status, 500u) << path;
        EXPECT_EQ(r.body, R"({"message":"internal error"})") << path;
    }
}

TEST_F(Dispatcher, RejectionsTakeTheDialectOfThePath) {
    const response px = dispatcher_->reject("/rest/25.33/guestmanagement/x.json", 413, "request body too large");
    EXPECT_EQ(px.status, 413u);
    EXPECT_EQ(px.body, R"({"result":"failure","errorCode":"guestmanagement.request_too_large",)"
                       R"("errorMessage":"request body too large"})");
    const response xp = dispatcher_->reject("/api/xp-guest-account/login", 503, "busy", 5);
    EXPECT_EQ(xp.status, 503u);
    EXPECT_EQ(xp.body, R"({"message":"busy"})");
    EXPECT_EQ(header_of(xp, "retry-after"), "5");
    EXPECT_EQ(dispatcher_->reject("/healthz", 431, "request header too large").body,
              R"({"message":"request header too large"})");
}

}  // namespace
}  // namespace guestd::api
