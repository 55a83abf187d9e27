-- A small Moodle site: the guest and admin accounts Moodle installs (mnethostid 1, the
-- local host), two learners, one of them suspended, one deleted account (Moodle keeps
-- the row, with deleted = 1 and a mangled username), and two cohorts.
INSERT INTO mdl_user (auth, confirmed, mnethostid, username, password, firstname, lastname, email, timecreated, timemodified)
  VALUES ('manual', 1, 1, 'guest', '', 'Guest user', ' ', 'root@localhost', 1700000000, 1700000000);
INSERT INTO mdl_user (auth, confirmed, mnethostid, username, password, firstname, lastname, email, timecreated, timemodified)
  VALUES ('manual', 1, 1, 'admin', '$2y$10$TURs4y0DgwbWtEDLItyY.O20gRqqp5Sfls35r8AlIam88F8u4gX.S', 'Admin', 'User', 'admin@school.example', 1700000000, 1700000000);
INSERT INTO mdl_user (auth, confirmed, mnethostid, username, firstname, lastname, email, department, city, country, timecreated, timemodified)
  VALUES ('manual', 1, 1, 'ada.lovelace', 'Ada', 'Lovelace', 'ada.lovelace@school.example', 'Mathematics', 'London', 'GB', 1700000100, 1700000100);
INSERT INTO mdl_user (auth, confirmed, mnethostid, username, firstname, lastname, email, suspended, timecreated, timemodified)
  VALUES ('manual', 1, 1, 'alan.turing', 'Alan', 'Turing', 'alan.turing@school.example', 1, 1700000200, 1700000200);
INSERT INTO mdl_user (auth, confirmed, mnethostid, deleted, username, firstname, lastname, email, timecreated, timemodified)
  VALUES ('manual', 1, 1, 1, 'gone@school.example.1700000300', 'Gone', 'Away', '', 1700000300, 1700000400);

INSERT INTO mdl_cohort (contextid, name, idnumber, description, descriptionformat, timecreated, timemodified)
  VALUES (1, 'Year 1', 'y1', 'First-year learners', 1, 1700000000, 1700000000);
INSERT INTO mdl_cohort (contextid, name, idnumber, description, descriptionformat, timecreated, timemodified)
  VALUES (1, 'Staff', 'staff', NULL, 1, 1700000000, 1700000000);
INSERT INTO mdl_cohort_members (cohortid, userid, timeadded) VALUES (1, 3, 1700000500), (1, 4, 1700000500), (2, 2, 1700000500);
