// Schema migrations: the migrations/V###__name.sql files, embedded into the binary at build time, applied in
// version order inside one transaction, and recorded in the schema_migrations table. A migration file holds
// plain DDL/DML without its own BEGIN/COMMIT.
#pragma once

#include "core/clock.hpp"

#include <span>
#include <string>
#include <string_view>

namespace guestd::store::sqlite {

class connection;

/// One embedded migration file: V<version>__<name>.sql.
struct migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

/// The migrations compiled into this binary, ascending by version (generated from migrations/*.sql).
std::span<const migration> embedded_migrations();

/// "V001__init", the file name without its extension.
std::string label(const migration& m);

/// Applies every migration newer than the database's schema version, in order, in one transaction with foreign
/// keys off (a migration may rebuild a table), all of them checked before the commit. Throws
/// core::backend_error when the database's version is newer than the newest migration given, or when a
/// migration fails or leaves a foreign key without its parent (nothing is applied then).
void migrate(connection& c, const core::clock& clock, std::span<const migration> migrations);

}  // namespace guestd::store::sqlite
