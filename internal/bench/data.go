package bench

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/mysql"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/engine"
)

// The schemas and mappings the bench serves. The MySQL ones are copies of
// examples/mysql-employees (a test keeps them identical); the PostgreSQL ones are the
// same tables and mapping written for PostgreSQL.
var (
	//go:embed employees.mysql.sql
	mysqlSchema string
	//go:embed employees.mysql.yaml
	mysqlMapping string
	//go:embed employees.postgres.sql
	postgresSchema string
	//go:embed employees.postgres.yaml
	postgresMapping string
)

// firstEmpNo is the first generated emp_no, as in the public sample and seed.sql.
const firstEmpNo = 10001

// MixGroups and MixGroupMembers shape the groups the mix PUTs: departments Okta pushed
// (d101, d102, ...), each PUT to one of them at random so that they do not all queue on
// one group's lock.
const (
	MixGroups       = 16
	MixGroupMembers = 200
)

// GroupPushMembers is the size of the department the group-push scenario moves one member
// of: the largest department of the 100,000-employee database.
const GroupPushMembers = 25_800

// The name lists of examples/mysql-employees/seed.sql. Employee i (emp_no 10001 + i) is
// first name i mod 61 and last name i mod 50, so the first 3,050 are the seed's names
// (10001 is Georgi Facello); from i = 3,050 on, the last name carries i div 3,050 as a
// suffix (Facello1, ...). 61 and 50 share no factor, so within a block of 3,050 the pairs
// differ; the suffix, made of digits that no name contains, tells the blocks apart; and
// so every userName <Last><First>@mysql-db.org is unique. Last names stay within
// VARCHAR(16) up to 100 million employees.
var firstNames = []string{
	"Georgi", "Bezalel", "Parto", "Chirstian", "Kyoichi", "Anneke", "Tzvetan", "Saniya",
	"Sumant", "Duangkaew", "Mary", "Patricio", "Eberhardt", "Berni", "Guoxiang", "Kazuhito",
	"Cristinel", "Kazuhide", "Lillian", "Mayuko", "Ramzi", "Shahaf", "Bojan", "Suzette",
	"Prasadram", "Yongqiao", "Divier", "Domenick", "Otmar", "Elvis", "Karsten", "Jeong",
	"Arif", "Bader", "Alain", "Adamantios", "Pradeep", "Huan", "Alejandro", "Weiyi",
	"Uri", "Magy", "Yishay", "Mingsen", "Moss", "Lucien", "Zvonko", "Florian",
	"Basil", "Yinghua", "Hidefumi", "Heping", "Sanjiv", "Mayumi", "Georgy", "Brendon",
	"Ebbe", "Berhard", "Breannda", "Tse", "Anoosh",
}

var lastNames = []string{
	"Facello", "Simmel", "Bamford", "Koblick", "Maliniak", "Preusig", "Zielinski", "Kalloufi",
	"Peac", "Piveteau", "Sluis", "Bridgland", "Terkki", "Genin", "Nooteboom", "Cappelletti",
	"Bouloucos", "Peha", "Haddadi", "Warwick", "Erde", "Famili", "Montemayor", "Pettey",
	"Heyers", "Berztiss", "Reistad", "Tempesti", "Herbst", "Demeyer", "Joslin", "Merlo",
	"Swan", "Chappelet", "Portugali", "Makrucki", "Lortz", "Brender", "Meriste", "Lenart",
	"Stamatiou", "Tzvieli", "Casley", "Shanbhogue", "Rosenbaum", "Nyanchama", "Syrotiuk", "Tramer",
	"Dredge", "Caine",
}

// nameBlock is the number of distinct (first, last) pairs the two lists give.
const nameBlock = 61 * 50

// employeeName returns employee i's first and last name, as the generating SQL does.
func employeeName(i int) (first, last string) {
	first, last = firstNames[i%61], lastNames[i%50]
	if i >= nameBlock {
		last += fmt.Sprint(i / nameBlock)
	}
	return first, last
}

