#!/usr/bin/env python3
"""bench/capacity.sh: copies the dataset generated in PostgreSQL into a SQLite database guestd created (same
tables and columns), then measures each table and index with SQLite's dbstat virtual table and prints one
tab-separated line per relation:
    table <name> <rows> <table bytes> 0 <index bytes> <total bytes>
    index <table> <index name> <bytes>
(the shape of capacity_sizes.sql, so one report covers both). Exits 3 when sqlite3 lacks dbstat.

Usage: capacity_sqlite.py POSTGRES_URL SQLITE_FILE
"""
import subprocess
import sys

url, path = sys.argv[1], sys.argv[2]


def psql(sql, stdout=subprocess.PIPE):
    return subprocess.run(["psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-F", "\t", "-c", sql],
                          text=True, stdout=stdout, check=True).stdout


def sqlite(sql, stdin=None):
    return subprocess.run(["sqlite3", "-batch", "-separator", "\t", path] + ([sql] if sql else []), text=True,
                          input=stdin, capture_output=True, check=True).stdout


try:
    sqlite("CREATE VIRTUAL TABLE temp.probe USING dbstat; SELECT 1;")
except subprocess.CalledProcessError:
    sys.exit(3)

sqlite_tables = set(sqlite("SELECT name FROM sqlite_master WHERE type = 'table'").split())
columns = {}
for line in psql("SELECT table_name, column_name, data_type FROM information_schema.columns "
                 "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position").splitlines():
    table, column, kind = line.split("\t")
    if table in sqlite_tables and table != "schema_migrations":
        columns.setdefault(table, []).append((column, kind))

# Parents before children, so that every foreign key finds its row.
order = ["merchants", "partners", "partner_merchants", "mail_templates", "guests", "guest_references",
         "guest_custom_fields", "accounts", "sessions", "reservations", "reservation_custom_fields",
         "email_list_members", "consent_events", "resets", "outbox", "throttles", "audit_events"]
order += [t for t in columns if t not in order]


def literal(column, kind):
    c = '"' + column + '"'
    if kind == "bytea":
        return f"coalesce('X''' || encode({c}, 'hex') || '''', 'NULL')"
    if kind == "boolean":
        return f"coalesce({c}::integer::text, 'NULL')"
    if kind in ("bigint", "integer", "smallint"):
        return f"coalesce({c}::text, 'NULL')"
    return f"coalesce('''' || replace({c}, '''', '''''') || '''', 'NULL')"


dump = ["PRAGMA foreign_keys = OFF;", "BEGIN;"]
for table in order:
    if table not in columns:
        continue
    names = ", ".join(c for c, _ in columns[table])
    values = " || ',' || ".join(literal(c, k) for c, k in columns[table])
    rows = psql(f"SELECT 'INSERT OR IGNORE INTO {table} ({names}) VALUES (' || {values} || ');' FROM {table}")
    dump.append(rows)
dump.append("COMMIT;")
sqlite(None, "\n".join(dump))
sqlite("ANALYZE;")

# Sizes: every b-tree (table or index) with its pages, whole pages as they are in the file.
owner, kinds = {}, {}
for line in sqlite("SELECT name, tbl_name, type FROM sqlite_master WHERE type IN ('table', 'index')").splitlines():
    name, table, kind = line.split("\t")
    owner[name], kinds[name] = table, kind
sizes = dict(tuple(line.split("\t")) for line in
             sqlite("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").splitlines())
for table in sorted(t for t, k in kinds.items() if k == "table" and not t.startswith("sqlite_")):
    rows = int(sqlite(f"SELECT count(*) FROM {table}").strip())
    own = int(sizes.get(table, 0))
    indexes = {n: int(sizes.get(n, 0)) for n, t in owner.items() if t == table and kinds[n] == "index"}
    print(f"table\t{table}\t{rows}\t{own}\t0\t{sum(indexes.values())}\t{own + sum(indexes.values())}")
    for name, size in indexes.items():
        if name.startswith("sqlite_autoindex"):
            cols = sqlite(f"SELECT group_concat(name, ', ') FROM pragma_index_info('{name}')").strip()
            name = f"{name} ({cols})"
        print(f"index\t{table}\t{name}\t{size}")
