#include "cli/import_command.hpp"

#include "app/app.hpp"
#include "import/importer.hpp"
#include "import/input.hpp"
#include "import/progress.hpp"
#include "import/reject_file.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace guestd::cli {
namespace {

namespace json = boost::json;

constexpr int exit_rejected = 3;
constexpr int exit_error = 1;
constexpr int exit_bad_flags = 2;

/// A whole decimal integer in [min, max], or nothing.
std::optional<std::int64_t> integer_in(const std::string& s, std::int64_t min, std::int64_t max) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < min || v > max) return std::nullopt;
    return v;
}

/// An error and its fields on one line: "bad CSV header: phone: 'phone' is not a field here".
std::string explain(const core::error& e) {
    std::string out = e.message;
    for (std::size_t i = 0; i < e.fields.size(); ++i) out += (i == 0 ? ": " : "; ") + e.fields[i].field + ": " + e.fields[i].reason;
    return out;
}

int fail(const std::string& message, int code) {
    std::cerr << "guestd import: " << message << std::endl;
    return code;
}

/// The summary line. Written by hand so seconds read 0.005, not Boost.JSON's 5E-3.
std::string summary_json(const import::import_counts& c, double elapsed, const std::string* rejects_file, bool dry_run) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", elapsed);
    const auto per_second = elapsed > 0 ? std::llround(static_cast<double>(c.rows) / elapsed) : 0LL;
    return "{\"created\":" + std::to_string(c.created) + ",\"updated\":" + std::to_string(c.updated) +
           ",\"rejected\":" + std::to_string(c.rejected) + ",\"rows\":" + std::to_string(c.rows) +
           ",\"elapsed_seconds\":" + seconds + ",\"rows_per_second\":" + std::to_string(per_second) +
           ",\"rejects_file\":" + (rejects_file ? json::serialize(json::value(*rejects_file)) : "null") +
           ",\"dry_run\":" + (dry_run ? "true" : "false") + "}";
}

