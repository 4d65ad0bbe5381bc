#include "harness/import_harness.hpp"

#include "core/clock.hpp"
#include "core/log.hpp"
#include "domain/credentials.hpp"
#include "domain/crm.hpp"
#include "domain/passwords.hpp"
#include "domain/secrets.hpp"
#include "domain/services.hpp"
#include "import/csv_reader.hpp"
#include "import/importer.hpp"
#include "import/input.hpp"
#include "import/jsonl_reader.hpp"
#include "store/sqlite/sqlite_database.hpp"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::fuzz {
namespace {

// 64 KiB rather than the 1 MiB guestd reads with: each read allocates and clears a whole chunk, and the readers
// behave the same past a few KiB.
constexpr std::array<std::size_t, 8> k_chunks{1, 2, 3, 5, 16, 64, 4096, std::size_t{1} << 16};
constexpr std::size_t k_small_record = 64;
// A fresh store after this many inputs, so the database stays small.
constexpr unsigned k_inputs_per_store = 20'000;
constexpr core::merchant_id k_merchant{1234};

[[noreturn]] void broken(std::string_view what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_import_reader: broken invariant: %.*s: %.*s\n", static_cast<int>(what.size()),
                 what.data(), static_cast<int>(detail.size()), detail.data());
    std::abort();
}

struct world {
    std::filesystem::path dir;
    core::manual_clock clock;
    std::unique_ptr<store::database> db;
    std::unique_ptr<domain::services> services;
    unsigned inputs = 0;

    world() {
        domain::init_crypto();
        const std::filesystem::path base =
            std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
        std::string tmpl = (base / "guestd-fuzz-import-XXXXXX").string();
        if (mkdtemp(tmpl.data()) == nullptr) broken("setup", "mkdtemp failed");
        dir = tmpl;
        db = store::sqlite::open({.path = (dir / "guestd.db").string(), .pool_size = 2}, clock);
        services = std::make_unique<domain::services>(*db, clock, std::make_unique<domain::passwords>());
        if (!services->credentials().add_merchant(k_merchant, "Hotel Fuzz")) broken("setup", "add_merchant failed");
    }

    ~world() {
        services.reset();
        db.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }

    world(const world&) = delete;
    world& operator=(const world&) = delete;
};

std::unique_ptr<world> g_world;

void drop_world() { g_world.reset(); }

world& the_world() {
    if (!g_world || g_world->inputs >= k_inputs_per_store) {
        static const bool once = [] {
            core::set_log_level(core::log_level::error);
            std::atexit(&drop_world);
            return true;
        }();
        (void)once;
        g_world.reset();
        g_world = std::make_unique<world>();
    }
    ++g_world->inputs;
    g_world->clock.advance(1);
    return *g_world;
}

// Every record a reader gives, flattened to compare runs with different chunk sizes.
std::vector<std::string> csv_records(const std::string& text, std::size_t chunk, std::size_t max_bytes) {
    auto in = import::input_buffer::from_string(text, chunk);
    import::csv_reader reader(in, max_bytes);
    std::vector<std::string> out;
    import::csv_record r;
    bool header = true;
    while (reader.next(r)) {
        std::string flat = std::to_string(r.line) + "|" + r.error + "|" + std::string(r.raw) + "|";
        for (const auto cell : r.cells) flat += std::to_string(cell.size()) + ":" + std::string(cell);
        if (!r.error.empty() && !r.cells.empty()) broken("CSV record with an error and cells", flat);
        if (r.error.empty() && r.cells.empty()) broken("CSV record with neither cells nor an error", flat);
        if (header && r.error.empty()) {
            reader.expect_cells(r.cells.size());  // as the importer does
            header = false;
        }
        out.push_back(std::move(flat));
        if (out.size() > text.size() + 1) broken("CSV reader", "more records than bytes");
    }
    return out;
}

std::vector<std::string> jsonl_records(const std::string& text, std::size_t chunk, std::size_t max_bytes) {
    auto in = import::input_buffer::from_string(text, chunk);
    import::jsonl_reader reader(in, max_bytes);
    std::vector<std::string> out;
    import::jsonl_line l;
    while (reader.next(l)) {
        if (l.text.size() > max_bytes) broken("JSON Lines line past the limit", std::to_string(l.text.size()));
        if (l.text.find('\n') != std::string_view::npos) broken("JSON Lines line holds a line break", l.text);
        out.push_back(std::to_string(l.line) + "|" + (l.too_long ? "long|" : "|") + std::string(l.text));
        if (out.size() > text.size() + 1) broken("JSON Lines reader", "more lines than bytes");
    }
    return out;
}

}  // namespace

void run_import(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return;
    const std::uint8_t how = data[0];
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    const bool jsonl = (how & 1) != 0;
    const unsigned kind = (how >> 1) & 3;
    const std::size_t chunk = k_chunks[(how >> 3) & 7];
    const std::size_t max_bytes = (how & 0x40) != 0 ? k_small_record : import::max_record_bytes;
    const bool real = (how & 0x80) != 0;

    // The readers: the same records whether the file arrives in one piece or a few bytes at a time.
    const auto records = jsonl ? jsonl_records : csv_records;
    if (records(text, chunk, max_bytes) != records(text, text.size() + 1, max_bytes))
        broken(jsonl ? "JSON Lines reader depends on the chunk size" : "CSV reader depends on the chunk size",
               std::to_string(chunk));

    // The importer end to end: every row imported or rejected with its line, never an exception.
    world& w = the_world();
    import::import_options options{.merchant = k_merchant,
                                   .kind = kind == 1   ? import::item_kind::customers
                                           : kind == 2 ? import::item_kind::email_list
                                                       : import::item_kind::bookings,
                                   .format = jsonl ? import::file_format::jsonl : import::file_format::csv,
                                   .list = "news",
                                   .batch = real ? std::size_t{3} : std::size_t{1000},
                                   .dry_run = !real};
    auto in = import::input_buffer::from_string(text, chunk);
    std::uint64_t rejected = 0;
    const auto counts = import::run_import(
        w.services->crm(), in, options, [&](std::uint64_t line, std::string_view reason, std::string_view) {
            if (line == 0) broken("reject without a line", reason);
            if (reason.empty()) broken("reject without a reason", std::to_string(line));
            ++rejected;
        });
    if (counts && counts->rejected != rejected) broken("reject count", std::to_string(counts->rejected));
}

}  // namespace guestd::fuzz