// departments are the public sample's nine, with the share of employees each holds there
// (dept_emp rows per department, in thousandths): Development 25.8 % is the issue's
// 25,800-member department at 100,000 employees. Employee i's department is the one
// whose range holds slot (i * 389) mod 1000; 389 is prime to 1000, so every 1,000
// consecutive employees fill each range exactly and the sizes hold at any scale.
var departments = []struct {
	no, name string
	share    int
}{
	{"d005", "Development", 258},
	{"d004", "Production", 222},
	{"d007", "Sales", 158},
	{"d009", "Customer Service", 71},
	{"d008", "Research", 64},
	{"d001", "Marketing", 61},
	{"d006", "Quality Management", 61},
	{"d003", "Human Resources", 54},
	{"d002", "Finance", 51},
}

// History, as in seed.sql: every tenth employee (i mod 10 = 3) moved and keeps an ended
// membership of an earlier department; every 25th (i mod 25 = 24) outside Development has
// left and has only an ended one. Development keeps all its 258 in 1,000, so it has
// exactly 25,800 current members at 100,000 employees.

// database is the bench's own database (MySQL) or schema (PostgreSQL) on the server of
// the DSN it was given.
type database struct {
	driver  string
	d       dialects.Dialect
	name    string // database or schema
	dsn     string // the DSN scimsql and the bench use, pointing at it
	admin   *sql.DB
	db      *sql.DB
	version string
}

func dialectFor(driver string) (dialects.Dialect, error) {
	switch driver {
	case "mysql":
		return mysql.New(), nil
	case "postgres":
		return postgres.New(), nil
	}
	return nil, fmt.Errorf("driver %q: the bench runs on mysql (MySQL, MariaDB) or postgres", driver)
}

// createDatabase makes a fresh, empty database (MySQL) or schema (PostgreSQL) named
// scimsql_bench_<pid>_<time> and opens it.
func createDatabase(ctx context.Context, driver, adminDSN string) (*database, error) {
	d, err := dialectFor(driver)
	if err != nil {
		return nil, err
	}
	admin, err := d.Open(adminDSN, dialects.Pool{MaxOpen: 2, MaxIdle: 2, MaxLifetime: time.Hour})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", driver, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = admin.PingContext(pctx)
	cancel()
	if err != nil {
		admin.Close()
		return nil, fmt.Errorf("%s does not answer: %w", driver, err)
	}
	db := &database{driver: driver, d: d, admin: admin,
		name: fmt.Sprintf("scimsql_bench_%d_%d", os.Getpid(), time.Now().Unix()%1_000_000)}
	_ = admin.QueryRowContext(ctx, "SELECT version()").Scan(&db.version)
	if i := strings.Index(db.version, " on "); i > 0 {
		db.version = db.version[:i] // PostgreSQL goes on with the platform and compiler
	}
	switch driver {
	case "mysql":
		// The collation the conformance suite uses: case-insensitive, as userName wants.
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+db.name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
			admin.Close()
			return nil, fmt.Errorf("create database %s: %w", db.name, err)
		}
		if db.dsn, err = mysqlDatabaseDSN(adminDSN, db.name); err != nil {
			db.drop(ctx)
			return nil, err
		}
	case "postgres":
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+db.name); err != nil {
			admin.Close()
			return nil, fmt.Errorf("create schema %s: %w", db.name, err)
		}
		if db.dsn, err = postgresSchemaDSN(adminDSN, db.name); err != nil {
			db.drop(ctx)
			return nil, err
		}
	}
	if db.db, err = d.Open(db.dsn, dialects.Pool{MaxOpen: 4, MaxIdle: 4, MaxLifetime: time.Hour}); err != nil {
		db.drop(ctx)
		return nil, err
	}
	return db, nil
}

// mysqlDatabaseDSN replaces the database of a go-sql-driver DSN
// (user:password@tcp(host:port)/database?params).
func mysqlDatabaseDSN(dsn, name string) (string, error) {
	slash := strings.LastIndex(dsn, "/")
	if slash < 0 {
		return "", errors.New("a MySQL DSN names its database after a slash: user@tcp(host:3306)/db")
	}
	rest := dsn[slash+1:]
	params := ""
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		params = rest[q:]
	}
	return dsn[:slash+1] + name + params, nil
}

