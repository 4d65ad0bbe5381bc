// The reject file (CSV quoting, cut raw text, created only on the first reject) and the progress formatting.
#include "import/progress.hpp"
#include "import/reject_file.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace guestd::import {
namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return std::move(text).str();
}

class RejectFile : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "guestd-rejects-XXXXXX").string();
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

TEST_F(RejectFile, IsCreatedOnlyByTheFirstReject) {
    const auto path = dir_ / "none.rejects.csv";
    {
        reject_file f(path.string());
        f.close();
        EXPECT_EQ(f.count(), 0u);
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(RejectFile, WritesLineReasonAndRawQuotedAsCsv) {
    const auto path = dir_ / "x.rejects.csv";
    reject_file f(path.string());
    f.write(2, "arrival: must be a date (YYYY-MM-DD)", "BK-1,valid,2021-13-01");
    f.write(7, "has 2 cells, the header has 3", "a,\"b\nc\"");
    f.write(9, "invalid UTF-8", "plain");
    f.close();
    EXPECT_EQ(f.count(), 3u);
    EXPECT_EQ(slurp(path),
              "line,reason,raw\n"
              "2,arrival: must be a date (YYYY-MM-DD),\"BK-1,valid,2021-13-01\"\n"
              "7,\"has 2 cells, the header has 3\",\"a,\"\"b\nc\"\"\"\n"
              "9,invalid UTF-8,plain\n");
}

TEST_F(RejectFile, CutsLongRawTextToAFewKiB) {
    const auto path = dir_ / "long.rejects.csv";
    reject_file f(path.string());
    f.write(1, "too long", std::string(10000, 'x'));
    f.close();
    EXPECT_EQ(slurp(path), "line,reason,raw\n1,too long," + std::string(max_reject_raw_bytes, 'x') + "\n");
}

TEST_F(RejectFile, SaysWhenItCannotBeCreated) {
    reject_file f((dir_ / "missing-dir" / "r.csv").string());
    EXPECT_THROW(f.write(1, "x", "y"), std::system_error);
}

TEST(TruncateUtf8, NeverCutsASequenceInTwo) {
    EXPECT_EQ(truncate_utf8("abc", 10), "abc");
    EXPECT_EQ(truncate_utf8("abcdef", 3), "abc");
    // "é" is two bytes: a cut after its first byte backs off before it
    EXPECT_EQ(truncate_utf8("ab\xC3\xA9", 3), "ab");
    EXPECT_EQ(truncate_utf8("a\xE2\x82\xAC" "b", 3), "a");
    EXPECT_EQ(truncate_utf8("a\xE2\x82\xAC" "b", 4), "a\xE2\x82\xAC");
}

TEST(CsvCell, QuotesOnlyWhenItMust) {
    std::string out;
    append_csv_cell(out, "plain text");
    out += '|';
    append_csv_cell(out, "a,b");
    out += '|';
    append_csv_cell(out, "say \"hi\"");
    out += '|';
    append_csv_cell(out, "two\r\nlines");
    EXPECT_EQ(out, "plain text|\"a,b\"|\"say \"\"hi\"\"\"|\"two\r\nlines\"");
}

TEST(Progress, LineNamesRowsSpeedBytesAndEta) {
    const progress_state s{.rows = 50000, .rejected = 3, .bytes_read = 512 * 1024 * 1024,
                           .bytes_total = std::uint64_t{1024} * 1024 * 1024, .elapsed_seconds = 10};
    EXPECT_EQ(progress_line(s), "50000 rows, 3 rejected, 5000 rows/s, 512.0 MiB of 1.0 GiB (50%), ETA 0:00:10");
}

TEST(Progress, LineWithoutAKnownSizeHasNoEta) {
    const progress_state s{.rows = 10, .rejected = 0, .bytes_read = 2048, .bytes_total = std::nullopt, .elapsed_seconds = 2};
    EXPECT_EQ(progress_line(s), "10 rows, 5 rows/s, 2.0 KiB");
}

TEST(Progress, BarFillsWithTheFractionReadAndFitsTheWidth) {
    const progress_state s{.rows = 1000, .rejected = 0, .bytes_read = 250, .bytes_total = 1000, .elapsed_seconds = 1};
    const std::string bar = progress_bar(s, 200);
    EXPECT_TRUE(bar.starts_with("[######..................]  25% 1000 rows")) << bar;
    EXPECT_LE(progress_bar(s, 30).size(), 29u);
}

TEST(Progress, FormatsBytesAndDurations) {
    EXPECT_EQ(format_bytes(512), "512 B");
    EXPECT_EQ(format_bytes(1536), "1.5 KiB");
    EXPECT_EQ(format_bytes(std::uint64_t{10} * 1024 * 1024 * 1024), "10.0 GiB");
    EXPECT_EQ(format_duration(12.4), "0:00:12");
    EXPECT_EQ(format_duration(3723), "1:02:03");
}

}  // namespace
}  // namespace guestd::import
