//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

func TestMain(m *testing.M) {
	if os.Getenv("FLINKDX_TEST_MAIN") == "1" {
		// The test binary as the flinkdx command, for tests that must kill it.
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// writeLogs writes n TaskManager logs of about size bytes each, each its
// own content, from the lines of a real log.
func writeLogs(t *testing.T, dir string, n, size int) {
	t.Helper()
	sample, err := os.ReadFile("../../testdata/flinklog/opsagent/input.log")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(dir, 0o755)
	for i := range n {
		var b bytes.Buffer
		fmt.Fprintf(&b, "2024-03-01 00:00:00,000 INFO  org.example.Start [] - file %d\n", i)
		for b.Len() < size {
			b.Write(sample)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("flink-flink-taskexecutor-0-tm-%02d.log", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkDataset: every Parquet file in the dataset is whole, and the
// manifest, if there is one, lists only such files, with their rows.
func checkDataset(t *testing.T, dir string) (m *engine.Manifest, parquet int) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		parquet++
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parquetfile.Read(bytes.NewReader(data), int64(len(data)), dataset.ReadOptions{}, func(arrow.Record) {}); err != nil {
			t.Errorf("%s is visible but not a whole Parquet file: %v", p, err)
		}
		return nil
	})
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if os.IsNotExist(err) {
		return nil, parquet
	}
	if err != nil {
		t.Fatal(err)
	}
	m = new(engine.Manifest)
	if err := json.Unmarshal(data, m); err != nil {
		t.Fatalf("manifest.json is not whole: %v", err)
	}
	for name, info := range m.Tables {
		for _, f := range info.Files {
			st, err := os.Stat(filepath.Join(dir, f.Path))
			if err != nil || st.Size() != f.Bytes {
				t.Errorf("%s: the manifest lists %s (%d bytes); on disk: %v", name, f.Path, f.Bytes, err)
			}
		}
	}
	return m, parquet
}

// SIGKILL in the middle of an ingest leaves only whole Parquet files and a
// manifest consistent with them (the one before the run, or none); the
// next run completes the dataset, as one uninterrupted run would have.
func TestIngestKilled(t *testing.T) {
	dir := t.TempDir()
	first, more := filepath.Join(dir, "in", "week1"), filepath.Join(dir, "in", "week2")
	writeLogs(t, first, 2, 1<<20)
	writeLogs(t, more, 24, 6<<20)
	out := filepath.Join(dir, "ds")
	if code, _, errs := runCLI("ingest", first, "-o", out, "--quiet"); code != exitOK {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	before, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, partsBefore := checkDataset(t, out)

	cmd := exec.Command(os.Args[0], "ingest", filepath.Join(dir, "in"), "-o", out, "--quiet", "-j", "2")
	cmd.Env = append(os.Environ(), "FLINKDX_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has committed a part file of its own.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, n := countParquet(out); n > partsBefore {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	state, _ := cmd.Process.Wait()
	if ws, ok := state.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("the run ended before it was killed (%v): make the input larger", state)
	}
	temps, parts := countParquet(out)
	if temps == 0 && parts <= partsBefore {
		t.Logf("killed with %d temporary and %d part files", temps, parts)
	}
	m, _ := checkDataset(t, out)
	after, _ := os.ReadFile(filepath.Join(out, "manifest.json"))
	if !bytes.Equal(before, after) || m == nil {
		t.Errorf("the killed run changed manifest.json")
	}

	// The next run completes it: the same rows as one run over everything.
	code, _, errs := runCLI("ingest", filepath.Join(dir, "in"), "-o", out, "--quiet")
	if code != exitOK {
		t.Fatalf("re-run: exit %d: %s", code, errs)
	}
	m, _ = checkDataset(t, out)
	if temps, _ := countParquet(out); temps != 0 {
		t.Errorf("%d temporary files left after the re-run", temps)
	}
	one := filepath.Join(dir, "one")
	if code, _, errs := runCLI("ingest", filepath.Join(dir, "in"), "-o", one, "--quiet"); code != exitOK {
		t.Fatalf("one run: exit %d: %s", code, errs)
	}
	want, _ := checkDataset(t, one)
	if m.Totals.Inputs != want.Totals.Inputs || m.Tables["logs"].Rows != want.Tables["logs"].Rows || m.Tables["raw"].Rows != want.Tables["raw"].Rows {
		t.Errorf("after the kill and a re-run: %+v logs %d; one run: %+v logs %d", m.Totals, m.Tables["logs"].Rows, want.Totals, want.Tables["logs"].Rows)
	}
}

// countParquet counts temporary files and part files under dir.
func countParquet(dir string) (temps, parts int) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		switch base := d.Name(); {
		case strings.Contains(base, ".tmp-"):
			temps++
		case strings.HasSuffix(base, ".parquet"):
			parts++
		}
		return nil
	})
	return temps, parts
}
