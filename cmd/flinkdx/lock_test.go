package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A second writer of a dataset fails at once and says who writes it; a
// lock whose writer died is taken over and what the writer left removed.
func TestDatasetLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	os.MkdirAll(dir, 0o755)
	lock := filepath.Join(dir, ".flinkdx.lock")
	os.WriteFile(lock, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
	code, _, errs := runCLI("ingest", "../../testdata/demo/incident.tar.gz", "-o", dir, "--quiet")
	if code != exitFailed || !strings.Contains(errs, "being written by another flinkdx (process "+strconv.Itoa(os.Getpid())+")") {
		t.Fatalf("a live writer's lock: exit %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err == nil {
		t.Fatal("the second writer wrote")
	}
	// Its writer killed: a lock of a process that is gone, a temporary
	// manifest half-written.
	os.WriteFile(lock, []byte("999999999\n"), 0o644)
	temp := filepath.Join(dir, ".manifest.json.tmp-4242")
	os.WriteFile(temp, []byte("{"), 0o644)
	if code, _, errs := runCLI("ingest", "../../testdata/demo/incident.tar.gz", "-o", dir, "--quiet"); code != exitOK {
		t.Fatalf("a dead writer's lock: exit %d %s", code, errs)
	}
	for _, p := range []string{lock, temp} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is left", filepath.Base(p))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
		t.Error(err)
	}
}