/// Closes a file descriptor when the command ends.
struct fd_guard {
    int fd;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::unique_ptr<import_command> add_import_command(CLI::App& app) {
    auto c = std::make_unique<import_command>();
    auto* cmd = app.add_subcommand(
        "import", "Load bookings, PMS customers or email-list members from a CSV or JSON Lines file. Exit codes: 0 "
                  "all imported, 3 some rows rejected (see the reject file), 1 an error, 2 bad flags.");
    // Values are taken as text and checked in run(), so every bad flag exits with the same code
    cmd->add_option("--db", c->db_, "SQLite database file")->envname("GUESTD_DB")->type_name("PATH")->capture_default_str();
    cmd->add_option("--merchant", c->merchant_, "Merchant id (required)")->type_name("ID");
    cmd->add_option("--kind", c->kind_, "bookings, customers or email-list (required)")->type_name("KIND");
    cmd->add_option("--list", c->list_, "With --kind email-list: the list the members join (required there)")->type_name("NAME");
    cmd->add_option("--format", c->format_, "csv or jsonl (default: from FILE's extension: .csv, .jsonl, .ndjson)")
        ->type_name("FORMAT");
    cmd->add_option("--batch", c->batch_, "Rows per transaction (1 to 100000)")->type_name("N")->capture_default_str();
    cmd->add_option("--rejects", c->rejects_, "Where bad rows go (default: FILE.rejects.csv)")->type_name("PATH");
    cmd->add_flag("--dry-run", c->dry_run_, "Validate every row without writing anything");
    cmd->add_option("file", c->file_, "The file to import; CSV has a header row of field paths (customer.email)")
        ->type_name("FILE");
    cmd->allow_extras();
    c->cmd_ = cmd;
    return c;
}

bool import_command::parsed() const { return cmd_ != nullptr && cmd_->parsed(); }

std::string import_command::check_flags() {
    if (const auto extra = cmd_->remaining(); !extra.empty()) return "unknown argument '" + extra.front() + "'";
    if (file_.empty()) return "a FILE to import is required";
    if (merchant_.empty()) return "--merchant is required";
    if (!integer_in(merchant_, 1, 2147483647)) return "--merchant must be a merchant id (a positive integer)";
    if (kind_.empty()) return "--kind is required (bookings, customers or email-list)";
    const auto kind = import::parse_kind(kind_);
    if (!kind) return "--kind must be bookings, customers or email-list";
    if (*kind == import::item_kind::email_list && list_.empty()) return "--kind email-list needs --list NAME";
    if (*kind != import::item_kind::email_list && !list_.empty()) return "--list goes only with --kind email-list";
    if (!format_.empty() && !import::parse_format(format_)) return "--format must be csv or jsonl";
    if (format_.empty() && !import::format_of_path(file_))
        return "cannot tell the format of " + file_ + " from its extension; add --format csv or --format jsonl";
    if (!integer_in(batch_, 1, static_cast<std::int64_t>(import::max_batch))) return "--batch must be 1 to 100000";
    if (rejects_.empty()) rejects_ = file_ + ".rejects.csv";
    if (rejects_ == file_) return "--rejects must not be the file being imported";
    return {};
}

int import_command::run() {
    if (auto problem = check_flags(); !problem.empty())
        return fail(problem + "\nRun with --help for more information.", exit_bad_flags);
    const import::import_options options{
        .merchant = core::merchant_id{*integer_in(merchant_, 1, 2147483647)},
        .kind = *import::parse_kind(kind_),
        .format = format_.empty() ? *import::format_of_path(file_) : *import::parse_format(format_),
        .list = list_,
        .batch = static_cast<std::size_t>(*integer_in(batch_, 1, static_cast<std::int64_t>(import::max_batch))),
        .dry_run = dry_run_,
    };

    // Open the file (a directory or a missing file is an error before anything else happens)
    const fd_guard file{::open(file_.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) return fail("cannot read " + file_ + ": " + std::strerror(errno), exit_error);
    struct stat st {};
    if (::fstat(file.fd, &st) != 0 || S_ISDIR(st.st_mode)) return fail("cannot read " + file_ + ": not a file", exit_error);

    // The database must exist: an import never creates one (and a dry run writes nothing)
    std::error_code ec;
    if (!app::is_postgres(db_) && !std::filesystem::exists(db_, ec))
        return fail("no database at " + db_ + " (guestd merchant add creates it)", exit_error);

    // Open the store and make sure the merchant is there
    std::unique_ptr<app::system> sys;
    try {
        sys = app::open_bulk_writer(db_, 2);
        if (!sys->db->begin(store::tx::read)->merchants().find(options.merchant))
            return fail("unknown merchant " + merchant_, exit_error);
    } catch (const std::exception& e) {
        return fail(e.what(), exit_error);
    }

    const bool terminal = ::isatty(STDERR_FILENO) == 1;
    try {
        // Read, validate, map and commit, reporting progress and rejects as they come
        import::reject_file rejects(rejects_);
        import::progress_reporter progress(STDERR_FILENO, terminal, import::file_size(file.fd));
        import::input_buffer in = import::input_buffer::from_fd(file.fd);
        const auto start = std::chrono::steady_clock::now();
        const auto counts = import::run_import(
            sys->services->crm(), in, options,
            [&](std::uint64_t line, std::string_view reason, std::string_view raw) { rejects.write(line, reason, raw); },
            [&](const import::import_counts& c, std::uint64_t bytes) { progress.update(c.rows, c.rejected, bytes); },
            [](std::string_view warning) { std::cerr << "guestd import: warning: " << warning << std::endl; });
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        rejects.close();
        if (!counts) return fail(explain(counts.error()), exit_error);
        progress.finish(counts->rows, counts->rejected, in.bytes_read());

        // The summary, for people and scripts alike
        std::cout << summary_json(*counts, elapsed, rejects.count() > 0 ? &rejects_ : nullptr, options.dry_run)
                  << std::endl;
        return counts->rejected > 0 ? exit_rejected : 0;
    } catch (const std::exception& e) {
        // A store fault past its retries, an unreadable file or a reject file that cannot be written
        if (terminal) std::cerr << '\n';
        return fail(std::string(e.what()) + " (the batches committed before it stay; importing the file again is safe)",
                    exit_error);
    }
}

}  // namespace guestd::cli
