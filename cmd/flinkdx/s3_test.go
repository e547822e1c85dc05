//go:build unix

package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/flinkdx/flinkdx/cmd/internal/objstore"
	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/klauspost/compress/gzip"
)

// The credentials of the test's S3 server; they must appear in no output.
const (
	s3Key    = "flinkdxTESTKEY"
	s3Secret = "flinkdx-test-secret-5f0c1e"
)

// s3Server is a real S3 server (versitygw, storing objects as plain files
// under Root/BUCKET/KEY) on 127.0.0.1.
type s3Server struct {
	bin, Root, Addr string
	cmd             *exec.Cmd
}

// startS3 starts versitygw with buckets, and the AWS environment that
// reaches it. Outside CI, without versitygw the test is skipped;
// .ci/run installs it.
func startS3(t *testing.T, buckets ...string) *s3Server {
	t.Helper()
	bin := os.Getenv("VERSITYGW")
	if bin == "" {
		bin, _ = exec.LookPath("versitygw")
	}
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("versitygw is not installed: .ci/run installs it (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")
		}
		t.Skip("versitygw is not installed (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0, or set VERSITYGW): the object-storage tests need a real S3 server")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &s3Server{bin: bin, Root: t.TempDir(), Addr: addr}
	for _, b := range buckets {
		os.MkdirAll(filepath.Join(s.Root, b), 0o755)
	}
	s.start(t)
	t.Cleanup(s.stop)
	t.Setenv("AWS_ACCESS_KEY_ID", s3Key)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3Secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	return s
}

func (s *s3Server) start(t *testing.T) {
	t.Helper()
	s.cmd = exec.Command(s.bin, "--port", s.Addr, "--health", "/health", "posix", s.Root)
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s3Key, "ROOT_SECRET_KEY="+s3Secret)
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if r, err := http.Get("http://" + s.Addr + "/health"); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("versitygw did not answer on %s", s.Addr)
}

func (s *s3Server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Signal(syscall.SIGKILL)
		s.cmd.Wait()
	}
	s.cmd = nil
}

// url is an s3:// URL of the server.
func (s *s3Server) url(bucketPath string) string {
	return "s3://" + bucketPath + "?endpoint=http://" + s.Addr
}

// noCredentials fails the test if the server's secret, or its key, is in
// any of the texts.
func noCredentials(t *testing.T, where string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		for _, c := range []string{s3Secret, s3Key} {
			if strings.Contains(s, c) {
				t.Errorf("%s holds the credential %q", where, c)
			}
		}
	}
}

