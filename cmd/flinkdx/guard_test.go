package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startView runs "flinkdx view" on a free port and returns its URL; the
// server stops when the test ends.
func startView(t *testing.T, args ...string) string {
	t.Helper()
	ready, stop := make(chan string, 1), make(chan struct{})
	viewReady, viewStop = ready, stop
	done := make(chan int, 1)
	go func() { done <- run(append([]string{"view", "--port", "0"}, args...), io.Discard, io.Discard) }()
	var url string
	select {
	case url = <-ready:
	case code := <-done:
		t.Fatalf("view exited %d", code)
	case <-time.After(30 * time.Second):
		t.Fatal("view did not start")
	}
	t.Cleanup(func() {
		close(stop)
		<-done
		viewReady, viewStop = nil, nil
	})
	return url
}

// The viewer answers only its own page: another Host (DNS rebinding) and
// a POST from another origin get 403; an upload that stops is cut.
func TestViewGuard(t *testing.T) {
	old := viewIdle
	viewIdle = 300 * time.Millisecond
	defer func() { viewIdle = old }()
	base := startView(t)
	addr := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	_, port, _ := net.SplitHostPort(addr)
	send := func(method, path, host, origin, body string) (int, string) {
		req, err := http.NewRequest(method, base+strings.TrimPrefix(path, "/"), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if body != "" {
			req.Header.Set("Content-Type", "text/plain")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	log := "2024-01-01 00:00:00,000 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor [] - started\n"
	for _, c := range []struct {
		name, method, path, host, origin, body string
		status                                 int
		says                                   string
	}{
		{"its own address", "GET", "/api/v1/version", "", "", "", 200, `"api"`},
		{"localhost", "GET", "/api/v1/version", "localhost:" + port, "", "", 200, `"api"`},
		{"a rebound name", "GET", "/api/v1/version", "attacker.example:" + port, "", "", 403, "not this viewer's address"},
		{"a rebound name, the page", "GET", "/", "attacker.example", "", "", 403, "not this viewer's address"},
		{"a POST from its page", "POST", "/api/v1/analyze?name=tm.log", "", "http://" + addr, log, 200, `"findings"`},
		{"a POST without Origin (curl)", "POST", "/api/v1/analyze?name=tm.log", "", "", log, 200, `"findings"`},
		{"a POST from another site", "POST", "/api/v1/analyze?name=tm.log", "", "https://attacker.example", log, 403, "only this viewer's page"},
		{"a POST from another port", "POST", "/api/v1/analyze?name=tm.log", "", "http://127.0.0.1:1", log, 403, "only this viewer's page"},
	} {
		status, body := send(c.method, c.path, c.host, c.origin, c.body)
		if status != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %d %.200s; want %d saying %q", c.name, status, body, c.status, c.says)
		}
	}

	// A body that stops arriving: the server answers, or drops the
	// connection, soon after the idle limit rather than never.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/analyze?name=x.log HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain\r\nContent-Length: 1000000\r\n\r\n%s", addr, log)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a stalled upload held the connection %s", took)
	}
	// It is answered (what was read, the error in the manifest's errors)
	// or dropped; not held.
	if err == nil {
		rest, _ := io.ReadAll(io.LimitReader(br, 1<<20))
		if !strings.Contains(string(rest), "the upload stopped: no byte for 300ms") {
			t.Errorf("a stalled upload answered %q without saying it stopped: %.300s", line, rest)
		}
	}
}
