#include "store/sqlite/migrations.hpp"

#include "core/error.hpp"
#include "store/sqlite/connection.hpp"
#include "store/sqlite/queries.hpp"

#include <cstdio>
#include <cstdint>

namespace guestd::store::sqlite {

std::string label(const migration& m) {
    char version[16];
    std::snprintf(version, sizeof version, "V%03d__", m.version);
    return version + std::string(m.name);
}

void migrate(connection& c, const core::clock& clock, std::span<const migration> migrations) {
    // Refuse a list the build got wrong: versions must be unique and ascending.
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        if (migrations[i].version <= migrations[i - 1].version) {
            throw core::backend_error("sqlite: embedded migrations out of order at " + label(migrations[i]), false);
        }
    }
    const std::int64_t newest = migrations.empty() ? 0 : migrations.back().version;

    // Run with foreign keys off, as SQLite documents for schema changes: a migration that rebuilds a table
    // (create the new one, copy, drop the old, rename) must neither cascade the drop into the children nor see
    // them point at a table that is briefly missing. The pragma is a no-op inside a transaction, so it is set
    // before, and every key is checked before the commit instead.
    bool enforced = false;
    {
        statement st(c, queries::foreign_keys_enabled);
        enforced = st.step() && st.int64(0) == 1;
    }
    c.exec("foreign keys off for migrations", "PRAGMA foreign_keys = OFF");
    const auto restore_foreign_keys = [&] {
        if (enforced) {
            c.exec("foreign keys back on after migrations", "PRAGMA foreign_keys = ON");
        }
    };

    // Take the write lock first, so two processes opening a new file do not both migrate it.
    try {
        c.exec("begin migrations", "BEGIN IMMEDIATE");
        statement(c, queries::create_schema_migrations).run();
        std::int64_t current = 0;
        {
            statement st(c, sql::queries::current_schema_version);
            st.step();
            current = st.int64(0);
        }

        // Refuse a database written by a newer guestd: this binary cannot know what its schema means.
        if (current > newest) {
            throw core::backend_error("sqlite: database schema version " + std::to_string(current) +
                                          " is newer than this guestd supports (" + std::to_string(newest) +
                                          "); upgrade guestd",
                                      false);
        }

        // Apply the missing migrations in order, recording each.
        const migration* last = nullptr;
        for (const migration& m : migrations) {
            if (m.version <= current) {
                continue;
            }
            c.exec("migration " + label(m), std::string(m.sql));
            statement(c, sql::queries::record_migration, m.version, m.name, clock.now()).run();
            last = &m;
        }

        // Commit only a schema whose every foreign key still finds its parent.
        if (last != nullptr) {
            statement st(c, queries::foreign_key_check);
            if (st.step()) {
                throw core::backend_error("sqlite: migrations up to " + label(*last) + " leave a row of " +
                                              st.text(0) + " whose parent in " + st.text(2) + " is missing",
                                          false);
            }
        }
        c.exec("commit migrations", "COMMIT");
    } catch (...) {
        if (c.in_transaction()) {
            try {
                c.exec("rollback migrations", "ROLLBACK");
            } catch (const core::backend_error&) {
                // The original failure is the one worth reporting; the connection is discarded with it.
            }
        }
        try {
            restore_foreign_keys();
        } catch (const core::backend_error&) {
            // As above.
        }
        throw;
    }
    restore_foreign_keys();
}

}  // namespace guestd::store::sqlite
