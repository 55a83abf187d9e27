-- A forum's users, groups and memberships, in the shape forum software keeps them (not any
-- one product's DDL): binary collations, so case counts in every comparison; a unique
-- normalised login beside the login the user typed; registration as Unix seconds; a
-- required reference to a role; NOT NULL text columns without defaults; a built-in
-- anonymous account (user_type 2). scimsql init is tested on it without a hint.
CREATE TABLE forum_roles (
  role_id INT NOT NULL AUTO_INCREMENT,
  role_name VARCHAR(60) NOT NULL,
  PRIMARY KEY (role_id)
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE forum_users (
  user_id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_type TINYINT NOT NULL DEFAULT 0,
  role_id INT NOT NULL,
  username VARCHAR(255) NOT NULL DEFAULT '',
  username_clean VARCHAR(255) NOT NULL DEFAULT '',
  user_password VARCHAR(255) NOT NULL DEFAULT '',
  user_email VARCHAR(100) NOT NULL DEFAULT '',
  user_regdate INT UNSIGNED NOT NULL DEFAULT 0,
  user_lastvisit INT UNSIGNED NOT NULL DEFAULT 0,
  user_sig MEDIUMTEXT NOT NULL,
  PRIMARY KEY (user_id),
  UNIQUE KEY username_clean (username_clean),
  KEY user_email (user_email),
  CONSTRAINT forum_users_role FOREIGN KEY (role_id) REFERENCES forum_roles (role_id)
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE forum_groups (
  group_id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  group_name VARCHAR(255) NOT NULL DEFAULT '',
  group_desc TEXT NOT NULL,
  PRIMARY KEY (group_id)
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE TABLE forum_user_group (
  group_id INT UNSIGNED NOT NULL,
  user_id INT UNSIGNED NOT NULL,
  group_leader TINYINT NOT NULL DEFAULT 0,
  PRIMARY KEY (group_id, user_id),
  KEY user_id (user_id),
  CONSTRAINT forum_user_group_group FOREIGN KEY (group_id) REFERENCES forum_groups (group_id) ON DELETE CASCADE,
  CONSTRAINT forum_user_group_user FOREIGN KEY (user_id) REFERENCES forum_users (user_id) ON DELETE CASCADE
) DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
-- The roles the forum's installer creates.
INSERT INTO forum_roles (role_id, role_name) VALUES (1, 'member'), (2, 'moderator');
