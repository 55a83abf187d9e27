-- A small WordPress site: the administrator the installer made (a phpass hash, as
-- WordPress before 6.8 wrote them; the password is "test12345"), an editor whose
-- password WordPress 6.8 set ($wp$ form; "grimoire-test-123"), and a subscriber.
INSERT INTO wp_users (ID, user_login, user_pass, user_nicename, user_email, user_registered, display_name) VALUES
  (1, 'admin', '$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0', 'admin', 'admin@blog.example', '2021-03-01 09:00:00', 'admin'),
  (2, 'ada', '$wp$2y$12$iWN5xRwDE7i9R5jVJvCyqOxS1CNnwUggQaF8O2W9Bg8TuXQz.ngrS', 'ada', 'ada@blog.example', '2024-05-02 10:30:00', 'Ada Lovelace'),
  (3, 'alan', '', 'alan', 'alan@blog.example', '2025-01-15 08:00:00', 'alan');
INSERT INTO wp_usermeta (user_id, meta_key, meta_value) VALUES
  (1, 'nickname', 'admin'), (1, 'first_name', ''), (1, 'last_name', ''),
  (1, 'wp_capabilities', 'a:1:{s:13:"administrator";b:1;}'), (1, 'wp_user_level', '10'),
  (2, 'nickname', 'ada'), (2, 'first_name', 'Ada'), (2, 'last_name', 'Lovelace'),
  (2, 'wp_capabilities', 'a:1:{s:6:"editor";b:1;}'), (2, 'wp_user_level', '7'),
  (3, 'nickname', 'alan'), (3, 'first_name', 'Alan'), (3, 'last_name', 'Turing'),
  (3, 'wp_capabilities', 'a:1:{s:10:"subscriber";b:1;}'), (3, 'wp_user_level', '0');
