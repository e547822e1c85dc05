// Command hostile attacks a running "flinkdx view" as an adversary would,
// with inputs made on the fly, and checks each answer and the server's
// peak memory (Linux: /proc/PID/status VmHWM), which must stay under
// -max-rss for every case. "make hostile" (part of "make test") runs it
// against bin/flinkdx.
//
//	hostile -flinkdx bin/flinkdx [-max-rss 512] [-scale 1]
package main

import (
	"archive/zip"
	"bufio"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

func main() {
	bin := flag.String("flinkdx", "bin/flinkdx", "the flinkdx binary")
	maxRSS := flag.Int64("max-rss", 512, "the server's peak RSS may not pass this many MiB")
	scale := flag.Int64("scale", 1, "multiplies the bombs' sizes")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "flinkdx-hostile-")
	if err != nil {
		fail("%v", err)
	}
	defer os.RemoveAll(tmp)

	failures := 0
	fmt.Printf("%-58s %-8s %-44s %s\n", "case", "status", "answer", "peak RSS")
	for _, c := range cases(tmp, *scale) {
		srv, err := startView(*bin)
		if err != nil {
			fail("%v", err)
		}
		status, answer, err := c.send(srv.url, srv.addr)
		rss := srv.peakRSS()
		srv.stop()
		ok := err == nil && c.want(status, answer) && rss <= *maxRSS<<20
		mark := "ok  "
		if !ok {
			mark = "FAIL"
			failures++
		}
		if err != nil {
			answer = err.Error()
		}
		fmt.Printf("%s %-53s %-8d %-44.44s %d MiB\n", mark, c.name, status, strings.ReplaceAll(answer, "\n", " "), rss>>20)
	}
	if failures > 0 {
		fmt.Printf("%d hostile case(s) failed\n", failures)
		os.Exit(1)
	}
	fmt.Println("every hostile case answered, within the memory bound")
}

type hostileCase struct {
	name string
	send func(url, addr string) (int, string, error)
	want func(status int, answer string) bool
}

func cases(tmp string, scale int64) []hostileCase {
	says := func(code int, text string) func(int, string) bool {
		return func(status int, answer string) bool { return status == code && strings.Contains(answer, text) }
	}
	logLine := "2024-03-01 10:00:00,000 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor [] - a line to read, number 0000000\n"
	return []hostileCase{
		{
			name: fmt.Sprintf("dataset zip bomb: two %d MiB zero members", 512*scale),
			send: func(url, _ string) (int, string, error) {
				path := filepath.Join(tmp, "bomb.zip")
				if err := writeZip(path, zip.Deflate, "manifest.json", []byte(`{"tool": "flinkdx"}`),
					"logs/part-0.parquet", zeros(512<<20*scale), "logs/part-1.parquet", zeros(512<<20*scale)); err != nil {
					return 0, "", err
				}
				return postFile(url+"api/v1/analyze?name=shared.zip", path, "")
			},
			want: says(400, "not a dataset flinkdx wrote"),
		},
		{
			name: fmt.Sprintf("a %d MiB zip of logs to /api/v1/analyze", 128*scale),
			send: func(url, _ string) (int, string, error) {
				path := filepath.Join(tmp, "logs.zip")
				if err := writeZip(path, zip.Store, "tm/taskmanager.log", repeat(logLine, 128<<20*scale)); err != nil {
					return 0, "", err
				}
				return postFile(url+"api/v1/analyze?name=logs.zip", path, "")
			},
			want: says(200, `"findings"`),
		},
		{
			name: fmt.Sprintf("a %d MiB part sent to /api/v1/dataset", 512*scale),
			send: func(url, _ string) (int, string, error) {
				pr, pw := io.Pipe()
				mw := multipart.NewWriter(pw)
				go func() {
					f, _ := mw.CreateFormFile("file", "ds/manifest.json")
					f.Write([]byte(`{"tool": "flinkdx", "tables": {"logs": {"rows": 1, "files": [{"path": "logs/part-0.parquet"}]}}}`))
					f, _ = mw.CreateFormFile("file", "ds/logs/part-0.parquet")
					if err := zeros(512 << 20 * scale)(f); err != nil {
						pw.CloseWithError(err)
						return
					}
					pw.CloseWithError(mw.Close())
				}()
				req, _ := http.NewRequest(http.MethodPost, url+"api/v1/dataset", pr)
				req.Header.Set("Content-Type", mw.FormDataContentType())
				return do(req)
			},
			want: func(status int, answer string) bool { return status == 400 },
		},
		{
			name: fmt.Sprintf("gzip bomb: %d GiB of zeros in a .log.gz", scale),
			send: func(url, _ string) (int, string, error) {
				path := filepath.Join(tmp, "bomb.log.gz")
				if err := writeGzip(path, zeros(1<<30*scale)); err != nil {
					return 0, "", err
				}
				return postFile(url+"api/v1/analyze?name=bomb.log.gz", path, "")
			},
			want: says(200, `"manifest"`),
		},
		{
			name: "Host: attacker.example (DNS rebinding)",
			send: func(url, addr string) (int, string, error) {
				req, _ := http.NewRequest(http.MethodGet, url+"api/v1/preloaded", nil)
				req.Host = "attacker.example"
				return do(req)
			},
			want: says(403, "not this viewer's address"),
		},
		{
			name: "cross-origin POST",
			send: func(url, _ string) (int, string, error) {
				req, _ := http.NewRequest(http.MethodPost, url+"api/v1/analyze?name=x.log", strings.NewReader(logLine))
				req.Header.Set("Origin", "https://attacker.example")
				return do(req)
			},
			want: says(403, "only this viewer's page"),
		},
		{
			name: "an upload that stops after its first line",
			send: func(_, addr string) (int, string, error) {
				conn, err := net.Dial("tcp", addr)
				if err != nil {
					return 0, "", err
				}
				defer conn.Close()
				fmt.Fprintf(conn, "POST /api/v1/analyze?name=x.log HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000000\r\n\r\n%s", addr, logLine)
				conn.SetReadDeadline(time.Now().Add(90 * time.Second))
				res, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					return 0, "", err
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
				return res.StatusCode, string(b), nil
			},
			want: says(200, "the upload stopped"),
		},
	}
}

