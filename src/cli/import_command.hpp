// `guestd import`: loads bookings, PMS customers or email-list members from a CSV or JSON Lines file into a
// merchant's CRM (src/import/ does the work). cli.cpp registers it with add_import_command() and, when it was
// chosen, returns its run() as the exit code: 0 all imported, 3 some rows rejected, 1 an error, 2 bad flags.
#pragma once

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace guestd::cli {

struct import_command {
    /// True when the command line chose `import`.
    bool parsed() const;

    /// Runs the import; prints the summary JSON on stdout and problems on stderr; returns the exit code.
    int run();

private:
    friend std::unique_ptr<import_command> add_import_command(CLI::App& app);

    /// Checks the flags that CLI11 takes as plain text; the message for stderr, or "" when they are fine.
    std::string check_flags();

    CLI::App* cmd_ = nullptr;
    std::string db_ = "guestd.db";
    std::string merchant_;
    std::string kind_;
    std::string list_;
    std::string format_;
    std::string batch_ = "1000";
    std::string rejects_;
    std::string file_;
    bool dry_run_ = false;
};

/// Adds the `import` subcommand to app; keep the result alive until run() returns.
std::unique_ptr<import_command> add_import_command(CLI::App& app);

}  // namespace guestd::cli
