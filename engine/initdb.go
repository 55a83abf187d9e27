package engine

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/sqlgen"
)

// InitDatabase runs the mapping's init scripts when the table database.init.ifMissing
// does not exist yet, so a demo database creates and seeds itself on first run. It
// reports whether the scripts ran.
func InitDatabase(ctx context.Context, m *mappings.Mapping, d dialects.Dialect, db *sql.DB) (bool, error) {
	in := m.Database.Init
	if in == nil {
		return false, nil
	}
	rows, err := db.QueryContext(ctx, sqlgen.TableExists(d, in.IfMissing))
	if err == nil {
		rows.Close()
		return false, nil
	}
	if c := d.Classify(err); c == dialects.Unavailable {
		return false, fmt.Errorf("%w: cannot reach the database to check for table %s", ErrUnavailable, in.IfMissing)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	for _, path := range in.Scripts {
		b, err := os.ReadFile(path)
		if err != nil {
			return false, fmt.Errorf("init script: %w", err)
		}
		for i, stmt := range SplitStatements(string(b)) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return false, fmt.Errorf("init script %s, statement %d: %v", path, i+1, oneLine(err.Error()))
			}
		}
	}
	return true, tx.Commit()
}

// SplitStatements splits an SQL script at semicolons that are outside quotes, comments and
// PostgreSQL dollar-quoted bodies. Empty statements are dropped.
func SplitStatements(script string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" && !onlyComments(s) {
			out = append(out, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(script); i++ {
		c := script[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(script) {
				if script[j] == c {
					if j+1 < len(script) && script[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			cur.WriteString(script[i:min(j+1, len(script))])
			i = j
		case c == '-' && i+1 < len(script) && script[i+1] == '-':
			j := strings.IndexByte(script[i:], '\n')
			if j < 0 {
				j = len(script) - i
			}
			cur.WriteString(script[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(script) && script[i+1] == '*':
			j := strings.Index(script[i+2:], "*/")
			end := len(script)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			cur.WriteString(script[i:end])
			i = end - 1
		case c == '$':
			// $tag$ ... $tag$
			j := strings.IndexByte(script[i+1:], '$')
			if j >= 0 && sqlgen.IdentOK(script[i+1:i+1+j]) || j == 0 {
				tag := script[i : i+j+2]
				k := strings.Index(script[i+len(tag):], tag)
				end := len(script)
				if k >= 0 {
					end = i + len(tag) + k + len(tag)
				}
				cur.WriteString(script[i:end])
				i = end - 1
			} else {
				cur.WriteByte(c)
			}
		case c == ';':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

func onlyComments(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "--") {
			return false
		}
	}
	return true
}
