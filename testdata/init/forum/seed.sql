INSERT INTO forum_users (user_id, user_type, role_id, username, username_clean, user_password, user_email, user_regdate, user_sig) VALUES
  (1, 2, 1, 'Anonymous', 'anonymous', '', '', 1700000000, ''),
  (2, 0, 2, 'Ada.Lovelace', 'ada.lovelace', '$2a$10$7EqJtq98hPqEX7fNZaFWoOa6DQmV1CuQ5Zf5WmDD0oI5yC7z2mC6K', 'Ada.Lovelace@forum.example', 1700000100, ''),
  (3, 0, 1, 'grace', 'grace', '$2a$10$7EqJtq98hPqEX7fNZaFWoOa6DQmV1CuQ5Zf5WmDD0oI5yC7z2mC6K', 'grace@forum.example', 1700000200, 'Hello'),
  (4, 0, 1, 'Linus', 'linus', '$2a$10$7EqJtq98hPqEX7fNZaFWoOa6DQmV1CuQ5Zf5WmDD0oI5yC7z2mC6K', 'linus@forum.example', 1700000300, '');
INSERT INTO forum_groups (group_id, group_name, group_desc) VALUES (1, 'Moderators', 'They moderate'), (2, 'Readers', '');
INSERT INTO forum_user_group (group_id, user_id, group_leader) VALUES (1, 2, 1), (2, 2, 0), (2, 3, 0), (2, 4, 0);
