package mappings

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

func (l *loader) server(parent, n *yaml.Node) Server {
	s := Server{Listen: "127.0.0.1:8080", MaxBody: DefaultMaxBody, MaxUserBody: DefaultMaxUserBody, Auth: Auth{Type: "none"}, Limits: DefaultLimits,
		Admin: Admin{Metrics: true, Auth: Auth{Type: "none"}}, Cursors: Cursors{Store: "local"}}
	if n == nil {
		l.errorf(parent, "server.auth", "required: choose basic, header, or none explicitly")
		return s
	}
	o := l.object(n, "server")
	o.strict("listen", "basePath", "tls", "plainHTTP", "auth", "maxBodyBytes", "maxUserBodyBytes", "admin", "limits", "cursors", "trustedProxies", "userPatchStatus")
	if v, _ := o.str("listen", false); v != "" {
		s.Listen = v
	}
	bp, bn := o.str("basePath", false)
	bp = "/" + strings.Trim(bp, "/")
	if strings.ContainsAny(bp, " ?#%") {
		l.errorf(bn, "server.basePath", "%q is not a URL path", bp)
	}
	if bp == "/" {
		bp = ""
	}
	s.BasePath = bp
	s.MaxBody = int64(o.integer("maxBodyBytes", int(s.MaxBody)))
	if s.MaxBody == 0 {
		l.errorf(o.get("maxBodyBytes"), "server.maxBodyBytes", "must be at least 1")
	}
	s.MaxUserBody = int64(o.integer("maxUserBodyBytes", int(min(s.MaxUserBody, s.MaxBody))))
	switch {
	case s.MaxUserBody == 0:
		l.errorf(o.get("maxUserBodyBytes"), "server.maxUserBodyBytes", "must be at least 1")
	case s.MaxUserBody > s.MaxBody:
		l.errorf(o.get("maxUserBodyBytes"), "server.maxUserBodyBytes", "is larger than server.maxBodyBytes (%d), the largest body of any request", s.MaxBody)
	}
	s.UserPatchStatus = o.integer("userPatchStatus", 200)
	if s.UserPatchStatus != 200 && s.UserPatchStatus != 204 {
		l.errorf(o.get("userPatchStatus"), "server.userPatchStatus", "%d: want 200 (the user in the body, as Okta reads it) or 204 (no body, as Microsoft's tests want)", s.UserPatchStatus)
	}
	s.Cursors = l.cursors(o.get("cursors"))
	for _, pn := range l.strings(nil, o.get("trustedProxies"), "server.trustedProxies", false) {
		p, err := netip.ParsePrefix(pn.Value)
		if err != nil {
			a, aerr := netip.ParseAddr(pn.Value)
			if aerr != nil {
				l.errorf(pn, "server.trustedProxies", "%q is not an address or a network like 10.0.0.0/8", pn.Value)
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		s.TrustedProxies = append(s.TrustedProxies, p.Masked())
	}
	if tn := o.get("tls"); tn != nil {
		to := l.object(tn, "server.tls")
		to.strict("cert", "key")
		t := &TLS{}
		t.Cert, _ = to.str("cert", true)
		t.Key, _ = to.str("key", true)
		// ${VAR} and ${VAR:-default} as in the DSN: one mapping for every host or container,
		// each with its own folder of certificates.
		dir := filepath.Dir(l.file)
		if t.Cert != "" {
			t.Cert = l.expand(to.get("cert"), "server.tls.cert", t.Cert, dir)
		}
		if t.Key != "" {
			t.Key = l.expand(to.get("key"), "server.tls.key", t.Key, dir)
		}
		// Relative paths are the mapping's, like init scripts and secret files.
		for _, p := range []*string{&t.Cert, &t.Key} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(filepath.Dir(l.file), *p)
			}
		}
		s.TLS = t
	}
	s.PlainHTTP = o.boolean("plainHTTP")
	if s.PlainHTTP && s.TLS != nil {
		l.errorf(o.keys["plainHTTP"], "server.plainHTTP", "give either tls or plainHTTP: true, not both")
	}
	s.Limits = l.limits(o.get("limits"))
	an := o.get("auth")
	if an == nil {
		l.errorf(n, "server.auth", "required: choose basic, header, or none explicitly")
		return s
	}
	s.Auth = l.auth(an, "server.auth")
	s.Admin = Admin{Metrics: true, Auth: Auth{Type: "none"}}
	if dn := o.get("admin"); dn != nil {
		do := l.object(dn, "server.admin")
		do.strict("auth", "reload", "metrics")
		if do.get("metrics") != nil {
			s.Admin.Metrics = do.boolean("metrics")
		}
		s.Admin.Reload = do.boolean("reload")
		if xn := do.get("auth"); xn != nil {
			s.Admin.Auth = l.auth(xn, "server.admin.auth")
		}
		if s.Admin.Reload && s.Admin.Auth.Type == "none" {
			l.errorf(do.keys["reload"], "server.admin.reload", "the reload endpoint needs server.admin.auth (basic or header): anyone who can reach it could make scimsql reload")
		}
	}
	return s
}

