package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/scimsql/scimsql/dialects"
)

var _ dialects.SchemaReader = (*SQLite)(nil)

// ReadSchema implements dialects.SchemaReader for the main database.
func (*SQLite) ReadSchema(ctx context.Context, db *sql.DB) (*dialects.Schema, error) {
	var b dialects.SchemaBuilder
	var names []string
	err := dialects.Each(ctx, db, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`, nil,
		func(v []sql.NullString) error { names = append(names, v[0].String); return nil })
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		t := b.Table(name)
		var pk []string
		err := dialects.Each(ctx, db, `SELECT name, LOWER(type), "notnull", CASE WHEN dflt_value IS NULL THEN 0 ELSE 1 END, pk
			FROM pragma_table_info(?) ORDER BY cid`, []any{name}, func(v []sql.NullString) error {
			t.Columns = append(t.Columns, &dialects.Column{Name: v[0].String, Type: v[1].String, Nullable: v[2].String == "0", HasDefault: v[3].String == "1"})
			if v[4].String != "0" {
				pk = append(pk, v[0].String)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		t.PK = pk
		// INTEGER PRIMARY KEY is the rowid: the database numbers new rows.
		if len(pk) == 1 {
			if c := t.Column(pk[0]); c != nil && c.Type == "integer" {
				c.Generated = true
			}
		}
		type index struct{ name, sql string }
		var uniques []index
		err = dialects.Each(ctx, db, `SELECT l.name, COALESCE(m.sql, '') FROM pragma_index_list(?) l
			LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name
			WHERE l."unique" = 1 AND l.partial = 0 AND l.origin <> 'pk'`, []any{name}, func(v []sql.NullString) error {
			uniques = append(uniques, index{v[0].String, v[1].String})
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, ix := range uniques {
			if ix.sql != "" {
				if cols, ok := dialects.IndexColumns(ix.sql); ok {
					t.Unique = append(t.Unique, cols)
				}
				continue
			}
			var cols []string
			ok := true
			err := dialects.Each(ctx, db, `SELECT COALESCE(name, '') FROM pragma_index_info(?) ORDER BY seqno`, []any{ix.name}, func(v []sql.NullString) error {
				ok = ok && v[0].String != ""
				cols = append(cols, v[0].String)
				return nil
			})
			if err != nil {
				return nil, err
			}
			if ok && len(cols) > 0 {
				t.Unique = append(t.Unique, cols)
			}
		}
		lastFK := ""
		err = dialects.Each(ctx, db, `SELECT id, "table", "from", COALESCE("to", '') FROM pragma_foreign_key_list(?) ORDER BY id, seq`, []any{name}, func(v []sql.NullString) error {
			if len(t.FKs) == 0 || v[0].String != lastFK {
				t.FKs = append(t.FKs, dialects.ForeignKey{RefTable: v[1].String})
			}
			lastFK = v[0].String
			fk := &t.FKs[len(t.FKs)-1]
			fk.Columns = append(fk.Columns, v[2].String)
			fk.RefColumns = append(fk.RefColumns, v[3].String)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// A foreign key naming no column references the other table's primary key.
	s := b.Schema()
	for _, t := range s.Tables {
		for i, fk := range t.FKs {
			if ref := s.Table(fk.RefTable); ref != nil && strings.Join(fk.RefColumns, "") == "" {
				t.FKs[i].RefColumns = ref.PK
			}
		}
	}
	return s, nil
}
