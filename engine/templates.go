package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/scimsql/scimsql/mappings"
)

// runStatements runs a templated operation's statements in order on tx. Each statement
// sees .result, the first row of the last statement that returned rows (column names in
// lower case). It returns that row.
func (e *Engine) runStatements(ctx context.Context, tx querier, op *mappings.Operation, data map[string]any) (map[string]any, error) {
	var result map[string]any
	data["result"] = result
	for _, st := range op.Statements {
		text, args, err := e.gen.Render(st, data)
		if err != nil {
			return nil, err
		}
		if text == "" {
			continue // a statement may render empty to opt out (e.g. no members to add)
		}
		row, err := queryFirstRow(ctx, tx, text, args)
		if err != nil {
			return nil, fmt.Errorf("%s (template %s): %w", op.Name, st.Source, err)
		}
		if row != nil {
			result = row
			data["result"] = result
		}
	}
	return result, nil
}

// queryFirstRow runs a statement that may or may not return rows, and returns the first
// row as a map of lower-case column names, or nil.
func queryFirstRow(ctx context.Context, q querier, text string, args []any) (map[string]any, error) {
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil || len(cols) == 0 {
		return nil, rows.Err()
	}
	var row map[string]any
	if rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row = make(map[string]any, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				vals[i] = string(b)
			}
			row[strings.ToLower(c)] = vals[i]
		}
	}
	for rows.Next() {
	}
	return row, rows.Err()
}
