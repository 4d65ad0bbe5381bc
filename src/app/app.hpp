// Wiring: config -> store -> services -> server. The CLI's subcommands open guestd through here, so every
// subcommand and the server share one way of building the system.
#pragma once

#include "core/clock.hpp"
#include "core/config.hpp"
#include "domain/services.hpp"
#include "store/store.hpp"

#include <iosfwd>
#include <memory>
#include <string_view>
#include <string>

namespace guestd::app {

/// A database and the domain services on it: what every subcommand needs.
struct system {
    core::system_clock clock;
    std::unique_ptr<store::database> db;
    std::unique_ptr<domain::services> services;
};

/// True when db names a PostgreSQL database (a postgresql:// URI or key=value conninfo) rather than a SQLite file.
bool is_postgres(std::string_view db);

/// Opens (creating and migrating if needed) the database at path (a SQLite file, or PostgreSQL when
/// is_postgres(path)) with `connections` connections at most, and
/// builds the services on it. Throws core::backend_error or std::runtime_error with a clear message.
/// cache_mib is SQLite's page cache of all the connections together (ignored with PostgreSQL).
std::unique_ptr<system> open(const std::string& db_path, unsigned connections = 4,
                             domain::recovery_settings recovery = {}, unsigned cache_mib = 32);

/// open() for a bulk writer (guestd import): on SQLite, each of its write transactions first lets the writers of
/// other processes that wait for the write lock (the server's API writes) go first, so they wait at most about
/// one of its batches. PostgreSQL queues lock waiters by itself.
std::unique_ptr<system> open_bulk_writer(const std::string& db_path, unsigned connections);

/// Runs `guestd serve` until SIGINT/SIGTERM: prints "guestd listening on <url>" as the first line of `out`, then
/// (with config.demo) the demo credentials and curl commands. Returns the process exit code.
int serve(const core::serve_config& config, std::ostream& out);

}  // namespace guestd::app