// postgresSchemaDSN sets search_path to the schema, in a URL or a key=value DSN.
func postgresSchemaDSN(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse the PostgreSQL DSN: %w", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

// drop removes the database or schema and closes the pools.
func (db *database) drop(ctx context.Context) error {
	if db.db != nil {
		db.db.Close()
	}
	var err error
	switch db.driver {
	case "mysql":
		_, err = db.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+db.name)
	case "postgres":
		_, err = db.admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+db.name+" CASCADE")
	}
	db.admin.Close()
	return err
}

func (db *database) close() {
	if db.db != nil {
		db.db.Close()
	}
	db.admin.Close()
}

// person is an employee the scenarios address.
type person struct {
	id            int
	first, last   string
	gender, birth string
	hire          string
}

func (p person) userName() string { return p.last + p.first + "@mysql-db.org" }

// member is a group member as the agent sends it.
type member struct {
	id      int
	display string
}

// group is a department the bench PUTs, with its current members and an employee who
// is not one of them.
type group struct {
	id, name string
	members  []member
	outsider member
}

// dataset is what the scenarios need to know about the generated data.
type dataset struct {
	size        int
	memberships int
	sample      []person // a spread of existing employees, for lookups and PUTs
	push        group    // GroupPushMembers members (fewer for tiny sizes)
	pushed      []group  // MixGroups small departments, for the mix's group PUTs
	seconds     float64
}

func list(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "'" + n + "'"
	}
	return strings.Join(q, ", ")
}

// deptCase is the SQL for the department number (1..9) of slot s.
func deptCase(s string) string {
	var b strings.Builder
	b.WriteString("CASE")
	upto := 0
	for i, d := range departments {
		upto += d.share
		if i == len(departments)-1 {
			fmt.Fprintf(&b, " ELSE %s END", d.no[1:])
			break
		}
		fmt.Fprintf(&b, " WHEN %s < %d THEN %s", s, upto, d.no[1:])
	}
	return b.String()
}

