// Replays the fuzz targets' checked-in inputs with g++: fuzz/corpus/<target>/ (the seeds and what the fuzzer
// kept) and fuzz/regressions/<target>/ (inputs that once crashed, each fixed since). A harness aborts on a broken
// invariant and sanitizer builds catch memory errors, so a replay that returns is a pass.
#include "harness/import_harness.hpp"
#include "harness/json_harness.hpp"
#include "harness/request_harness.hpp"

#include "api/json_body.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using entry_fn = void (*)(const std::uint8_t*, std::size_t);

std::vector<fs::path> inputs(const std::string& kind, const std::string& target) {
    std::vector<fs::path> out;
    const fs::path dir = fs::path(GUESTD_FUZZ_DIR) / kind / target;
    if (!fs::is_directory(dir)) return out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename() != "README.md") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::size_t replay(const std::string& kind, const std::string& target, entry_fn run) {
    const auto files = inputs(kind, target);
    for (const auto& file : files) {
        std::string bytes(fs::file_size(file), '\0');
        std::ifstream in(file, std::ios::binary);
        if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
            ADD_FAILURE() << "cannot read " << file;
            continue;
        }
        // Named before it runs: a broken invariant aborts the process, and this line says which input did it.
        std::fprintf(stderr, "replaying %s\n", file.string().c_str());
        run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    return files.size();
}

// fuzz_json_validate found: 1e999 parsed as infinity, which serializes as "Infinity", so a pushed booking's stored
// payload was not JSON any more and a room number read "inf".
TEST(FuzzFindings, NumbersPastTheDoubleRangeAreNotJson) {
    for (const char* text : {"1e999", "[-1e999]", R"({"a": {"b": [0, 11e3082]}})"}) {
        const auto v = guestd::api::parse_json(text);
        ASSERT_FALSE(v.has_value()) << text;
        EXPECT_EQ(v.error().message, "request body is not valid JSON");
    }
    EXPECT_TRUE(guestd::api::parse_json("[1e308, -1e308, 5e-324, 0.1]").has_value());
}

TEST(FuzzReplay, RequestCorpusAndRegressions) {
    EXPECT_GT(replay("corpus", "fuzz_request", &guestd::fuzz::run_request), 20u);
    replay("regressions", "fuzz_request", &guestd::fuzz::run_request);
}

TEST(FuzzReplay, JsonValidateCorpusAndRegressions) {
    EXPECT_GT(replay("corpus", "fuzz_json_validate", &guestd::fuzz::run_json), 10u);
    replay("regressions", "fuzz_json_validate", &guestd::fuzz::run_json);
}

TEST(FuzzReplay, ImportReaderCorpusAndRegressions) {
    EXPECT_GT(replay("corpus", "fuzz_import_reader", &guestd::fuzz::run_import), 10u);
    replay("regressions", "fuzz_import_reader", &guestd::fuzz::run_import);
}

}  // namespace
