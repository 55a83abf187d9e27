-- testdata/entra/sqlite.sql: examples/entra/schema.sql for SQLite (the conformance tests run
-- the example on every database). The original: a PostgreSQL schema for the whole SCIM core User (RFC 7643 §4.1), the
-- enterprise extension (§4.3) and Group (§4.2), the starting point for Microsoft Entra ID.
-- Column names are the application's own; mapping.yaml says which SCIM attribute each is.

CREATE TABLE directory_users (
  user_id            TEXT PRIMARY KEY,               -- made by scimsql (generate: uuid)
  user_name          varchar(256) NOT NULL,
  external_id        varchar(256),                   -- Entra's objectId; not unique (a test collection reuses it)
  active             INTEGER NOT NULL DEFAULT 1,
  display_name       varchar(256),
  nick_name          varchar(256),
  profile_url        varchar(1024),
  title              varchar(256),
  user_type          varchar(64),
  preferred_language varchar(64),
  locale             varchar(64),
  timezone           varchar(64),
  password_hash      varchar(255),                   -- bcrypt; never returned
  -- name
  formatted_name     varchar(512),
  family_name        varchar(256),
  given_name         varchar(256),
  middle_name        varchar(256),
  honorific_prefix   varchar(64),
  honorific_suffix   varchar(64),
  -- emails, phone numbers, instant messaging, photos: one column per type
  work_email         varchar(320),
  home_email         varchar(320),
  other_email        varchar(320),
  work_phone         varchar(64),
  mobile_phone       varchar(64),
  fax_phone          varchar(64),
  im_handle          varchar(256),
  photo_url          varchar(1024),
  -- addresses: one column per type and part
  work_street        varchar(512),
  work_locality      varchar(256),
  work_region        varchar(256),
  work_postal_code   varchar(64),
  work_country       varchar(128),
  work_formatted     varchar(1024),
  home_street        varchar(512),
  home_locality      varchar(256),
  home_region        varchar(256),
  home_postal_code   varchar(64),
  home_country       varchar(128),
  home_formatted     varchar(1024),
  -- the enterprise extension
  employee_number    varchar(64),
  cost_center        varchar(64),
  organization       varchar(256),
  division           varchar(256),
  department         varchar(256),
  manager_id         varchar(64),                    -- the manager's id as Entra sends it: no foreign key
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL
);
-- userName is unique ignoring case (RFC 7643 caseExact=false): the agent's and Entra's
-- lookups are lower-cased comparisons this index answers.
CREATE UNIQUE INDEX directory_users_user_name ON directory_users (user_name COLLATE NOCASE);
-- Entra matches users by externalId or userName (its matching attribute), and imports
-- changes by meta.lastModified.
CREATE INDEX directory_users_external_id ON directory_users (external_id);
CREATE INDEX directory_users_updated_at ON directory_users (updated_at);
CREATE INDEX directory_users_created_at ON directory_users (created_at);

CREATE TABLE directory_groups (
  group_id     TEXT PRIMARY KEY,
  display_name varchar(256) NOT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX directory_groups_display_name ON directory_groups (display_name COLLATE NOCASE);

CREATE TABLE directory_group_members (
  group_id TEXT NOT NULL REFERENCES directory_groups (group_id) ON DELETE CASCADE,
  user_id  TEXT NOT NULL REFERENCES directory_users (user_id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
);
-- A user's groups (the read-only groups attribute) are read by user.
CREATE INDEX directory_group_members_user ON directory_group_members (user_id);

-- The application's roles, and which user holds which: Entra provisions app role
-- assignments as the user's roles (their value is the role's id here).
CREATE TABLE directory_roles (
  role_id      varchar(64) PRIMARY KEY,
  display_name varchar(256) NOT NULL
);
CREATE TABLE directory_user_roles (
  user_id TEXT NOT NULL REFERENCES directory_users (user_id) ON DELETE CASCADE,
  role_id varchar(64) NOT NULL REFERENCES directory_roles (role_id),
  PRIMARY KEY (user_id, role_id)
);
INSERT INTO directory_roles (role_id, display_name) VALUES ('User', 'User'), ('Admin', 'Administrator'), ('Auditor', 'Auditor');