// generate creates the schema and fills it with size employees, their memberships and
// the nine departments, with set-based SQL: a handful of statements whatever the size.
func (db *database) generate(ctx context.Context, size int, logf func(string, ...any)) (*dataset, error) {
	start := time.Now()
	conn, err := db.db.Conn(ctx) // one session: the settings below are per session
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	exec := func(what, q string, args ...any) error {
		t := time.Now()
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w\nin: %s", what, err, q)
		}
		if what != "" {
			logf("  %s (%.1f s)", what, time.Since(t).Seconds())
		}
		return nil
	}
	schema := mysqlSchema
	if db.driver == "postgres" {
		schema = postgresSchema
	}
	for _, st := range engine.SplitStatements(schema) {
		if err := exec("", st); err != nil {
			return nil, err
		}
	}
	var depts []string
	for _, d := range departments {
		depts = append(depts, fmt.Sprintf("('%s', '%s')", d.no, d.name))
	}
	sort.Strings(depts)
	if err := exec("", "INSERT INTO departments (dept_no, dept_name) VALUES "+strings.Join(depts, ", ")); err != nil {
		return nil, err
	}
	last := firstEmpNo + size - 1
	// The employee's index i, slot s and department number k, from emp_no.
	derived := fmt.Sprintf(`SELECT emp_no, hire_date, i, s, %s AS k FROM (
		SELECT emp_no, hire_date, emp_no - %d AS i, ((emp_no - %d) * 389) %% 1000 AS s
		FROM employees WHERE emp_no BETWEEN %d AND %d) e0`, deptCase("s"), firstEmpNo, firstEmpNo, firstEmpNo, last)
	leaver := fmt.Sprintf("(s >= %d AND i %% 25 = 24)", departments[0].share)
	switch db.driver {
	case "mysql":
		// The checks are the loader's to skip: the rows are generated consistent.
		if err := exec("", "SET SESSION foreign_key_checks = 0, unique_checks = 0"); err != nil {
			return nil, err
		}
		// 0..999 in a real table: MySQL cannot read a TEMPORARY table twice in one query.
		if err := exec("", "CREATE TABLE bench_seq (i INT NOT NULL PRIMARY KEY)"); err != nil {
			return nil, err
		}
		if err := exec("", `INSERT INTO bench_seq (i)
			WITH RECURSIVE digit (d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM digit WHERE d < 9)
			SELECT a.d + 10 * b.d + 100 * c.d FROM digit a CROSS JOIN digit b CROSS JOIN digit c`); err != nil {
			return nil, err
		}
		q := fmt.Sprintf(`INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date)
			SELECT %d + i,
				DATE_ADD('1952-02-01', INTERVAL (i * 104729) %% 4700 DAY),
				ELT(i %% 61 + 1, %s),
				CONCAT(ELT(i %% 50 + 1, %s), IF(i >= %d, i DIV %d, '')),
				IF((i * 7) %% 5 < 3, 'M', 'F'),
				DATE_ADD('1985-01-01', INTERVAL (i * 7919) %% 5110 DAY)
			FROM (SELECT a.i * 1000000 + b.i * 1000 + c.i AS i
				FROM bench_seq a CROSS JOIN bench_seq b CROSS JOIN bench_seq c
				WHERE a.i < %d AND b.i < %d) n
			WHERE i < %d`,
			firstEmpNo, list(firstNames), list(lastNames), nameBlock, nameBlock,
			(size+999_999)/1_000_000, min(1000, (size+999)/1000), size)
		if err := exec(fmt.Sprintf("%d employees", size), q); err != nil {
			return nil, err
		}
		if err := exec("", "DROP TABLE bench_seq"); err != nil {
			return nil, err
		}
		dept := func(k string) string { return "CONCAT('d', LPAD(" + k + ", 3, '0'))" }
		if err := exec("current memberships", fmt.Sprintf(`INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date)
			SELECT emp_no, %s,
				CASE WHEN i %% 10 = 3 THEN DATE_ADD(hire_date, INTERVAL 300 + i %% 900 DAY) ELSE hire_date END,
				'9999-01-01'
			FROM (%s) e WHERE NOT %s`, dept("k"), derived, leaver)); err != nil {
			return nil, err
		}
		if err := exec("past memberships", fmt.Sprintf(`INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date)
			SELECT emp_no,
				CASE WHEN i %% 10 = 3 THEN %s ELSE %s END,
				hire_date,
				CASE WHEN i %% 10 = 3 THEN DATE_ADD(hire_date, INTERVAL 300 + i %% 900 DAY)
					ELSE DATE_ADD(hire_date, INTERVAL 500 + i %% 3000 DAY) END
			FROM (%s) e WHERE i %% 10 = 3 OR %s`, dept("(k + 3) % 9 + 1"), dept("k"), derived, leaver)); err != nil {
			return nil, err
		}
	case "postgres":
		q := fmt.Sprintf(`INSERT INTO employees (emp_no, birth_date, first_name, last_name, gender, hire_date)
			SELECT %d + i,
				DATE '1952-02-01' + ((i::bigint * 104729) %% 4700)::int,
				(ARRAY[%s])[i %% 61 + 1],
				(ARRAY[%s])[i %% 50 + 1] || CASE WHEN i >= %d THEN (i / %d)::text ELSE '' END,
				CASE WHEN (i * 7) %% 5 < 3 THEN 'M' ELSE 'F' END,
				DATE '1985-01-01' + ((i::bigint * 7919) %% 5110)::int
			FROM generate_series(0, %d) AS i`,
			firstEmpNo, list(firstNames), list(lastNames), nameBlock, nameBlock, size-1)
		if err := exec(fmt.Sprintf("%d employees", size), q); err != nil {
			return nil, err
		}
		// New employees (POST /Users) get numbers after the generated ones.
		if err := exec("", "SELECT setval(pg_get_serial_sequence('employees', 'emp_no'), (SELECT MAX(emp_no) FROM employees))"); err != nil {
			return nil, err
		}
		dept := func(k string) string { return "'d' || LPAD((" + k + ")::text, 3, '0')" }
		if err := exec("current memberships", fmt.Sprintf(`INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date)
			SELECT emp_no, %s,
				CASE WHEN i %% 10 = 3 THEN hire_date + (300 + i %% 900) ELSE hire_date END,
				DATE '9999-01-01'
			FROM (%s) e WHERE NOT %s`, dept("k"), derived, leaver)); err != nil {
			return nil, err
		}
		if err := exec("past memberships", fmt.Sprintf(`INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date)
			SELECT emp_no,
				CASE WHEN i %% 10 = 3 THEN %s ELSE %s END,
				hire_date,
				CASE WHEN i %% 10 = 3 THEN hire_date + (300 + i %% 900) ELSE hire_date + (500 + i %% 3000) END
			FROM (%s) e WHERE i %% 10 = 3 OR %s`, dept("(k + 3) % 9 + 1"), dept("k"), derived, leaver)); err != nil {
			return nil, err
		}
	}
	ds := &dataset{size: size}
	// The group-push department: Development when it has exactly GroupPushMembers current
	// members (at 100,000 employees), else a tenth department holding the first
	// GroupPushMembers employees (half of them for tiny sizes), so the scenario moves one
	// member of a group of the same size at every scale.
	var devMembers int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM dept_emp WHERE dept_no = 'd005' AND to_date = '9999-01-01'").Scan(&devMembers); err != nil {
		return nil, err
	}
	pushID := "d005"
	if devMembers != GroupPushMembers {
		pushID = "d010"
		n := min(GroupPushMembers, size/2)
		if err := exec("", "INSERT INTO departments (dept_no, dept_name) VALUES ('d010', 'Group Push')"); err != nil {
			return nil, err
		}
		if err := exec(fmt.Sprintf("group-push department d010 (%d members)", n), fmt.Sprintf(`INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date)
			SELECT emp_no, 'd010', hire_date, '9999-01-01' FROM employees WHERE emp_no BETWEEN %d AND %d`, firstEmpNo, firstEmpNo+n-1)); err != nil {
			return nil, err
		}
	}
	// The groups Okta pushed: MixGroups departments d101... of MixGroupMembers employees
	// each (fewer for tiny sizes), distinct sets.
	per := min(MixGroupMembers, size/(2*MixGroups))
	var names []string
	for g := range MixGroups {
		names = append(names, fmt.Sprintf("('d%d', 'Pushed Group %02d')", 101+g, g+1))
	}
	if err := exec("", "INSERT INTO departments (dept_no, dept_name) VALUES "+strings.Join(names, ", ")); err != nil {
		return nil, err
	}
	groupOf := fmt.Sprintf("CONCAT('d', 101 + (emp_no - %d) DIV %d)", firstEmpNo, per)
	if db.driver == "postgres" {
		groupOf = fmt.Sprintf("'d' || (101 + (emp_no - %d) / %d)::text", firstEmpNo, per)
	}
	if err := exec(fmt.Sprintf("%d pushed groups of %d", MixGroups, per), fmt.Sprintf(`INSERT INTO dept_emp (emp_no, dept_no, from_date, to_date)
		SELECT emp_no, %s, hire_date, '9999-01-01' FROM employees WHERE emp_no BETWEEN %d AND %d`,
		groupOf, firstEmpNo, firstEmpNo+MixGroups*per-1)); err != nil {
		return nil, err
	}
	switch db.driver {
	case "mysql":
		if err := exec("", "SET SESSION foreign_key_checks = 1, unique_checks = 1"); err != nil {
			return nil, err
		}
		if err := exec("analyze", "ANALYZE TABLE employees, departments, dept_emp"); err != nil {
			return nil, err
		}
	case "postgres":
		// VACUUM also sets the visibility map, so that index-only scans work from the start.
		if err := exec("vacuum analyze", "VACUUM (ANALYZE) employees, departments, dept_emp"); err != nil {
			return nil, err
		}
	}
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM dept_emp").Scan(&ds.memberships); err != nil {
		return nil, err
	}
	if ds.push, err = db.loadGroup(ctx, conn, pushID); err != nil {
		return nil, err
	}
	for g := range MixGroups {
		pg, err := db.loadGroup(ctx, conn, fmt.Sprintf("d%d", 101+g))
		if err != nil {
			return nil, err
		}
		ds.pushed = append(ds.pushed, pg)
	}
	if ds.sample, err = db.loadSample(ctx, conn, size); err != nil {
		return nil, err
	}
	ds.seconds = time.Since(start).Seconds()
	return ds, nil
}

