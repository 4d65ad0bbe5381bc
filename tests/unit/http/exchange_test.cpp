#include "http/exchange.hpp"

#include "core/log.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace guestd::http {
namespace {

bool is_hex16(const std::string& id) {
    return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(RequestId, KeepsAWellFormedIncomingId) {
    EXPECT_EQ(request_id_for("abc-DEF_123"), "abc-DEF_123");
    EXPECT_EQ(request_id_for(std::string(64, 'a')), std::string(64, 'a'));
}

TEST(RequestId, ReplacesAMissingOrMalformedIdWithARandomOne) {
    for (const auto& bad : {std::string(), std::string(65, 'a'), std::string("a b"), std::string("a/b"),
                            std::string("a\"b"), std::string("id\r\nx")}) {
        const auto id = request_id_for(bad);
        EXPECT_TRUE(is_hex16(id)) << "for " << bad << " got " << id;
    }
    EXPECT_TRUE(is_hex16(request_id_for(std::nullopt)));
}

TEST(RequestId, GeneratesDistinctIds) {
    std::set<std::string> ids;
    for (int i = 0; i < 100; ++i) ids.insert(request_id_for(std::nullopt));
    EXPECT_EQ(ids.size(), 100u);
}

TEST(SplitTarget, SeparatesPathAndRawQuery) {
    EXPECT_EQ(split_target("/a/b?x=1&y=%20"), (std::pair<std::string_view, std::string_view>{"/a/b", "x=1&y=%20"}));
    EXPECT_EQ(split_target("/a%2Fb"), (std::pair<std::string_view, std::string_view>{"/a%2Fb", ""}));
    EXPECT_EQ(split_target("/a?"), (std::pair<std::string_view, std::string_view>{"/a", ""}));
}

TEST(MethodLabel, KeepsServedVerbsAndFoldsTheRest) {
    EXPECT_EQ(method_label("GET"), "GET");
    EXPECT_EQ(method_label("DELETE"), "DELETE");
    EXPECT_EQ(method_label("PATCH"), "OTHER");
    EXPECT_EQ(method_label("get"), "OTHER");
    EXPECT_EQ(method_label(""), "OTHER");
}

TEST(AccessLog, HasTheAgreedFieldsAndNeverTheQueryString) {
    exchange_record r;
    r.request_id = "rid";
    r.method = "GET";
    r.path = "/reset-password?code=SECRET";
    r.endpoint = "/reset-password";
    r.client = "127.0.0.1";
    r.status = 200;
    r.duration_ms = 1.5;
    r.bytes_in = 10;
    r.bytes_out = 20;
    const auto fields = access_log_fields(r);

    std::set<std::string> keys;
    for (const auto& kv : fields) keys.insert(std::string(kv.key()));
    EXPECT_EQ(keys, (std::set<std::string>{"request_id", "method", "path", "endpoint", "status", "duration_ms",
                                           "bytes_in", "bytes_out", "client"}));
    EXPECT_EQ(fields.at("path").as_string(), "/reset-password");
    EXPECT_EQ(fields.at("status").to_number<unsigned>(), 200u);
    EXPECT_DOUBLE_EQ(fields.at("duration_ms").as_double(), 1.5);
    EXPECT_EQ(fields.at("bytes_out").to_number<unsigned>(), 20u);
}

// A request path holds whatever bytes the client sent; the access log line stays JSON that a strict reader accepts,
// each byte outside well-formed UTF-8 written as U+FFFD.
TEST(AccessLog, IsValidJsonWhateverBytesThePathHolds) {
    // Boost.JSON's parser refuses raw invalid UTF-8 in a string, so it can tell a broken line.
    boost::system::error_code ec;
    (void)boost::json::parse("\"\xff\"", ec);
    ASSERT_TRUE(ec) << "a lenient parser proves nothing here";

    exchange_record r;
    r.request_id = "rid";
    r.method = "GET";
    r.endpoint = "unmatched";
    r.client = "127.0.0.1";
    r.status = 404;
    // A lone continuation byte, 0xff, an overlong '/', a surrogate, a truncated sequence, control characters, and a
    // well-formed 'é' that stays as it is.
    r.path = "/a\x80" "b\xff" "c\xc0\xaf" "d\xed\xa0\x80" "e\xe2\x82" "f\x01\x1f\x7f" "g\xc3\xa9";
    core::set_log_level(core::log_level::info);
    ::testing::internal::CaptureStderr();
    log_access(r);
    const std::string line = ::testing::internal::GetCapturedStderr();

    const auto parsed = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << ec.message() << ": " << line;
    const std::string fffd = "\xef\xbf\xbd";
    EXPECT_EQ(parsed.at("path").as_string(), "/a" + fffd + "b" + fffd + "c" + fffd + fffd + "d" + fffd + fffd + fffd +
                                                 "e" + fffd + fffd + "f\x01\x1f\x7f" "g\xc3\xa9");
    EXPECT_NE(line.find(R"(c\ufffd\ufffdd)"), std::string::npos) << "written as the escape: " << line;
    EXPECT_EQ(parsed.at("status").to_number<int>(), 404);
}

}  // namespace
}  // namespace guestd::http
