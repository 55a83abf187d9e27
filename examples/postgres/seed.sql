-- Demo data for examples/postgres: four accounts and three teams, always the same ids,
-- so the README's requests work as written on a freshly loaded database.
--
-- Load it after schema.sql:  psql -h 127.0.0.1 -U postgres -d test -f examples/postgres/seed.sql
--
-- The accounts that have a password share the demo password Welcome-2024! (bcrypt, cost 10).
-- Carol has none (password_hash NULL): she signs in through Okta only.

INSERT INTO accounts (account_id, login, first_name, last_name, work_email, home_email, mobile, status, password_hash,
                      department, is_contractor, employee_number, hourly_rate, performance_score, hire_date,
                      last_review_at, skills, locations, modified_at)
VALUES ('6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0001', 'alice.anders', 'Alice', 'Anders',
        'alice.anders@example.com', 'alice@home.example.net', '+1 555 0101', 'A',
        '$2a$10$3KYbf4GCB0A6acWzPzsxH.ukOAUaZj8lWDfbfeK0BZ/Pe5daThpy.',
        'Engineering', FALSE, 1001, 87.50, 4.25, '2019-03-18',
        '2024-02-01 09:30:00+00', '["go","postgresql","kubernetes"]', 'Berlin,Remote', '2024-01-01 00:00:00+00');

INSERT INTO accounts (account_id, login, first_name, last_name, work_email, home_email, mobile, status, password_hash,
                      department, is_contractor, employee_number, hourly_rate, performance_score, hire_date,
                      last_review_at, skills, locations, modified_at)
VALUES ('6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0002', 'bob.brown', 'Bob', 'Brown',
        'bob.brown@example.com', NULL, '+1 555 0102', 'A',
        '$2a$10$3KYbf4GCB0A6acWzPzsxH.ukOAUaZj8lWDfbfeK0BZ/Pe5daThpy.',
        'Finance', TRUE, 1002, 120.00, 3.5, '2021-11-02',
        NULL, '["excel"]', 'London', '2024-01-02 00:00:00+00');

INSERT INTO accounts (account_id, login, first_name, last_name, work_email, home_email, mobile, status, password_hash,
                      department, is_contractor, employee_number, hourly_rate, performance_score, hire_date,
                      last_review_at, skills, locations, modified_at)
VALUES ('6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0003', 'carol.chen', 'Carol', 'Chen',
        'carol.chen@example.com', 'carol.chen@home.example.net', NULL, 'A',
        NULL,
        'Engineering', FALSE, 1003, NULL, NULL, '2023-06-01',
        '2024-03-15 14:00:00+00', '[]', NULL, '2024-01-03 00:00:00+00');

-- An inactive (deactivated) account: status 'I' is served as active: false.
INSERT INTO accounts (account_id, login, first_name, last_name, work_email, home_email, mobile, status, password_hash,
                      department, is_contractor, employee_number, hourly_rate, performance_score, hire_date,
                      last_review_at, skills, locations, modified_at)
VALUES ('6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0004', 'dave.diaz', 'Dave', 'Diaz',
        'dave.diaz@example.com', NULL, '+1 555 0104', 'I',
        '$2a$10$3KYbf4GCB0A6acWzPzsxH.ukOAUaZj8lWDfbfeK0BZ/Pe5daThpy.',
        'Sales', TRUE, 1004, 65.25, 2.75, '2018-01-15',
        '2023-12-31 23:59:59+00', '["negotiation","crm"]', 'Paris,Lyon', '2024-01-04 00:00:00+00');

-- Teams take 1001, 1002, 1003 from the identity column (START WITH 1001); naming the ids
-- would leave the identity behind, and the next team scimsql creates would clash.
INSERT INTO teams (name, description, modified_at) VALUES ('Engineering', 'Everyone who builds the product', '2024-01-01 00:00:00+00');
INSERT INTO teams (name, description, modified_at) VALUES ('Finance', 'Accounts payable and receivable', '2024-01-01 00:00:00+00');
INSERT INTO teams (name, description, modified_at) VALUES ('On-call', NULL, '2024-01-01 00:00:00+00');

INSERT INTO team_members (team_id, account_id)
SELECT t.team_id, a.account_id FROM teams t, accounts a
WHERE (t.name, a.login) IN (('Engineering', 'alice.anders'), ('Engineering', 'carol.chen'),
                            ('Finance', 'bob.brown'), ('On-call', 'alice.anders'));

-- Roles and entitlements, for Okta Identity Governance.
INSERT INTO roles (role_id, name, description) VALUES
    (1, 'Payroll Admin', 'Runs payroll'),
    (2, 'HR Viewer', 'Reads HR records'),
    (3, 'Auditor', NULL);
INSERT INTO account_roles (account_id, role_id) VALUES
    ('6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0001', 1),
    ('6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0001', 2),
    ('6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0002', 2);
INSERT INTO permissions (code, label, kind) VALUES
    ('payroll.read', 'Read payroll', 'permission'),
    ('payroll.write', 'Change payroll', 'permission');
INSERT INTO account_permissions (account_id, code) VALUES
    ('6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0001', 'payroll.read'),
    ('6b1f0c52-3a0e-4e61-9d59-2f6b3a1c0001', 'payroll.write');
