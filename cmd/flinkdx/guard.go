package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// guard keeps "flinkdx view" to the page it serves. The server listens on
// the loopback, but a page of any other site in the same browser can
// still reach it: by DNS rebinding (a name of the attacker's that now
// resolves to 127.0.0.1, so the browser sends its Host) or by a
// cross-origin POST. So a request must name this server in Host, a
// request that changes or sends data must not come from another origin,
// and a body that stops arriving is cut after idle.
type guard struct {
	next  http.Handler
	hosts map[string]bool // the Host values this server answers to
	idle  time.Duration   // the longest wait for the next bytes of a body
}

// newGuard allows the loopback names with the listener's port.
func newGuard(next http.Handler, addr net.Addr, idle time.Duration) *guard {
	_, port, _ := net.SplitHostPort(addr.String())
	g := &guard{next: next, hosts: map[string]bool{}, idle: idle}
	for _, h := range []string{"127.0.0.1", "localhost", "[::1]"} {
		g.hosts[h+":"+port] = true
	}
	g.hosts[strings.ToLower(addr.String())] = true
	return g
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.hosts[strings.ToLower(r.Host)] {
		forbid(w, fmt.Sprintf("Host %q is not this viewer's address: open the address flinkdx view printed", r.Host))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if o := r.Header.Get("Origin"); o != "" {
			if u, err := url.Parse(o); err != nil || !g.hosts[strings.ToLower(u.Host)] {
				forbid(w, fmt.Sprintf("a request from %q: only this viewer's page may send files to it", o))
				return
			}
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			forbid(w, "a cross-site request: only this viewer's page may send files to it")
			return
		}
	}
	if r.Body != nil && r.Body != http.NoBody && g.idle > 0 {
		r.Body = &idleBody{ReadCloser: r.Body, rc: http.NewResponseController(w), idle: g.idle}
	}
	g.next.ServeHTTP(w, r)
}

func forbid(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w, "{\"api\": \"v1\", \"error\": %q}\n", msg)
}

// idleBody moves the connection's read deadline before each read: a
// body may take as long as it needs, as long as it keeps coming.
type idleBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.rc.SetReadDeadline(time.Now().Add(b.idle))
	n, err := b.ReadCloser.Read(p)
	if err != nil && isTimeout(err) {
		err = fmt.Errorf("the upload stopped: no byte for %s", b.idle)
	}
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
