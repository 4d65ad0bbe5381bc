// `guestd migrate-data --from guestd.db --to postgresql://...`: moves a SQLite deployment to an empty PostgreSQL
// database (src/migrate/ does the work). cli.cpp registers it with add_migrate_command(); it runs from its own
// CLI11 callback and ends the parse with its exit code: 0 moved (or the dry run passed), 1 an error (nothing
// committed), 2 bad flags, 3 the target holds data (refused, untouched), 4 the SQLite file is not at this guestd's
// schema version (refused).
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace guestd::cli {

struct migrate_command {
    /// Runs the migration; prints progress on stderr and the summary JSON on stdout; returns the exit code.
    int run();

private:
    friend std::unique_ptr<migrate_command> add_migrate_command(CLI::App& app);

    /// Checks the flags that CLI11 takes as plain text; the message for stderr, or "" when they are fine.
    std::string check_flags();

    CLI::App* cmd_ = nullptr;
    std::string from_;
    std::string to_;
    bool dry_run_ = false;
};

/// Adds the `migrate-data` subcommand to app; keep the result alive until app.parse() returns. When chosen, it
/// runs inside app.parse(), which then throws CLI::RuntimeError carrying the exit code (app.exit() prints nothing
/// for it).
std::unique_ptr<migrate_command> add_migrate_command(CLI::App& app);

}  // namespace guestd::cli