// loadGroup reads a department's current members and finds an employee outside it.
func (db *database) loadGroup(ctx context.Context, conn *sql.Conn, id string) (group, error) {
	g := group{id: id}
	if err := conn.QueryRowContext(ctx, "SELECT dept_name FROM departments WHERE dept_no = '"+id+"'").Scan(&g.name); err != nil {
		return g, fmt.Errorf("department %s: %w", id, err)
	}
	rows, err := conn.QueryContext(ctx, `SELECT e.emp_no, e.last_name, e.first_name FROM dept_emp m
		JOIN employees e ON e.emp_no = m.emp_no
		WHERE m.dept_no = '`+id+`' AND m.to_date = '9999-01-01' ORDER BY e.emp_no`)
	if err != nil {
		return g, err
	}
	defer rows.Close()
	for rows.Next() {
		var m member
		var last, first string
		if err := rows.Scan(&m.id, &last, &first); err != nil {
			return g, err
		}
		m.display = last + first + "@mysql-db.org"
		g.members = append(g.members, m)
	}
	if err := rows.Err(); err != nil {
		return g, err
	}
	if len(g.members) < 2 {
		return g, fmt.Errorf("department %s has %d current members: the size is too small", id, len(g.members))
	}
	var last, first string
	err = conn.QueryRowContext(ctx, `SELECT e.emp_no, e.last_name, e.first_name FROM employees e
		WHERE NOT EXISTS (SELECT 1 FROM dept_emp m WHERE m.emp_no = e.emp_no AND m.dept_no = '`+id+`' AND m.to_date = '9999-01-01')
		ORDER BY e.emp_no DESC LIMIT 1`).Scan(&g.outsider.id, &last, &first)
	if err != nil {
		return g, fmt.Errorf("an employee outside department %s: %w", id, err)
	}
	g.outsider.display = last + first + "@mysql-db.org"
	return g, nil
}

