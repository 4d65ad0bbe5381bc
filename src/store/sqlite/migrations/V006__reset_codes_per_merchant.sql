-- guestd schema, version 6: a reset code is unique within its merchant, no longer across the deployment (issue
-- 13). A code one hotel's partner chose must neither block nor reveal the same code at another hotel, and every
-- look-up of a code names its merchant. SQLite cannot change a table's constraints in place: the table is rebuilt
-- with the same columns, ids and rows. Each reset takes the merchant of its account (the composite foreign key
-- already kept them equal; the join says where the merchant comes from).
CREATE TABLE new_resets (
    id          INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    account_id  INTEGER NOT NULL,
    code_hash   BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    voided_at   INTEGER,
    UNIQUE (merchant_id, code_hash),
    FOREIGN KEY (merchant_id, account_id) REFERENCES accounts (merchant_id, id)
) STRICT;

INSERT INTO new_resets (id, merchant_id, account_id, code_hash, created_at, expires_at, used_at, voided_at)
SELECT r.id, a.merchant_id, r.account_id, r.code_hash, r.created_at, r.expires_at, r.used_at, r.voided_at
FROM resets r JOIN accounts a ON a.id = r.account_id;

DROP TABLE resets;
ALTER TABLE new_resets RENAME TO resets;

-- Serves the voiding of live resets and the hourly count per account.
CREATE INDEX resets_by_account ON resets (account_id, created_at);
