-- The quickstart app's own tables, on embedded SQLite. scimsql runs this file (and
-- seed.sql) the first time it starts, when the users table does not exist yet.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_name       TEXT NOT NULL,
    first_name      TEXT,
    last_name       TEXT,
    email           TEXT,
    secondary_email TEXT,
    mobile          TEXT,
    active          INTEGER NOT NULL DEFAULT 1,
    password_hash   TEXT,
    department      TEXT,
    is_admin        INTEGER,
    is_okta         INTEGER,
    updated_at      TEXT,
    created_at      TEXT
);
-- userName is unique ignoring case (SCIM caseExact=false); the expression index also
-- serves the agent's check-exists lookup, LOWER(user_name) = LOWER(?).
CREATE UNIQUE INDEX users_user_name ON users (LOWER(user_name));
CREATE INDEX users_updated_at ON users (updated_at);

CREATE TABLE groups (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL,
    description TEXT,
    updated_at  TEXT,
    created_at  TEXT
);
CREATE UNIQUE INDEX groups_name ON groups (LOWER(name));

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);
