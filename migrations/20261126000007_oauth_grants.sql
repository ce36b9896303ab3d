-- What users granted to clients, and the credentials those grants produced.

-- Remembered consent: the scopes a user allowed a client. Withdrawing deletes the row and revokes
-- the client's refresh families for that user.
CREATE TABLE oauth_consents (
    user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
    scopes     TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);

-- A grant session: every token issued from one authorization code (or one exchange) belongs to
-- one family. Revoking the family ends its refresh tokens at once and its access tokens at
-- introspection and at the REST API (by the `sid` claim).
CREATE TABLE oauth_families (
    id             TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes         TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    last_used_at   BIGINT NOT NULL,
    revoked_at     BIGINT,
    revoked_reason TEXT
);
CREATE INDEX oauth_families_user_idx ON oauth_families (user_id, client_id);

-- Authorization codes (single use, 10 minutes), stored by digest, bound to client, redirect URI
-- and PKCE challenge. `family_id` is set when the code is redeemed, so a second use can revoke
-- what the first produced.
CREATE TABLE oauth_codes (
    digest         TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
    user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    redirect_uri   TEXT NOT NULL,
    scopes         TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT,
    family_id      TEXT
);

-- Refresh tokens, by digest; each is used once, and its use creates the next of its family.
CREATE TABLE oauth_refresh_tokens (
    digest     TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL REFERENCES oauth_families(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX oauth_refresh_tokens_family_idx ON oauth_refresh_tokens (family_id);
