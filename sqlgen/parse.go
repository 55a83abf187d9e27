package sqlgen

import (
	"strconv"
	"strings"
)

// PageRows is the number of rows the sample database returns for a list statement: its
// page size (LIMIT n, FETCH NEXT n ROWS), at most 2, and 1 for a read by key.
func PageRows(q string) int {
	for _, kw := range []string{" LIMIT ", " FETCH NEXT "} {
		if i := strings.LastIndex(q, kw); i >= 0 {
			rest := q[i+len(kw):]
			j := 0
			for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
				j++
			}
			if n, err := strconv.Atoi(rest[:j]); err == nil {
				return min(max(n, 0), 2)
			}
		}
	}
	return 1
}

// ResultColumns returns the names of the columns a statement returns: the items of its
// first top-level SELECT list, or of its RETURNING or OUTPUT clause, each named by its
// alias or, failing that, the last identifier in it; nil for a statement that returns
// no rows.
func ResultColumns(query string) []string {
	toks := topLevel(query)
	start, end := -1, len(query)
	for i, t := range toks {
		w := strings.ToUpper(t.text)
		if start < 0 && (w == "SELECT" || w == "RETURNING") {
			start = t.end
			if w == "SELECT" && i+1 < len(toks) && strings.EqualFold(toks[i+1].text, "DISTINCT") {
				start = toks[i+1].end
			}
			continue
		}
		if start < 0 && w == "OUTPUT" {
			start = t.end
			continue
		}
		if start >= 0 && (w == "FROM" || w == "INTO" || w == "VALUES" || w == "WHERE" || w == ";") {
			end = t.start
			break
		}
	}
	if start < 0 {
		return nil
	}
	var out []string
	for _, item := range splitTop(query[start:end]) {
		out = append(out, itemName(item))
	}
	return out
}

type sqlToken struct {
	text       string
	start, end int
}

// topLevel returns the words and semicolons of s outside parentheses, quotes and
// brackets.
func topLevel(s string) []sqlToken {
	var out []sqlToken
	depth := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\'' || c == '"' || c == '`' || c == '[':
			closer := c
			if c == '[' {
				closer = ']'
			}
			j := i + 1
			for j < len(s) && s[j] != closer {
				j++
			}
			i = j + 1
		case c == '(':
			depth++
			i++
		case c == ')':
			depth--
			i++
		case c == ';' && depth == 0:
			out = append(out, sqlToken{";", i, i + 1})
			i++
		case isWordByte(c):
			j := i
			for j < len(s) && (isWordByte(s[j]) || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			if depth == 0 {
				out = append(out, sqlToken{s[i:j], i, j})
			}
			i = j
		default:
			i++
		}
	}
	return out
}

func isWordByte(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// splitTop splits a select list at its top-level commas.
func splitTop(s string) []string {
	var out []string
	depth, last := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '[':
			quote = ']'
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[last:i]))
			last = i + 1
		}
	}
	if t := strings.TrimSpace(s[last:]); t != "" {
		out = append(out, t)
	}
	return out
}

// itemName is the name of one select item: its alias, or its last identifier, unquoted.
func itemName(item string) string {
	s := strings.TrimSpace(item)
	name := ""
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c == '"' || c == '`' || c == ']' {
			open := c
			if c == ']' {
				open = '['
			}
			j := strings.LastIndexByte(s[:i], open)
			if j < 0 {
				break
			}
			name = s[j+1 : i]
			break
		}
		if isWordByte(c) || c >= '0' && c <= '9' {
			j := i
			for j > 0 && (isWordByte(s[j-1]) || s[j-1] >= '0' && s[j-1] <= '9') {
				j--
			}
			name = s[j : i+1]
			break
		}
		if c == ')' || c == '*' {
			break
		}
	}
	if name == "" {
		return s
	}
	return name
}
