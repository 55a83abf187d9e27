-- examples/mysql-employees: the three tables of MySQL's public "employees" sample database
-- that Okta's example-mysql-server used, in their real shapes (github.com/datacharmer/test_db,
-- employees.sql), with two additions a DBA makes once, marked ADDED below:
--
--   * emp_no is AUTO_INCREMENT, so a new employee gets its number from the database. Without
--     it a connector must compute MAX(emp_no)+1 itself, which serialises every create on a
--     lock and deadlocks under concurrent pushes.
--   * an index on (last_name, first_name): userName is <last_name><first_name>@mysql-db.org,
--     and the mapping turns the agent's "userName eq" lookup into an equality on these two
--     columns, which this index answers without reading the table.
--
-- README.md gives the same two changes as ALTER TABLE statements for the full public sample.
-- The rest of the sample (salaries, titles, dept_manager) is not needed here.
--
-- Load it with the MySQL or MariaDB client:
--   mysql -h 127.0.0.1 -uroot -e 'CREATE DATABASE employees'
--   mysql -h 127.0.0.1 -uroot employees < examples/mysql-employees/schema.sql
--
-- The tables take the database's character set and collation. Any case-insensitive
-- collation (the default utf8mb4_general_ci on MariaDB, utf8mb4_0900_ai_ci on MySQL 8) makes
-- userName lookups ignore case, as SCIM wants; a _bin or _cs collation makes them exact.

CREATE TABLE employees (
    emp_no      INT             NOT NULL AUTO_INCREMENT,  -- ADDED: AUTO_INCREMENT
    birth_date  DATE            NOT NULL,
    first_name  VARCHAR(14)     NOT NULL,
    last_name   VARCHAR(16)     NOT NULL,
    gender      ENUM ('M','F')  NOT NULL,
    hire_date   DATE            NOT NULL,
    PRIMARY KEY (emp_no),
    KEY employees_name (last_name, first_name)            -- ADDED: the userName lookup
);

CREATE TABLE departments (
    dept_no     CHAR(4)         NOT NULL,
    dept_name   VARCHAR(40)     NOT NULL,
    PRIMARY KEY (dept_no),
    UNIQUE  KEY (dept_name)
);

-- One row per (employee, department). A membership is current while to_date is
-- '9999-01-01'; a past one keeps the day it ended. The primary key allows one row per
-- pair, so rejoining a department reopens that row.
CREATE TABLE dept_emp (
    emp_no      INT             NOT NULL,
    dept_no     CHAR(4)         NOT NULL,
    from_date   DATE            NOT NULL,
    to_date     DATE            NOT NULL,
    FOREIGN KEY (emp_no)  REFERENCES employees   (emp_no)  ON DELETE CASCADE,
    FOREIGN KEY (dept_no) REFERENCES departments (dept_no) ON DELETE CASCADE,
    PRIMARY KEY (emp_no, dept_no)
);
