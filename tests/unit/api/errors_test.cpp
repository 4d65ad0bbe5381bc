#include "api/errors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>

namespace guestd::api {
namespace {

using core::errc;

std::optional<std::string> header_of(const response& r, std::string_view name) {
    for (const auto& h : r.headers) {
        if (h.name == name) return h.value;
    }
    return std::nullopt;
}

core::error make(errc code, std::string message, std::string detail = {}, std::vector<core::field_error> fields = {},
                 int retry_after = 0) {
    return core::error{code, std::move(message), std::move(detail), std::move(fields), retry_after};
}

const errc all_codes[] = {errc::invalid_argument,    errc::unauthenticated,    errc::permission_denied,
                          errc::not_found,           errc::already_exists,     errc::failed_precondition,
                          errc::resource_exhausted,  errc::unavailable,        errc::internal};

TEST(JsonResponse, SerializesTheBodyAsJson) {
    const response r = json_response(201, boost::json::object{{"a", 1}, {"b", "x"}});
    EXPECT_EQ(r.status, 201u);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, R"({"a":1,"b":"x"})");
}

TEST(ExperienceError, MapsEveryCodeToItsStatusAndMessage) {
    const struct {
        errc code;
        unsigned status;
        const char* body;
    } cases[] = {
        {errc::invalid_argument, 400, R"({"message":"boom"})"},
        {errc::unauthenticated, 401, R"({"message":"boom"})"},
        {errc::permission_denied, 403, R"({"message":"boom"})"},
        {errc::not_found, 404, R"({"message":"boom"})"},
        {errc::already_exists, 409, R"({"message":"boom"})"},
        {errc::failed_precondition, 412, R"({"message":"boom"})"},
        {errc::resource_exhausted, 429, R"({"message":"boom"})"},
        {errc::unavailable, 503, R"({"message":"boom"})"},
        {errc::internal, 500, R"({"message":"internal error"})"},
    };
    for (const auto& c : cases) {
        const response r = experience_error(make(c.code, "boom", "detail for the log"));
        EXPECT_EQ(r.status, c.status) << core::to_string(c.code);
        EXPECT_EQ(r.body, c.body) << core::to_string(c.code);
        EXPECT_EQ(r.content_type, "application/json");
    }
}

TEST(ExperienceError, AddsTheFieldErrorsAsAnObject) {
    const response r = experience_error(make(errc::invalid_argument, "invalid request", {},
                                             {{"email", "must be an email address"}, {"password", "is required"}}));
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body, R"({"message":"invalid request",)"
                      R"("errors":{"email":"must be an email address","password":"is required"}})");
}

TEST(ExperienceError, InternalErrorsRevealNothingButTheirKind) {
    const response r =
        experience_error(make(errc::internal, "sqlite: disk I/O error at /var/lib/guestd", "stack", {{"x", "y"}}));
    EXPECT_EQ(r.status, 500u);
    EXPECT_EQ(r.body, R"({"message":"internal error"})");
}

TEST(ExperienceError, AMissingMessageGetsTheCodesDefault) {
    EXPECT_EQ(experience_error(make(errc::not_found, "")).body, R"({"message":"not found"})");
    EXPECT_EQ(experience_error(make(errc::resource_exhausted, "")).body, R"({"message":"too many requests"})");
}

TEST(ExperienceError, ThrottlingAndUnavailabilityCarryRetryAfter) {
    EXPECT_EQ(header_of(experience_error(make(errc::resource_exhausted, "locked", {}, {}, 60)), "retry-after"), "60");
    EXPECT_FALSE(header_of(experience_error(make(errc::resource_exhausted, "locked")), "retry-after"));
    EXPECT_EQ(header_of(experience_error(make(errc::unavailable, "busy")), "retry-after"), "1");
    EXPECT_EQ(header_of(experience_error(make(errc::unavailable, "busy", {}, {}, 7)), "retry-after"), "7");
    EXPECT_FALSE(header_of(experience_error(make(errc::invalid_argument, "bad", {}, {}, 5)), "retry-after"));
    EXPECT_FALSE(header_of(experience_error(make(errc::not_found, "no")), "retry-after"));
}

