// The JSON Lines reader: physical line numbers, CRLF, blank lines, the byte order mark, a last line without LF,
// and lines over the limit, across every chunk boundary.
#include "import/jsonl_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace guestd::import {
namespace {

struct line_seen {
    std::uint64_t line = 0;
    std::string text;
    bool too_long = false;
    friend bool operator==(const line_seen&, const line_seen&) = default;
};

void PrintTo(const line_seen& l, std::ostream* os) {
    *os << "{" << l.line << ", \"" << l.text << "\"" << (l.too_long ? ", too long" : "") << "}";
}

std::vector<line_seen> read_all(const std::string& text, std::size_t chunk, std::size_t max_bytes = max_record_bytes) {
    auto in = input_buffer::from_string(text, chunk);
    jsonl_reader reader(in, max_bytes);
    std::vector<line_seen> out;
    jsonl_line l;
    while (reader.next(l)) out.push_back({l.line, std::string(l.text), l.too_long});
    return out;
}

std::vector<line_seen> read(const std::string& text, std::size_t max_bytes = max_record_bytes) {
    const auto whole = read_all(text, 1 << 20, max_bytes);
    for (const std::size_t chunk : {1uz, 2uz, 5uz}) EXPECT_EQ(read_all(text, chunk, max_bytes), whole) << "chunk " << chunk;
    return whole;
}

TEST(JsonlReader, NumbersPhysicalLinesAndSkipsBlankOnes) {
    const auto r = read("{\"a\":1}\n\n  \n{\"b\":2}\r\n{\"c\":3}");
    EXPECT_EQ(r, (std::vector<line_seen>{{1, "{\"a\":1}"}, {4, "{\"b\":2}"}, {5, "{\"c\":3}"}}));
}

TEST(JsonlReader, DropsTheByteOrderMarkOnlyAtTheStart) {
    const auto r = read("\xEF\xBB\xBF{}\n\xEF\xBB\xBF{}\n");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].text, "{}");
    EXPECT_EQ(r[1].text, "\xEF\xBB\xBF{}");
}

TEST(JsonlReader, KeepsLineContentAsIs) {
    // Quotes and escaped newlines are the JSON parser's business; the reader splits on LF only
    const auto r = read("{\"s\":\"a\\nb\"}\n\"just a string\"\nnot json\n");
    EXPECT_EQ(r, (std::vector<line_seen>{{1, "{\"s\":\"a\\nb\"}"}, {2, "\"just a string\""}, {3, "not json"}}));
}

TEST(JsonlReader, CutsALineOverTheLimitAndGoesOn) {
    const std::string text = "{}\n" + std::string(50, 'x') + "\n{\"next\":1}\n";
    const auto r = read(text, 16);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[1], (line_seen{2, std::string(16, 'x'), true}));
    EXPECT_EQ(r[2], (line_seen{3, "{\"next\":1}", false}));
}

TEST(JsonlReader, CutsALastLineOverTheLimit) {
    const auto r = read(std::string(40, 'y'), 16);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_TRUE(r[0].too_long);
    EXPECT_EQ(r[0].line, 1u);
}

TEST(JsonlReader, EmptyInputHasNoLines) {
    EXPECT_TRUE(read("").empty());
    EXPECT_TRUE(read("\n\r\n").empty());
}

}  // namespace
}  // namespace guestd::import
