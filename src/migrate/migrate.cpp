#include "migrate/migrate.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"
#include "migrate/postgres_target.hpp"
#include "migrate/sqlite_source.hpp"
#include "migrate/tables.hpp"
#include "store/postgres/postgres_database.hpp"
#include "store/sqlite/migrations.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>

namespace guestd::migrate {
namespace {

using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point start) {
    return std::chrono::duration<double>(steady::now() - start).count();
}

std::string_view kind_name(sqlite_value::kind k) {
    switch (k) {
        case sqlite_value::kind::null: return "NULL";
        case sqlite_value::kind::integer: return "an INTEGER";
        case sqlite_value::kind::real: return "a REAL";
        case sqlite_value::kind::text: return "a TEXT";
        case sqlite_value::kind::blob: return "a BLOB";
    }
    return "unknown";
}

/// The error for a SQLite value that does not convert: where it is (the row's position, which is also the
/// COPY line), never what it is.
[[noreturn]] void bad_value(const table& t, const column& c, std::int64_t row, std::string_view problem) {
    throw std::runtime_error("the SQLite value of " + std::string(t.name) + "." + std::string(c.name) + " in row " +
                             std::to_string(row) + " " + std::string(problem) + "; nothing was copied");
}

/// Streams one table from the snapshot into the COPY, converting each value to its PostgreSQL type; returns the
/// rows read, after checking that the server took as many.
std::int64_t copy_table(sqlite_source& source, postgres_target& target, const table& t) {
    copy_in out(target.conn(), t);
    sqlite_rows rows(source, t);
    const int columns = static_cast<int>(t.columns.size());
    std::int64_t n = 0;
    while (rows.next()) {
        ++n;
        out.row();
        for (int i = 0; i < columns; ++i) {
            const column& c = t.columns[static_cast<std::size_t>(i)];
            const sqlite_value v = rows.value(i);
            if (v.type == sqlite_value::kind::null) {
                out.null();  // NOT NULL columns refuse it on the server, naming the column
                continue;
            }
            const auto expect = [&](sqlite_value::kind k, std::string_view wanted) {
                if (v.type != k) {
                    bad_value(t, c, n, "is " + std::string(kind_name(v.type)) + ", expected " + std::string(wanted));
                }
            };
            switch (c.type) {
                case column_type::int8:
                    expect(sqlite_value::kind::integer, "an INTEGER");
                    out.int8(v.integer);
                    break;
                case column_type::int4:
                    expect(sqlite_value::kind::integer, "an INTEGER");
                    if (v.integer < std::numeric_limits<std::int32_t>::min() ||
                        v.integer > std::numeric_limits<std::int32_t>::max()) {
                        bad_value(t, c, n, "does not fit PostgreSQL's INTEGER");
                    }
                    out.int4(static_cast<std::int32_t>(v.integer));
                    break;
                case column_type::boolean:
                    expect(sqlite_value::kind::integer, "an INTEGER 0 or 1");
                    if (v.integer != 0 && v.integer != 1) bad_value(t, c, n, "is neither 0 nor 1");
                    out.boolean(v.integer == 1);
                    break;
                case column_type::text:
                    expect(sqlite_value::kind::text, "TEXT");
                    out.bytes(v.bytes);
                    break;
                case column_type::bytea:
                    expect(sqlite_value::kind::blob, "a BLOB");
                    out.bytes(v.bytes);
                    break;
            }
        }
    }
    if (const std::int64_t copied = out.finish(); copied != n) {
        throw std::runtime_error("copy " + std::string(t.name) + ": read " + std::to_string(n) +
                                 " rows, PostgreSQL took " + std::to_string(copied));
    }
    return n;
}

std::string format_seconds(double s) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f s", s);
    return text;
}

}  // namespace

