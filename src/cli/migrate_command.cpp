#include "cli/migrate_command.hpp"

#include "app/app.hpp"
#include "migrate/migrate.hpp"
#include "migrate/sqlite_source.hpp"

#include <CLI/CLI.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace guestd::cli {
namespace {

namespace json = boost::json;

constexpr int exit_error = 1;
constexpr int exit_bad_flags = 2;
constexpr int exit_target_not_empty = 3;
constexpr int exit_source_not_ready = 4;

int fail(const std::string& message, int code) {
    std::cerr << "guestd migrate-data: " << message << std::endl;
    return code;
}

/// The summary line. Written by hand around Boost.JSON's objects so seconds read 1.234, not 1.234E0.
std::string summary_json(const migrate::options& opts, const migrate::report& r) {
    json::object tables;
    for (const auto& t : r.tables) tables[t.name] = t.rows;
    json::object sequences;
    for (const auto& s : r.sequences) sequences[s.table] = s.next_id;
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", r.seconds);
    const auto per_second = r.seconds > 0 ? std::llround(static_cast<double>(r.rows) / r.seconds) : 0LL;
    return "{\"from\":" + json::serialize(json::value(opts.from)) +
           ",\"schema_version\":" + std::to_string(r.schema_version) + ",\"tables\":" + json::serialize(tables) +
           ",\"rows\":" + std::to_string(r.rows) + ",\"next_ids\":" + json::serialize(sequences) +
           ",\"elapsed_seconds\":" + seconds + ",\"rows_per_second\":" + std::to_string(per_second) +
           ",\"dry_run\":" + (opts.dry_run ? "true" : "false") + ",\"committed\":" + (r.committed ? "true" : "false") +
           "}";
}

}  // namespace

std::unique_ptr<migrate_command> add_migrate_command(CLI::App& app) {
    auto c = std::make_unique<migrate_command>();
    auto* cmd = app.add_subcommand(
        "migrate-data",
        "Move a SQLite deployment (stopped) to an empty PostgreSQL database, all or nothing. Exit codes: 0 moved, 1 "
        "an error (nothing committed), 2 bad flags, 3 the target holds data (untouched), 4 the SQLite file is not at "
        "this guestd's schema (run guestd on it once).");
    // Values are taken as text and checked in run(), so every bad flag exits with the same code
    cmd->add_option("--from", c->from_, "The SQLite database file, opened read-only (required)")->type_name("PATH");
    cmd->add_option("--to", c->to_,
                    "The PostgreSQL database: postgresql://user@host:port/dbname or key=value conninfo (required; "
                    "give the password in PGPASSWORD or ~/.pgpass rather than here)")
        ->type_name("CONNINFO");
    cmd->add_flag("--dry-run", c->dry_run_, "Copy and check everything, then roll back: the target keeps only the schema");
    cmd->allow_extras();
    c->cmd_ = cmd;

    // Run from the parse, and end it with the exit code (CLI11 prints nothing for a RuntimeError).
    cmd->callback([command = c.get()] { throw CLI::RuntimeError(command->run()); });
    return c;
}

std::string migrate_command::check_flags() {
    if (const auto extra = cmd_->remaining(); !extra.empty()) return "unknown argument '" + extra.front() + "'";
    if (from_.empty()) return "--from PATH (the SQLite database file) is required";
    if (app::is_postgres(from_)) return "--from is the SQLite database file, not a PostgreSQL connection";
    if (to_.empty()) return "--to (the PostgreSQL database) is required";
    if (!app::is_postgres(to_)) return "--to must be a PostgreSQL database: postgresql://... or key=value conninfo";
    return {};
}

int migrate_command::run() {
    if (auto problem = check_flags(); !problem.empty())
        return fail(problem + "\nRun with --help for more information.", exit_bad_flags);
    const migrate::options opts{.from = from_, .to = to_, .dry_run = dry_run_};
    try {
        // Progress on stderr, the summary on stdout, for people and scripts alike
        const auto report =
            migrate::run(opts, [](std::string_view line) { std::cerr << "guestd migrate-data: " << line << std::endl; });
        std::cout << summary_json(opts, report) << std::endl;
        return 0;
    } catch (const migrate::target_not_empty& e) {
        return fail(e.what(), exit_target_not_empty);
    } catch (const migrate::source_not_ready& e) {
        return fail(e.what(), exit_source_not_ready);
    } catch (const std::exception& e) {
        // The transaction never committed: the target holds at most guestd's empty schema
        return fail(std::string(e.what()) + " (nothing was committed; the target holds no data from this run)",
                    exit_error);
    }
}

}  // namespace guestd::cli
