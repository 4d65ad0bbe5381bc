-- guestd schema, version 5: a counter of credential changes. guestd remembers which partner and merchant a
-- partner and hotel token pair named, and reads this counter once per request instead of looking both tokens
-- up again; every change to partners, merchants or the grants between them, by any process, moves it, so a
-- rotation, a disable or a settings change is seen by the very next request.

CREATE TABLE credentials_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
) STRICT;

INSERT INTO credentials_generation (id, n) VALUES (1, 0);

CREATE TRIGGER merchants_inserted AFTER INSERT ON merchants
BEGIN UPDATE credentials_generation SET n = n + 1; END;
CREATE TRIGGER merchants_updated AFTER UPDATE ON merchants
BEGIN UPDATE credentials_generation SET n = n + 1; END;
CREATE TRIGGER merchants_deleted AFTER DELETE ON merchants
BEGIN UPDATE credentials_generation SET n = n + 1; END;

CREATE TRIGGER partners_inserted AFTER INSERT ON partners
BEGIN UPDATE credentials_generation SET n = n + 1; END;
CREATE TRIGGER partners_updated AFTER UPDATE ON partners
BEGIN UPDATE credentials_generation SET n = n + 1; END;
CREATE TRIGGER partners_deleted AFTER DELETE ON partners
BEGIN UPDATE credentials_generation SET n = n + 1; END;

CREATE TRIGGER partner_merchants_inserted AFTER INSERT ON partner_merchants
BEGIN UPDATE credentials_generation SET n = n + 1; END;
CREATE TRIGGER partner_merchants_updated AFTER UPDATE ON partner_merchants
BEGIN UPDATE credentials_generation SET n = n + 1; END;
CREATE TRIGGER partner_merchants_deleted AFTER DELETE ON partner_merchants
BEGIN UPDATE credentials_generation SET n = n + 1; END;