report run(const options& opts, const progress_fn& progress) {
    report out;
    const auto say = [&](const std::string& line) {
        if (progress) progress(line);
    };

    // Open the SQLite file read-only at a snapshot, and check that it is at this guestd's schema, whose tables
    // and columns are the ones this command knows.
    const auto sqlite_migrations = store::sqlite::embedded_migrations();
    const std::int64_t newest = sqlite_migrations.empty() ? 0 : sqlite_migrations.back().version;
    sqlite_source source(opts.from, newest);
    source.check_schema(tables(), sqlite_only_tables());
    out.schema_version = source.schema_version();
    std::vector<std::int64_t> expected;
    std::int64_t total = 0;
    for (const table& t : tables()) {
        expected.push_back(source.count(t.name));
        total += expected.back();
    }
    say("source " + opts.from + ": schema version " + std::to_string(out.schema_version) + ", " +
        std::to_string(total) + " rows in " + std::to_string(tables().size()) + " tables (read from one snapshot)");

    // Bring the target's schema up to date exactly as `guestd serve` would (its checks of the server included).
    {
        const core::system_clock clock;
        store::postgres::open({.conninfo = opts.to, .pool_size = 1}, clock);
    }
    say("target: guestd's PostgreSQL schema is in place");

    // One transaction for everything, holding guestd's write lock; the target must be empty.
    const auto started = steady::now();
    postgres_target target(opts.to);
    target.begin();
    target.check_schema(tables());
    if (const auto taken = target.non_empty_tables(tables()); !taken.empty()) {
        std::string names;
        for (const auto& name : taken) names += (names.empty() ? "" : ", ") + name;
        throw target_not_empty("the target database already holds data (" + names +
                               "): migrate-data fills only an empty guestd database; nothing was copied");
    }

    // Copy the tables, parents first, with the secondary indexes and foreign keys set aside until every row is in.
    const std::size_t deferred = target.defer_secondary();
    for (std::size_t i = 0; i < tables().size(); ++i) {
        const table& t = tables()[i];
        if (expected[i] >= 100000) say(std::string(t.name) + ": copying " + std::to_string(expected[i]) + " rows");
        const auto table_start = steady::now();
        const std::int64_t rows = copy_table(source, target, t);
        out.tables.push_back({.name = std::string(t.name), .rows = rows, .seconds = seconds_since(table_start)});
        out.rows += rows;
        say(std::string(t.name) + ": " + std::to_string(rows) + (rows == 1 ? " row (" : " rows (") +
            format_seconds(out.tables.back().seconds) + ")");
    }

    // Build the indexes in one pass each, and check every foreign key over whole tables.
    const auto rebuild_start = steady::now();
    target.restore_deferred();
    say("indexes and foreign keys: " + std::to_string(deferred) + " rebuilt and checked (" +
        format_seconds(seconds_since(rebuild_start)) + ")");

    // Set each id sequence past every id the SQLite file ever handed out: the highest id copied, AUTOINCREMENT's
    // counter (ids of deleted partners, accounts, emails and audit events), and for guests the highest erased id,
    // so an erased guest's id, which its audit events still name, never goes to another guest.
    for (const table& t : tables()) {
        if (t.id != id_kind::identity) continue;
        std::int64_t last = std::max(source.max_id(t.name), source.autoincrement_counter(t.name));
        if (t.name == "guests") last = std::max(last, source.highest_erased_guest());
        if (last > 0) target.set_sequence(t.name, last);
        const std::int64_t next = target.next_id(t.name);
        if (next <= last) {
            throw std::runtime_error("the sequence of " + std::string(t.name) + " would hand out " +
                                     std::to_string(next) + ", not above " + std::to_string(last));
        }
        out.sequences.push_back({.table = std::string(t.name), .next_id = next});
    }

    // Check every table's count against the snapshot before committing.
    for (std::size_t i = 0; i < tables().size(); ++i) {
        const table& t = tables()[i];
        if (const std::int64_t in_target = target.count(t.name); in_target != expected[i]) {
            throw std::runtime_error("count mismatch in " + std::string(t.name) + ": the SQLite snapshot has " +
                                     std::to_string(expected[i]) + " rows, the PostgreSQL transaction " +
                                     std::to_string(in_target) + "; nothing was committed");
        }
    }
    say("verified: every table's row count matches the snapshot's");

    // All or nothing: commit, or roll back a dry run.
    if (opts.dry_run) {
        target.rollback();
        say("dry run: rolled back, the target holds no data");
    } else {
        target.commit();
        out.committed = true;
        say("committed");
    }
    out.seconds = seconds_since(started);
    return out;
}

}  // namespace guestd::migrate
