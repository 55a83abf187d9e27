package conformance_test

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// dbProxy is a TCP proxy between scimsql and a real database server, so that a test can
// take the database away and give it back without touching the server: cut closes the
// listener and every connection (the database is down, or the network to it is);
// blackhole keeps accepting but forwards nothing (a hung server, a dropped route);
// restore and forward undo them. The address stays the same throughout.
type dbProxy struct {
	t      testing.TB
	target string
	addr   string
	hole   atomic.Bool

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]bool
	wake  chan struct{} // closed when the black hole ends
}

func newDBProxy(t testing.TB, target string) *dbProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dbProxy{t: t, target: target, addr: ln.Addr().String(), conns: map[net.Conn]bool{}, wake: make(chan struct{})}
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *dbProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
}

func (p *dbProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil {
		c.Close()
		return false
	}
	p.conns[c] = true
	return true
}

func (p *dbProxy) handle(client net.Conn) {
	if !p.track(client) {
		return
	}
	// In the black hole a new connection is accepted and then left waiting.
	for p.hole.Load() {
		p.mu.Lock()
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-time.After(50 * time.Millisecond):
		}
		if !p.alive(client) {
			return
		}
	}
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	if !p.track(server) {
		client.Close()
		return
	}
	go p.pipe(server, client)
	p.pipe(client, server)
}

func (p *dbProxy) alive(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.conns[c]
}

// pipe copies src to dst, holding data back while the black hole lasts.
func (p *dbProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for n > 0 && p.hole.Load() {
			if !p.alive(src) || !p.alive(dst) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// cut closes the listener and every connection: the database is gone.
func (p *dbProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// restore listens again on the same address.
func (p *dbProxy) restore() {
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// blackhole starts or ends forwarding nothing.
func (p *dbProxy) blackhole(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.wake = make(chan struct{})
		p.hole.Store(true)
		return
	}
	p.hole.Store(false)
	close(p.wake)
}
