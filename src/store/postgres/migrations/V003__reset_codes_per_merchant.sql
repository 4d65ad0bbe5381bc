-- guestd schema for PostgreSQL, version 3, as SQLite's V006: a reset code is unique within its merchant, no
-- longer across the deployment (issue 13). A code one hotel's partner chose must neither block nor reveal the
-- same code at another hotel, and every look-up of a code names its merchant. Existing resets keep their
-- merchant_id, which the composite foreign key to accounts (merchant_id, id) already holds equal to their
-- account's.
ALTER TABLE resets DROP CONSTRAINT resets_code_hash_key;
ALTER TABLE resets ADD CONSTRAINT resets_merchant_id_code_hash_key UNIQUE (merchant_id, code_hash);
