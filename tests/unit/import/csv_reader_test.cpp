// The CSV reader: RFC 4180 quoting, line numbers across quoted line breaks, broken records and how reading
// resumes after them, the byte order mark, and every chunk boundary (each case also runs on 1-byte reads).
#include "import/csv_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace guestd::import {
namespace {

/// A record as plain values, so tests can compare whole files at once.
struct rec {
    std::uint64_t line = 0;
    std::vector<std::string> cells;
    std::string raw;
    std::string error;
    friend bool operator==(const rec&, const rec&) = default;
};

void PrintTo(const rec& r, std::ostream* os) {
    *os << "{line " << r.line << ", cells [";
    for (const auto& c : r.cells) *os << '"' << c << "\" ";
    *os << "], raw \"" << r.raw << "\", error \"" << r.error << "\"}";
}

std::vector<rec> read_all(const std::string& text, std::size_t chunk, std::size_t expected_cells = 0,
                          std::size_t max_bytes = max_record_bytes) {
    auto in = input_buffer::from_string(text, chunk);
    csv_reader reader(in, max_bytes);
    reader.expect_cells(expected_cells);
    std::vector<rec> out;
    csv_record r;
    while (reader.next(r)) out.push_back({r.line, {r.cells.begin(), r.cells.end()}, std::string(r.raw), r.error});
    return out;
}

/// Reads text with large and with 1-, 2- and 3-byte reads, expects the same records every time, and returns them.
std::vector<rec> read(const std::string& text, std::size_t expected_cells = 0) {
    const auto whole = read_all(text, 1 << 20, expected_cells);
    for (const std::size_t chunk : {1uz, 2uz, 3uz}) EXPECT_EQ(read_all(text, chunk, expected_cells), whole) << "chunk " << chunk;
    return whole;
}

TEST(CsvReader, SplitsRecordsAndCellsOnLfAndCrlf) {
    const auto r = read("a,b,c\n1,2,3\r\nx,,z\n");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0], (rec{1, {"a", "b", "c"}, "a,b,c", ""}));
    EXPECT_EQ(r[1], (rec{2, {"1", "2", "3"}, "1,2,3", ""}));
    EXPECT_EQ(r[2], (rec{3, {"x", "", "z"}, "x,,z", ""}));
}

TEST(CsvReader, QuotedCellsHoldCommasDoubledQuotesAndLineBreaks) {
    const auto r = read("ref,street\nBK-1,\"12, \"\"Grande\"\" Rue\nBat. B\"\nBK-2,\"\"\n");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[1].cells, (std::vector<std::string>{"BK-1", "12, \"Grande\" Rue\nBat. B"}));
    EXPECT_EQ(r[1].line, 2u);
    EXPECT_EQ(r[1].raw, "BK-1,\"12, \"\"Grande\"\" Rue\nBat. B\"");
    // The record after a two-line record starts on line 4
    EXPECT_EQ(r[2], (rec{4, {"BK-2", ""}, "BK-2,\"\"", ""}));
}

TEST(CsvReader, KeepsCrlfInsideQuotesAndCountsItsLines) {
    const auto r = read("a,b\r\n\"x\r\ny\r\nz\",2\r\nlast,3\r\n");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[1].cells[0], "x\r\ny\r\nz");
    EXPECT_EQ(r[2].line, 5u);
}

TEST(CsvReader, TrailingCommaIsAnEmptyLastCell) {
    const auto r = read("a,b,\n");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].cells, (std::vector<std::string>{"a", "b", ""}));
}

TEST(CsvReader, DropsTheByteOrderMark) {
    const auto r = read("\xEF\xBB\xBFreference,status\nBK-1,valid\n");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].cells[0], "reference");
    EXPECT_EQ(r[0].line, 1u);
}

TEST(CsvReader, SkipsBlankLinesButCountsThem) {
    const auto r = read("a\n\n\r\nb\n\n");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[1], (rec{4, {"b"}, "b", ""}));
}

TEST(CsvReader, ReadsALastRecordWithoutLineEnd) {
    const auto r = read("a,b\n1,\"2\"");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[1], (rec{2, {"1", "2"}, "1,\"2\"", ""}));
}

