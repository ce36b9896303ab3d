-- A tamper-evident audit trail: every record carries its place in one sequence, the hash of the
-- record before it and its own hash (SHA-256 over the previous hash and the record's fields).
-- `audit_chain` holds the newest place and hash; writers update it in their own transaction, which
-- serialises them, so the chain never forks. Records written before this migration stay
-- unchained (seq NULL) and are counted, not checked, by `gatehouse audit verify`.
ALTER TABLE audit_events ADD COLUMN seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
CREATE UNIQUE INDEX audit_events_seq_key ON audit_events (seq);

CREATE TABLE audit_chain (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    head TEXT NOT NULL
);
INSERT INTO audit_chain (id, seq, head) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
