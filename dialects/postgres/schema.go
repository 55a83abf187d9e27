package postgres

import (
	"context"
	"database/sql"

	"github.com/scimsql/scimsql/dialects"
)

var _ dialects.SchemaReader = (*Postgres)(nil)

// ReadSchema implements dialects.SchemaReader for the first schema of the search_path.
func (*Postgres) ReadSchema(ctx context.Context, db *sql.DB) (*dialects.Schema, error) {
	var b dialects.SchemaBuilder
	err := dialects.Each(ctx, db, `SELECT c.table_name, c.column_name, c.data_type, c.is_nullable,
		CASE WHEN c.column_default IS NULL THEN 'f' ELSE 't' END,
		CASE WHEN c.is_identity = 'YES' OR c.column_default LIKE 'nextval(%' THEN 't' ELSE 'f' END,
		COALESCE(c.collation_name, ''), COALESCE(c.character_maximum_length, 0)
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`, nil, func(v []sql.NullString) error {
		t := b.Table(v[0].String)
		t.Columns = append(t.Columns, &dialects.Column{Name: v[1].String, Type: v[2].String, Nullable: v[3].String == "YES",
			HasDefault: v[4].String == "t", Generated: v[5].String == "t", Collation: v[6].String, Length: dialects.Length(v[7].String)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Unique indexes, expression ones (lower(login)) included; partial ones are no key.
	err = dialects.Each(ctx, db, `SELECT c.relname, CASE WHEN i.indisprimary THEN 't' ELSE 'f' END, pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND i.indisunique AND i.indpred IS NULL
		ORDER BY c.relname, i.indexrelid`, nil, func(v []sql.NullString) error {
		if !b.Has(v[0].String) {
			return nil
		}
		cols, ok := dialects.IndexColumns(v[2].String)
		if !ok {
			return nil
		}
		t := b.Table(v[0].String)
		if v[1].String == "t" {
			t.PK = cols
		} else {
			t.Unique = append(t.Unique, cols)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var last string
	err = dialects.Each(ctx, db, `SELECT c.relname, co.conname, a.attname, rc.relname, ra.attname
		FROM pg_constraint co
		JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN pg_class rc ON rc.oid = co.confrelid
		CROSS JOIN LATERAL unnest(co.conkey, co.confkey) WITH ORDINALITY AS k(col, refcol, ord)
		JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.col
		JOIN pg_attribute ra ON ra.attrelid = co.confrelid AND ra.attnum = k.refcol
		WHERE co.contype = 'f' AND n.nspname = current_schema()
		ORDER BY c.relname, co.conname, k.ord`, nil, func(v []sql.NullString) error {
		if !b.Has(v[0].String) {
			return nil
		}
		t := b.Table(v[0].String)
		if key := v[0].String + "." + v[1].String; key != last || len(t.FKs) == 0 {
			last = key
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
