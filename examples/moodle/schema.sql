-- Moodle's user, cohort and cohort membership tables, as Moodle 4.x creates them on
-- PostgreSQL (lib/db/install.xml: TABLE user, cohort, cohort_members; the mdl_ prefix is
-- the installer's default). Columns, types, NOT NULL and defaults are Moodle's own; only
-- the tables scimsql touches are here.
CREATE TABLE mdl_user (
  id BIGSERIAL PRIMARY KEY,
  auth VARCHAR(20) NOT NULL DEFAULT 'manual',
  confirmed SMALLINT NOT NULL DEFAULT 0,
  policyagreed SMALLINT NOT NULL DEFAULT 0,
  deleted SMALLINT NOT NULL DEFAULT 0,
  suspended SMALLINT NOT NULL DEFAULT 0,
  mnethostid BIGINT NOT NULL DEFAULT 0,
  username VARCHAR(100) NOT NULL DEFAULT '',
  password VARCHAR(255) NOT NULL DEFAULT '',
  idnumber VARCHAR(255) NOT NULL DEFAULT '',
  firstname VARCHAR(100) NOT NULL DEFAULT '',
  lastname VARCHAR(100) NOT NULL DEFAULT '',
  email VARCHAR(100) NOT NULL DEFAULT '',
  emailstop SMALLINT NOT NULL DEFAULT 0,
  phone1 VARCHAR(20) NOT NULL DEFAULT '',
  phone2 VARCHAR(20) NOT NULL DEFAULT '',
  institution VARCHAR(255) NOT NULL DEFAULT '',
  department VARCHAR(255) NOT NULL DEFAULT '',
  address VARCHAR(255) NOT NULL DEFAULT '',
  city VARCHAR(120) NOT NULL DEFAULT '',
  country VARCHAR(2) NOT NULL DEFAULT '',
  lang VARCHAR(30) NOT NULL DEFAULT 'en',
  calendartype VARCHAR(30) NOT NULL DEFAULT 'gregorian',
  theme VARCHAR(50) NOT NULL DEFAULT '',
  timezone VARCHAR(100) NOT NULL DEFAULT '99',
  firstaccess BIGINT NOT NULL DEFAULT 0,
  lastaccess BIGINT NOT NULL DEFAULT 0,
  lastlogin BIGINT NOT NULL DEFAULT 0,
  currentlogin BIGINT NOT NULL DEFAULT 0,
  lastip VARCHAR(45) NOT NULL DEFAULT '',
  secret VARCHAR(15) NOT NULL DEFAULT '',
  picture BIGINT NOT NULL DEFAULT 0,
  description TEXT,
  descriptionformat SMALLINT NOT NULL DEFAULT 1,
  mailformat SMALLINT NOT NULL DEFAULT 1,
  maildigest SMALLINT NOT NULL DEFAULT 0,
  maildisplay SMALLINT NOT NULL DEFAULT 2,
  autosubscribe SMALLINT NOT NULL DEFAULT 1,
  trackforums SMALLINT NOT NULL DEFAULT 0,
  timecreated BIGINT NOT NULL DEFAULT 0,
  timemodified BIGINT NOT NULL DEFAULT 0,
  trustbitmask BIGINT NOT NULL DEFAULT 0,
  imagealt VARCHAR(255),
  lastnamephonetic VARCHAR(255),
  firstnamephonetic VARCHAR(255),
  middlename VARCHAR(255),
  alternatename VARCHAR(255),
  moodlenetprofile VARCHAR(255)
);
CREATE UNIQUE INDEX mdl_user_mneuse_uix ON mdl_user (mnethostid, username);
CREATE INDEX mdl_user_del_ix ON mdl_user (deleted);
CREATE INDEX mdl_user_ema_ix ON mdl_user (email);
CREATE INDEX mdl_user_las2_ix ON mdl_user (lastaccess);

-- Contexts: the installer makes the system context (contextlevel 10, CONTEXT_SYSTEM)
-- first; a site-wide cohort belongs to it.
CREATE TABLE mdl_context (
  id BIGSERIAL PRIMARY KEY,
  contextlevel BIGINT NOT NULL DEFAULT 0,
  instanceid BIGINT NOT NULL DEFAULT 0,
  path VARCHAR(255),
  depth SMALLINT NOT NULL DEFAULT 0,
  locked SMALLINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mdl_cont_conins_uix ON mdl_context (contextlevel, instanceid);
INSERT INTO mdl_context (contextlevel, instanceid, path, depth) VALUES (10, 0, '/1', 1);

CREATE TABLE mdl_cohort (
  id BIGSERIAL PRIMARY KEY,
  contextid BIGINT NOT NULL,
  name VARCHAR(254) NOT NULL DEFAULT '',
  idnumber VARCHAR(100),
  description TEXT,
  descriptionformat SMALLINT NOT NULL,
  visible SMALLINT NOT NULL DEFAULT 1,
  component VARCHAR(100) NOT NULL DEFAULT '',
  timecreated BIGINT NOT NULL,
  timemodified BIGINT NOT NULL,
  theme VARCHAR(50)
);
CREATE INDEX mdl_coho_con_ix ON mdl_cohort (contextid);

CREATE TABLE mdl_cohort_members (
  id BIGSERIAL PRIMARY KEY,
  cohortid BIGINT NOT NULL DEFAULT 0,
  userid BIGINT NOT NULL DEFAULT 0,
  timeadded BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mdl_cohomemb_cohuse_uix ON mdl_cohort_members (cohortid, userid);
CREATE INDEX mdl_cohomemb_use_ix ON mdl_cohort_members (userid);
