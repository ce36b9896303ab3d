-- Keys that sign access tokens (EdDSA). The private key is sealed with the master key. A key is
-- published in the JWKS from creation, signs from `signs_from` until `retired_at`, and leaves the
-- JWKS at `remove_at`, once every token it signed has expired.
CREATE TABLE oauth_signing_keys (
    kid                TEXT PRIMARY KEY,
    alg                TEXT NOT NULL,
    public_key         TEXT NOT NULL,
    sealed_private_key TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    signs_from         BIGINT NOT NULL,
    retired_at         BIGINT,
    remove_at          BIGINT
);

-- Access tokens revoked before their expiry (RFC 7009), by JWT id, kept until they would have
-- expired anyway.
CREATE TABLE oauth_revoked_access_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX oauth_revoked_access_tokens_expiry_idx ON oauth_revoked_access_tokens (expires_at);