type server struct {
	cmd  *exec.Cmd
	url  string
	addr string
}

func startView(bin string) (*server, error) {
	cmd := exec.Command(bin, "view", "--port", "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`open (http://(127\.0\.0\.1:\d+)/)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case url := <-found:
		return &server{cmd: cmd, url: url, addr: strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")}, nil
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		return nil, fmt.Errorf("flinkdx view did not start")
	}
}

// peakRSS is the server's peak resident memory in bytes (0 where /proc
// does not say).
func (s *server) peakRSS() int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func (s *server) stop() {
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func postFile(url, path, ctype string) (int, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	req, err := http.NewRequest(http.MethodPost, url, f)
	if err != nil {
		return 0, "", err
	}
	if fi, err := f.Stat(); err == nil {
		req.ContentLength = fi.Size()
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return do(req)
}

func do(req *http.Request) (int, string, error) {
	res, err := (&http.Client{Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	return res.StatusCode, string(b), nil
}

// content is a member's bytes, made as they are written.
type content func(w io.Writer) error

func zeros(n int64) content {
	return func(w io.Writer) error {
		_, err := io.CopyN(w, zeroReader{}, n)
		return err
	}
}

func repeat(line string, n int64) content {
	return func(w io.Writer) error {
		_, err := io.CopyN(w, &lineReader{line: []byte(line)}, n/int64(len(line))*int64(len(line)))
		return err
	}
}

func writeZip(path string, method uint16, members ...any) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	for i := 0; i < len(members); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: members[i].(string), Method: method})
		if err != nil {
			return err
		}
		switch c := members[i+1].(type) {
		case []byte:
			_, err = w.Write(c)
		case content:
			err = c(w)
		}
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

func writeGzip(path string, c content) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := c(zw); err != nil {
		return err
	}
	return zw.Close()
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type lineReader struct {
	line []byte
	off  int
}

func (l *lineReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], l.line[l.off:])
		n += k
		l.off = (l.off + k) % len(l.line)
	}
	return n, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "hostile: "+format+"\n", args...)
	os.Exit(1)
}
