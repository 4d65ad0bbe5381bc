-- guestd schema, version 3: operations. Audit retention per merchant, credential rotation with an overlap (the
-- previous hotel token, partner token and client secret keep working until a deadline), the audit trail and
-- the consent log. Existing merchants and partners get the defaults: a year of audit, no previous credentials.

ALTER TABLE merchants ADD COLUMN audit_retention_days INTEGER NOT NULL DEFAULT 365
    CHECK (audit_retention_days >= 0);

-- The previous hotel token digest matches while previous_hotel_token_valid_until is after now; NULL when none.
ALTER TABLE merchants ADD COLUMN previous_hotel_token_hash BLOB;
ALTER TABLE merchants ADD COLUMN previous_hotel_token_valid_until INTEGER NOT NULL DEFAULT 0;

CREATE INDEX merchants_by_previous_hotel_token ON merchants (previous_hotel_token_hash)
    WHERE previous_hotel_token_hash IS NOT NULL;

-- The previous partner token and client secret digests, both valid until previous_valid_until; NULL when none.
ALTER TABLE partners ADD COLUMN previous_token_hash BLOB;
ALTER TABLE partners ADD COLUMN previous_client_secret_hash BLOB;
ALTER TABLE partners ADD COLUMN previous_valid_until INTEGER NOT NULL DEFAULT 0;

CREATE INDEX partners_by_previous_token ON partners (previous_token_hash) WHERE previous_token_hash IS NOT NULL;

-- Guest ids come from max(id) + 1, so erasing the newest guest would hand its id to the next guest, and the
-- audit events that still name the erased guest by id would then seem to be about someone else. The highest
-- erased id is kept here (one row) and new guests are numbered above it.
CREATE TABLE guest_id_floor (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    highest_erased INTEGER NOT NULL
) STRICT;

INSERT INTO guest_id_floor (id, highest_erased) VALUES (1, 0);

-- The audit trail, append only (rows leave only by retention). No foreign keys on purpose: the trail outlives
-- the guests it names (an erasure keeps their events, which name them by id only), and merchant_id 0 records
-- server-wide actions. detail is a JSON object with no secret, or '' for none. AUTOINCREMENT: an event id an
-- operator once saw never names another event after a purge.
CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id    INTEGER NOT NULL CHECK (merchant_id >= 0),
    at             INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    outcome        TEXT    NOT NULL,
    partner_id     INTEGER,
    guest_id       INTEGER,
    client_address TEXT    NOT NULL,
    request_id     TEXT    NOT NULL,
    detail         TEXT    NOT NULL CHECK (detail = '' OR json_valid(detail))
) STRICT;

-- Serve list (oldest first, id as the tie-break: the rowid ends every index entry) and purge_before for the
-- whole merchant, for one guest, and for one kind.
CREATE INDEX audit_events_by_time ON audit_events (merchant_id, at);
CREATE INDEX audit_events_by_guest ON audit_events (merchant_id, guest_id, at);
CREATE INDEX audit_events_by_kind ON audit_events (merchant_id, kind, at);

-- Consents given or withdrawn, append only; they are the guest's own data, so an erasure deletes them (the
-- composite key keeps them inside the guest's merchant). source_address is '' for imports.
CREATE TABLE consent_events (
    id             INTEGER PRIMARY KEY,
    merchant_id    INTEGER NOT NULL,
    guest_id       INTEGER NOT NULL,
    at             INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    partner_id     INTEGER REFERENCES partners (id),
    source_address TEXT    NOT NULL,
    detail         TEXT    NOT NULL,
    FOREIGN KEY (merchant_id, guest_id) REFERENCES guests (merchant_id, id)
) STRICT;

CREATE INDEX consent_events_by_guest ON consent_events (merchant_id, guest_id, at);
