package mysql

import (
	"context"
	"database/sql"
	"strings"

	"github.com/scimsql/scimsql/dialects"
)

var _ dialects.SchemaReader = (*MySQL)(nil)

// ReadSchema implements dialects.SchemaReader for the connection's database.
func (*MySQL) ReadSchema(ctx context.Context, db *sql.DB) (*dialects.Schema, error) {
	var b dialects.SchemaBuilder
	// MariaDB writes a nullable column's absent default as the text NULL.
	err := dialects.Each(ctx, db, `SELECT c.TABLE_NAME, c.COLUMN_NAME, LOWER(c.DATA_TYPE), c.IS_NULLABLE,
		CASE WHEN c.COLUMN_DEFAULT IS NULL OR c.COLUMN_DEFAULT = 'NULL' THEN 'f' ELSE 't' END,
		CASE WHEN c.EXTRA LIKE '%auto_increment%' THEN 't' ELSE 'f' END, COALESCE(c.COLLATION_NAME, ''),
		CASE WHEN c.CHARACTER_MAXIMUM_LENGTH < 65536 THEN c.CHARACTER_MAXIMUM_LENGTH ELSE 0 END
		FROM information_schema.COLUMNS c
		JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
		WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
		ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`, nil, func(v []sql.NullString) error {
		t := b.Table(v[0].String)
		t.Columns = append(t.Columns, &dialects.Column{Name: v[1].String, Type: v[2].String, Nullable: v[3].String == "YES",
			HasDefault: v[4].String == "t", Generated: v[5].String == "t", Collation: v[6].String, Length: dialects.Length(v[7].String)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	var lastIndex string
	err = dialects.Each(ctx, db, `SELECT TABLE_NAME, INDEX_NAME, COALESCE(COLUMN_NAME, '')
		FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND NON_UNIQUE = 0
		ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`, nil, func(v []sql.NullString) error {
		if !b.Has(v[0].String) {
			return nil
		}
		t := b.Table(v[0].String)
		key := v[0].String + "." + v[1].String
		if key != lastIndex {
			lastIndex = key
			if v[1].String == "PRIMARY" {
				t.PK = []string{}
			} else {
				t.Unique = append(t.Unique, []string{})
			}
		}
		col := v[2].String
		if v[1].String == "PRIMARY" {
			t.PK = append(t.PK, col)
		} else {
			t.Unique[len(t.Unique)-1] = append(t.Unique[len(t.Unique)-1], col)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, t := range b.Schema().Tables {
		// A functional key part (MySQL 8) has no column name: no key scimsql can use.
		t.Unique = deleteEmpty(t.Unique)
	}
	var lastFK string
	err = dialects.Each(ctx, db, `SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
		FROM information_schema.KEY_COLUMN_USAGE
		WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
		ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`, nil, func(v []sql.NullString) error {
		if !b.Has(v[0].String) {
			return nil
		}
		t := b.Table(v[0].String)
		if key := v[0].String + "." + v[1].String; key != lastFK {
			lastFK = key
			t.FKs = append(t.FKs, dialects.ForeignKey{RefTable: v[3].String})
		}
		fk := &t.FKs[len(t.FKs)-1]
		fk.Columns, fk.RefColumns = append(fk.Columns, v[2].String), append(fk.RefColumns, v[4].String)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b.Schema(), nil
}

func deleteEmpty(keys [][]string) [][]string {
	var out [][]string
	for _, k := range keys {
		ok := len(k) > 0
		for _, c := range k {
			ok = ok && strings.TrimSpace(c) != ""
		}
		if ok {
			out = append(out, k)
		}
	}
	return out
}
