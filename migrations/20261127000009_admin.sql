-- The credential an action was taken with ("token:<id>", "client:<id>"): the audit trail's "who"
-- beside the user. Chained records include it in their hash only when set, so older hashes hold.
ALTER TABLE audit_events ADD COLUMN actor_credential TEXT;

-- The admin area: the instance policy an admin changes at runtime, a forced re-enrolment of
-- second factors, and every user's notification inbox.

-- One row (id = 1) once an admin has saved the policy; until then the start-up flags apply.
CREATE TABLE instance_policy (
    id         BIGINT PRIMARY KEY,
    settings   TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL
);

-- Set when an admin resets the account's second factors: the next sign-in must enrol one.
ALTER TABLE users ADD COLUMN mfa_reset_at BIGINT;

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    message    TEXT NOT NULL,
    -- What a notice is about (a token id, a browser), so the same notice is not written twice.
    dedupe_key TEXT,
    created_at BIGINT NOT NULL,
    read_at    BIGINT,
    -- E-mail of the notice (when SMTP is configured): 'pending', 'sending' (claimed by a sender),
    -- 'sent', or 'failed' after the last retry; `mail_next_at` is the next try (backoff).
    mail_state    TEXT NOT NULL DEFAULT 'pending',
    mail_attempts BIGINT NOT NULL DEFAULT 0,
    mail_next_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_mail_idx ON notifications (mail_state, mail_next_at);
CREATE INDEX notifications_user_idx ON notifications (user_id, created_at);
CREATE UNIQUE INDEX notifications_dedupe_key ON notifications (user_id, dedupe_key);

-- Browsers a user has signed in from (a digest of a long-lived random cookie), to tell a new one.
CREATE TABLE known_browsers (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest     TEXT NOT NULL,
    first_seen BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL,
    PRIMARY KEY (user_id, digest)
);

-- Outbound webhooks for audit events: an admin registers an https URL; each event is queued for
-- every active webhook in the transaction that records it, and delivered signed (HMAC-SHA-256 with
-- the webhook's secret, sealed at rest with the master key), retried with backoff.
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    secret_enc TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE webhook_deliveries (
    id           TEXT PRIMARY KEY,
    webhook_id   TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL,
    last_code    BIGINT,
    last_error   TEXT,
    created_at   BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_at);
CREATE INDEX webhook_deliveries_hook_idx ON webhook_deliveries (webhook_id, created_at);
