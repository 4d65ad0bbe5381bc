-- Paytronix OAuth guest tokens (oauth/requestGuestToken.json). A family is one password login: its refresh
-- tokens rotate on every use and its access tokens live 30 minutes; the family carries what every token of it is
-- bound to (merchant, partner, account, granted scope), the refresh tokens' end (30 days from the login) and the
-- revocation that ends them all (a password change or reset, a reused refresh token). Tokens are stored only as
-- digests. Kept apart from `sessions` (the Experience x-guest-token): an access token is no guest token, and a
-- token of one dialect must never be accepted by the other.
CREATE TABLE oauth_families (
    id          INTEGER PRIMARY KEY,
    merchant_id INTEGER NOT NULL,
    partner_id  INTEGER NOT NULL REFERENCES partners (id),
    account_id  INTEGER NOT NULL,
    scope       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    FOREIGN KEY (merchant_id, account_id) REFERENCES accounts (merchant_id, id)
) STRICT;

CREATE INDEX oauth_families_by_account ON oauth_families (account_id);

-- kind: 'access' or 'refresh'. spent_at: when a refresh token was exchanged (a second use is reuse).
CREATE TABLE oauth_tokens (
    token_hash BLOB    PRIMARY KEY,
    family_id  INTEGER NOT NULL REFERENCES oauth_families (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('access', 'refresh')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    spent_at   INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX oauth_tokens_by_family ON oauth_tokens (family_id);
