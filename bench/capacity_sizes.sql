-- bench/capacity.sh: what each table and index of guestd's PostgreSQL schema takes on disk, after ANALYZE.
-- One tab-separated line per relation:
--   table <name> <rows> <heap bytes> <toast and map bytes> <index bytes> <total bytes>
--   index <table> <index name> <bytes>
\set ON_ERROR_STOP on
SELECT 'table', c.relname,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', c.relname), false, true, '')))[1]::text,
       pg_relation_size(c.oid),
       pg_total_relation_size(c.oid) - pg_relation_size(c.oid) - pg_indexes_size(c.oid),
       pg_indexes_size(c.oid),
       pg_total_relation_size(c.oid)
FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
ORDER BY pg_total_relation_size(c.oid) DESC;

SELECT 'index', t.relname, i.relname, pg_relation_size(i.oid)
FROM pg_index AS x
JOIN pg_class AS i ON i.oid = x.indexrelid
JOIN pg_class AS t ON t.oid = x.indrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
WHERE n.nspname = 'public'
ORDER BY pg_relation_size(i.oid) DESC;
