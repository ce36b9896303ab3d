-- Personal access tokens. Only the SHA-256 digest of a token is stored, with its last four
-- characters as a hint. Nothing about a token changes after creation except its status and usage.
CREATE TABLE personal_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    note          TEXT,
    scopes        TEXT NOT NULL,
    digest        TEXT NOT NULL,
    hint          TEXT NOT NULL,
    allowlist     TEXT,
    status        TEXT NOT NULL,
    status_reason TEXT,
    status_at     BIGINT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT,
    last_used_at  BIGINT,
    last_used_ip  TEXT,
    last_used_ua  TEXT,
    CONSTRAINT personal_tokens_digest_key UNIQUE (digest)
);
CREATE INDEX personal_tokens_user_idx ON personal_tokens (user_id);
-- A name is unique among a user's active tokens.
CREATE UNIQUE INDEX personal_tokens_active_name_key ON personal_tokens (user_id, name) WHERE status = 'active';
