-- One-time markers (used sessions, consumed challenges).
CREATE TABLE markers (
    name       TEXT PRIMARY KEY,
    expires_ms INTEGER NOT NULL
);
CREATE INDEX markers_by_expiry ON markers(expires_ms);
