-- A forum's users table (phpBB's phpbb_users shape): user_type 0 is a normal user, 3 a
-- founder, 1 inactive, 2 a bot the forum ignores.
CREATE TABLE phpbb_users (
  user_id INT AUTO_INCREMENT PRIMARY KEY,
  user_type SMALLINT NOT NULL DEFAULT 0,
  username VARCHAR(255) NOT NULL DEFAULT '',
  username_clean VARCHAR(255) NOT NULL DEFAULT '',
  user_email VARCHAR(100) NOT NULL DEFAULT ''
);
INSERT INTO phpbb_users (user_type, username, username_clean, user_email) VALUES (3, 'founder', 'founder', 'f@forum.example');
INSERT INTO phpbb_users (user_type, username, username_clean, user_email) VALUES (0, 'member', 'member', 'm@forum.example');
INSERT INTO phpbb_users (user_type, username, username_clean, user_email) VALUES (1, 'dormant', 'dormant', 'd@forum.example');
INSERT INTO phpbb_users (user_type, username, username_clean, user_email) VALUES (2, 'crawler', 'crawler', '');
