-- Pools, app clients, users with their unique lookup keys, settings, one-time markers.
CREATE TABLE pools (
    pool_id   TEXT COLLATE "C" PRIMARY KEY,
    document  TEXT NOT NULL,
    version   BIGINT NOT NULL
);
CREATE TABLE clients (
    client_id TEXT COLLATE "C" PRIMARY KEY,
    pool_id   TEXT COLLATE "C" NOT NULL REFERENCES pools(pool_id) ON DELETE CASCADE,
    document  TEXT NOT NULL,
    version   BIGINT NOT NULL
);
CREATE INDEX clients_by_pool ON clients(pool_id, client_id);
CREATE TABLE users (
    pool_id      TEXT COLLATE "C" NOT NULL REFERENCES pools(pool_id) ON DELETE CASCADE,
    username     TEXT COLLATE "C" NOT NULL,
    username_key TEXT COLLATE "C" NOT NULL,
    sub          TEXT COLLATE "C" NOT NULL,
    email_key    TEXT COLLATE "C",
    phone_key    TEXT COLLATE "C",
    preferred_username_key TEXT COLLATE "C",
    document     TEXT NOT NULL,
    version      BIGINT NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (pool_id, username)
);
CREATE UNIQUE INDEX users_by_username_key ON users(pool_id, username_key);
CREATE UNIQUE INDEX users_by_sub ON users(pool_id, sub);
CREATE UNIQUE INDEX users_by_email ON users(pool_id, email_key) WHERE email_key IS NOT NULL;
CREATE UNIQUE INDEX users_by_phone ON users(pool_id, phone_key) WHERE phone_key IS NOT NULL;
CREATE UNIQUE INDEX users_by_preferred_username ON users(pool_id, preferred_username_key)
    WHERE preferred_username_key IS NOT NULL;
CREATE TABLE settings (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE markers (
    name       TEXT COLLATE "C" PRIMARY KEY,
    expires_ms BIGINT NOT NULL
);
CREATE INDEX markers_by_expiry ON markers(expires_ms);
