package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/flinkdx/flinkdx/cmd/internal/proc"
)

// lockDataset makes this process the one writer of the dataset in dir (or
// of its shard): a second "flinkdx ingest" into the same place fails at
// once, saying which process writes it, instead of both failing later or
// losing rows. A lock whose process is gone (killed) is taken over, and
// the temporary manifests it left are removed. unlock removes the lock.
func lockDataset(dir string, shard string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	name := ".flinkdx.lock"
	if shard != "" {
		name = ".flinkdx-shard-" + shard + ".lock"
	}
	path := filepath.Join(dir, name)
	for attempt := 0; attempt < 3; attempt++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			if shard == "" {
				sweepTemporary(dir)
			}
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		data, _ := os.ReadFile(path)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		if pid > 0 && proc.Alive(pid) {
			return nil, fmt.Errorf("%s is being written by another flinkdx (process %d): wait for it to end, or write elsewhere (if no flinkdx runs, remove %s)", dir, pid, path)
		}
		os.Remove(path) // its writer is gone
	}
	return nil, fmt.Errorf("cannot lock %s: %s keeps coming back", dir, path)
}

// sweepTemporary removes the temporary manifests a killed writer left.
func sweepTemporary(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, ".manifest") && strings.Contains(n, ".json.tmp-") {
			os.Remove(filepath.Join(dir, n))
		}
	}
}
