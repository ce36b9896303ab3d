-- What each personal access token did, written in batches off the request path. Identical calls
-- (same token, method, route, status, address, user agent and scopes) in the same second share one
-- row: `calls` counts them and `occurred_at` is the latest. So a script that calls a thousand
-- times a second costs a row a second, not a thousand. `scope` holds the scopes
-- the call used, space-separated; NULL when it used none.
CREATE TABLE token_activity (
    id          TEXT PRIMARY KEY,
    token_id    TEXT NOT NULL REFERENCES personal_tokens(id) ON DELETE CASCADE,
    occurred_at BIGINT NOT NULL,
    method      TEXT NOT NULL,
    route       TEXT NOT NULL,
    status      BIGINT NOT NULL,
    ip          TEXT,
    user_agent  TEXT,
    scope       TEXT,
    calls       BIGINT NOT NULL
);
CREATE INDEX token_activity_token_idx ON token_activity (token_id, occurred_at);
CREATE INDEX token_activity_time_idx ON token_activity (occurred_at);
-- The expiry sweep looks for active tokens by date.
CREATE INDEX personal_tokens_status_idx ON personal_tokens (status, expires_at);
