-- Request-rate token buckets shared by every node.
CREATE TABLE rate_buckets (
    key    TEXT COLLATE "C" PRIMARY KEY,
    tokens DOUBLE PRECISION NOT NULL,
    at_ms  BIGINT NOT NULL
);
