package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLanes checks the count the automatic memory limit is made from: a
// lane per file given, up to -j; a directory may hold any number of files.
func TestLanes(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log.gz")
	for _, p := range []string{a, b} {
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		paths []string
		jobs  int
		want  int
	}{
		{[]string{a}, 4, 1},
		{[]string{a, b}, 4, 2},
		{[]string{a, b}, 1, 1},
		{[]string{a, dir}, 4, 4},
		{[]string{filepath.Join(dir, "missing.log")}, 3, 3}, // the error is reported later; the limit stays generous
	} {
		if got := lanes(c.paths, c.jobs); got != c.want {
			t.Errorf("lanes(%v, %d) = %d; want %d", c.paths, c.jobs, got, c.want)
		}
	}
}