// cursors reads server.cursors: a store name, or {store, url, prefix}.
func (l *loader) cursors(n *yaml.Node) Cursors {
	c := Cursors{Store: "local"}
	if n == nil {
		return c
	}
	var sn *yaml.Node
	if n.Kind == yaml.ScalarNode {
		c.Store, sn = n.Value, n
	} else {
		o := l.object(n, "server.cursors")
		o.strict("store", "url", "prefix")
		c.Store, sn = o.str("store", true)
		if un := o.get("url"); un != nil {
			u, _ := o.str("url", false)
			c.URL = NewSecret(l.expand(un, "server.cursors.url", u, filepath.Dir(l.file)))
		}
		c.Prefix, _ = o.str("prefix", false)
		if c.Store == "redis" && o.get("url") == nil {
			l.errorf(n, "server.cursors.url", "required for the redis store: redis://host:6379/0 (or ${VAR})")
		}
		if c.Store != "redis" && (o.get("url") != nil || o.get("prefix") != nil) {
			l.errorf(n, "server.cursors", "url and prefix are for store: redis")
		}
	}
	switch c.Store {
	case "local", "none":
	case "redis":
		if n.Kind == yaml.ScalarNode {
			l.errorf(n, "server.cursors", "the redis store needs its url: {store: redis, url: redis://host:6379/0}")
		}
	default:
		l.errorf(sn, "server.cursors.store", "unknown store %q (local, redis or none)", c.Store)
	}
	return c
}

// auth reads an auth block: basic, header, or none, with secrets from env or files.
func (l *loader) auth(n *yaml.Node, path string) Auth {
	a := Auth{}
	ao := l.object(n, path)
	ao.strict("type", "username", "password", "passwordHash", "header", "value", "token")
	typ, tn := ao.str("type", true)
	a.Type = typ
	switch typ {
	case "none":
	case "basic":
		a.Username, _ = ao.str("username", true)
		switch {
		case ao.get("passwordHash") != nil && ao.get("password") != nil:
			l.errorf(ao.keys["passwordHash"], path+".passwordHash", "give either password or passwordHash, not both")
		case ao.get("passwordHash") != nil:
			var h Secret
			h, a.Defaulted = l.secret(ao, "passwordHash")
			if v := h.Reveal(); v != "" && !strings.HasPrefix(v, "$2a$") && !strings.HasPrefix(v, "$2b$") && !strings.HasPrefix(v, "$2y$") {
				l.errorf(ao.get("passwordHash"), path+".passwordHash", "is not a bcrypt hash ($2a$, $2b$ or $2y$...)")
			}
			a.PasswordHash = h
		default:
			a.Password, a.Defaulted = l.secret(ao, "password")
		}
	case "header":
		var hn *yaml.Node
		a.Header, hn = ao.str("header", true)
		if hn != nil && !regexp.MustCompile(`^[A-Za-z0-9-]+$`).MatchString(a.Header) {
			l.errorf(hn, path+".header", "%q is not an HTTP header name", a.Header)
		}
		a.Value, a.Defaulted = l.secret(ao, "value")
	case "bearer":
		// Microsoft Entra ID's secret token: Authorization: Bearer <token>. It is header
		// auth on that header with that value.
		var tok Secret
		tok, a.Defaulted = l.secret(ao, "token")
		a.Type, a.Header = "header", "Authorization"
		if tok.Reveal() != "" {
			a.Value = NewSecret("Bearer " + tok.Reveal())
		}
	case "":
	default:
		l.errorf(tn, path+".type", "unknown auth type %q (basic, header, bearer, or none)", typ)
	}
	for _, k := range []string{"password", "passwordHash", "value", "token"} {
		if sn := ao.get(k); sn != nil && sn.Kind == yaml.MappingNode {
			if env, _ := l.object(sn, path+"."+k).str("env", false); env != "" {
				a.SecretEnv = env
			}
		}
	}
	return a
}

