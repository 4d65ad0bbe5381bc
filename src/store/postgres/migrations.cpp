#include "store/postgres/migrations.hpp"

#include "core/error.hpp"
#include "store/postgres/connection.hpp"
#include "store/postgres/queries.hpp"

#include <cstdint>
#include <cstdio>

namespace guestd::store::postgres {

std::string label(const migration& m) {
    char version[16];
    std::snprintf(version, sizeof version, "V%03d__", m.version);
    return version + std::string(m.name);
}

void migrate(connection& c, const core::clock& clock, std::span<const migration> migrations) {
    // Refuse a list the build got wrong: versions must be unique and ascending.
    for (std::size_t i = 1; i < migrations.size(); ++i) {
        if (migrations[i].version <= migrations[i - 1].version) {
            throw core::backend_error("postgres: embedded migrations out of order at " + label(migrations[i]), false);
        }
    }
    const std::int64_t newest = migrations.empty() ? 0 : migrations.back().version;

    // Take the migration lock first, so nodes starting together migrate one after another: the later ones then
    // find the work done.
    c.exec(queries::begin_migrations.name, queries::begin_migrations.sql);
    try {
        c.exec(queries::create_schema_migrations.name, queries::create_schema_migrations.sql);
        std::int64_t current = 0;
        {
            statement st(c, sql::queries::current_schema_version);
            st.step();
            current = st.int64(0);
        }

        // Refuse a database written by a newer guestd: this binary cannot know what its schema means.
        if (current > newest) {
            throw core::backend_error("postgres: database schema version " + std::to_string(current) +
                                          " is newer than this guestd supports (" + std::to_string(newest) +
                                          "); upgrade guestd",
                                      false);
        }

        // Apply the missing migrations in order, recording each.
        for (const migration& m : migrations) {
            if (m.version <= current) {
                continue;
            }
            c.exec("migration " + label(m), m.sql);
            statement(c, sql::queries::record_migration, std::int64_t{m.version}, m.name, clock.now()).run();
        }
        c.exec("commit migrations", "COMMIT");
    } catch (...) {
        if (!c.idle()) {
            try {
                c.exec("rollback migrations", "ROLLBACK");
            } catch (const core::backend_error&) {
                // The original failure is the one worth reporting; the connection is discarded with it.
            }
        }
        throw;
    }
}

}  // namespace guestd::store::postgres
