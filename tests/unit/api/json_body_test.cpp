#include "api/json_body.hpp"

#include "api/errors.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace guestd::api {
namespace {

using core::field_error;
using ::testing::ElementsAre;

request with_content_type(std::string value) {
    request r;
    r.headers.push_back({"content-type", std::move(value)});
    return r;
}

const schema credentials{
    .name = "Credentials",
    .properties = {{.name = "email", .required = true, .format = string_format::email},
                   {.name = "password", .required = true}},
};

// The body is rejected as not JSON, with no field list, and answers 400 in the Experience dialect.
void expect_not_json(std::string_view text) {
    const auto r = parse_json(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, core::errc::invalid_argument);
    EXPECT_EQ(r.error().message, "request body is not valid JSON");
    EXPECT_TRUE(r.error().fields.empty());
    const response wire = experience_error(r.error());
    EXPECT_EQ(wire.status, 400u);
    EXPECT_EQ(wire.body, R"({"message":"request body is not valid JSON"})");
}

TEST(ContentType, AcceptsJsonWithAnyParametersOrNoHeader) {
    EXPECT_TRUE(is_json_content_type(request{}));
    EXPECT_TRUE(is_json_content_type(with_content_type("")));
    EXPECT_TRUE(is_json_content_type(with_content_type("  ")));
    EXPECT_TRUE(is_json_content_type(with_content_type("application/json")));
    EXPECT_TRUE(is_json_content_type(with_content_type("Application/JSON; charset=UTF-8")));
    EXPECT_TRUE(is_json_content_type(with_content_type(" application/json ; x=y")));
}

TEST(ContentType, RejectsOtherMediaTypes) {
    EXPECT_FALSE(is_json_content_type(with_content_type("text/plain")));
    EXPECT_FALSE(is_json_content_type(with_content_type("application/x-www-form-urlencoded")));
    EXPECT_FALSE(is_json_content_type(with_content_type("application/jsonp")));
    EXPECT_FALSE(is_json_content_type(with_content_type("application/merge-patch+json")));
    EXPECT_FALSE(is_json_content_type(with_content_type("; charset=utf-8")));
}

TEST(ParseJson, AcceptsStandardJson) {
    const auto r = parse_json(R"( {"a": [1, 2.5, "\u00e9t\u00e9", null, true]} )");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->at("a").as_array().size(), 5u);
}

TEST(ParseJson, RejectsInvalidUtf8InStringsAndKeys) {
    expect_not_json("{\"name\": \"\xff\"}");
    expect_not_json("{\"\xc3\x28\": 1}");
    expect_not_json("{\"name\": \"\xed\xa0\x80\"}");  // an encoded surrogate
    expect_not_json("{\"name\": \"\xc0\xaf\"}");      // an overlong form
}

TEST(ParseJson, RejectsNestingDeeperThan32Levels) {
    const std::string ok = std::string(32, '[') + std::string(32, ']');
    EXPECT_TRUE(parse_json(ok).has_value());
    expect_not_json(std::string(33, '[') + std::string(33, ']'));
    std::string deep_objects;
    for (int i = 0; i < 40; ++i) deep_objects += "{\"a\":";
    deep_objects += "1" + std::string(40, '}');
    expect_not_json(deep_objects);
}

TEST(ParseJson, RejectsExtensionsAndTrailingData) {
    expect_not_json("");
    expect_not_json("   ");
    expect_not_json("{\"a\": 1,}");
    expect_not_json("{\"a\": 1} // note");
    expect_not_json("{} {}");
    expect_not_json("{\"a\": 1} x");
    expect_not_json("{'a': 1}");
    expect_not_json("{\"a\": NaN}");
}

TEST(ReadBody, ReportsEveryBrokenRuleAsInvalidRequest) {
    const auto r = read_body(R"({"email": "john", "extra": 1})", credentials);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, core::errc::invalid_argument);
    EXPECT_EQ(r.error().message, "invalid request");
    EXPECT_THAT(r.error().fields,
                ElementsAre(field_error{"email", "must be an email address"}, field_error{"password", "is required"},
                            field_error{"extra", "is not allowed"}));
}

TEST(ReadBody, ReturnsTheParsedBodyWhenValid) {
    const auto r = read_body(R"({"email": "john@example.com", "password": "secret"})", credentials);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->at("email").as_string(), "john@example.com");
}

TEST(ReadBody, NamesTheBodyWhenItIsNotAnObject) {
    const auto r = read_body("[1]", credentials);
    ASSERT_FALSE(r.has_value());
    EXPECT_THAT(r.error().fields, ElementsAre(field_error{"", "must be a JSON object"}));
}

}  // namespace
}  // namespace guestd::api