// The demo from a bucket into a bucket: the same inputs, rows and
// findings as from disk into a directory; scan and view read the dataset
// from the bucket; no credential is written or printed.
func TestS3Demo(t *testing.T) {
	s := startS3(t, "logs", "cases")
	copyFile(t, "../../testdata/demo/incident.tar.gz", filepath.Join(s.Root, "logs", "2025-03-14", "incident.tar.gz"))

	local := filepath.Join(t.TempDir(), "demo")
	code, want, errs := runCLI("analyze", "../../testdata/demo/incident.tar.gz", "-o", local, "--format", "json")
	if code != exitOK {
		t.Fatalf("local: exit %d: %s", code, errs)
	}
	code, got, errs := runCLI("analyze", s.url("logs/2025-03-14/"), "-o", s.url("cases/demo"), "--format", "json")
	if code != exitOK {
		t.Fatalf("s3: exit %d: %s", code, errs)
	}
	noCredentials(t, "the output", got, errs)
	if !strings.Contains(errs, "wrote s3://cases/demo:") {
		t.Errorf("the summary does not name the dataset by its URL:\n%s", errs)
	}
	var a, b struct {
		Incidents []json.RawMessage
		Findings  []struct{ Rule, Subject string }
	}
	json.Unmarshal([]byte(want), &a)
	json.Unmarshal([]byte(got), &b)
	if len(b.Findings) == 0 || len(a.Findings) != len(b.Findings) || len(a.Incidents) != len(b.Incidents) {
		t.Fatalf("from the bucket: %d findings, %d incidents; from disk: %d, %d", len(b.Findings), len(b.Incidents), len(a.Findings), len(a.Incidents))
	}
	for i := range a.Findings {
		a.Findings[i].Subject = strings.ReplaceAll(a.Findings[i].Subject, "../../testdata/demo/", "")
		b.Findings[i].Subject = strings.ReplaceAll(b.Findings[i].Subject, "s3://logs/2025-03-14/", "")
		if a.Findings[i] != b.Findings[i] {
			t.Errorf("finding %d: %v from the bucket, %v from disk", i, b.Findings[i], a.Findings[i])
		}
	}

	mLocal := readManifestT(t, local)
	mBucket := readManifestT(t, filepath.Join(s.Root, "cases", "demo"))
	sameDataset(t, mBucket, mLocal)
	if got := mBucket.Inputs[0].Path; got != "s3://logs/2025-03-14/incident.tar.gz" {
		t.Errorf("the manifest names the input %q; want its URL without options", got)
	}
	raw, _ := os.ReadFile(filepath.Join(s.Root, "cases", "demo", "manifest.json"))
	noCredentials(t, "manifest.json", string(raw))
	if strings.Contains(string(raw), s.Addr) {
		t.Errorf("manifest.json holds the endpoint %s", s.Addr)
	}
	// Every file the manifest lists is whole in the bucket.
	checkDataset(t, filepath.Join(s.Root, "cases", "demo"))

	// scan reads it back by range, from the bucket.
	code, out, errs := runCLI("scan", s.url("cases/demo"))
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, errs)
	}
	noCredentials(t, "scan's output", out, errs)
	if !strings.Contains(out, fmt.Sprintf("flinkdx scan s3://cases/demo: %d rows", mLocal.Totals.Events+mLocal.Totals.Unparsed)) &&
		!strings.Contains(out, "flinkdx scan s3://cases/demo:") {
		t.Errorf("scan does not report on the bucket's dataset:\n%s", out)
	}
	if !strings.Contains(out, fmt.Sprintf("%d findings", len(a.Findings))) {
		t.Errorf("scan from the bucket: want %d findings:\n%s", len(a.Findings), lastLines(out, 3))
	}

	// The viewer opens the dataset in the bucket.
	res, err := preload([]string{s.url("cases/demo")}, engine.Options{Version: version, Location: time.UTC, Format: parquetfile.Format{}})
	if err != nil || res == nil || len(res.Result.Findings) != len(a.Findings) {
		t.Errorf("view s3://cases/demo: %v; want %d findings", err, len(a.Findings))
	}

	// Ingesting the same archive again adds nothing: its content is known
	// (hashed from the bucket), as in a directory.
	code, out, errs = runCLI("ingest", s.url("logs/2025-03-14/"), "-o", s.url("cases/demo"))
	if code != exitOK {
		t.Fatalf("again: exit %d: %s", code, errs)
	}
	again := readManifestT(t, filepath.Join(s.Root, "cases", "demo"))
	if again.Totals.Unchanged != 1 || again.Totals.Lines != mLocal.Totals.Lines || again.Tables["logs"].Rows != mLocal.Tables["logs"].Rows {
		t.Errorf("again: %+v, %d log rows; want the same dataset, the archive unchanged", again.Totals, again.Tables["logs"].Rows)
	}
	checkDataset(t, filepath.Join(s.Root, "cases", "demo"))

	// A wrong secret is refused with the store's reason, and no secret.
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
	code, _, errs = runCLI("scan", s.url("cases/demo"))
	if code == exitOK || !strings.Contains(errs, "SignatureDoesNotMatch") && !strings.Contains(errs, "AccessDenied") {
		t.Errorf("scan with a wrong secret: exit %d: %s", code, errs)
	}
	noCredentials(t, "the error", errs)
	if strings.Contains(errs, "not-the-secret") {
		t.Errorf("the error holds the secret given: %s", errs)
	}
}

