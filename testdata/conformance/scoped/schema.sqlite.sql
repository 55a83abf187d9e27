-- Users and groups in one table, told apart by type (the shape of Redmine's users table,
-- db/migrate of Redmine 5: type 'User', 'Group', 'AnonymousUser', ...; status 1 active,
-- 3 locked; mail_notification NOT NULL without a default), with memberships in
-- groups_users, and a Unix-seconds creation time as Moodle keeps them.
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  login VARCHAR(255) NOT NULL DEFAULT '',
  firstname VARCHAR(30) NOT NULL DEFAULT '',
  lastname VARCHAR(255) NOT NULL DEFAULT '',
  admin BOOLEAN NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 1,
  type VARCHAR(255) NOT NULL,
  mail_notification VARCHAR(30) NOT NULL,
  created_on TIMESTAMP NOT NULL,
  updated_on TIMESTAMP,
  timecreated BIGINT NOT NULL,
  timemodified BIGINT NOT NULL DEFAULT 0,
  hashed_password VARCHAR(40) NOT NULL DEFAULT '',
  salt VARCHAR(64)
);
CREATE TABLE groups_users (
  group_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  PRIMARY KEY (group_id, user_id)
);
-- Redmine keeps e-mails in a table of their own (db/migrate/20150208105930_create_email_addresses.rb):
-- the default one is_default, NOT NULL notify and times without defaults.
CREATE TABLE email_addresses (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL,
  address VARCHAR(255) NOT NULL,
  is_default BOOLEAN NOT NULL DEFAULT 0,
  notify BOOLEAN NOT NULL DEFAULT 1,
  created_on DATETIME NOT NULL,
  updated_on DATETIME NOT NULL
);
CREATE INDEX index_email_addresses_on_user_id ON email_addresses (user_id);
INSERT INTO users (login, firstname, lastname, status, type, mail_notification, created_on, timecreated) VALUES ('', '', 'Anonymous', 0, 'AnonymousUser', '', '2020-01-01 00:00:00', 1577836800);
INSERT INTO users (login, firstname, lastname, status, type, mail_notification, created_on, timecreated) VALUES ('', '', 'Non member users', 1, 'GroupNonMember', '', '2020-01-01 00:00:00', 1577836800);
INSERT INTO users (login, firstname, lastname, status, type, mail_notification, created_on, timecreated) VALUES ('jsmith', 'John', 'Smith', 1, 'User', 'all', '2020-01-01 00:00:00', 1577836800);
INSERT INTO users (login, firstname, lastname, status, type, mail_notification, created_on, timecreated) VALUES ('', '', 'Developers', 1, 'Group', '', '2020-01-01 00:00:00', 1577836800);
INSERT INTO groups_users (group_id, user_id) VALUES (4, 3);
INSERT INTO email_addresses (user_id, address, is_default, notify, created_on, updated_on) VALUES (3, 'jsmith@somenet.foo', 1, 1, '2020-01-01 00:00:00', '2020-01-01 00:00:00');
INSERT INTO email_addresses (user_id, address, is_default, notify, created_on, updated_on) VALUES (3, 'john.smith@other.foo', 0, 0, '2020-01-01 00:00:00', '2020-01-01 00:00:00');
