// guestd's entry point: everything happens in the CLI.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return guestd::cli::run(argc, argv); }
