-- Pools, app clients, users with their unique lookup keys, settings.
CREATE TABLE pools (
    pool_id   TEXT PRIMARY KEY,
    document  TEXT NOT NULL,
    version   INTEGER NOT NULL
);
CREATE TABLE clients (
    client_id TEXT PRIMARY KEY,
    pool_id   TEXT NOT NULL REFERENCES pools(pool_id) ON DELETE CASCADE,
    document  TEXT NOT NULL,
    version   INTEGER NOT NULL
);
CREATE INDEX clients_by_pool ON clients(pool_id, client_id);
CREATE TABLE users (
    pool_id      TEXT NOT NULL REFERENCES pools(pool_id) ON DELETE CASCADE,
    username     TEXT NOT NULL,
    username_key TEXT NOT NULL,
    sub          TEXT NOT NULL,
    email_key    TEXT,
    phone_key    TEXT,
    preferred_username_key TEXT,
    document     TEXT NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (pool_id, username)
);
CREATE UNIQUE INDEX users_by_username_key ON users(pool_id, username_key);
CREATE UNIQUE INDEX users_by_sub ON users(pool_id, sub);
CREATE UNIQUE INDEX users_by_email ON users(pool_id, email_key) WHERE email_key IS NOT NULL;
CREATE UNIQUE INDEX users_by_phone ON users(pool_id, phone_key) WHERE phone_key IS NOT NULL;
CREATE UNIQUE INDEX users_by_preferred_username ON users(pool_id, preferred_username_key)
    WHERE preferred_username_key IS NOT NULL;
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
