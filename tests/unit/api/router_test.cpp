#include "api/router.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace guestd::api {
namespace {

const std::vector<endpoint> table{
    {.method = verb::get, .path = "/api/xp-guest-account/guest-informations", .speaks = dialect::experience},
    {.method = verb::put, .path = "/api/xp-guest-account/guest-informations", .speaks = dialect::experience},
    {.method = verb::post,
     .path = "/rest/{release}/guestmanagement/generateAndSendGuestResetPasswordCode.json",
     .speaks = dialect::paytronix},
    {.method = verb::post, .path = "/guestmanagement/generateAndSendGuestResetPasswordCode.json",
     .speaks = dialect::paytronix},
    {.method = verb::del, .path = "/api/xp-email-lists/members",
     .speaks = dialect::experience},
    {.method = verb::post, .path = "/api/xp-email-lists/members", .speaks = dialect::experience},
    {.method = verb::get, .path = "/healthz", .speaks = dialect::ops},
};

const endpoint* found(const route_result& r) {
    const auto* ep = std::get_if<const endpoint*>(&r);
    return ep != nullptr ? *ep : nullptr;
}

response answered(const route_result& r) {
    const auto* res = std::get_if<response>(&r);
    return res != nullptr ? *res : response{.status = 0};
}

std::optional<std::string> header_of(const response& r, std::string_view name) {
    for (const auto& h : r.headers) {
        if (h.name == name) return h.value;
    }
    return std::nullopt;
}

TEST(Router, MatchesExactPathsByMethod) {
    EXPECT_EQ(found(find_route(table, verb::get, "/api/xp-guest-account/guest-informations")), &table[0]);
    EXPECT_EQ(found(find_route(table, verb::put, "/api/xp-guest-account/guest-informations")), &table[1]);
    EXPECT_EQ(found(find_route(table, verb::get, "/healthz")), &table[6]);
    EXPECT_EQ(found(find_route(table, verb::del, "/api/xp-email-lists/members")), &table[4]);
}

TEST(Router, ParameterSegmentsMatchAnyOneSegment) {
    EXPECT_EQ(found(find_route(table, verb::post,
                               "/rest/25.33/guestmanagement/generateAndSendGuestResetPasswordCode.json")),
              &table[2]);
    EXPECT_EQ(found(find_route(table, verb::post, "/guestmanagement/generateAndSendGuestResetPasswordCode.json")),
              &table[3]);
}

TEST(Router, ParameterSegmentsMustNotBeEmptyOrSpanSegments) {
    EXPECT_EQ(answered(find_route(table, verb::post,
                                  "/rest//guestmanagement/generateAndSendGuestResetPasswordCode.json"))
                  .status,
              404u);
    EXPECT_EQ(answered(find_route(table, verb::post,
                                  "/rest/25/33/guestmanagement/generateAndSendGuestResetPasswordCode.json"))
                  .status,
              404u);
}

TEST(Router, TrailingSlashesAndExtraSegmentsDoNotMatch) {
    EXPECT_EQ(answered(find_route(table, verb::get, "/healthz/")).status, 404u);
    EXPECT_EQ(answered(find_route(table, verb::get, "/healthz/x")).status, 404u);
    EXPECT_EQ(answered(find_route(table, verb::get, "/api/xp-guest-account")).status, 404u);
    EXPECT_EQ(answered(find_route(table, verb::get, "/HEALTHZ")).status, 404u);
    EXPECT_EQ(answered(find_route(table, verb::get, "")).status, 404u);
}

TEST(Router, UnknownPathIsNotFoundInTheDialectOfThePath) {
    const response xp = answered(find_route(table, verb::get, "/api/xp-guest-account/nope"));
    EXPECT_EQ(xp.status, 404u);
    EXPECT_EQ(xp.body, R"({"message":"not found"})");
    const response px = answered(find_route(table, verb::post, "/rest/25.33/guestmanagement/nope.json"));
    EXPECT_EQ(px.status, 404u);
    EXPECT_EQ(px.body,
              R"({"result":"failure","errorCode":"guestmanagement.unknown_endpoint","errorMessage":"not found"})");
    const response ops = answered(find_route(table, verb::get, "/nope"));
    EXPECT_EQ(ops.status, 404u);
    EXPECT_EQ(ops.body, R"({"message":"not found"})");
}

TEST(Router, KnownPathWithAnotherMethodIsMethodNotAllowedWithAllow) {
    const response r = answered(find_route(table, verb::post, "/api/xp-guest-account/guest-informations"));
    EXPECT_EQ(r.status, 405u);
    EXPECT_EQ(r.body, R"({"message":"method not allowed"})");
    EXPECT_EQ(header_of(r, "allow"), "GET, PUT");
    EXPECT_EQ(header_of(answered(find_route(table, verb::get, "/api/xp-email-lists/members")), "allow"),
              "DELETE, POST");
    const response px = answered(find_route(table, verb::get, "/rest/1/guestmanagement/"
                                                              "generateAndSendGuestResetPasswordCode.json"));
    EXPECT_EQ(px.status, 405u);
    EXPECT_EQ(header_of(px, "allow"), "POST");
    EXPECT_EQ(px.body, R"({"result":"failure","errorCode":"guestmanagement.method_not_allowed",)"
                       R"("errorMessage":"method not allowed"})");
}

TEST(PathMatches, ComparesSegmentBySegment) {
    EXPECT_TRUE(path_matches("/", "/"));
    EXPECT_TRUE(path_matches("/a/{x}/c", "/a/b/c"));
    EXPECT_FALSE(path_matches("/a/{x}/c", "/a//c"));
    EXPECT_FALSE(path_matches("/a/{x}", "/a/b/c"));
    EXPECT_FALSE(path_matches("/a", "/a/"));
    EXPECT_FALSE(path_matches("/a/", "/a"));
    EXPECT_FALSE(path_matches("/a/b", "/a/bc"));
}

TEST(PathParam, ReturnsTheMatchedSegment) {
    constexpr std::string_view pattern = "/api/xp-store-bookings/events/list/{start}/{end}";
    EXPECT_EQ(path_param(pattern, "/api/xp-store-bookings/events/list/2022-03-29/2022-03-30", "start"), "2022-03-29");
    EXPECT_EQ(path_param(pattern, "/api/xp-store-bookings/events/list/2022-03-29/2022-03-30", "end"), "2022-03-30");
    EXPECT_FALSE(path_param(pattern, "/api/xp-store-bookings/events/list/2022-03-29/2022-03-30", "other"));
    EXPECT_FALSE(path_param(pattern, "/api/xp-store-bookings/events/list/2022-03-29", "start"));
}

}  // namespace
}  // namespace guestd::api
