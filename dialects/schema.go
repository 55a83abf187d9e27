package dialects

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Schema is what scimsql init reads of a database: its tables, their columns and keys.
type Schema struct {
	Tables []*Table
}

// Table is one table of a Schema.
type Table struct {
	Name    string
	Columns []*Column
	PK      []string   // the primary key's columns, in order
	Unique  [][]string // each unique key or index over plain columns (lower-cased expression indexes too)
	FKs     []ForeignKey
}

// Column is one column of a Table.
type Column struct {
	Name string
	// Type is the database's type name, lower-cased (integer, bigint, character varying,
	// varchar, text, uuid, boolean, tinyint, timestamp with time zone, datetime, ...).
	Type       string
	Nullable   bool
	HasDefault bool
	// Generated is true when the database makes the value: identity, serial,
	// AUTO_INCREMENT, SQLite's INTEGER PRIMARY KEY.
	Generated bool
	Collation string // "" when the database says none
	// Length is the most characters a text column holds (varchar(40): 40); 0 when the
	// database sets no bound (text, SQLite) or the column is no text.
	Length int
}

// ForeignKey is Columns referencing RefTable's RefColumns.
type ForeignKey struct {
	Columns    []string
	RefTable   string
	RefColumns []string
}

// SchemaReader is a dialect that can read a Schema (scimsql init). It reads the schema
// the connection sees by default: PostgreSQL's search_path, MySQL's database, SQLite's
// main database. It only reads.
type SchemaReader interface {
	ReadSchema(ctx context.Context, db *sql.DB) (*Schema, error)
}

// Table returns the table named name (case-insensitively), or nil.
func (s *Schema) Table(name string) *Table {
	for _, t := range s.Tables {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	return nil
}

// Column returns the column named name (case-insensitively), or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

// IsUnique reports whether cols (in any order) are the primary key or a unique key.
func (t *Table) IsUnique(cols ...string) bool {
	same := func(k []string) bool {
		if len(k) != len(cols) {
			return false
		}
		for _, c := range cols {
			found := false
			for _, x := range k {
				found = found || strings.EqualFold(x, c)
			}
			if !found {
				return false
			}
		}
		return true
	}
	if same(t.PK) {
		return true
	}
	for _, k := range t.Unique {
		if same(k) {
			return true
		}
	}
	return false
}

// SchemaBuilder collects rows into a Schema, keeping tables in the order first seen.
type SchemaBuilder struct {
	s      Schema
	byName map[string]*Table
}

// Table returns the table named name, adding it when new.
func (b *SchemaBuilder) Table(name string) *Table {
	if b.byName == nil {
		b.byName = map[string]*Table{}
	}
	if t, ok := b.byName[name]; ok {
		return t
	}
	t := &Table{Name: name}
	b.byName[name] = t
	b.s.Tables = append(b.s.Tables, t)
	return t
}

// Has reports whether name was added.
func (b *SchemaBuilder) Has(name string) bool { _, ok := b.byName[name]; return ok }

// Schema returns what was collected.
func (b *SchemaBuilder) Schema() *Schema { return &b.s }

// Each runs query and calls row with each row's scanned values (as nullable strings).
func Each(ctx context.Context, db *sql.DB, query string, args []any, row func(vals []sql.NullString) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := row(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// IndexColumns reads the key of an index from its definition ("CREATE UNIQUE INDEX i ON
// t (lower(login))", as PostgreSQL's pg_get_indexdef and SQLite's sqlite_master give it):
// the columns, each bare or inside lower(), upper() or a quoted name. ok is false for a
// key with any other expression.
func IndexColumns(def string) (cols []string, ok bool) {
	on := strings.Index(strings.ToUpper(def), " ON ")
	if on < 0 {
		return nil, false
	}
	rest := def[on:]
	open := strings.IndexByte(rest, '(')
	if open < 0 {
		return nil, false
	}
	depth, start := 0, open+1
	var parts []string
	for i := open; i < len(rest); i++ {
		switch rest[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				parts = append(parts, rest[start:i])
				goto done
			}
		case ',':
			if depth == 1 {
				parts = append(parts, rest[start:i])
				start = i + 1
			}
		}
	}
	return nil, false
done:
	for _, p := range parts {
		p = strings.TrimSpace(p)
		for {
			l := strings.ToLower(p)
			if (strings.HasPrefix(l, "lower(") || strings.HasPrefix(l, "upper(")) && strings.HasSuffix(p, ")") {
				p = strings.TrimSpace(p[6 : len(p)-1])
				continue
			}
			break
		}
		p = strings.Trim(p, "\"`[]")
		if f := strings.Fields(p); len(f) > 1 { // "login COLLATE NOCASE", "login DESC"
			p = f[0]
		}
		if p == "" || strings.ContainsAny(p, "()'+|- ") {
			return nil, false
		}
		cols = append(cols, p)
	}
	return cols, len(cols) > 0
}

// Length reads a catalogue's character_maximum_length as text: 0 when it is NULL, empty
// or no number (an unbounded or non-text column).
func Length(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