TEST(CsvReader, RefusesARecordWithTheWrongNumberOfCells) {
    const auto r = read("1,2,3\n1,2\n1,2,3,4\n4,5,6\n", 3);
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].error, "");
    EXPECT_EQ(r[1], (rec{2, {}, "1,2", "has 2 cells, the header has 3"}));
    EXPECT_EQ(r[2], (rec{3, {}, "1,2,3,4", "has 4 cells, the header has 3"}));
    EXPECT_EQ(r[3], (rec{4, {"4", "5", "6"}, "4,5,6", ""}));
}

TEST(CsvReader, RefusesAQuoteInsideAnUnquotedCell) {
    const auto r = read("a,b\n5\" screen,2\nok,3\n");
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[1].line, 2u);
    EXPECT_TRUE(r[1].error.starts_with("broken quoting")) << r[1].error;
    EXPECT_TRUE(r[1].cells.empty());
    EXPECT_EQ(r[2], (rec{3, {"ok", "3"}, "ok,3", ""}));
}

TEST(CsvReader, RefusesTextAfterAClosingQuote) {
    const auto r = read("\"a\"b,c\n\"d\",e\n");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].error, "broken quoting: text after a closing quote");
    EXPECT_EQ(r[1], (rec{2, {"d", "e"}, "\"d\",e", ""}));
}

TEST(CsvReader, AnUnclosedQuoteCostsOnlyItsOwnLine) {
    // The open quote on line 2 would swallow the rest of the file; reading resumes on line 3 instead
    const auto r = read("ref,email,name\nBK-1,\"broken@example.com,John\nBK-2,jane@example.com,Jane\nBK-3,x@example.com,X\n", 3);
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[1], (rec{2, {}, "BK-1,\"broken@example.com,John", "broken quoting: unclosed quote"}));
    EXPECT_EQ(r[2], (rec{3, {"BK-2", "jane@example.com", "Jane"}, "BK-2,jane@example.com,Jane", ""}));
    EXPECT_EQ(r[3], (rec{4, {"BK-3", "x@example.com", "X"}, "BK-3,x@example.com,X", ""}));
}

TEST(CsvReader, AnUnclosedQuoteMeetingALaterQuoteCostsOnlyItsOwnLine) {
    const auto r = read("BK-1,\"open,a\nBK-2,\"ok, quoted\",b\nBK-3,c,d\n", 3);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].line, 1u);
    EXPECT_FALSE(r[0].error.empty());
    EXPECT_EQ(r[0].raw, "BK-1,\"open,a");
    EXPECT_EQ(r[1], (rec{2, {"BK-2", "ok, quoted", "b"}, "BK-2,\"ok, quoted\",b", ""}));
    EXPECT_EQ(r[2].line, 3u);
}

TEST(CsvReader, AnUnclosedQuoteOnTheLastLineIsBroken) {
    const auto r = read("a,b\n1,\"2\n");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[1].line, 2u);
    EXPECT_EQ(r[1].error, "broken quoting: unclosed quote");
}

TEST(CsvReader, AMultiLineRecordWithTheWrongCellCountCostsOnlyItsFirstLine) {
    const auto r = read("\"a\nb\",c\nx,y,z\n", 3);
    ASSERT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0], (rec{1, {}, "\"a", "has 2 cells, the header has 3"}));
    // Reading resumed inside the broken record: its second line is refused on its own
    EXPECT_EQ(r[1].line, 2u);
    EXPECT_FALSE(r[1].error.empty());
    EXPECT_EQ(r[2], (rec{3, {"x", "y", "z"}, "x,y,z", ""}));
}

TEST(CsvReader, RefusesALineOverTheLimitAndGoesOn) {
    const std::string text = "a,b\n" + std::string(100, 'x') + ",y\nc,d\n";
    for (const std::size_t chunk : {1uz, 7uz, 1uz << 20}) {
        const auto r = read_all(text, chunk, 2, 32);
        ASSERT_EQ(r.size(), 3u);
        EXPECT_EQ(r[1].line, 2u);
        EXPECT_EQ(r[1].error, "longer than 32 bytes");
        EXPECT_EQ(r[1].raw, std::string(32, 'x'));
        EXPECT_EQ(r[2], (rec{3, {"c", "d"}, "c,d", ""}));
    }
}

TEST(CsvReader, EmptyInputHasNoRecords) {
    EXPECT_TRUE(read("").empty());
    EXPECT_TRUE(read("\xEF\xBB\xBF").empty());
    EXPECT_TRUE(read("\n\n").empty());
}

}  // namespace
}  // namespace guestd::import
