package engine

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/mappings"
)

// loneUpdates is SQLite made to update as MySQL and MariaDB do: its UPDATE returns no
// rows, and `IS` compares a column with a value NULL-safely, as MySQL's <=> does. The
// engine then takes updateOne's two-statement path, without a database server.
type loneUpdates struct {
	dialects.Dialect
	f dialects.Facts
}

func (l *loneUpdates) Facts() *dialects.Facts { return &l.f }

func newLoneUpdateEngine(t *testing.T) (*Engine, *sql.DB) {
	t.Helper()
	text, err := os.ReadFile("../examples/quickstart/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Without a stored password hash to compare, a profile push needs nothing read first.
	yaml := strings.Replace(string(text), "    password: {column: password_hash, hash: bcrypt}\n", "", 1)
	m, err := mappings.Load([]byte(yaml), "mapping.yaml", mappings.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	if m.Users.Attr("password") != nil {
		t.Fatal("the mapping still binds a password")
	}
	m.Database.Init = nil
	base := sqlite.New()
	d := &loneUpdates{Dialect: base, f: *base.Facts()}
	d.f.UpdateReturns = false
	d.f.SameValue = func(col, arg string) string { return col + " IS " + arg }
	db := quickstartDB(t, d, dialects.Pool{MaxOpen: 2, MaxIdle: 2})
	e, err := New(m, d, db, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if !e.writesAlone() {
		t.Fatal("the engine does not take the lone-UPDATE path for this mapping")
	}
	return e, db
}

func pushUser(name, given, family string) *User {
	return &User{Values: map[string]any{"userName": name, "name.givenName": given, "name.familyName": family, "active": true}}
}

// A profile push on a dialect whose UPDATE returns no rows is an UPDATE and a read that
// finds the row only while it holds what was written. When another write lands between
// the two, or the user is deleted there, the push is redone in a transaction: the answer
// is this request's write, never the other's, and a deleted user is a 404.
func TestLoneUpdateRedoneWhenTheRowChanged(t *testing.T) {
	e, db := newLoneUpdateEngine(t)
	ctx := context.Background()
	created, err := e.CreateUser(ctx, pushUser("lone@example.com", "Ann", "Lone"))
	if err != nil {
		t.Fatal(err)
	}
	id := created.ID
	stored := func() string {
		var s string
		if err := db.QueryRow("SELECT first_name FROM users WHERE id = ?", id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	interleave := func(stmt string) *int {
		calls := new(int)
		e.afterLoneUpdate = func() {
			*calls++
			if _, err := db.Exec(stmt, id); err != nil {
				t.Error(err)
			}
		}
		t.Cleanup(func() { e.afterLoneUpdate = nil })
		return calls
	}

	t.Run("nothing in between", func(t *testing.T) {
		calls := interleave("SELECT ?")
		out, err := e.UpdateUser(ctx, id, pushUser("lone@example.com", "Bea", "Lone"))
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Values["name.givenName"]; got != "Bea" || stored() != "Bea" || *calls != 1 {
			t.Errorf("answer %v, stored %q, the read after the UPDATE ran %d times; want Bea, Bea, once", got, stored(), *calls)
		}
	})
	t.Run("another write in between", func(t *testing.T) {
		calls := interleave("UPDATE users SET first_name = 'Intruder' WHERE id = ?")
		out, err := e.UpdateUser(ctx, id, pushUser("lone@example.com", "Cat", "Lone"))
		if err != nil {
			t.Fatal(err)
		}
		// The redo is a transaction (BEGIN, UPDATE, read, COMMIT), not the lone path again.
		if got := out.Values["name.givenName"]; got != "Cat" || stored() != "Cat" || *calls != 1 {
			t.Errorf("answer %v, stored %q, lone path taken %d times; want Cat, Cat, once", got, stored(), *calls)
		}
	})
	t.Run("deleted in between", func(t *testing.T) {
		interleave("DELETE FROM users WHERE id = ?")
		_, err := e.UpdateUser(ctx, id, pushUser("lone@example.com", "Dee", "Lone"))
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
	t.Run("no such user", func(t *testing.T) {
		e.afterLoneUpdate = nil
		_, err := e.UpdateUser(ctx, "999999", pushUser("nobody@example.com", "No", "Body"))
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("got %v, want ErrNotFound", err)
		}
	})
}
