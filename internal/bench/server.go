package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"time"

	"github.com/scimsql/scimsql/dialects"
	"github.com/scimsql/scimsql/dialects/mysql"
	"github.com/scimsql/scimsql/dialects/postgres"
	"github.com/scimsql/scimsql/internal/bench/handwritten"
	"github.com/scimsql/scimsql/mappings"
	"github.com/scimsql/scimsql/server"
)

// ServerSpec is the server a scenario runs against: scimsql, or the hand-written
// connector it is compared with.
type ServerSpec struct {
	MappingPath string
	DSN         string // overrides the mapping's database.dsn
	CPUProfile  string // write a CPU profile of the server here, if set
	// Handwritten serves the hand-written connector (package handwritten) instead of
	// scimsql, with the mapping's database, pool size, query timeout and credentials.
	Handwritten bool
}

// name is what the report calls the server.
func (s ServerSpec) name() string {
	if s.Handwritten {
		return "the hand-written connector"
	}
	return "scimsql"
}

// Server is a running scimsql or hand-written connector.
type Server struct {
	URL string // http://127.0.0.1:port, without the mapping's basePath
	PID int    // the process serving, for its memory
	// Scope says what PID's memory holds: the server alone, or the server and the load
	// generator.
	Scope string
	Stop  func() error
}

// Launcher starts a server. InProcess is the default; the scimsql command starts a child
// process so that the server's memory and CPU profile are its own.
type Launcher func(ctx context.Context, spec ServerSpec) (*Server, error)

// Dialects are the databases the bench serves.
var Dialects = map[string]func() dialects.Dialect{"mysql": mysql.New, "postgres": postgres.New}

// Serving is a server listening on 127.0.0.1 at a free port: scimsql built as `scimsql
// serve` builds it (server.New, Handler, an http.Server), or the hand-written connector
// behind the same http.Server settings.
type Serving struct {
	URL   string
	srv   *http.Server
	close func() error // the server's pool and state
	prof  *os.File
	done  chan error
}

// Serve starts a server in this process. log receives the server's warnings.
func Serve(ctx context.Context, spec ServerSpec, table map[string]func() dialects.Dialect, log *slog.Logger) (*Serving, error) {
	if table == nil {
		table = Dialects
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var h http.Handler
	var m *mappings.Mapping
	var closeFn func() error
	if spec.Handwritten {
		c, err := openHandwritten(ctx, spec, table)
		if err != nil {
			return nil, err
		}
		h, m, closeFn = c.Handler(), c.m, c.close
	} else {
		s, err := server.New(ctx, server.Options{MappingPath: spec.MappingPath, DSN: spec.DSN, Dialects: table, Logger: log, Version: "bench"})
		if err != nil {
			return nil, err
		}
		if err := s.Engine().Ping(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("the database does not answer: %w", err)
		}
		h, m, closeFn = s.Handler(), s.Mapping(), s.Close
	}
	lim := m.Server.Limits
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		closeFn()
		return nil, err
	}
	sv := &Serving{URL: "http://" + ln.Addr().String(), close: closeFn, done: make(chan error, 1),
		srv: &http.Server{
			Handler:           h,
			ReadHeaderTimeout: lim.ReadHeaderTimeout,
			ReadTimeout:       lim.ReadTimeout,
			WriteTimeout:      lim.WriteTimeout,
			IdleTimeout:       lim.IdleTimeout,
			MaxHeaderBytes:    lim.MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}}
	if spec.CPUProfile != "" {
		if sv.prof, err = os.Create(spec.CPUProfile); err == nil {
			err = pprof.StartCPUProfile(sv.prof)
		}
		if err != nil {
			ln.Close()
			closeFn()
			return nil, fmt.Errorf("-cpuprofile: %w", err)
		}
	}
	go func() { sv.done <- sv.srv.Serve(ln) }()
	return sv, nil
}

// Stop finishes the requests in flight, writes the profile and closes the pool.
func (sv *Serving) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := sv.srv.Shutdown(ctx)
	if e := <-sv.done; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	if sv.prof != nil {
		pprof.StopCPUProfile()
		if e := sv.prof.Close(); err == nil {
			err = e
		}
	}
	if e := sv.close(); err == nil {
		err = e
	}
	return err
}

// InProcess starts the server in the bench's own process: its memory figures include the
// load generator, and a CPU profile covers both.
func InProcess(ctx context.Context, spec ServerSpec) (*Server, error) {
	sv, err := Serve(ctx, spec, nil, nil)
	if err != nil {
		return nil, err
	}
	return &Server{URL: sv.URL, PID: os.Getpid(), Scope: spec.name() + " in the bench process (server and load generator together)", Stop: sv.Stop}, nil
}

// handwrittenServer is the hand-written connector on the mapping's database settings.
type handwrittenServer struct {
	*handwritten.Connector
	m  *mappings.Mapping
	db *sql.DB
}

func (h *handwrittenServer) close() error {
	h.Connector.Close()
	return h.db.Close()
}

// openHandwritten opens the hand-written connector with what the mapping gives scimsql:
// the driver, DSN, pool limits, query timeout and Basic credentials.
func openHandwritten(ctx context.Context, spec ServerSpec, table map[string]func() dialects.Dialect) (*handwrittenServer, error) {
	m, err := mappings.LoadFile(spec.MappingPath, mappings.Options{})
	if err != nil {
		return nil, err
	}
	mk, ok := table[m.Database.Driver]
	if !ok {
		return nil, fmt.Errorf("the hand-written connector runs on mysql or postgres, not %s", m.Database.Driver)
	}
	if a := m.Server.Auth; a.Type != "basic" || a.Password.Reveal() == "" {
		return nil, errors.New("the hand-written connector needs Basic auth with the password itself in the mapping")
	}
	dsn := spec.DSN
	if dsn == "" {
		dsn = m.Database.DSN.Reveal()
	}
	d := m.Database
	db, err := mk().Open(dsn, dialects.Pool{MaxOpen: d.MaxOpen, MaxIdle: d.MaxIdle, MaxLifetime: d.MaxLifetime})
	if err != nil {
		return nil, err
	}
	c, err := handwritten.New(ctx, handwritten.Options{Driver: d.Driver, DB: db, Username: m.Server.Auth.Username,
		Password: m.Server.Auth.Password.Reveal(), QueryTimeout: d.QueryTimeout})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &handwrittenServer{Connector: c, m: m, db: db}, nil
}
