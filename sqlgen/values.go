package sqlgen

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/mappings"
)

// Coerce checks a value decoded from a request against the attribute's type and returns
// it in the engine's form: string, bool, int64, float64, []string, or nil. Dates are
// "YYYY-MM-DD" strings and datetimes RFC 3339 strings. Okta sends empty strings for unset
// attributes, so "" is nil for every type but string.
func Coerce(a *mappings.Attribute, raw any) (any, error) {
	if raw == nil {
		return nil, nil
	}
	if s, ok := raw.(string); ok && s == "" && a.Type != "string" {
		return nil, nil
	}
	bad := func(want string) error {
		return fmt.Errorf("%w: %s: expected %s, got %s", ErrInvalidValue, a.Path, want, Describe(raw))
	}
	switch a.Type {
	case "string":
		switch v := raw.(type) {
		case string:
			return v, nil
		case json.Number:
			return v.String(), nil
		case bool:
			return strconv.FormatBool(v), nil
		}
		return nil, bad("a string")
	case "boolean":
		switch v := raw.(type) {
		case bool:
			return v, nil
		case string:
			if b, err := strconv.ParseBool(strings.ToLower(v)); err == nil {
				return b, nil
			}
		}
		return nil, bad("true or false")
	case "integer":
		switch v := raw.(type) {
		case json.Number:
			if n, err := v.Int64(); err == nil {
				return n, nil
			}
		case string:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n, nil
			}
		}
		return nil, bad("an integer")
	case "double":
		switch v := raw.(type) {
		case json.Number:
			if f, err := v.Float64(); err == nil && !math.IsInf(f, 0) {
				return f, nil
			}
		case string:
			if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				return f, nil
			}
		}
		return nil, bad("a number")
	case "date":
		if s, ok := raw.(string); ok {
			if t, err := ParseDate(s); err == nil {
				return t.Format("2006-01-02"), nil
			}
		}
		return nil, bad("a date (YYYY-MM-DD)")
	case "datetime":
		if s, ok := raw.(string); ok {
			if t, err := ParseTime(s); err == nil {
				return t.UTC().Format(time.RFC3339), nil
			}
		}
		return nil, bad("a date and time (RFC 3339, e.g. 2024-05-01T12:00:00Z)")
	case "strings":
		switch v := raw.(type) {
		case string:
			if a.Separator != "" && strings.Contains(v, a.Separator) {
				return nil, fmt.Errorf("%w: %s: the value %s contains %q, which this attribute's column uses to separate values", ErrInvalidValue, a.Path, Describe(v), a.Separator)
			}
			return []string{v}, nil
		case []any:
			out := make([]string, 0, len(v))
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return nil, bad("an array of strings")
				}
				// A value holding the separator would come back as two values.
				if a.Separator != "" && strings.Contains(s, a.Separator) {
					return nil, fmt.Errorf("%w: %s: the value %s contains %q, which this attribute's column uses to separate values", ErrInvalidValue, a.Path, Describe(s), a.Separator)
				}
				out = append(out, s)
			}
			return out, nil
		}
		return nil, bad("an array of strings")
	}
	return nil, bad(a.Type)
}

func Describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return strconv.Quote(x)
	case json.Number:
		return "the number " + x.String()
	case bool:
		return strconv.FormatBool(x)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

func ParseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

func ParseDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := ParseTime(s)
	if err != nil {
		return t, err
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

// ToColumn turns an engine value into the argument bound for the attribute's column.
func ToColumn(a *mappings.Attribute, v any, f *dialects.Facts) (any, error) {
	if v == nil {
		return nil, nil
	}
	if a.Path == "active" {
		if v.(bool) {
			return a.TrueValue, nil
		}
		return a.FalseValue, nil
	}
	switch a.Type {
	case "date":
		t, err := ParseDate(v.(string))
		if err != nil {
			return nil, err
		}
		if f.DateFormat != "" {
			return t.Format(f.DateFormat), nil
		}
		return t, nil
	case "datetime":
		t, err := ParseTime(v.(string))
		if err != nil {
			return nil, err
		}
		return TimeArg(t, f), nil
	case "strings":
		ss := v.([]string)
		if a.Separator != "" {
			return strings.Join(ss, a.Separator), nil
		}
		b, _ := json.Marshal(ss)
		return string(b), nil
	}
	return v, nil
}

// TimeArg is how a point in time is bound on the dialect.
func TimeArg(t time.Time, f *dialects.Facts) any {
	t = t.UTC().Truncate(time.Microsecond)
	if f.TimeFormat != "" {
		return t.Format(f.TimeFormat)
	}
	return t
}

// TextCol scans a column whose attributes read text (string and date attributes). The
// driver's bytes become one string, where scanning into an interface value would copy
// them into a new []byte, box it, convert it and box the string again; any other value
// (a time, a number) is kept as it came for FromColumn.
type TextCol struct{ V any }

func (t *TextCol) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		t.V = string(b)
	} else {
		t.V = src
	}
	return nil
}

