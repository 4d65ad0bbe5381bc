// `guestd migrate-data`: moves a whole SQLite deployment to an empty PostgreSQL database, all or nothing. The
// SQLite file is read from one snapshot and never written; the target gets guestd's schema (its migrations), then
// every table in one transaction that holds guestd's write lock (binary COPY, with the secondary indexes and
// foreign keys rebuilt once the rows are in), its id sequences set past every id SQLite ever handed out, and its
// row counts checked against the snapshot's before the commit. Digests of tokens, codes and
// secrets and the password hashes move byte for byte, so every credential and session keeps working.
// Used by src/cli/migrate_command.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace guestd::migrate {

/// Thrown when the target already holds guestd data; nothing was written to it.
class target_not_empty : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct options {
    std::string from;      // the SQLite database file
    std::string to;        // PostgreSQL conninfo (URL or key=value); may hold a password, never printed
    bool dry_run = false;  // copy and check everything, then roll the copy back
};

/// One table as copied.
struct table_report {
    std::string name;
    std::int64_t rows = 0;
    double seconds = 0;
};

/// One id sequence as set: the id the target hands out next.
struct sequence_report {
    std::string table;
    std::int64_t next_id = 0;
};

struct report {
    std::int64_t schema_version = 0;  // the SQLite file's
    std::vector<table_report> tables;
    std::vector<sequence_report> sequences;
    std::int64_t rows = 0;
    double seconds = 0;  // the copy's transaction, from its start to its commit
    bool committed = false;
};

/// Receives a line of progress for the operator (no secrets, no connection string).
using progress_fn = std::function<void(std::string_view line)>;

/// Runs the migration. Throws source_not_ready (sqlite_source.hpp) when the file's schema is not this guestd's,
/// target_not_empty when the target holds data, and std::runtime_error for anything else (an unreadable file, an
/// unreachable server, a row PostgreSQL refuses, counts that differ); in every case nothing was committed.
report run(const options& opts, const progress_fn& progress);

}  // namespace guestd::migrate
