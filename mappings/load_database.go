package mappings

import (
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${VAR} and ${VAR:-default}. MAPPING_DIR names the mapping's directory,
// so an SQLite file can live beside its mapping whatever the working directory.
func (l *loader) expand(n *yaml.Node, path, s, dir string) string {
	return envRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := envRef.FindStringSubmatch(ref)
		if m[1] == "MAPPING_DIR" {
			return dir
		}
		if v, ok := l.opts.LookupEnv(m[1]); ok && v != "" {
			return v
		}
		if m[2] != "" {
			return m[3]
		}
		l.errorf(n, path, "environment variable %s is not set", m[1])
		return ""
	})
}

func (l *loader) database(parent, n *yaml.Node, dir string) Database {
	d := Database{MaxOpen: 10, MaxLifetime: 30 * time.Minute, QueryTimeout: 20 * time.Second}
	if n == nil {
		l.errorf(parent, "database", "required (driver and dsn)")
		return d
	}
	o := l.object(n, "database")
	o.strict("driver", "dsn", "maxOpenConns", "maxIdleConns", "connMaxLifetime", "queryTimeout", "init")
	var dn *yaml.Node
	d.Driver, dn = o.str("driver", true)
	if known := l.opts.Drivers; d.Driver != "" && known != nil && !contains(known, d.Driver) {
		l.errorf(dn, "database.driver", "unknown driver %q (known: %s)", d.Driver, strings.Join(known, ", "))
	}
	dsn, sn := o.str("dsn", true)
	if sn != nil {
		d.DSN = NewSecret(l.expand(sn, "database.dsn", dsn, dir))
	}
	d.MaxOpen = o.integer("maxOpenConns", d.MaxOpen)
	// Idle connections default to the pool's size: a pool that keeps fewer than its
	// clients use closes and reopens connections under steady load, and re-prepares every
	// statement on each new one. Idle connections still close after five minutes.
	d.MaxIdle = o.integer("maxIdleConns", d.MaxOpen)
	d.MaxLifetime = o.duration("connMaxLifetime", d.MaxLifetime)
	d.QueryTimeout = o.duration("queryTimeout", d.QueryTimeout)
	if d.MaxOpen == 0 {
		l.errorf(o.get("maxOpenConns"), "database.maxOpenConns", "must be at least 1: an unbounded pool lets a burst exhaust the database")
	}
	if in := o.get("init"); in != nil {
		io := l.object(in, "database.init")
		io.strict("ifMissing", "scripts")
		init := &Init{}
		var mn *yaml.Node
		init.IfMissing, mn = io.str("ifMissing", true)
		if mn != nil {
			l.ident(mn, "database.init.ifMissing", init.IfMissing, true)
		}
		for _, s := range l.strings(in, io.get("scripts"), "database.init.scripts", true) {
			p := s.Value
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			init.Scripts = append(init.Scripts, p)
		}
		d.Init = init
	}
	return d
}
