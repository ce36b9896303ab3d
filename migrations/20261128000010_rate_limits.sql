-- Rate-limit counts shared by the replicas on PostgreSQL (GCRA): per subject key
-- ("group:kind:id"), the theoretical arrival time in epoch milliseconds. A key whose time has
-- passed holds a full quota and may be removed.
CREATE TABLE rate_limit_cells (
    key TEXT PRIMARY KEY,
    tat BIGINT NOT NULL
);
CREATE INDEX rate_limit_cells_tat ON rate_limit_cells (tat);
