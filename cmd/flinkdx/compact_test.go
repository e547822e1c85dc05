package main

import (
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/dataset"
)

// compact rewrites the folders that hold several part files (here: three
// shards merged, then an added run) as one file each; the manifest lists
// exactly the files there are, every table keeps its rows, and the scan
// finds the same. Compacting again changes nothing.
func TestCompact(t *testing.T) {
	inputs := []string{"../../testdata/flinklog/excerpts", "../../testdata/metrics", "../../testdata/container", "../../testdata/demo"}
	dir := t.TempDir()
	for i := range 3 {
		args := append([]string{"ingest", "-o", dir, "--quiet", "--shard", string(rune('0'+i)) + "/3"}, inputs...)
		if code, _, errs := runCLI(args...); code != exitOK {
			t.Fatalf("shard %d: exit %d: %s", i, code, errs)
		}
	}
	if code, _, errs := runCLI("compact", dir); code == exitOK || !strings.Contains(errs, "merge first") {
		t.Errorf("compact before merge: exit %d: %s", code, errs)
	}
	if code, out, errs := runCLI("merge", dir); code != exitOK {
		t.Fatalf("merge: exit %d: %s%s", code, out, errs)
	}
	if code, _, errs := runCLI("ingest", "-o", dir, "--quiet", "../../testdata/gc"); code != exitOK {
		t.Fatalf("adding: exit %d: %s", code, errs)
	}
	scanJSON := func() string {
		code, out, errs := runCLI("scan", dir, "--format", "json")
		if code != exitOK {
			t.Fatalf("scan: exit %d: %s", code, errs)
		}
		return out
	}
	// files lists the Parquet files on disk, per folder.
	files := func() map[string][]string {
		byDir := map[string][]string{}
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
				rel, _ := filepath.Rel(dir, p)
				rel = filepath.ToSlash(rel)
				byDir[path.Dir(rel)] = append(byDir[path.Dir(rel)], rel)
			}
			return nil
		})
		return byDir
	}
	before, beforeFiles := scanJSON(), files()
	m0, _ := readManifestFile(dirStore{dataset.DirOutput{Root: dir}}, "manifest.json")
	several := 0
	for _, fs := range beforeFiles {
		if len(fs) > 1 {
			several++
		}
	}
	if several == 0 {
		t.Fatal("no folder holds several files: the test shows nothing")
	}

	code, out, errs := runCLI("compact", dir)
	if code != exitOK || !strings.Contains(out, "folders of") {
		t.Fatalf("compact: exit %d: %s%s", code, out, errs)
	}
	after := files()
	m1, _ := readManifestFile(dirStore{dataset.DirOutput{Root: dir}}, "manifest.json")
	listed := m1.Files()
	n := 0
	for folder, fs := range after {
		n += len(fs)
		if len(fs) > 1 && !strings.HasPrefix(folder, "findings") {
			t.Errorf("%s still holds %d files: %v", folder, len(fs), fs)
		}
		for _, f := range fs {
			if !listed[f] {
				t.Errorf("%s is on disk but not in the manifest", f)
			}
		}
	}
	if n != len(listed) {
		t.Errorf("%d files on disk; the manifest lists %d", n, len(listed))
	}
	for name, info := range m0.Tables {
		var rows int64
		for _, f := range m1.Tables[name].Files {
			rows += f.Rows
		}
		if rows != info.Rows || m1.Tables[name].Rows != info.Rows {
			t.Errorf("table %s: %d rows in its files after compaction; %d before", name, rows, info.Rows)
		}
	}
	if len(m1.Inputs) != len(m0.Inputs) {
		t.Errorf("%d inputs after compaction; %d before", len(m1.Inputs), len(m0.Inputs))
	}
	if got := scanJSON(); got != before {
		t.Errorf("findings changed:\n%.2000s\n---\n%.2000s", got, before)
	}
	code, out, _ = runCLI("compact", dir)
	if code != exitOK || !strings.Contains(out, ": 0 folders") {
		t.Errorf("compacting again: exit %d: %s", code, out)
	}
}
