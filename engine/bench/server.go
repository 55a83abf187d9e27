package bench

import (
	"context"
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
	"github.com/scimsql/scimsql/engine/server"
)

// ServerSpec is the scimsql a scenario runs against.
type ServerSpec struct {
	MappingPath string
	DSN         string // overrides the mapping's database.dsn
	CPUProfile  string // write a CPU profile of the server here, if set
}

// Server is a running scimsql.
type Server struct {
	URL string // http://127.0.0.1:port, without the mapping's basePath
	PID int    // the process serving, for its memory
	// Scope says what PID's memory holds: the server alone, or the server and the load
	// generator.
	Scope string
	Stop  func() error
}

// Launcher starts a scimsql. InProcess is the default; the scimsql command starts a
// child process so that the server's memory and CPU profile are its own.
type Launcher func(ctx context.Context, spec ServerSpec) (*Server, error)

// Dialects are the databases the bench serves.
var Dialects = map[string]func() dialects.Dialect{"mysql": mysql.New, "postgres": postgres.New}

// Serving is a scimsql built as `scimsql serve` builds it (server.New, Handler, an
// http.Server), listening on 127.0.0.1 at a free port.
type Serving struct {
	URL  string
	srv  *http.Server
	s    *server.Server
	prof *os.File
	done chan error
}

// Serve starts a scimsql in this process. log receives the server's warnings.
func Serve(ctx context.Context, spec ServerSpec, table map[string]func() dialects.Dialect, log *slog.Logger) (*Serving, error) {
	if table == nil {
		table = Dialects
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := server.New(ctx, server.Options{MappingPath: spec.MappingPath, DSN: spec.DSN, Dialects: table, Logger: log, Version: "bench"})
	if err != nil {
		return nil, err
	}
	if err := s.Engine().Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("the database does not answer: %w", err)
	}
	lim := s.Mapping().Server.Limits
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.Close()
		return nil, err
	}
	sv := &Serving{URL: "http://" + ln.Addr().String(), s: s, done: make(chan error, 1),
		srv: &http.Server{
			Handler:           s.Handler(),
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
			s.Close()
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
	if e := sv.s.Close(); err == nil {
		err = e
	}
	return err
}

// InProcess starts scimsql in the bench's own process: its memory figures include the
// load generator, and a CPU profile covers both.
func InProcess(ctx context.Context, spec ServerSpec) (*Server, error) {
	sv, err := Serve(ctx, spec, nil, nil)
	if err != nil {
		return nil, err
	}
	return &Server{URL: sv.URL, PID: os.Getpid(), Scope: "bench process (server and load generator together)", Stop: sv.Stop}, nil
}