// FromColumn turns a scanned column value into the attribute's engine value.
func FromColumn(a *mappings.Attribute, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if e := a.Empty; e != nil && e.Value != nil && fmt.Sprint(v) == e.Text {
		return nil, nil // the column's value for no value (emptyAs)
	}
	if a.Path == "active" {
		return ActiveValue(a, v), nil
	}
	switch a.Type {
	case "string":
		if _, ok := v.(string); ok {
			return v, nil // the same interface value: no copy, no allocation
		}
		return StringOf(v), nil
	case "boolean":
		return BoolOf(v)
	case "integer":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			return int64(x), nil
		case string:
			return strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		}
	case "double":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			return strconv.ParseFloat(strings.TrimSpace(x), 64)
		}
	case "date":
		switch x := v.(type) {
		case time.Time:
			return x.Format("2006-01-02"), nil
		case string:
			if len(x) == len(time.DateOnly) {
				if _, err := time.Parse(time.DateOnly, x); err == nil {
					return v, nil // already as answered: no need to write it again
				}
			}
			t, err := ParseDate(x)
			if err != nil {
				return nil, err
			}
			return t.Format("2006-01-02"), nil
		}
	case "datetime":
		t, err := TimeOf(v)
		if err != nil {
			return nil, err
		}
		return t.Format(time.RFC3339), nil
	case "strings":
		s := StringOf(v)
		if s == "" {
			return []string{}, nil
		}
		if a.Separator != "" {
			return strings.Split(s, a.Separator), nil
		}
		var out []string
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return nil, fmt.Errorf("column holds %q, not a JSON array of strings", s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("cannot read a %s from %T", a.Type, v)
}

// ActiveValue reads active from its column: true when the stored value is one of the
// true values (every other value, NULL too, is inactive).
func ActiveValue(a *mappings.Attribute, v any) bool {
	trues := a.TrueValues
	if len(trues) == 0 {
		trues = []any{a.TrueValue}
	}
	for _, t := range trues {
		if tb, ok := t.(bool); ok {
			if b, err := BoolOf(v); err == nil && b == tb {
				return true
			}
			continue
		}
		if strings.TrimSpace(StringOf(v)) == fmt.Sprint(t) {
			return true
		}
	}
	return false
}

func StringOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

func BoolOf(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "1", "t", "true", "y", "yes":
			return true, nil
		case "0", "f", "false", "n", "no", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("column holds %v, not a boolean", v)
}

func TimeOf(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case []byte:
		return ParseTime(string(x))
	case string:
		return ParseTime(x)
	}
	return time.Time{}, fmt.Errorf("cannot read a time from %T", v)
}

// IDString renders a key column value as the SCIM id.
func IDString(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return StringOf(v)
}

// IDArg converts a SCIM id to the key column's type. ok is false when the id cannot
// name any row (not a number for an integer key, absurdly long), which callers answer
// with 404: a malformed id is an unknown id, never a 400 or 500.
func IDArg(k *mappings.Key, id string) (any, bool) {
	if id == "" || len(id) > 1024 {
		return nil, false
	}
	switch k.Type {
	case "integer":
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, false
		}
		return n, true
	case "uuid":
		u, err := uuid.Parse(id)
		if err != nil || len(id) != 36 {
			return nil, false
		}
		return u.String(), true
	}
	return id, true
}

// TimeStamp is how time t is written to a column of format (mappings.NowFormats): the
// database's time type, Unix seconds or Unix milliseconds.
func TimeStamp(t time.Time, format string, f *dialects.Facts) any {
	switch format {
	case "unix":
		return t.Unix()
	case "unixms":
		return t.UnixMilli()
	}
	return TimeArg(t, f)
}

// TimeIn reads a time from a column of format (mappings.NowFormats).
func TimeIn(v any, format string) (time.Time, error) {
	if format != "unix" && format != "unixms" {
		return TimeOf(v)
	}
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int32:
		n = int64(x)
	case int:
		n = int64(x)
	case float64:
		n = int64(x)
	case []byte, string:
		s := fmt.Sprint(x)
		if b, ok := x.([]byte); ok {
			s = string(b)
		}
		p, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("not a Unix time: %q", s)
		}
		n = p
	default:
		return time.Time{}, fmt.Errorf("cannot read a Unix time from %T", v)
	}
	if format == "unixms" {
		return time.UnixMilli(n).UTC(), nil
	}
	return time.Unix(n, 0).UTC(), nil
}
