package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/draft"
)

const initUsage = `scimsql init drafts a mapping from a live database: it reads the tables, keys and
foreign keys (and classifies a few values, to tell a bcrypt hash from a plain one or 0/1
from 'A'/'I', without printing or storing them), writes a commented mapping that says
why each binding was chosen, and validates it against the database. It only reads.

Usage:
  scimsql init -driver sqlite|postgres|mysql -dsn DSN [-out mapping.yaml] [-force]
               [-users TABLE] [-groups TABLE] [-members TABLE] [-app NAME]
               [-username COLUMN|FORMAT]

Flags:
`

func initCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("init", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, initUsage)
		fs.PrintDefaults()
	}
	driver := fs.String("driver", "", "database: sqlite, postgres or mysql (MySQL and MariaDB) (required)")
	dsn := fs.String("dsn", "", "the database's DSN (required); a password in it is not written to the mapping")
	out := fs.String("out", "mapping.yaml", "the file to write; - for standard output")
	force := fs.Bool("force", false, "overwrite -out when it exists")
	users := fs.String("users", "", "the users table, when init should not choose")
	groups := fs.String("groups", "", "the groups table, when init should not choose")
	members := fs.String("members", "", "the membership table, when init should not choose")
	userName := fs.String("username", "", "the userName when init cannot know it: a column, or the format the application makes logins with, such as {last_name}{first_name}@corp.example")
	app := fs.String("app", "", "the Okta app's name (custom attributes' URN urn:okta:NAME:1.0:user:custom); default app")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	newDialect, ok := dialectTable[*driver]
	if !ok || *dsn == "" {
		fmt.Fprintln(stderr, "scimsql init: -driver (sqlite, postgres, mysql) and -dsn are required")
		return 2
	}
	if *out != "-" && !*force {
		if _, err := os.Stat(*out); err == nil {
			fmt.Fprintf(stderr, "scimsql init: %s exists; -force overwrites it, or give -out another file\n", *out)
			return 1
		}
	}
	d := newDialect()
	if fd, ok := d.(dialects.FileDatabase); ok && !fd.Exists(*dsn) {
		fmt.Fprintf(stderr, "scimsql init: no database file at %s\n", *dsn)
		return 1
	}
	db, err := d.Open(*dsn, dialects.Pool{MaxOpen: 2, MaxIdle: 1, MaxLifetime: time.Minute})
	if err != nil {
		fmt.Fprintf(stderr, "scimsql init: cannot open the database: %s\n", redactDSN(err.Error(), *driver, *dsn))
		return 1
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clean, stripped := withoutPassword(*driver, *dsn)
	dr, err := draft.Build(ctx, d, db, draft.Options{Driver: *driver, DSN: clean, Users: *users, Groups: *groups, Members: *members, App: *app, UserName: *userName})
	if err != nil {
		fmt.Fprintf(stderr, "scimsql init: %s\n", redactDSN(err.Error(), *driver, *dsn))
		return 1
	}
	text := dr.YAML()
	if *out == "-" {
		fmt.Fprint(stdout, text)
		return 0
	}
	if err := os.WriteFile(*out, []byte(text), 0o600); err != nil {
		fmt.Fprintf(stderr, "scimsql init: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "wrote %s (users from %s%s)\n", *out, dr.Users.Table.Name, groupsFrom(dr))
	if stripped {
		fmt.Fprintln(stdout, "the DSN's password is not in the file: set SCIMSQL_DSN to the full DSN before validate and serve")
		return 0
	}
	// The draft is checked as validate would check it, against the same database.
	return validate([]string{"-mapping", *out, "-dsn", *dsn, "-db", "require"}, stdout, stderr)
}

func groupsFrom(dr *draft.Draft) string {
	if dr.Groups == nil {
		return ", no groups"
	}
	return ", groups from " + dr.Groups.Table.Name + " and " + dr.Groups.Members.Name
}

var mysqlPassword = regexp.MustCompile(`^([^:@/]*):[^@]*@`)

// withoutPassword is dsn without its password, and whether it had one.
func withoutPassword(driver, dsn string) (string, bool) {
	switch driver {
	case "mysql":
		if mysqlPassword.MatchString(dsn) {
			return mysqlPassword.ReplaceAllString(dsn, "$1@"), true
		}
	case "postgres", "sqlserver":
		if u, err := url.Parse(dsn); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.User(u.User.Username())
				return u.String(), true
			}
		}
	}
	return dsn, false
}

// redactDSN is msg without the DSN's password, should a driver's error repeat it.
func redactDSN(msg, driver, dsn string) string {
	pw := ""
	switch driver {
	case "mysql":
		if m := regexp.MustCompile(`^[^:@/]*:([^@]*)@`).FindStringSubmatch(dsn); m != nil {
			pw = m[1]
		}
	default:
		if u, err := url.Parse(dsn); err == nil && u.User != nil {
			pw, _ = u.User.Password()
		}
	}
	if pw == "" {
		return msg
	}
	return strings.ReplaceAll(msg, pw, "***")
}
