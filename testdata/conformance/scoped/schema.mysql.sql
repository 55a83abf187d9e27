-- Users and groups in one table, told apart by type (the shape of Redmine's users table,
-- db/migrate of Redmine 5: type 'User', 'Group', 'AnonymousUser', ...; status 1 active,
-- 3 locked), with memberships in groups_users.
CREATE TABLE users (
  id INT AUTO_INCREMENT PRIMARY KEY,
  login VARCHAR(255) NOT NULL DEFAULT '',
  firstname VARCHAR(30) NOT NULL DEFAULT '',
  lastname VARCHAR(255) NOT NULL DEFAULT '',
  admin BOOLEAN NOT NULL DEFAULT 0,
  status INTEGER NOT NULL DEFAULT 1,
  type VARCHAR(255) NOT NULL,
  updated_on DATETIME NULL
);
CREATE TABLE groups_users (
  group_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  PRIMARY KEY (group_id, user_id)
);
INSERT INTO users (login, firstname, lastname, status, type) VALUES ('', '', 'Anonymous', 0, 'AnonymousUser');
INSERT INTO users (login, firstname, lastname, status, type) VALUES ('', '', 'Non member users', 1, 'GroupNonMember');
INSERT INTO users (login, firstname, lastname, status, type) VALUES ('jsmith', 'John', 'Smith', 1, 'User');
INSERT INTO users (login, firstname, lastname, status, type) VALUES ('', '', 'Developers', 1, 'Group');
INSERT INTO groups_users (group_id, user_id) VALUES (4, 3);
