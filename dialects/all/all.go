// Package all is the one list of the databases scimsql is built with.
package all

import (
	"sort"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/mysql"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/dialects/sqlite"
	"github.com/scimsql/scimsql/dialects/sqlserver"
)

// Table maps each database.driver a mapping may name to its dialect.
var Table = map[string]func() dialects.Dialect{
	"mysql":     mysql.New,
	"postgres":  postgres.New,
	"sqlite":    sqlite.New,
	"sqlserver": sqlserver.New,
}

// Names returns the drivers in Table, sorted.
func Names() []string {
	out := make([]string, 0, len(Table))
	for k := range Table {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
