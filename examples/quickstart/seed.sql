-- Demo data mirroring Okta's in-memory example connector: users 101 "okta" (John Smith)
-- and 102 "admin" (Barbara Jensen, inactive); groups 1001 and 1002. New users get
-- ids from 103 on, as in Okta's docs ("Okta will use the ID 103 ...").
INSERT INTO users (id, user_name, first_name, last_name, email, mobile, active, department, is_admin, is_okta, updated_at, created_at)
VALUES (101, 'okta', 'John', 'Smith', 'john.smith@example.com', '+1 555 0101', 1, 'Cloud Service', 0, 1, '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000');
INSERT INTO users (id, user_name, first_name, last_name, email, mobile, active, department, is_admin, is_okta, updated_at, created_at)
VALUES (102, 'admin', 'Barbara', 'Jensen', 'barbara.jensen@example.com', '+1 555 0102', 0, 'IT', 1, 0, '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000');

INSERT INTO groups (id, name, description, updated_at, created_at) VALUES (1001, 'firstGroup', 'This is the first group', '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000');
INSERT INTO groups (id, name, description, updated_at, created_at) VALUES (1002, 'secondGroup', 'This is the second group', '2024-01-01 00:00:00.000000', '2024-01-01 00:00:00.000000');
INSERT INTO group_members (group_id, user_id) VALUES (1001, 101);
INSERT INTO group_members (group_id, user_id) VALUES (1002, 101);
INSERT INTO group_members (group_id, user_id) VALUES (1002, 102);
