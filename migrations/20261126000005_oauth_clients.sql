-- OAuth clients registered by developers. The id is the public client_id. Owner and kind never
-- change after registration; name, redirect URIs, scopes and status may.
CREATE TABLE oauth_clients (
    id          TEXT PRIMARY KEY,
    owner_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('confidential', 'public')),
    grant_types TEXT NOT NULL,
    scopes      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX oauth_clients_owner_idx ON oauth_clients (owner_id);

-- Registered redirect URIs, compared by exact string; `scopes` narrows the client's scopes for
-- requests that use this URI (NULL: the client's own).
CREATE TABLE oauth_redirect_uris (
    client_id TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    uri       TEXT NOT NULL,
    scopes    TEXT,
    PRIMARY KEY (client_id, position),
    CONSTRAINT oauth_redirect_uris_uri_key UNIQUE (client_id, uri)
);

-- Client secrets: SHA-256 digest and last-four hint only. `expires_at` is NULL for the current
-- secret and set, on rotation, to the end of the old one's grace period.
CREATE TABLE oauth_client_secrets (
    id         TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
    digest     TEXT NOT NULL,
    hint       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    CONSTRAINT oauth_client_secrets_digest_key UNIQUE (digest)
);
CREATE INDEX oauth_client_secrets_client_idx ON oauth_client_secrets (client_id);
