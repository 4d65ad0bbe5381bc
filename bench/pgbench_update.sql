-- bench/postgres.sh's write floor for PUT guest-informations: one transaction that updates one row found by its
-- key and reads it back, with one durable commit (pgbench -M prepared -s SCALE; `scale` must be given with -f).
-- A random account of SCALE * 100,000: two clients rarely meet on a row, as guestd's writers never do.
\set aid random(1, 100000 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
END;
