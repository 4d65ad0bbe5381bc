#include "api/message.hpp"

#include <gtest/gtest.h>

namespace guestd::api {
namespace {

request with_query(std::string q) {
    request r;
    r.query_string = std::move(q);
    return r;
}

TEST(Verb, PrintsTheHttpMethodName) {
    EXPECT_EQ(to_string(verb::get), "GET");
    EXPECT_EQ(to_string(verb::post), "POST");
    EXPECT_EQ(to_string(verb::put), "PUT");
    EXPECT_EQ(to_string(verb::del), "DELETE");
}

TEST(RequestHeader, ReturnsTheFirstHeaderOfThatName) {
    request r;
    r.headers = {{"x-guest-token", "first"}, {"authorization", "Bearer a:b"}, {"x-guest-token", "second"}};
    EXPECT_EQ(r.header_value("x-guest-token"), "first");
    EXPECT_EQ(r.header_value("authorization"), "Bearer a:b");
    EXPECT_FALSE(r.header_value("content-type").has_value());
}

TEST(RequestQuery, DecodesPercentEscapesAndPlus) {
    const request r = with_query("list=news+letter&email=john.doe%40example.com");
    EXPECT_EQ(r.query("email"), "john.doe@example.com");
    EXPECT_EQ(r.query("list"), "news letter");
}

TEST(RequestQuery, KeepsInvalidEscapesAsTheyAre) {
    EXPECT_EQ(with_query("a=%zz").query("a"), "%zz");
    EXPECT_EQ(with_query("a=50%").query("a"), "50%");
    EXPECT_EQ(with_query("a=%4").query("a"), "%4");
    EXPECT_EQ(with_query("a=%2B%2b").query("a"), "++");
}

TEST(RequestQuery, DecodesRawBytesWithoutJudgingThem) {
    EXPECT_EQ(with_query("a=%FF%00x").query("a"), std::string("\xff\0x", 3));
}

TEST(RequestQuery, MatchesDecodedNamesAndTakesTheFirstOccurrence) {
    const request r = with_query("e%6Dail=one&email=two");
    EXPECT_EQ(r.query("email"), "one");
}

TEST(RequestQuery, NameWithoutValueIsEmptyAndMissingNameIsAbsent) {
    const request r = with_query("&flag&x=1&&");
    EXPECT_EQ(r.query("flag"), "");
    EXPECT_EQ(r.query("x"), "1");
    EXPECT_FALSE(r.query("fla").has_value());
    EXPECT_FALSE(with_query("").query("x").has_value());
}

}  // namespace
}  // namespace guestd::api
