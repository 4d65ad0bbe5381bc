-- guestd schema, version 1: merchants, partners, guests, accounts, sessions, reservations, email lists.
-- Every tenant-owned row carries merchant_id, and links between tenant-owned rows are composite foreign keys
-- on (merchant_id, id), so a row of one merchant can never point at a row of another.
-- Timestamps are Unix seconds (UTC). Secret hashes are 32-byte BLOBs.

CREATE TABLE merchants (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL,
    hotel_token_hash    BLOB    NOT NULL UNIQUE,
    password_min_length INTEGER NOT NULL DEFAULT 8,
    created_at          INTEGER NOT NULL
) STRICT;

-- AUTOINCREMENT: a partner id is never reused, so a deleted partner's grants can never resurface.
-- client_id and client_secret_hash are NULL for a partner without Paytronix credentials.
CREATE TABLE partners (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT    NOT NULL,
    token_hash         BLOB    NOT NULL UNIQUE,
    client_id          TEXT    UNIQUE,
    client_secret_hash BLOB,
    b2b                INTEGER NOT NULL DEFAULT 0 CHECK (b2b IN (0, 1)),
    disabled           INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at         INTEGER NOT NULL
) STRICT;

CREATE TABLE partner_merchants (
    partner_id  INTEGER NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    merchant_id INTEGER NOT NULL REFERENCES merchants (id) ON DELETE CASCADE,
    PRIMARY KEY (partner_id, merchant_id)
) STRICT, WITHOUT ROWID;

-- email_norm is the email lowercased (ASCII) by guestd; NULL emails never collide in the UNIQUE constraint.
CREATE TABLE guests (
    id                       INTEGER PRIMARY KEY,
    merchant_id              INTEGER NOT NULL REFERENCES merchants (id),
    title                    TEXT,
    firstname                TEXT,
    lastname                 TEXT,
    phone                    TEXT,
    mobile                   TEXT,
    email                    TEXT,
    email_norm               TEXT,
    street                   TEXT,
    zip_code                 TEXT,
    city                     TEXT,
    state                    TEXT,
    country                  TEXT,
    birthdate                TEXT,
    language                 TEXT,
    nationality              TEXT,
    identity_document_number TEXT,
    privilege_badges         TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(privilege_badges)),
    version                  INTEGER NOT NULL DEFAULT 1,
    created_at               INTEGER NOT NULL,
    updated_at               INTEGER NOT NULL,
    CHECK ((email IS NULL) = (email_norm IS NULL)),
    UNIQUE (merchant_id, email_norm),
    UNIQUE (merchant_id, id)
) STRICT;

CREATE TABLE guest_references (
    merchant_id INTEGER NOT NULL,
    reference   TEXT    NOT NULL,
    guest_id    INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, reference),
    FOREIGN KEY (merchant_id, guest_id) REFERENCES guests (merchant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE INDEX guest_references_by_guest ON guest_references (merchant_id, guest_id);

CREATE TABLE guest_custom_fields (
    guest_id INTEGER NOT NULL REFERENCES guests (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name     TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    PRIMARY KEY (guest_id, position)
) STRICT, WITHOUT ROWID;

-- Account ids double as account numbers: AUTOINCREMENT seeded below so the first one is 1000001 and none is
-- ever reused. username_norm is the username lowercased (ASCII) by guestd.
CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_id         INTEGER NOT NULL,
    guest_id            INTEGER NOT NULL UNIQUE,
    username            TEXT    NOT NULL,
    username_norm       TEXT    NOT NULL,
    printed_card_number TEXT    NOT NULL UNIQUE,
    password_hash       TEXT    NOT NULL,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    lock_level          INTEGER NOT NULL DEFAULT 0,
    locked_until        INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL,
    last_login_at       INTEGER,
    UNIQUE (merchant_id, username_norm),
    UNIQUE (merchant_id, id),
    FOREIGN KEY (merchant_id, guest_id) REFERENCES guests (merchant_id, id)
) STRICT;

INSERT INTO sqlite_sequence (name, seq) VALUES ('accounts', 1000000);

CREATE TABLE sessions (
    token_hash  BLOB    PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    partner_id  INTEGER NOT NULL REFERENCES partners (id),
    account_id  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    FOREIGN KEY (merchant_id, account_id) REFERENCES accounts (merchant_id, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX sessions_by_account ON sessions (account_id);

-- payload is the whole pushed booking as JSON, kept for the PMS full-replacement rule.
CREATE TABLE reservations (
    id           INTEGER PRIMARY KEY,
    merchant_id  INTEGER NOT NULL,
    reference    TEXT    NOT NULL,
    guest_id     INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('valid', 'option', 'cancelled')),
    creation     TEXT,
    arrival      TEXT,
    departure    TEXT,
    total_amount TEXT,
    currency     TEXT,
    room_type    TEXT,
    room_name    TEXT,
    payload      TEXT    NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (merchant_id, reference),
    FOREIGN KEY (merchant_id, guest_id) REFERENCES guests (merchant_id, id)
) STRICT;

-- Serves list_active (newest arrival first, id as the tie-break: the rowid ends every index entry), count and
-- qualifies.
CREATE INDEX reservations_by_guest ON reservations (merchant_id, guest_id, arrival);

CREATE TABLE reservation_custom_fields (
    reservation_id INTEGER NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    name           TEXT    NOT NULL,
    value          TEXT    NOT NULL,
    PRIMARY KEY (reservation_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE email_list_members (
    merchant_id INTEGER NOT NULL,
    list        TEXT    NOT NULL,
    guest_id    INTEGER NOT NULL,
    joined_at   INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, list, guest_id),
    FOREIGN KEY (merchant_id, guest_id) REFERENCES guests (merchant_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Serves lists_of and qualifies.
CREATE INDEX email_list_members_by_guest ON email_list_members (merchant_id, guest_id);
