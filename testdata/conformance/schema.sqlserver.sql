-- The quickstart app's tables on SQL Server, for the conformance suite.
CREATE TABLE users (
    id              BIGINT IDENTITY(1,1) PRIMARY KEY,
    -- NVARCHAR, because go-mssqldb sends Go strings as NVARCHAR: comparing them with a
    -- VARCHAR column converts the column and loses the index seek.
    user_name       NVARCHAR(255) NOT NULL,
    first_name      NVARCHAR(255),
    last_name       NVARCHAR(255),
    email           NVARCHAR(255),
    secondary_email NVARCHAR(255),
    mobile          NVARCHAR(64),
    active          INT NOT NULL DEFAULT 1,
    password_hash   NVARCHAR(255),
    department      NVARCHAR(255),
    is_admin        BIT,
    is_okta         BIT,
    updated_at      DATETIME2(6),
    created_at      DATETIME2(6)
);
-- The default collation ignores case, so this is the case-insensitive uniqueness SCIM wants.
CREATE UNIQUE INDEX users_user_name ON users (user_name);
CREATE INDEX users_updated_at ON users (updated_at);

CREATE TABLE groups (
    id          BIGINT IDENTITY(1001,1) PRIMARY KEY,
    name        NVARCHAR(255) NOT NULL,
    description NVARCHAR(MAX),
    updated_at  DATETIME2(6),
    created_at  DATETIME2(6)
);
CREATE UNIQUE INDEX groups_name ON groups (name);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);

-- A trigger, as legacy schemas often have: a bare OUTPUT clause would fail on this table
-- (error 334); scimsql's OUTPUT ... INTO must not.
CREATE TABLE users_audit (id BIGINT IDENTITY PRIMARY KEY, user_id BIGINT, at DATETIME2 DEFAULT SYSUTCDATETIME());
CREATE TRIGGER users_audit_insert ON users AFTER INSERT AS INSERT INTO users_audit (user_id) SELECT id FROM inserted;
