package ingest

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

// fleet is a small case from the repository's real samples: Flink log
// excerpts, metric scrapes and container evidence, under host folders.
func fleet(t *testing.T) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, dir := range []string{"../../testdata/flinklog/excerpts", "../../testdata/metrics", "../../testdata/flinklog/opsagent"} {
		err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(p, ".golden.json") || strings.HasPrefix(d.Name(), "PROVENANCE") {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			host := "host-" + string(rune('a'+len(fsys)%3))
			fsys[path.Join("case", host, path.Base(p))] = &fstest.MapFile{Data: data}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(fsys) < 10 {
		t.Fatalf("only %d sample files", len(fsys))
	}
	return fsys
}

// Files read at once by several lanes make the same dataset, byte for
// byte, and the same manifest as files read one by one.
func TestIngestParallelSameDataset(t *testing.T) {
	fsys := fleet(t)
	m1, out1 := runIngest(t, fsys, []string{"case"}, Options{Version: "test", Jobs: 1, UnitBytes: 1, BatchRows: 50})
	m4, out4 := runIngest(t, fsys, []string{"case"}, Options{Version: "test", Jobs: 4, UnitBytes: 1, BatchRows: 50})
	if len(out1.Files) != len(out4.Files) {
		t.Fatalf("%d files with one lane, %d with four", len(out1.Files), len(out4.Files))
	}
	for name, b := range out1.Files {
		if !bytes.Equal(b, out4.Files[name]) {
			t.Errorf("%s differs between one lane and four", name)
		}
	}
	if m1.Totals != m4.Totals || len(m1.Streams) != len(m4.Streams) {
		t.Fatalf("totals %+v vs %+v", m1.Totals, m4.Totals)
	}
	for i := range m1.Streams {
		if m1.Streams[i] != m4.Streams[i] {
			t.Errorf("stream %d: %+v vs %+v", i, m1.Streams[i], m4.Streams[i])
		}
	}
	if m1.Totals.Lines == 0 || m1.Tables["logs"].Rows == 0 || m1.Tables["metrics"].Rows == 0 {
		t.Errorf("nothing read: %+v", m1.Totals)
	}
}

// A second run over a dataset reads only what is new; the dataset then
// holds what one run over everything would.
func TestIngestIncremental(t *testing.T) {
	fsys := fleet(t)
	all, _ := runIngest(t, fsys, []string{"case"}, Options{Version: "test", UnitBytes: 1})

	first := fstest.MapFS{}
	for name, f := range fsys {
		if !strings.Contains(name, "host-c") {
			first[name] = f
		}
	}
	out := dataset.NewMemOutput()
	run := func(fsys fstest.MapFS, prev *Manifest) *Manifest {
		ds := dataset.New(out, parquetfile.Format{}, nil, 2)
		opt := Options{Version: "test", UnitBytes: 1, Previous: prev}
		if prev != nil {
			opt.Known = prev.Inputs
		}
		in := New(ds, opt)
		in.Files(&input.Walker{FS: fsys}, []string{"case"})
		m, err := in.Finish(out)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m1 := run(first, nil)
	m2 := run(fsys, m1)
	if m2.Totals.Unchanged != len(first) {
		t.Errorf("%d files unchanged; want %d", m2.Totals.Unchanged, len(first))
	}
	if m2.Totals.Inputs != all.Totals.Inputs || m2.Totals.Lines != all.Totals.Lines || m2.Totals.Events != all.Totals.Events {
		t.Errorf("after adding: %+v; one run over all: %+v", m2.Totals, all.Totals)
	}
	for name, info := range all.Tables {
		if m2.Tables[name].Rows != info.Rows {
			t.Errorf("%s: %d rows after adding; %d in one run", name, m2.Tables[name].Rows, info.Rows)
		}
		for _, f := range m2.Tables[name].Files {
			if _, ok := out.Files[f.Path]; !ok {
				t.Errorf("%s is in the manifest, not in the dataset", f.Path)
			}
		}
	}
	// A third run finds nothing new and changes nothing.
	m3 := run(fsys, m2)
	if m3.Totals.Unchanged != len(fsys) || m3.Totals.Lines != m2.Totals.Lines {
		t.Errorf("third run: %+v", m3.Totals)
	}
}

// Shards split the inputs without overlap; merged, they are the dataset
// of one run over everything.
func TestIngestShardsMerge(t *testing.T) {
	fsys := fleet(t)
	all, _ := runIngest(t, fsys, []string{"case"}, Options{Version: "test", UnitBytes: 1})
	var ms []*Manifest
	seen := map[string]int{}
	for i := range 3 {
		m, _ := runIngest(t, fsys, []string{"case"}, Options{Version: "test", UnitBytes: 1, Shard: Shard{I: i, N: 3}})
		if m.Shard == nil || *m.Shard != (Shard{i, 3}) {
			t.Errorf("shard %d's manifest says %v", i, m.Shard)
		}
		for _, in := range m.Inputs {
			seen[in.Path]++
		}
		ms = append(ms, m)
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("%s read by %d shards", name, n)
		}
	}
	if len(seen) != all.Totals.Inputs {
		t.Errorf("shards read %d inputs; there are %d", len(seen), all.Totals.Inputs)
	}
	merged, err := Merge(ms...)
	if err != nil {
		t.Fatal(err)
	}
	if merged.Totals.Lines != all.Totals.Lines || merged.Totals.Events != all.Totals.Events {
		t.Errorf("merged %+v; one run %+v", merged.Totals, all.Totals)
	}
	for name, info := range all.Tables {
		if merged.Tables[name].Rows != info.Rows {
			t.Errorf("%s: %d rows merged; %d in one run", name, merged.Tables[name].Rows, info.Rows)
		}
	}
	if _, err := Merge(ms[0], &Manifest{SchemaVersion: SchemaVersion, Timezone: "Europe/Berlin"}); err == nil {
		t.Error("manifests of two time zones merged")
	}
}

// Host names come from file names and log lines, so from the input: a
// partition folder made of one can never lead outside the table's folder.
func TestPartitionFoldersStayInside(t *testing.T) {
	line := "2024-03-01 10:00:00,000 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor [] - " +
		"Task Source: x (1/1) switched from RUNNING to FAILED on ../../../escaped @ ../../escaped (dataPort=1).\n"
	fsys := fstest.MapFS{"flink-x-taskexecutor-0-../../evil.log": {Data: []byte(line)},
		"logs/flink-root-taskexecutor-0-..%2F..%2Fevil.log": {Data: []byte(line)}}
	dir := t.TempDir()
	root := filepath.Join(dir, "ds")
	ds := dataset.New(dataset.DirOutput{Root: root}, parquetfile.Format{}, nil, 1)
	in := New(ds, Options{Version: "test"})
	in.Files(&input.Walker{FS: fsys}, []string{"logs"})
	m, err := in.Finish(dataset.DirOutput{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			found = append(found, p)
		}
		return nil
	})
	sort.Strings(found)
	for _, p := range found {
		if !strings.HasPrefix(p, root+string(filepath.Separator)) {
			t.Errorf("%s is outside the dataset", p)
		}
	}
	if m.Tables["logs"].Rows != 1 {
		t.Errorf("logs: %+v", m.Tables["logs"])
	}
	for _, f := range m.Tables["logs"].Files {
		if kv := dataset.PartitionValues(f.Path); strings.Contains(f.Path, "/../") || kv["host"] == "" {
			t.Errorf("logs file %s (partition %v)", f.Path, kv)
		}
	}
}
