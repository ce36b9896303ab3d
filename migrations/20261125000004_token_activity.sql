-- What each personal access token did: one row per API call, written in batches off the request
-- path. `scope` is the scope the route required (what the call used); NULL when none was needed.
CREATE TABLE token_activity (
    id          TEXT PRIMARY KEY,
    token_id    TEXT NOT NULL REFERENCES personal_tokens(id) ON DELETE CASCADE,
    occurred_at BIGINT NOT NULL,
    method      TEXT NOT NULL,
    route       TEXT NOT NULL,
    status      BIGINT NOT NULL,
    ip          TEXT,
    user_agent  TEXT,
    scope       TEXT
);
CREATE INDEX token_activity_token_idx ON token_activity (token_id, occurred_at);
CREATE INDEX token_activity_time_idx ON token_activity (occurred_at);
-- The expiry sweep looks for active tokens by date.
CREATE INDEX personal_tokens_status_idx ON personal_tokens (status, expires_at);
