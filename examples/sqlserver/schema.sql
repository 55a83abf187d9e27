-- The acme_hr app of examples/postgres, on SQL Server: the same tables and columns, so
-- the two mappings differ only where the databases do. Load with sqlcmd:
--   sqlcmd -S localhost -U sa -P '...' -d acme -i examples/sqlserver/schema.sql
-- Differences from PostgreSQL, and why:
--   UNIQUEIDENTIFIER for uuid keys; NVARCHAR because go-mssqldb sends strings as NVARCHAR
--   and a VARCHAR column compared with one loses its index seek; BIT for booleans;
--   DATETIME2/DATETIMEOFFSET for times; no expression indexes needed, because the
--   default collation already compares case-insensitively (scimsql then compares the
--   column directly and the plain unique index serves the agent's lookups).
CREATE TABLE accounts (
    account_id        UNIQUEIDENTIFIER NOT NULL PRIMARY KEY,
    login             NVARCHAR(256) NOT NULL,           -- userName
    first_name        NVARCHAR(100),                    -- name.givenName
    last_name         NVARCHAR(100),                    -- name.familyName
    work_email        NVARCHAR(256),                    -- emails, type work (primary)
    home_email        NVARCHAR(256),                    -- emails, type home
    mobile            NVARCHAR(64),                     -- phoneNumbers, type mobile
    status            CHAR(1) NOT NULL DEFAULT 'A' CHECK (status IN ('A', 'I')),
    password_hash     NVARCHAR(100),                    -- bcrypt, NULL = no password
    department        NVARCHAR(100),
    is_contractor     BIT,
    employee_number   INT,
    hourly_rate       DECIMAL(10, 2),
    performance_score FLOAT,
    hire_date         DATE,
    last_review_at    DATETIMEOFFSET,
    skills            NVARCHAR(MAX),                    -- JSON array
    locations         NVARCHAR(1000),                   -- comma-separated
    modified_at       DATETIME2(6) NOT NULL DEFAULT SYSUTCDATETIME()
);
CREATE UNIQUE INDEX accounts_login ON accounts (login);          -- userName: unique, any case
CREATE INDEX accounts_modified_at ON accounts (modified_at);     -- incremental import
CREATE INDEX accounts_work_email ON accounts (work_email);       -- e-mail as Okta's unique field

CREATE TABLE teams (
    team_id     BIGINT IDENTITY(1001, 1) PRIMARY KEY,
    name        NVARCHAR(256) NOT NULL,
    description NVARCHAR(MAX),
    modified_at DATETIME2(6) NOT NULL DEFAULT SYSUTCDATETIME()
);
CREATE UNIQUE INDEX teams_name ON teams (name);

CREATE TABLE team_members (
    team_id    BIGINT NOT NULL REFERENCES teams (team_id) ON DELETE CASCADE,
    account_id UNIQUEIDENTIFIER NOT NULL REFERENCES accounts (account_id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, account_id)
);
CREATE INDEX team_members_account ON team_members (account_id);