TEST(BatchError, SplitsTheLeadingIndexFromTheFieldPath) {
    const response r = batch_error(make(errc::invalid_argument, "invalid request", {},
                                        {{"bookings[3].customer.email", "must be an email address"},
                                         {"bookings[12]", "must be an object"},
                                         {"bookings[0].rooms[1].number", "must be a string or a number"},
                                         {"bookings", "has more than 1000 items"},
                                         {"", "must be a JSON object"},
                                         {"customer.tags[2]", "must be a string"}}));
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(r.body, R"({"success":false,"message":"invalid request","errors":[)"
                      R"({"index":3,"field":"customer.email","reason":"must be an email address"},)"
                      R"({"index":12,"field":"","reason":"must be an object"},)"
                      R"({"index":0,"field":"rooms[1].number","reason":"must be a string or a number"},)"
                      R"({"field":"bookings","reason":"has more than 1000 items"},)"
                      R"({"field":"","reason":"must be a JSON object"},)"
                      R"({"field":"customer.tags[2]","reason":"must be a string"}]})");
}

TEST(BatchError, UsesTheExperienceStatusesWithTheBatchEnvelope) {
    for (const errc code : all_codes) {
        const response r = batch_error(make(code, "boom"));
        EXPECT_EQ(r.status, experience_error(make(code, "boom")).status) << core::to_string(code);
        const std::string message = code == errc::internal ? "internal error" : "boom";
        EXPECT_EQ(r.body, R"({"success":false,"message":")" + message + R"("})") << core::to_string(code);
    }
}

TEST(PaytronixError, MapsEveryCodeToItsStatusAndErrorCode) {
    const struct {
        errc code;
        unsigned status;
        const char* error_code;
    } cases[] = {
        {errc::invalid_argument, 400, "guestmanagement.invalid_request"},
        {errc::unauthenticated, 401, "guestmanagement.authentication_failed"},
        {errc::permission_denied, 200, "guestmanagement.permission_denied"},
        {errc::not_found, 200, "guestmanagement.user_not_found"},
        {errc::already_exists, 200, "guestmanagement.conflict"},
        {errc::failed_precondition, 200, "guestmanagement.failed_precondition"},
        {errc::resource_exhausted, 200, "guestmanagement.rate_limited"},
        {errc::unavailable, 503, "guestmanagement.unavailable"},
        {errc::internal, 500, "guestmanagement.system_error"},
    };
    for (const auto& c : cases) {
        const response r = paytronix_error(make(c.code, "boom", "detail"));
        const std::string message = c.code == errc::internal ? "internal error" : "boom";
        EXPECT_EQ(r.status, c.status) << core::to_string(c.code);
        EXPECT_EQ(r.body, std::string(R"({"result":"failure","errorCode":")") + c.error_code +
                              R"(","errorMessage":")" + message + R"("})")
            << core::to_string(c.code);
    }
}

TEST(PaytronixError, AppendsFieldErrorsToTheMessage) {
    const response r = paytronix_error(make(errc::invalid_argument, "invalid request", {},
                                            {{"merchantId", "must be an integer"}, {"", "must be a JSON object"}}));
    EXPECT_EQ(r.body, R"({"result":"failure","errorCode":"guestmanagement.invalid_request",)"
                      R"("errorMessage":"invalid request: merchantId must be an integer; )"
                      R"(body must be a JSON object"})");
}

TEST(PaytronixError, DetailCanNameAnExplicitErrorCode) {
    const response r = paytronix_error(make(errc::failed_precondition, "reset code expired",
                                            "code:guestmanagement.reset_code_expired for account 12"));
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, R"({"result":"failure","errorCode":"guestmanagement.reset_code_expired",)"
                      R"("errorMessage":"reset code expired"})");
    EXPECT_EQ(paytronix_error(make(errc::not_found, "x", "code:guestmanagement.x")).body,
              R"({"result":"failure","errorCode":"guestmanagement.x","errorMessage":"x"})");
    // An empty override or a detail that is no override leaves the code of the errc
    EXPECT_EQ(paytronix_error(make(errc::not_found, "x", "code: y")).body,
              R"({"result":"failure","errorCode":"guestmanagement.user_not_found","errorMessage":"x"})");
    EXPECT_EQ(paytronix_error(make(errc::not_found, "x", "no code:here")).body,
              R"({"result":"failure","errorCode":"guestmanagement.user_not_found","errorMessage":"x"})");
}

