-- guestd schema, version 2: password recovery. Merchant settings for resets and mail, the merchants' own mail
-- templates, reset requests, fixed-window throttle counters and the mail outbox.
-- Existing merchants get the defaults guestd used before these settings existed.

-- reset_verification_fields is a JSON array of Paytronix field names; "" means guestd's own page (link) or the
-- server's default sender (mail_from).
ALTER TABLE merchants ADD COLUMN reset_verification_fields TEXT NOT NULL DEFAULT '[]'
    CHECK (json_valid(reset_verification_fields));
ALTER TABLE merchants ADD COLUMN reset_link_template TEXT NOT NULL DEFAULT '';
ALTER TABLE merchants ADD COLUMN reset_code_ttl INTEGER NOT NULL DEFAULT 600
    CHECK (reset_code_ttl BETWEEN 60 AND 86400);
ALTER TABLE merchants ADD COLUMN mail_from TEXT NOT NULL DEFAULT '';

-- kind is not constrained here: the domain owns the list of kinds, and a new kind needs no migration.
CREATE TABLE mail_templates (
    merchant_id INTEGER NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    text_body   TEXT    NOT NULL,
    html_body   TEXT    NOT NULL,
    PRIMARY KEY (merchant_id, kind, language)
) STRICT, WITHOUT ROWID;

-- A reset is live while neither used nor voided and not yet expired. code_hash is the 32-byte digest of the
-- code, unique so that a code identifies one reset whoever chose it.
CREATE TABLE resets (
    id          INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    account_id  INTEGER NOT NULL,
    code_hash   BLOB    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    voided_at   INTEGER,
    FOREIGN KEY (merchant_id, account_id) REFERENCES accounts (merchant_id, id)
) STRICT;

-- Serves the voiding of live resets and the hourly count per account.
CREATE INDEX resets_by_account ON resets (account_id, created_at);

-- One row per throttled key: the start of its current fixed window and the hits counted in it. Rows are kept
-- (a key that comes back reuses its row).
CREATE TABLE throttles (
    key          TEXT    PRIMARY KEY,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Emails waiting for delivery. AUTOINCREMENT: an id an operator once saw never names another message
-- later. last_error is '' when no attempt failed (or since the last retry).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id     INTEGER NOT NULL REFERENCES merchants (id),
    message_id      TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    sender          TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    content         TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    sent_at         INTEGER,
    last_error      TEXT    NOT NULL DEFAULT ''
) STRICT;

-- Serves claim (due pending messages, oldest first) and backlog.
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
