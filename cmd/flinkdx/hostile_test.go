//go:build unix

package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/flinkdx/flinkdx/forensics/schema"
)

// A real log, a few hundred kB of it.
func sampleLog(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/flinklog/opsagent/input.log")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(b, max(1, 300<<10/len(b)))
}

func gzBytes(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func tarBytes(files ...string) []byte {
	var out bytes.Buffer
	w := tar.NewWriter(&out)
	for i := 0; i < len(files); i += 2 {
		w.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg})
		w.Write([]byte(files[i+1]))
	}
	w.Close()
	return out.Bytes()
}

// Broken and hostile input, one case per directory: what the run says,
// what it keeps, and its exit status. `go test -run Hostile -v` prints the
// table of the closing note.
func TestHostileInputs(t *testing.T) {
	log := sampleLog(t)
	// Varied lines for zstd, whose blocks of repeated text are tiny.
	var varied bytes.Buffer
	for i := 0; varied.Len() < 2<<20; i++ {
		fmt.Fprintf(&varied, "2024-03-01 10:%02d:%02d,%03d INFO  org.apache.flink.runtime.taskmanager.Task [] - event %d checksum %x\n",
			i/60000%60, i/1000%60, i%1000, i, uint64(i)*0x9E3779B97F4A7C15)
	}
	zw, _ := zstd.NewWriter(nil)
	zst := zw.EncodeAll(varied.Bytes(), nil)
	stored := func(content []byte, corrupt bool) []byte {
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		f, _ := w.CreateRaw(&zip.FileHeader{Name: "tm.log", Method: zip.Store, CRC32: crc32.ChecksumIEEE(content),
			CompressedSize64: uint64(len(content)), UncompressedSize64: uint64(len(content))})
		f.Write(content)
		w.Close()
		z := b.Bytes()
		if corrupt {
			z[bytes.Index(z, []byte("INFO"))] = 'X'
		}
		return z
	}
	var zb bytes.Buffer
	zwr := zip.NewWriter(&zb)
	f, _ := zwr.Create("a.log")
	f.Write(log)
	zwr.Close()
	nested := gzBytes(gzBytes(gzBytes(bytes.Repeat([]byte("2024-03-01 10:00:00,000 INFO  x.Y [] - same line again\n"), 2<<20))))

	type want struct {
		exit     int
		rows     bool   // rows kept
		error    string // in the manifest's errors
		skipped  string // in the manifest's skipped reasons
		notUTF8  bool
		redacted bool
	}
	cases := []struct {
		name  string
		files map[string][]byte
		want  want
	}{
		{"truncated .gz", map[string][]byte{"tm.log.gz": gzBytes(log)[:len(gzBytes(log))/2]}, want{exitPartial, true, "decompressed bytes", "", false, false}},
		{"truncated .zst", map[string][]byte{"tm.log.zst": zst[:len(zst)/2]}, want{exitPartial, true, "decompressed bytes", "", false, false}},
		{"zip member with a bad CRC", map[string][]byte{"a.zip": stored(log, true)}, want{exitPartial, true, "CRC-32 mismatch", "", false, false}},
		{"truncated tar", map[string][]byte{"a.tar": tarBytes("a.log", string(log), "b.log", string(log))[:len(log)+len(log)/2]}, want{exitPartial, true, "b.log", "", false, false}},
		{"truncated zip", map[string][]byte{"a.zip": zb.Bytes()[:zb.Len()/2]}, want{exitPartial, true, "a.zip", "", false, false}},
		{"empty file", map[string][]byte{"empty.log": {}}, want{exitOK, false, "", "empty", false, false}},
		{"binary file in a log directory", map[string][]byte{"tm.log": log, "core.dump": bytes.Repeat([]byte{0x7f, 'E', 'L', 'F', 0, 1, 2, 0xff}, 4096)}, want{exitOK, true, "", "binary content", false, false}},
		{"NUL bytes, invalid UTF-8, CRLF", map[string][]byte{"tm.log": []byte("2024-03-01 10:00:00,000 INFO  x.Y [] - nul \x00 and \xff\xfe bytes\r\n2024-03-01 10:00:01,000 WARN  x.Y [] - crlf\r\n")}, want{exitOK, true, "", "", true, false}},
		{"archive members named ../ and /abs", map[string][]byte{"evil.tar": tarBytes("../../etc/cron.d/x.log", string(log), "/abs/tm.log", string(log))}, want{exitOK, true, "", "", false, false}},
		{"nested gzip bomb", map[string][]byte{"bomb.log.gz": nested}, want{exitPartial, true, "decompression bomb", "", false, false}},
		{"a secret in a log line", map[string][]byte{"tm.log": []byte("2024-03-01 10:00:00,000 INFO  org.apache.flink.configuration.GlobalConfiguration [] - Loading configuration property: s3.secret.key, wJalrXUtnFEMIK7MDENGbPxRfiCY\n")}, want{exitOK, true, "", "", false, true}},
	}
	t.Logf("%-36s %-6s %-8s %s", "case", "exit", "rows", "what the manifest says")
	for _, c := range cases {
		dir := t.TempDir()
		in := filepath.Join(dir, "in")
		os.MkdirAll(in, 0o755)
		for name, data := range c.files {
			if err := os.WriteFile(filepath.Join(in, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		out := filepath.Join(dir, "ds")
		code, _, errs := runCLI("ingest", in, "-o", out, "--quiet")
		m := readManifestT(t, out)
		var said []string
		for _, e := range m.Errors {
			said = append(said, e.Error)
		}
		for _, s := range m.Skipped {
			said = append(said, "skipped "+filepath.Base(s.Path)+": "+s.Reason)
		}
		rows := m.Tables["logs"].Rows + m.Tables["raw"].Rows
		if m.Totals.NotUTF8 > 0 {
			said = append(said, fmt.Sprintf("%d values not UTF-8 (U+FFFD)", m.Totals.NotUTF8))
		}
		if m.Totals.Redacted > 0 {
			said = append(said, fmt.Sprintf("%d secrets masked", m.Totals.Redacted))
		}
		t.Logf("%-36s %-6d %-8d %s", c.name, code, rows, strings.Join(said, "; "))
		all := strings.Join(said, "\n") + errs
		switch {
		case code != c.want.exit:
			t.Errorf("%s: exit %d; want %d (%s)", c.name, code, c.want.exit, errs)
		case (rows > 0) != c.want.rows:
			t.Errorf("%s: %d rows kept", c.name, rows)
		case c.want.error != "" && !strings.Contains(all, c.want.error):
			t.Errorf("%s: errors %q; want %q", c.name, all, c.want.error)
		case c.want.skipped != "" && !strings.Contains(all, c.want.skipped):
			t.Errorf("%s: %q; want skipped %q", c.name, all, c.want.skipped)
		case c.want.notUTF8 != (m.Totals.NotUTF8 > 0), c.want.redacted != (m.Totals.Redacted > 0):
			t.Errorf("%s: not UTF-8 %d, redacted %d", c.name, m.Totals.NotUTF8, m.Totals.Redacted)
		}
		// Nothing is written outside the dataset, whatever the names inside.
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasPrefix(p, in) && !strings.HasPrefix(p, out+string(filepath.Separator)) {
				t.Errorf("%s: %s written outside the dataset", c.name, p)
			}
			return nil
		})
	}
}

func readManifestT(t *testing.T, dir string) *engine.Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m engine.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// A single 200 MB line: kept cut at 1 MiB with a mark saying how long it
// was, and the process's memory stays far below the line's size.
func TestHugeLine(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "tm.log")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("2024-03-01 10:00:00,000 INFO  x.Y [] - before\n2024-03-01 10:00:01,000 ERROR x.Y [] - ")
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	const size = 200 << 20
	for n := 0; n < size; n += len(chunk) {
		f.Write(chunk)
	}
	f.WriteString("\n2024-03-01 10:00:02,000 INFO  x.Y [] - after\n")
	f.Close()
	out := filepath.Join(dir, "ds")
	// Its own process, which reports its peak memory (VmHWM: rusage's
	// maxrss of a child can hold the test process's own size).
	cmd := exec.Command(os.Args[0], "ingest", in, "-o", out, "--quiet", "--stats")
	cmd.Env = append(os.Environ(), "FLINKDX_TEST_MAIN=1")
	stats, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, stats)
	}
	var rss float64
	if i := bytes.Index(stats, []byte("peak RSS ")); i < 0 {
		t.Fatalf("no peak RSS in %q", stats)
	} else {
		fmt.Sscanf(string(stats[i+len("peak RSS "):]), "%f MiB", &rss)
	}
	m := readManifestT(t, out)
	if m.Tables["logs"].Rows != 3 || m.Totals.Lines != 3 {
		t.Errorf("%d events of %d lines; want 3 of 3", m.Tables["logs"].Rows, m.Totals.Lines)
	}
	mark := fmt.Sprintf(" [flinkdx: line cut at %d of %d bytes]", 1<<20, size+len("2024-03-01 10:00:01,000 ERROR x.Y [] - "))
	found := false
	for _, f := range m.Tables["logs"].Files {
		data, err := os.ReadFile(filepath.Join(out, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		_, err = parquetfile.Read(bytes.NewReader(data), int64(len(data)), dataset.ReadOptions{Plain: map[string]bool{"message": true}}, func(rec arrow.Record) {
			msg := schema.Array[*array.String](rec, "message")
			for i := 0; msg != nil && i < msg.Len(); i++ {
				if strings.HasSuffix(msg.Value(i), mark) && len(msg.Value(i)) < 1<<20+100 {
					found = true
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("a %d MB line: %d events, peak RSS %.0f MiB", size>>20, m.Tables["logs"].Rows, rss)
	if !found {
		t.Errorf("no event ends in %q", mark)
	}
	if rss <= 0 || rss > 100 {
		t.Errorf("peak RSS %.0f MiB for a 200 MB line", rss)
	}
}

// A directory tree with a symlink loop, a dangling link and (unless run as
// root, who reads everything) an unreadable file: each is reported, the
// rest is read, and the exit status says the run is partial.
func TestUnreadableTree(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.MkdirAll(filepath.Join(in, "a"), 0o755)
	os.WriteFile(filepath.Join(in, "a", "tm.log"), sampleLog(t), 0o644)
	os.Symlink("loop2", filepath.Join(in, "loop1"))
	os.Symlink("loop1", filepath.Join(in, "loop2"))
	os.Symlink("missing.log", filepath.Join(in, "dangling.log"))
	os.Symlink("..", filepath.Join(in, "a", "up")) // a link to a directory is not walked
	unreadable := os.Geteuid() != 0
	if unreadable {
		os.WriteFile(filepath.Join(in, "secret.log"), []byte("x\n"), 0o000)
	}
	out := filepath.Join(dir, "ds")
	code, _, errs := runCLI("ingest", in, "-o", out, "--quiet")
	m := readManifestT(t, out)
	all := errs
	for _, e := range m.Errors {
		all += e.Error + "\n"
	}
	if code != exitPartial || m.Tables["logs"].Rows == 0 {
		t.Errorf("exit %d, %d rows: %s", code, m.Tables["logs"].Rows, all)
	}
	for _, want := range []string{"loop1", "loop2", "dangling.log"} {
		if !strings.Contains(all, want) {
			t.Errorf("%s not reported: %s", want, all)
		}
	}
	if unreadable && !strings.Contains(all, "secret.log") {
		t.Errorf("the unreadable file is not reported: %s", all)
	}
	if m.Totals.Inputs != 1+btoi(unreadable) {
		t.Errorf("%d inputs", m.Totals.Inputs)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