TEST(PaytronixError, ThrottlingCarriesRetryAfter) {
    const response r = paytronix_error(make(errc::resource_exhausted, "slow down", {}, {}, 30));
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(header_of(r, "retry-after"), "30");
    EXPECT_EQ(header_of(paytronix_error(make(errc::unavailable, "busy")), "retry-after"), "1");
}

TEST(ErrorResponse, PicksTheMapperOfTheDialectAndStyle) {
    const core::error err = make(errc::not_found, "customer not found");
    EXPECT_EQ(error_response(dialect::experience, error_style::fields, err).body, experience_error(err).body);
    EXPECT_EQ(error_response(dialect::experience, error_style::batch, err).body, batch_error(err).body);
    EXPECT_EQ(error_response(dialect::paytronix, error_style::fields, err).body, paytronix_error(err).body);
    EXPECT_EQ(error_response(dialect::paytronix, error_style::batch, err).body, paytronix_error(err).body);
    EXPECT_EQ(error_response(dialect::ops, error_style::fields, err).body, experience_error(err).body);
    EXPECT_EQ(error_response(dialect::web, error_style::fields, err).body, experience_error(err).body);
}

TEST(WwwAuthenticate, NamesTheSchemeOfTheEndpointAndTheRealm) {
    EXPECT_EQ(www_authenticate(dialect::paytronix, auth_kind::basic), R"(Basic realm="guestd", charset="UTF-8")");
    EXPECT_EQ(www_authenticate(dialect::experience, auth_kind::partner_bearer), R"(Bearer realm="guestd")");
    EXPECT_EQ(www_authenticate(dialect::experience, auth_kind::partner_bearer_and_guest_token),
              R"(Bearer realm="guestd")");
    // RFC 6750 §3.1: a token the request carried and that was refused is named invalid_token
    EXPECT_EQ(www_authenticate(dialect::experience, auth_kind::partner_bearer_and_guest_token,
                               token_fault::invalid_token),
              R"(Bearer realm="guestd", error="invalid_token")");
    // The scheme follows the endpoint's credentials, whatever its dialect: a bearer token on a Paytronix path
    // is challenged as a bearer token
    EXPECT_EQ(www_authenticate(dialect::paytronix, auth_kind::partner_bearer, token_fault::invalid_token),
              R"(Bearer realm="guestd", error="invalid_token")");
    // Basic has no error parameter
    EXPECT_EQ(www_authenticate(dialect::paytronix, auth_kind::basic, token_fault::invalid_token),
              R"(Basic realm="guestd", charset="UTF-8")");
    // Without an endpoint's scheme, the dialect's
    EXPECT_EQ(www_authenticate(dialect::paytronix, auth_kind::none), R"(Basic realm="guestd", charset="UTF-8")");
    EXPECT_EQ(www_authenticate(dialect::ops, auth_kind::none), R"(Bearer realm="guestd")");
}

TEST(ErrorResponse, EveryUnauthorizedAnswerCarriesAChallengeAndNoOtherDoes) {
    const core::error refused = make(errc::unauthenticated, "invalid partner credentials");
    EXPECT_EQ(header_of(experience_error(refused), "www-authenticate"), R"(Bearer realm="guestd")");
    EXPECT_EQ(header_of(batch_error(refused), "www-authenticate"), R"(Bearer realm="guestd")");
    EXPECT_EQ(header_of(paytronix_error(refused), "www-authenticate"), R"(Basic realm="guestd", charset="UTF-8")");
    EXPECT_EQ(header_of(error_response(dialect::experience, error_style::fields, refused,
                                       auth_kind::partner_bearer_and_guest_token, token_fault::invalid_token),
                        "www-authenticate"),
              R"(Bearer realm="guestd", error="invalid_token")");
    EXPECT_EQ(header_of(error_response(dialect::paytronix, error_style::fields, refused, auth_kind::basic),
                        "www-authenticate"),
              R"(Basic realm="guestd", charset="UTF-8")");
    EXPECT_EQ(header_of(status_response(dialect::paytronix, error_style::fields, 401, "no"), "www-authenticate"),
              R"(Basic realm="guestd", charset="UTF-8")");
    EXPECT_EQ(header_of(status_response(dialect::experience, error_style::batch, 401, "no"), "www-authenticate"),
              R"(Bearer realm="guestd")");
    // One challenge, never two
    const response r = error_response(dialect::experience, error_style::fields, refused, auth_kind::partner_bearer);
    EXPECT_EQ(std::count_if(r.headers.begin(), r.headers.end(),
                            [](const header& h) { return h.name == "www-authenticate"; }),
              1);
    for (const errc code : all_codes) {
        if (code == errc::unauthenticated) continue;
        const core::error err = make(code, "boom");
        EXPECT_FALSE(header_of(error_response(dialect::experience, error_style::fields, err, auth_kind::partner_bearer,
                                              token_fault::invalid_token),
                               "www-authenticate"))
            << core::to_string(code);
        EXPECT_FALSE(header_of(paytronix_error(err), "www-authenticate")) << core::to_string(code);
    }
    EXPECT_FALSE(header_of(status_response(dialect::paytronix, error_style::fields, 403, "no"), "www-authenticate"));
}