// secret reads {env: NAME, file: PATH, default: VALUE}. A secret is never written inline
// alone: a default is allowed for demos and flagged so the server warns at start.
func (l *loader) secret(o *object, key string) (Secret, bool) {
	path := join(o.path, key)
	n := o.get(key)
	if n == nil {
		l.errorf(o.node, path, "required")
		return Secret{}, false
	}
	if n.Kind == yaml.ScalarNode {
		l.errorf(n, path, "secrets are not written inline; use {env: VAR} or {file: PATH}")
		return Secret{}, false
	}
	so := l.object(n, path)
	so.strict("env", "file", "default")
	env, en := so.str("env", false)
	file, _ := so.str("file", false)
	def, dn := so.str("default", false)
	if env == "" && file == "" {
		l.errorf(n, path, "needs env or file")
		return Secret{}, false
	}
	if env != "" {
		if !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(env) {
			l.errorf(en, path+".env", "%q is not an environment variable name", env)
		}
		if v, ok := l.opts.LookupEnv(env); ok && v != "" {
			return NewSecret(v), false
		}
	}
	if file != "" {
		p := file
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(l.file), p)
		}
		b, err := os.ReadFile(p)
		l.sources = append(l.sources, p)
		l.contents = append(l.contents, b)
		v := strings.TrimRight(string(b), "\r\n")
		if err == nil && v != "" {
			return NewSecret(v), false
		}
		if dn == nil || def == "" {
			// An empty secret is refused like an unset variable: an empty header value
			// would let requests that omit the header through.
			if err != nil {
				l.errorf(n, path+".file", "cannot read secret file: %v", errors.Unwrap(err))
			} else {
				l.errorf(n, path+".file", "secret file is empty")
			}
			return Secret{}, false
		}
	}
	if dn != nil && def != "" {
		return NewSecret(def), true
	}
	l.errorf(n, path, "environment variable %s is not set and there is no default", env)
	return Secret{}, false
}

// limits reads server.limits; every limit has a safe default.
func (l *loader) limits(n *yaml.Node) Limits {
	lim := DefaultLimits
	if n == nil {
		return lim
	}
	o := l.object(n, "server.limits")
	o.strict("maxPageSize", "maxFilterLength", "maxFilterDepth", "maxHeaderBytes", "readHeaderTimeout", "readTimeout", "writeTimeout", "idleTimeout", "shutdownTimeout",
		"maxFilterScanTerms", "maxBodyBytesInFlight", "maxAuthFailures", "authFailureWindow")
	lim.MaxPageSize = o.integer("maxPageSize", lim.MaxPageSize)
	lim.MaxFilterLength = o.integer("maxFilterLength", lim.MaxFilterLength)
	lim.MaxFilterDepth = o.integer("maxFilterDepth", lim.MaxFilterDepth)
	lim.MaxHeaderBytes = o.integer("maxHeaderBytes", lim.MaxHeaderBytes)
	lim.ReadHeaderTimeout = o.duration("readHeaderTimeout", lim.ReadHeaderTimeout)
	lim.ReadTimeout = o.duration("readTimeout", lim.ReadTimeout)
	lim.WriteTimeout = o.duration("writeTimeout", lim.WriteTimeout)
	lim.IdleTimeout = o.duration("idleTimeout", lim.IdleTimeout)
	lim.ShutdownTimeout = o.duration("shutdownTimeout", lim.ShutdownTimeout)
	lim.MaxFilterScanTerms = o.integer("maxFilterScanTerms", lim.MaxFilterScanTerms)
	lim.MaxBodyBytesInFlight = int64(o.integer("maxBodyBytesInFlight", int(lim.MaxBodyBytesInFlight)))
	lim.MaxAuthFailures = o.integer("maxAuthFailures", lim.MaxAuthFailures)
	lim.AuthFailureWindow = o.duration("authFailureWindow", lim.AuthFailureWindow)
	if lim.MaxAuthFailures == 0 {
		l.errorf(o.get("maxAuthFailures"), "server.limits.maxAuthFailures", "must be at least 1: the agent's first request after a password change would be refused")
	}
	if lim.AuthFailureWindow == 0 {
		l.errorf(o.get("authFailureWindow"), "server.limits.authFailureWindow", "must be longer than 0")
	}
	if lim.MaxPageSize < 100 && lim.MaxPageSize > 0 {
		// The agent asks for count=100 and continues at startIndex+100: a shorter page
		// would make every import skip users.
		l.errorf(o.get("maxPageSize"), "server.limits.maxPageSize", "must be at least 100: Okta's agent imports in pages of 100 and would skip the rest of each page")
	}
	for _, c := range []struct {
		key string
		v   int
	}{{"maxPageSize", lim.MaxPageSize}, {"maxFilterLength", lim.MaxFilterLength}, {"maxFilterDepth", lim.MaxFilterDepth}, {"maxHeaderBytes", lim.MaxHeaderBytes}} {
		if c.v == 0 {
			l.errorf(o.get(c.key), "server.limits."+c.key, "must be at least 1")
		}
	}
	for _, c := range []struct {
		key string
		v   time.Duration
	}{{"readHeaderTimeout", lim.ReadHeaderTimeout}, {"readTimeout", lim.ReadTimeout}, {"writeTimeout", lim.WriteTimeout}, {"idleTimeout", lim.IdleTimeout}} {
		if c.v == 0 {
			l.errorf(o.get(c.key), "server.limits."+c.key, "must be longer than 0: without it a slow client holds a connection forever")
		}
	}
	return lim
}