// sampleSize bounds how many employees the lookups and PUTs choose from: enough that
// concurrent clients rarely pick the same row, few enough to read in a moment.
const sampleSize = 20_000

// loadSample reads every n-th employee, up to sampleSize of them.
func (db *database) loadSample(ctx context.Context, conn *sql.Conn, size int) ([]person, error) {
	step := max(1, size/sampleSize)
	rows, err := conn.QueryContext(ctx, fmt.Sprintf(`SELECT emp_no, first_name, last_name, gender, birth_date, hire_date
		FROM employees WHERE (emp_no - %d) %% %d = 0 ORDER BY emp_no`, firstEmpNo, step))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []person
	for rows.Next() {
		var p person
		var birth, hire any
		if err := rows.Scan(&p.id, &p.first, &p.last, &p.gender, &birth, &hire); err != nil {
			return nil, err
		}
		p.birth, p.hire = dateString(birth), dateString(hire)
		out = append(out, p)
	}
	return out, rows.Err()
}

func dateString(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.Format(time.DateOnly)
	case []byte:
		return string(t[:min(len(t), 10)])
	case string:
		return t[:min(len(t), 10)]
	}
	return ""
}

// resyncIDs moves PostgreSQL's identity sequence past the largest emp_no, after the
// hand-written connector created employees with MAX(emp_no)+1 numbers of its own, so that
// scimsql's next create does not take one of them. MySQL's AUTO_INCREMENT follows on its own.
func (db *database) resyncIDs(ctx context.Context) error {
	if db.driver != "postgres" {
		return nil
	}
	_, err := db.db.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence('employees', 'emp_no'), (SELECT MAX(emp_no) FROM employees))")
	return err
}

// ids returns every emp_no in order: what an import must return, each exactly once.
func (db *database) ids(ctx context.Context) ([]int, error) {
	rows, err := db.db.QueryContext(ctx, "SELECT emp_no FROM employees ORDER BY emp_no")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
