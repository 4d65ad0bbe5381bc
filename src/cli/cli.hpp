// The `guestd` command line: serve, merchant, partner, guest, openapi. Operator subcommands print one JSON
// object on stdout (fixed keys, so scripts can rely on them), and a message on stderr with a non-zero exit
// on error.
#pragma once

namespace guestd::cli {

/// Parses argv and runs the subcommand; returns the process exit code.
int run(int argc, char** argv);

}  // namespace guestd::cli
