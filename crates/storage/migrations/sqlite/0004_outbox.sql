-- Messages held instead of sent (no SMTP/SMS delivery configured), newest last.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    pool_id     TEXT NOT NULL,
    username    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    subject     TEXT,
    body        TEXT NOT NULL,
    code        TEXT,
    sent_ms     INTEGER NOT NULL
);
CREATE INDEX outbox_by_pool ON outbox(pool_id, id);
