-- Redmine's user, e-mail and membership tables, as Redmine 5.1 creates them on PostgreSQL
-- (db/schema.rb after its migrations; only the tables scimsql touches). Users and groups
-- share users, told apart by type ('User', 'Group', and Redmine's own 'AnonymousUser',
-- 'GroupAnonymous', 'GroupNonMember'); status 1 is active, 2 registered, 3 locked.
CREATE TABLE users (
  id SERIAL PRIMARY KEY,
  login VARCHAR(255) NOT NULL DEFAULT '',
  hashed_password VARCHAR(40) NOT NULL DEFAULT '',
  firstname VARCHAR(30) NOT NULL DEFAULT '',
  lastname VARCHAR(255) NOT NULL DEFAULT '',
  admin BOOLEAN NOT NULL DEFAULT false,
  status INTEGER NOT NULL DEFAULT 1,
  last_login_on TIMESTAMP,
  language VARCHAR(5) DEFAULT '',
  auth_source_id INTEGER,
  created_on TIMESTAMP,
  updated_on TIMESTAMP,
  type VARCHAR(255),
  mail_notification VARCHAR(255) NOT NULL DEFAULT '',
  salt VARCHAR(64),
  must_change_passwd BOOLEAN NOT NULL DEFAULT false,
  passwd_changed_on TIMESTAMP,
  twofa_scheme VARCHAR(255),
  twofa_totp_key VARCHAR(255),
  twofa_totp_last_used_at INTEGER,
  twofa_required BOOLEAN DEFAULT false
);
CREATE INDEX index_users_on_id_and_type ON users (id, type);
CREATE INDEX index_users_on_auth_source_id ON users (auth_source_id);
CREATE INDEX index_users_on_type ON users (type);
CREATE TABLE email_addresses (
  id SERIAL PRIMARY KEY,
  user_id INTEGER NOT NULL,
  address VARCHAR(255) NOT NULL,
  is_default BOOLEAN NOT NULL DEFAULT false,
  notify BOOLEAN NOT NULL DEFAULT true,
  created_on TIMESTAMP NOT NULL,
  updated_on TIMESTAMP NOT NULL
);
CREATE INDEX index_email_addresses_on_user_id ON email_addresses (user_id);
CREATE TABLE groups_users (
  group_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL
);
CREATE UNIQUE INDEX groups_users_ids ON groups_users (group_id, user_id);
