-- Groups of a pool and their members. Deleting a pool, a group or a user removes the
-- memberships with it (foreign keys with ON DELETE CASCADE).
CREATE TABLE user_groups (
    pool_id    TEXT COLLATE "C" NOT NULL REFERENCES pools(pool_id) ON DELETE CASCADE,
    group_name TEXT COLLATE "C" NOT NULL,
    document   TEXT NOT NULL,
    version    BIGINT NOT NULL,
    CONSTRAINT user_groups_pkey PRIMARY KEY (pool_id, group_name)
);
CREATE TABLE group_members (
    pool_id    TEXT COLLATE "C" NOT NULL,
    group_name TEXT COLLATE "C" NOT NULL,
    username   TEXT COLLATE "C" NOT NULL,
    CONSTRAINT group_members_pkey PRIMARY KEY (pool_id, group_name, username),
    FOREIGN KEY (pool_id, group_name) REFERENCES user_groups(pool_id, group_name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, username) REFERENCES users(pool_id, username) ON DELETE CASCADE
);
CREATE INDEX group_members_by_user ON group_members(pool_id, username, group_name);
