-- Both engines have one schema from here on. PostgreSQL made `markers` in 0001 and
-- `rate_buckets` in 0002; SQLite made `markers` in 0002 and gains `rate_buckets` here.
-- The embedded engine keeps its rate buckets in memory (one process per data directory
-- holds its lock), so this table stays empty there.
CREATE TABLE rate_buckets (
    key    TEXT PRIMARY KEY,
    tokens REAL NOT NULL,
    at_ms  INTEGER NOT NULL
);
