#!/usr/bin/env python3
"""bench/capacity.sh: EXPLAIN (ANALYZE, BUFFERS) of every statement guestd's PostgreSQL backend runs.

Reads the statements from the query files given (src/store/sql/queries.hpp, shared by both backends, and
src/store/postgres/queries.hpp: the named constants guestd prepares; PostgreSQL's text where a statement has a
SQLite one beside it), binds them to a
real guest of the largest merchant of the generated dataset (an account, sessions, reservations, list
memberships, a reset), and runs each as a prepared statement twice: with the custom plan PostgreSQL makes for
those values, and with the generic plan it may switch to after five executions. Writes run inside a
transaction that is rolled back. Prints a Markdown table: the scans each plan does (index or sequential, on
which table), the rows they return, the buffers touched, and flags any sequential scan of a big table.

Usage: capacity_explain.py URL QUERIES_HPP...
"""
import json
import re
import subprocess
import sys

url, queries_hpps = sys.argv[1], sys.argv[2:]


def psql(sql):
    r = subprocess.run(["psql", url, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-F", "\t"], input=sql, text=True,
                          capture_output=True, check=False)
    if r.returncode != 0:
        sys.exit("capacity_explain.py: psql failed: " + r.stderr[-2000:])
    return r.stdout


# The statements, by name: `query name{"name", R"sql(...)sql"}`, or with designated initializers, where .sql is
# PostgreSQL's text and .sqlite_sql SQLite's.
statements = {}
for path in queries_hpps:
    text = open(path, encoding="utf-8").read()
    statements.update(re.findall(r'inline constexpr query (\w+)\{"\w+", R"sql\((.*?)\)sql"\};', text, re.S))
    statements.update(re.findall(r'inline constexpr query (\w+)\{\s*\.name = "\w+",\s*\.sql = R"sql\((.*?)\)sql"',
                                 text, re.S))

# A guest of merchant 1 (the largest) with everything: account, sessions, reservations, lists, a reset.
row = psql("""
SELECT g.id, g.email_norm, a.id, a.username_norm, a.printed_card_number,
       (SELECT reference FROM guest_references WHERE merchant_id = g.merchant_id AND guest_id = g.id LIMIT 1),
       (SELECT reference FROM reservations WHERE merchant_id = g.merchant_id AND guest_id = g.id LIMIT 1),
       (SELECT id FROM reservations WHERE merchant_id = g.merchant_id AND guest_id = g.id LIMIT 1),
       (SELECT encode(token_hash, 'hex') FROM sessions WHERE account_id = a.id LIMIT 1),
       r.id, encode(r.code_hash, 'hex'),
       (SELECT encode(hotel_token_hash, 'hex') FROM merchants WHERE id = 1),
       (SELECT encode(token_hash, 'hex') FROM partners WHERE id = 1),
       (SELECT client_id FROM partners WHERE id = 1),
       (SELECT max(id) FROM outbox),
       extract(epoch FROM now())::bigint
FROM guests AS g
JOIN accounts AS a ON a.merchant_id = g.merchant_id AND a.guest_id = g.id
JOIN resets AS r ON r.account_id = a.id
WHERE g.merchant_id = 1
  AND EXISTS (SELECT 1 FROM email_list_members AS l WHERE l.merchant_id = 1 AND l.guest_id = g.id)
  AND (SELECT count(*) FROM reservations AS x WHERE x.merchant_id = 1 AND x.guest_id = g.id) >= 2
ORDER BY g.id LIMIT 1
""").strip().split("\t")
(G, EMAIL, A, UNAME, CARD, REF, BREF, RID, TOK, RESET, CODE, HTOK, PTOK, CLIENT, OUTBOX, NOW) = row


def t(s):
    return "'" + s.replace("'", "''") + "'"


M = ("bigint", "1")
g = ("bigint", G)
a = ("bigint", A)
now = ("bigint", NOW)
year_ago = ("bigint", str(int(NOW) - 365 * 86400))


def txt(s):
    return ("text", t(s))


def byt(hexdigits):
    return ("bytea", t("\\x" + hexdigits))


NULLT = ("text", "NULL")
NULLB = ("bigint", "NULL")
i32 = lambda n: ("integer", str(n))
i64 = lambda n: ("bigint", str(n))
texts = lambda n: [txt("x")] * n
new_hash = byt("ab" * 32)
arr = ("text[]", "ARRAY['vip','Loyalty level']")
vals = ("text[]", "ARRAY['1','Gold']")

args = {
    "insert_merchant": [i64(999999), txt("Hotel"), new_hash, i32(8), txt("[]"), txt(""), i32(600), txt(""), i32(365), now],
    "find_merchant": [M],
    "find_merchant_by_hotel_token": [byt(HTOK), now],
    "list_merchants": [],
    "set_merchant_hotel_token": [M, new_hash, now],
    "update_merchant_settings": [M, i32(8), txt("[]"), txt(""), i32(600), txt(""), i32(365)],
    "set_mail_template": [M, txt("reset"), txt("fr"), txt("s"), txt("t"), txt("h")],
    "remove_mail_template": [M, txt("reset"), txt("fr")],
    "find_mail_template": [M, txt("reset"), txt("fr")],
    "list_mail_templates": [M],
    "insert_partner": [txt("P"), new_hash, txt("client-x"), new_hash, ("boolean", "false"), ("boolean", "false"), now],
    "insert_partner_merchant": [i64(1), M],
    "find_partner": [i64(1)],
    "find_partner_by_token": [byt(PTOK), now],
    "find_partner_by_client_id": [txt(CLIENT)],
    "list_partners": [],
    "rotate_partner": [i64(1), new_hash, new_hash, now],
    "set_partner_disabled": [i64(1), ("boolean", "false")],
    "list_partner_merchants": [i64(1)],
    "find_guest": [M, g],
    "find_guest_by_email": [M, txt(EMAIL)],
    "find_guest_by_reference": [M, txt(REF)],
    "insert_guest": [M] + texts(5) + [txt("new@example.com"), txt("new@example.com")] + texts(9) + [txt("[]"), now],
    "update_guest": [M, g] + texts(5) + [txt(EMAIL), txt(EMAIL)] + texts(9) + [txt("[]"), now],
    "guest_exists": [M, g],
    "list_guest_custom_fields": [g],
    "delete_guest_custom_fields": [g],
    "insert_guest_custom_fields": [g, arr, vals],
    "set_guest_reference": [M, txt(REF), g],
    "guest_qualifies": [M, g],
    "find_account": [M, a],
    "find_account_by_guest": [M, g],
    "find_account_by_username": [M, txt(UNAME)],
    "find_account_by_card": [M, txt(CARD)],
    "insert_account": [M, g, txt("u"), txt("u"), txt("6000000000000000"), txt("$argon2id$"), i32(0), i32(0), i64(0),
                       now, now, NULLB],
    "set_account_password": [a, txt("$argon2id$"), now],
    "set_account_lock_state": [a, i32(1), i32(0), i64(0)],
    "record_account_login": [a, now, NULLT],
    "set_account_username": [a, txt(UNAME), txt(UNAME)],
    "insert_session": [new_hash, M, i64(1), a, now, now, NULLB],
    "find_session": [byt(TOK)],
    "find_signed_in": [byt(TOK)],
    "list_account_sessions": [a],
    "revoke_account_sessions": [a, now],
    "find_reservation": [M, txt(BREF)],
    "list_active_reservations": [M, g],
    "list_all_reservations": [M, g],
    "count_reservations": [M, g],
    "find_reservation_id": [M, txt(BREF)],
    "insert_reservation": [M, txt("BK-NEW"), g, txt("valid")] + texts(8) + [now],
    "replace_reservation": [M, txt(BREF), g, txt("valid")] + texts(8) + [now],
    "list_reservation_custom_fields": [i64(RID)],
    "delete_reservation_custom_fields": [i64(RID)],
    "insert_reservation_custom_fields": [i64(RID), arr, vals],
    "add_email_list_member": [M, txt("newsletter"), g, now],
    "remove_email_list_member": [M, txt("newsletter"), g],
    "list_email_lists_of_guest": [M, g],
    "insert_reset": [M, a, new_hash, now, now, NULLB, NULLB],
    "void_other_resets": [a, now, i64(RESET)],
    "void_account_resets": [a, now],
    "find_reset_by_code": [byt(CODE)],
    "mark_reset_used": [i64(RESET), now],
    "list_account_resets": [a],
    "count_resets_since": [a, now],
    "hit_throttle": [txt("reset:203.0.113.9"), now],
    "throttle_hits": [txt("reset:203.0.113.9"), now],
    "enqueue_outbox": [M] + texts(5) + [now, now],
    "claim_outbox": [now, i32(10), now],
    "mark_outbox_sent": [i64(OUTBOX), now],
    "mark_outbox_failed": [i64(OUTBOX), now, txt("e")],
    "mark_outbox_dead": [i64(OUTBOX), txt("e")],
    "list_outbox": [i32(50)],
    "list_outbox_by_status": [txt("dead"), i32(50)],
    "find_outbox": [i64(OUTBOX)],
    "retry_outbox": [i64(OUTBOX), now],
    "count_outbox_backlog": [],
    "erase_outbox_recipient": [M, txt(EMAIL)],
    "append_audit_event": [M, now, txt("login"), txt("ok"), i64(1), g, txt("203.0.113.9"), txt("0123456789abcdef"),
                           txt("{}")],
    "list_audit_events": [M, year_ago, i32(100)],
    "list_audit_events_of_kind": [M, txt("login"), year_ago, i32(100)],
    "list_guest_audit_events": [M, g, year_ago, NULLT, i32(100)],
    "purge_audit_events": [M, year_ago],
    "append_consent_event": [M, g, now, txt("email_list.joined"), i64(1), txt("203.0.113.9"), txt("newsletter")],
    "list_guest_consent_events": [M, g],
}
for name in [n for n in statements if n.startswith("erase_guest")]:
    args[name] = [M, g]

# Statements run first in the same transaction, as guestd runs them (a delete before an insert, children first).
pre = {
    "insert_guest_custom_fields": [f"DELETE FROM guest_custom_fields WHERE guest_id = {G};"],
    "insert_reservation_custom_fields": [f"DELETE FROM reservation_custom_fields WHERE reservation_id = {RID};"],
}
erase_steps = [n for n in statements if n.startswith("erase_guest")]
for i, n in enumerate(erase_steps):
    pre[n] = [statements[e].strip().replace("$1", "1").replace("$2", G) + ";" for e in erase_steps[:i]]

skipped = {"begin_read", "begin_write", "begin_migrations", "ping", "vacuum_personal_data",
           "create_schema_migrations", "current_schema_version", "record_migration"}
missing = [n for n in statements if n not in skipped and n not in args]
if missing:
    sys.exit("capacity_explain.py: no parameters for " + ", ".join(missing))

# One script: each statement prepared and explained in its own rolled-back transaction, once per plan mode.
script = ["\\set ON_ERROR_STOP on", "SET max_parallel_workers_per_gather = 0;"]
# Each case: a label, the statement, its parameters, what runs before it. One more than the statements: the mail
# worker marking a failed email while 100,000 emails wait that the statistics do not know of (a mail server down
# since the last ANALYZE; autovacuum does not re-analyze a big outbox for a 10% change).
cases = [(name, name, args[name], pre.get(name, [])) for name in statements if name not in skipped]
backlog = [f"""INSERT INTO outbox (id, merchant_id, message_id, recipient, sender, subject, content, status, attempts,
                                   created_at, next_attempt_at, sent_at, last_error)
SELECT 1000000000 + i, 1, 'm' || i, 'guest' || i || '@example.com', 's', 'Reset your password', repeat('x', 1500),
       'pending', 1, {NOW}, {NOW} + i, NULL, ''
FROM generate_series(1, 100000) AS i;"""]
cases.append(("mark_outbox_failed@100k-pending-since-ANALYZE", "mark_outbox_failed",
              [i64(1000050000), now, txt("e")], backlog))
for label, name, params, before in cases:
    sql = statements[name]
    types = ", ".join(ty for ty, _ in params)
    values = ", ".join(f"{v}::{ty}" for ty, v in params)
    for mode in ("custom", "generic"):
        script += [
            "BEGIN;",
            f"SET LOCAL plan_cache_mode = force_{mode}_plan;",
            *before,
            f"PREPARE q ({types}) AS {sql.strip()};" if types else f"PREPARE q AS {sql.strip()};",
            f"\\echo @@ {label} {mode}",
            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE q{'(' + values + ')' if values else ''};",
            "ROLLBACK;",
            "DEALLOCATE q;",
        ]
output = psql("\n".join(script) + "\n")

# Table sizes, to tell a big table from a small one.
sizes = {}
for line in psql("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'").splitlines():
    rel, n = line.split("\t")
    sizes[rel] = int(n)


def scans(node, out):
    kind = node.get("Node Type", "")
    if "Relation Name" in node or "Index Name" in node:
        out.append(node)
    for child in node.get("Plans", []):
        scans(child, out)


def describe(plan_json):
    top = json.JSONDecoder().raw_decode(plan_json)[0][0]
    found = []
    scans(top["Plan"], found)
    parts, flags, rows = [], [], 0
    for s in found:
        kind, rel = s["Node Type"], s.get("Relation Name", "")
        if kind in ("ModifyTable", "Bitmap Heap Scan"):
            continue
        short = {"Index Scan": "index", "Index Only Scan": "index only", "Bitmap Index Scan": "bitmap",
                 "Seq Scan": "SEQ SCAN"}.get(kind, kind)
        parts.append(f"{short} {s.get('Index Name') or rel}")
        rows += s.get("Actual Rows", 0) * s.get("Actual Loops", 1) + s.get("Rows Removed by Filter", 0)
        if kind == "Seq Scan" and sizes.get(rel, 0) > 10000:
            flags.append(f"seq scan of {rel} ({sizes[rel]:,} rows)")
    plan = top["Plan"]
    buffers = plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
    if rows <= 1 and buffers > 200:
        flags.append(f"{buffers} buffers for one row")
    checks = sum(t["Calls"] for t in top.get("Triggers", []))
    if checks:
        parts.append(f"FK checks x{checks}")
    return " + ".join(dict.fromkeys(parts)) or "(insert)", rows, buffers, top.get("Execution Time", 0.0), flags


results = {}
for block in output.split("@@ ")[1:]:
    header, _, body = block.partition("\n")
    name, mode = header.split()
    body = body[body.index("["):]
    results.setdefault(name, {})[mode] = describe(body)

print("| query | scans (custom plan) | generic plan | rows read | buffers | ms | flag |")
print("|---|---|---|---:|---:|---:|---|")
flagged = []
for name, by_mode in results.items():
    plan, rows, buffers, ms, flags = by_mode["custom"]
    gplan, _, gbuffers, _, gflags = by_mode["generic"]
    same = "same" if gplan == plan else gplan
    allflags = list(dict.fromkeys(flags + gflags))
    shown = name.replace("@", "` (").replace("-", " ") + ")" if "@" in name else name + "`"
    print(f"| `{shown} | {plan} | {same} | {rows} | {buffers} | {ms:.2f} | {'; '.join(allflags)} |")
    if allflags:
        flagged.append(name)
print()
print("flagged:", ", ".join(flagged) if flagged else "none")