// A zip in a bucket is read by range: one member's bytes and the central
// directory, not the whole object.
func TestS3ZipMemberByRange(t *testing.T) {
	s := startS3(t, "logs")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	rng := rand.New(rand.NewPCG(1, 2))
	members := map[string][]byte{}
	for i := range 8 {
		name := fmt.Sprintf("taskmanager-%d.log", i)
		data := make([]byte, 1<<20)
		for j := range data {
			data[j] = byte('a' + rng.IntN(26))
		}
		members[name] = data
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		w.Write(data)
	}
	zw.Close()
	os.WriteFile(filepath.Join(s.Root, "logs", "tms.zip"), buf.Bytes(), 0o644)

	loc, err := objstore.Parse(s.url("logs"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := objstore.Dial(loc)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := st.Open("tms.zip")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	zr, err := zip.NewReader(obj, int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 8 {
		t.Fatalf("%d members; want 8", len(zr.File))
	}
	r, err := zr.File[5].Open()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, members[zr.File[5].Name]) {
		t.Fatalf("member %s: %d bytes, %v; not what was stored", zr.File[5].Name, len(got), err)
	}
	n := st.Transferred.N
	if n > int64(buf.Len())/4 {
		t.Errorf("reading one member of %d bytes fetched %d of the zip's %d bytes", len(got), n, buf.Len())
	}
	t.Logf("one 1 MiB member of an 8 MiB zip: %d bytes fetched", n)
}

// The server killed while a run adds to a dataset in a bucket: the
// manifest stays the one before, naming only whole files; the next run
// (the server back) completes it, as one run over everything would. A
// client killed mid-upload leaves nothing visible either, and the next
// run cancels its uploads.
func TestS3ServerKilled(t *testing.T) {
	s := startS3(t, "inputs", "out")
	first, more := filepath.Join(s.Root, "inputs", "week1"), filepath.Join(s.Root, "inputs", "week2")
	writeLogs(t, first, 2, 1<<20)
	writeLogs(t, more, 16, 6<<20)
	ds := filepath.Join(s.Root, "out", "ds")
	if code, _, errs := runCLI("ingest", s.url("inputs/week1"), "-o", s.url("out/ds"), "--quiet"); code != exitOK {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	before, err := os.ReadFile(filepath.Join(ds, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, partsBefore := checkDataset(t, ds)

	// A second run, in its own process, adding week2; the server dies
	// under it once it has committed a part file.
	cmd := exec.Command(os.Args[0], "ingest", s.url("inputs"), "-o", s.url("out/ds"), "--quiet", "-j", "2")
	cmd.Env = append(os.Environ(), "FLINKDX_TEST_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if _, n := countParquet(ds); n > partsBefore {
			break
		}
	}
	s.stop()
	killed := time.Now()
	err = cmd.Wait()
	t.Logf("the run ended %v after its server was killed", time.Since(killed).Round(time.Millisecond))
	if err == nil {
		t.Fatalf("the run ended well with its server killed: make the input larger")
	}
	noCredentials(t, "the failed run's errors", stderr.String())
	t.Logf("the run with its server killed: %v: %s", err, lastLines(stderr.String(), 2))
	m, _ := checkDataset(t, ds)
	after, _ := os.ReadFile(filepath.Join(ds, "manifest.json"))
	if !bytes.Equal(before, after) || m == nil {
		t.Errorf("the interrupted run changed manifest.json")
	}

	// The server back: a client killed mid-upload, then a run to the end.
	_, partsNow := countParquet(ds)
	s.start(t)
	cmd = exec.Command(os.Args[0], "ingest", s.url("inputs"), "-o", s.url("out/ds"), "--quiet", "-j", "2")
	cmd.Env = append(os.Environ(), "FLINKDX_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if _, n := countParquet(ds); n > partsNow || uploads(s.Root, "out") > 0 {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	checkDataset(t, ds)
	after, _ = os.ReadFile(filepath.Join(ds, "manifest.json"))
	if !bytes.Equal(before, after) {
		t.Errorf("the killed run changed manifest.json")
	}

	code, _, errs := runCLI("ingest", s.url("inputs"), "-o", s.url("out/ds"), "--quiet")
	if code != exitOK {
		t.Fatalf("re-run: exit %d: %s", code, errs)
	}
	m, _ = checkDataset(t, ds)
	if temps, _ := countParquet(ds); temps != 0 {
		t.Errorf("%d temporary objects left after the re-run", temps)
	}
	if n := uploads(s.Root, "out"); n != 0 {
		t.Errorf("%d multipart uploads left after the re-run", n)
	}
	one := filepath.Join(t.TempDir(), "one")
	if code, _, errs := runCLI("ingest", filepath.Join(s.Root, "inputs"), "-o", one, "--quiet"); code != exitOK {
		t.Fatalf("one run: exit %d: %s", code, errs)
	}
	want, _ := checkDataset(t, one)
	if m.Totals.Inputs != want.Totals.Inputs || m.Tables["logs"].Rows != want.Tables["logs"].Rows || m.Tables["raw"].Rows != want.Tables["raw"].Rows {
		t.Errorf("after the kills and a re-run: %+v logs %d; one run: %+v logs %d", m.Totals, m.Tables["logs"].Rows, want.Totals, want.Tables["logs"].Rows)
	}
}

// Two writers of one dataset in a bucket: the second is refused at once,
// by the lock object only one can create.
func TestS3Lock(t *testing.T) {
	s := startS3(t, "out")
	loc, _ := objstore.Parse(s.url("out/ds"))
	d, err := objstore.OpenDataset(loc)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := d.Lock("")
	if err != nil {
		t.Fatal(err)
	}
	// The lock names this process, which is alive: refused.
	code, _, errs := runCLI("ingest", "../../testdata/demo/incident.tar.gz", "-o", s.url("out/ds"), "--quiet")
	if code != exitFailed || !strings.Contains(errs, "being written by another flinkdx") {
		t.Errorf("a second writer: exit %d: %s", code, errs)
	}
	unlock()
	if code, _, errs := runCLI("ingest", "../../testdata/demo/incident.tar.gz", "-o", s.url("out/ds"), "--quiet"); code != exitOK {
		t.Errorf("after unlock: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(s.Root, "out", "ds", ".flinkdx.lock")); !os.IsNotExist(err) {
		t.Errorf("the lock object is left: %v", err)
	}
}

// uploads counts the multipart uploads in progress in a bucket of
// versitygw's posix backend.
func uploads(root, bucket string) int {
	n := 0
	filepath.WalkDir(filepath.Join(root, bucket, ".sgwtmp", "multipart"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && filepath.Dir(filepath.Dir(p)) == filepath.Join(root, bucket, ".sgwtmp", "multipart") {
			n++
		}
		return nil
	})
	return n
}

func sameDataset(t *testing.T, got, want *engine.Manifest) {
	t.Helper()
	if got.Totals != want.Totals {
		t.Errorf("totals %+v; want %+v", got.Totals, want.Totals)
	}
	for name, w := range want.Tables {
		if g := got.Tables[name]; g.Rows != w.Rows {
			t.Errorf("table %s: %d rows; want %d", name, g.Rows, w.Rows)
		}
	}
	if len(got.Inputs) != len(want.Inputs) {
		t.Errorf("%d inputs; want %d", len(got.Inputs), len(want.Inputs))
	}
	for i := range min(len(got.Inputs), len(want.Inputs)) {
		if got.Inputs[i].SHA256 != want.Inputs[i].SHA256 || got.Inputs[i].Size != want.Inputs[i].Size {
			t.Errorf("input %d: %+v; want the content of %+v", i, got.Inputs[i], want.Inputs[i])
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(to), 0o755)
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Three shards of one run write into one bucket at once, without
// clashing; merge and compact work on the bucket; the dataset holds what
// one run from disk holds.
func TestS3Shards(t *testing.T) {
	s := startS3(t, "inputs", "out")
	in := filepath.Join(s.Root, "inputs", "fleet")
	writeLogs(t, in, 9, 256<<10)
	copyFile(t, "../../testdata/demo/incident.tar.gz", filepath.Join(in, "incident.tar.gz"))
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for i := range 3 {
		cmd := exec.Command(os.Args[0], "ingest", s.url("inputs/fleet"), "-o", s.url("out/ds"), "--quiet", "--shard", "k8s")
		cmd.Env = append(os.Environ(), "FLINKDX_TEST_MAIN=1", fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i), "JOB_COMPLETIONS=3")
		var b bytes.Buffer
		cmd.Stderr = &b
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &b)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("shard %d: %v: %s", i, err, outs[i])
		}
	}
	if code, out, errs := runCLI("merge", s.url("out/ds")); code != exitOK || !strings.Contains(out, "3 shard manifests of 3 into s3://out/ds/manifest.json") {
		t.Fatalf("merge: exit %d: %s%s", code, out, errs)
	}
	if code, out, errs := runCLI("compact", s.url("out/ds")); code != exitOK {
		t.Fatalf("compact: exit %d: %s%s", code, out, errs)
	}
	m, _ := checkDataset(t, filepath.Join(s.Root, "out", "ds"))
	one := filepath.Join(t.TempDir(), "one")
	if code, _, errs := runCLI("ingest", in, "-o", one, "--quiet"); code != exitOK {
		t.Fatalf("one run: exit %d: %s", code, errs)
	}
	want, _ := checkDataset(t, one)
	if m == nil || m.Totals.Inputs != want.Totals.Inputs || m.Totals.Lines != want.Totals.Lines {
		t.Fatalf("three shards merged: %+v; one run: %+v", m, want.Totals)
	}
	for name, w := range want.Tables {
		if g := m.Tables[name]; g.Rows != w.Rows {
			t.Errorf("table %s: %d rows from the shards; %d from one run", name, g.Rows, w.Rows)
		}
	}
	code, out, errs := runCLI("scan", s.url("out/ds"))
	_, wantOut, _ := runCLI("scan", one)
	if code != exitOK || lastLines(out, 1)[strings.LastIndex(lastLines(out, 1), ","):] != lastLines(wantOut, 1)[strings.LastIndex(lastLines(wantOut, 1), ","):] {
		t.Errorf("scan of the merged bucket: exit %d: %s%s; from disk: %s", code, lastLines(out, 1), errs, lastLines(wantOut, 1))
	}
}

// A lock left by a writer on another machine is taken over once it has
// not been renewed for a while (a pod killed on another node), not before.
func TestS3StaleLock(t *testing.T) {
	s := startS3(t, "out")
	lock := filepath.Join(s.Root, "out", "ds", ".flinkdx-shard-1-of-4.lock")
	loc, _ := objstore.Parse(s.url("out"))
	st, err := objstore.Dial(loc)
	if err != nil {
		t.Fatal(err)
	}
	// Written through the server, as a writer writes it (versitygw does
	// not see a file put beside it as an object a condition can refuse),
	// then aged: the store's time of the last write is what lapses.
	write := func(renewed time.Time) {
		data, _ := json.Marshal(map[string]any{"host": "pod-on-another-node", "pid": 1, "since": renewed, "renewed": renewed})
		if _, err := st.Put("ds/.flinkdx-shard-1-of-4.lock", data, objstore.Condition{}); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(lock, renewed, renewed); err != nil {
			t.Fatal(err)
		}
	}
	in := filepath.Join(t.TempDir(), "in")
	writeLogs(t, in, 12, 4<<10)
	write(time.Now().Add(-time.Minute))
	code, _, errs := runCLI("ingest", in, "-o", s.url("out/ds"), "--quiet", "--shard", "1/4")
	if code != exitFailed || !strings.Contains(errs, "host pod-on-another-node") {
		t.Errorf("a lock renewed a minute ago: exit %d: %s", code, errs)
	}
	write(time.Now().Add(-10 * time.Minute))
	if code, _, errs := runCLI("ingest", in, "-o", s.url("out/ds"), "--quiet", "--shard", "1/4"); code != exitOK {
		t.Errorf("a lock not renewed for ten minutes: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(lock); !os.IsNotExist(err) {
		t.Errorf("the lock is left after the run: %v", err)
	}
}

// proxy forwards TCP from a port of its own to addr. up, if set, sees
// the bytes going up; down says of each piece coming back how much of it
// to pass on and whether to cut the connection after that (silent for
// stall first).
func proxy(t *testing.T, addr string, up func(p []byte), down func(sent int64, p []byte) (pass int, cut bool), stall time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	pipe := func(dst, src net.Conn, see func(sent int64, p []byte) (int, bool)) {
		defer dst.Close()
		var sent int64
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				pass, cut := see(sent, buf[:n])
				if _, werr := dst.Write(buf[:pass]); werr != nil {
					return
				}
				sent += int64(pass)
				if cut {
					time.Sleep(stall)
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			go pipe(u, c, func(_ int64, p []byte) (int, bool) {
				if up != nil {
					up(p)
				}
				return len(p), false
			})
			go pipe(c, u, func(sent int64, p []byte) (int, bool) {
				if down == nil {
					return len(p), false
				}
				return down(sent, p)
			})
		}
	}()
	return ln.Addr().String()
}

// faultyProxy forwards TCP to addr; the first connection that carries
// more than after bytes back is cut there (stall false) or goes silent
// (stall true).
func faultyProxy(t *testing.T, addr string, after int64, stall bool) string {
	var faulted atomic.Bool
	wait := time.Duration(0)
	if stall {
		wait = 5 * time.Second
	}
	return proxy(t, addr, nil, func(sent int64, p []byte) (int, bool) {
		if sent+int64(len(p)) > after && faulted.CompareAndSwap(false, true) {
			return int(after - sent), true
		}
		return len(p), false
	}, wait)
}

// A stream cut short, or gone silent, is resumed where it stopped by a
// ranged request: the bytes read are the object's, whole.
func TestS3StreamResumed(t *testing.T) {
	s := startS3(t, "logs")
	data := make([]byte, 3<<20)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.IntN(256))
	}
	os.WriteFile(filepath.Join(s.Root, "logs", "big.log"), data, 0o644)
	defer func(d time.Duration) { objstore.StallAfter = d }(objstore.StallAfter)
	objstore.StallAfter = 300 * time.Millisecond
	for _, stall := range []bool{false, true} {
		proxy := faultyProxy(t, s.Addr, 1<<20, stall)
		loc, _ := objstore.Parse("s3://logs?endpoint=http://" + proxy)
		st, err := objstore.Dial(loc)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := st.Open("big.log")
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		got, err := io.ReadAll(obj)
		obj.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("stall %v: read %d of %d bytes, %v", stall, len(got), len(data), err)
		}
		if took := time.Since(start); stall && took > 3*time.Second {
			t.Errorf("a stalled stream was resumed after %v", took)
		}
	}
}

// countingProxy forwards TCP to addr and counts the requests of each
// method it sees go up.
func countingProxy(t *testing.T, addr string) (string, func(method string) int) {
	var mu sync.Mutex
	var up bytes.Buffer
	return proxy(t, addr, func(p []byte) {
			mu.Lock()
			up.Write(p)
			mu.Unlock()
		}, nil, 0), func(method string) int {
			mu.Lock()
			defer mu.Unlock()
			n := strings.Count(up.String(), "\r\n\r\n"+method+" /")
			if strings.HasPrefix(up.String(), method+" /") {
				n++
			}
			return n
		}
}

// An object found by listing a folder is read with one request: its GET.
func TestS3OneRequestPerObject(t *testing.T) {
	s := startS3(t, "logs")
	writeLogs(t, filepath.Join(s.Root, "logs", "tms"), 10, 8<<10)
	proxy, count := countingProxy(t, s.Addr)
	code, _, errs := runCLI("analyze", "s3://logs/tms?endpoint=http://"+proxy, "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if heads, gets := count("HEAD"), count("GET"); heads > 1 || gets < 10 || gets > 12 {
		t.Errorf("10 objects listed and read: %d HEAD and %d GET requests; want at most 1 HEAD (the folder's own name) and a GET each, plus the listing", heads, gets)
	}
}

// A log shipper's batches in a bucket (Fluent Bit's S3 output: gzipped
// JSON lines with Kubernetes metadata, under time-named keys without an
// extension) give the findings of the log they carry, read plain from
// disk. The log is a real case of the incident corpus.
func TestS3ShipperBatches(t *testing.T) {
	s := startS3(t, "shipper")
	const real = "../../testdata/incidents/kop-1333-kafka-txn-endtxn-unexpected-error-task-failed.log"
	data, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	var batch bytes.Buffer
	zw := gzip.NewWriter(&batch)
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		rec, _ := json.Marshal(map[string]any{
			"date": fmt.Sprintf("2022-07-28T01:12:%02d.000000Z", 18+i/100), "log": line + "\n", "stream": "stdout",
			"kubernetes": map[string]string{"pod_name": "flink-taskmanager-1-1", "namespace_name": "flink", "host": "ip-10-0-3-21.ec2.internal", "container_name": "flink-main-container"},
		})
		zw.Write(append(rec, '\n'))
	}
	zw.Close()
	key := filepath.Join(s.Root, "shipper", "kube.var.log.containers.flink-taskmanager-1-1", "2022", "07", "28", "01", "10", "00-objectQx3v")
	os.MkdirAll(filepath.Dir(key), 0o755)
	os.WriteFile(key, batch.Bytes(), 0o644)

	rules := func(out string) []string {
		var d struct{ Findings []struct{ Rule string } }
		json.Unmarshal([]byte(out), &d)
		var r []string
		for _, f := range d.Findings {
			r = append(r, f.Rule)
		}
		return r
	}
	_, plain, _ := runCLI("analyze", real, "--format", "json")
	code, shipped, errs := runCLI("analyze", s.url("shipper/"), "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want, got := rules(plain), rules(shipped)
	if len(want) == 0 || !slices.Contains(want, "kafka.transaction-failed") || !slices.Equal(got, want) {
		t.Errorf("from the shipper's batch: %v; from the plain log: %v", got, want)
	}
}

// A dataset at a bucket's root: the writer that finds no other lock
// cancels the uploads a killed writer left of the dataset's files, and
// none of anything else in the bucket.
func TestS3SweepOnlyTheDataset(t *testing.T) {
	s := startS3(t, "bkt")
	st, err := objstore.Dial(mustParse(t, s.url("bkt")))
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 6<<20)
	other := st.Create("shipper/batch-0001.log", objstore.Condition{})
	other.Write(big) // a part goes up; never completed
	left := st.Create("logs/date=x/.part-{unit}-0000.parquet.tmp-deadbeef", objstore.Condition{})
	left.Write(big)
	if n := uploads(s.Root, "bkt"); n != 2 {
		t.Fatalf("%d uploads in progress; want 2", n)
	}
	time.Sleep(1100 * time.Millisecond) // begun before the lock, by the store's clock (seconds)
	d, err := objstore.OpenDataset(mustParse(t, s.url("bkt")))
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := d.Lock("")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	if n := uploads(s.Root, "bkt"); n != 1 {
		t.Errorf("%d uploads left; want the shipper's alone", n)
	}
	if err := other.Commit(); err != nil {
		t.Errorf("the other program's upload was cancelled: %v", err)
	}
}
