-- What a fresh Redmine holds, and a little more: the admin (password "admin", stored the
-- way Redmine stores it), Redmine's anonymous user and built-in groups, a developer with
-- two addresses, and the Developers group.
INSERT INTO users (id, login, hashed_password, firstname, lastname, admin, status, language, created_on, updated_on, type, mail_notification, salt) VALUES
  (1, 'admin', 'fb994dc9b06ccf5a4d0474301f0782c77147a90f', 'Redmine', 'Admin', true, 1, 'en', '2024-01-01 00:00:00', '2024-01-01 00:00:00', 'User', 'all', '0123456789abcdef0123456789abcdef'),
  (2, '', '', '', 'Anonymous', false, 0, '', '2024-01-01 00:00:00', '2024-01-01 00:00:00', 'AnonymousUser', 'only_my_events', NULL),
  (3, '', '', '', 'Anonymous users', false, 1, '', '2024-01-01 00:00:00', '2024-01-01 00:00:00', 'GroupAnonymous', '', NULL),
  (4, '', '', '', 'Non member users', false, 1, '', '2024-01-01 00:00:00', '2024-01-01 00:00:00', 'GroupNonMember', '', NULL),
  (5, 'jsmith', '', 'John', 'Smith', false, 1, 'en', '2024-02-01 00:00:00', '2024-02-01 00:00:00', 'User', 'only_my_events', NULL),
  (6, '', '', '', 'Developers', false, 1, '', '2024-02-01 00:00:00', '2024-02-01 00:00:00', 'Group', '', NULL);
SELECT setval('users_id_seq', 6);
INSERT INTO email_addresses (user_id, address, is_default, notify, created_on, updated_on) VALUES
  (1, 'admin@tracker.example', true, true, '2024-01-01 00:00:00', '2024-01-01 00:00:00'),
  (5, 'jsmith@tracker.example', true, true, '2024-02-01 00:00:00', '2024-02-01 00:00:00'),
  (5, 'john@home.example', false, false, '2024-02-01 00:00:00', '2024-02-01 00:00:00');
INSERT INTO groups_users (group_id, user_id) VALUES (6, 5);
