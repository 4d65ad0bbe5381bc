-- guestd schema for PostgreSQL, version 2: a counter of credential changes, as SQLite's V005. guestd remembers
-- which partner and merchant a partner and hotel token pair named, and reads this counter once per request
-- instead of looking both tokens up again; every change to partners, merchants or the grants between them, by
-- any node, moves it, so a rotation, a disable or a settings change is seen by the very next request.

CREATE TABLE credentials_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);

INSERT INTO credentials_generation (id, n) VALUES (1, 0);

CREATE FUNCTION bump_credentials_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE credentials_generation SET n = n + 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER merchants_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON merchants
    FOR EACH STATEMENT EXECUTE FUNCTION bump_credentials_generation();
CREATE TRIGGER partners_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON partners
    FOR EACH STATEMENT EXECUTE FUNCTION bump_credentials_generation();
CREATE TRIGGER partner_merchants_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON partner_merchants
    FOR EACH STATEMENT EXECUTE FUNCTION bump_credentials_generation();
