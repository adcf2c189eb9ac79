-- Messages held instead of sent (no SMTP/SMS delivery configured), newest last.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    pool_id     TEXT COLLATE "C" NOT NULL,
    username    TEXT NOT NULL,
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    subject     TEXT,
    body        TEXT NOT NULL,
    code        TEXT,
    sent_ms     BIGINT NOT NULL
);
CREATE INDEX outbox_by_pool ON outbox(pool_id, id);