TEST(StatusResponse, ShapesStatusesWithoutACodeInEachDialect) {
    const response xp = status_response(dialect::experience, error_style::fields, 413, "request body too large");
    EXPECT_EQ(xp.status, 413u);
    EXPECT_EQ(xp.body, R"({"message":"request body too large"})");
    EXPECT_EQ(status_response(dialect::experience, error_style::batch, 415, "no").body,
              R"({"success":false,"message":"no"})");
    EXPECT_EQ(status_response(dialect::ops, error_style::fields, 431, "too big").body, R"({"message":"too big"})");
    const struct {
        unsigned status;
        const char* code;
    } codes[] = {{400, "guestmanagement.invalid_request"},       {404, "guestmanagement.unknown_endpoint"},
                 {405, "guestmanagement.method_not_allowed"},    {408, "guestmanagement.request_timeout"},
                 {413, "guestmanagement.request_too_large"},     {415, "guestmanagement.unsupported_media_type"},
                 {431, "guestmanagement.headers_too_large"},     {503, "guestmanagement.unavailable"},
                 {500, "guestmanagement.system_error"}};
    for (const auto& c : codes) {
        const response r = status_response(dialect::paytronix, error_style::fields, c.status, "m");
        EXPECT_EQ(r.status, c.status);
        EXPECT_EQ(r.body, std::string(R"({"result":"failure","errorCode":")") + c.code + R"(","errorMessage":"m"})");
    }
}

TEST(StatusResponse, ServiceUnavailableAlwaysSaysWhenToRetry) {
    EXPECT_EQ(header_of(status_response(dialect::experience, error_style::fields, 503, "busy"), "retry-after"), "1");
    EXPECT_EQ(header_of(status_response(dialect::paytronix, error_style::fields, 503, "busy", 5), "retry-after"), "5");
    EXPECT_FALSE(header_of(status_response(dialect::ops, error_style::fields, 413, "big"), "retry-after"));
}

TEST(DialectOfPath, FollowsThePathPrefix) {
    EXPECT_EQ(dialect_of_path("/rest/25.33/guestmanagement/x.json"), dialect::paytronix);
    EXPECT_EQ(dialect_of_path("/guestmanagement/x.json"), dialect::paytronix);
    EXPECT_EQ(dialect_of_path("/api/xp-guest-account/login"), dialect::experience);
    EXPECT_EQ(dialect_of_path("/healthz"), dialect::ops);
    EXPECT_EQ(dialect_of_path("/restful"), dialect::ops);
    EXPECT_EQ(dialect_of_path("/apis"), dialect::ops);
}

TEST(ErrorSchema, NamesTheBodyOfEachDialect) {
    EXPECT_EQ(error_schema(dialect::experience, error_style::fields).name, "ExperienceError");
    EXPECT_EQ(error_schema(dialect::experience, error_style::batch).name, "PmsBatchError");
    EXPECT_EQ(error_schema(dialect::paytronix, error_style::fields).name, "PaytronixFailure");
    EXPECT_EQ(error_schema(dialect::ops, error_style::fields).name, "ExperienceError");
}

}  // namespace
}  // namespace guestd::api
