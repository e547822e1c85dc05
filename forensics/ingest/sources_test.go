package ingest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// Every data file of the metrics and container corpus ingests with no
// unparsed record, into the table its content says.
func TestIngestMetricsAndPlatformCorpus(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, dir := range []string{"../../testdata/metrics", "../../testdata/container"} {
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() || fi.Name() == "PROVENANCE.txt" {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fsys[strings.TrimPrefix(p, "../../testdata/")] = &fstest.MapFile{Data: data}
			return nil
		})
	}
	m, out := runIngest(t, fsys, []string{"metrics", "container"}, Options{Version: "test"})
	kinds := map[string]int{}
	for _, s := range m.Streams {
		kinds[s.Kind]++
		if s.Unparsed != 0 || s.Error != "" {
			t.Errorf("%s (%s): %d unparsed, %s", s.Path, s.Kind, s.Unparsed, s.Error)
		}
	}
	want := map[string]int{"metrics": 1, "flink-json": 9, "pods": 22, "platform-log": 1}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d streams of kind %s; want %d (%v)", kinds[k], k, n, kinds)
		}
	}
	if len(m.Skipped) != 1 || !strings.HasSuffix(m.Skipped[0].Path, "flink_tests.yaml") {
		t.Errorf("skipped %+v", m.Skipped)
	}
	tables := map[string]int64{"jobs": 7, "vertices": 17, "checkpoints": 4, "metrics": 102, "containers": 50, "raw": 0}
	for name, rows := range tables {
		if m.Tables[name].Rows != rows {
			t.Errorf("table %s: %d rows; want %d", name, m.Tables[name].Rows, rows)
		}
	}
	// The values survive the round trip: the 939b749e… job, its counts
	// and its last checkpoint; a NaN metric is null.
	_, jobs := readParquet(t, out.Files[m.Tables["jobs"].Files[0].Path])
	found := false
	for _, j := range jobs {
		if j["job_id"] == "939b749e4c3d0dacb209c2b77a7b33c6" && j["source"] != nil && j["checkpoints_failed"] == int64(1) {
			found = j["state"] == "CANCELED" && j["ts_canceled"] == int64(1680228564971)
		}
	}
	if !found {
		t.Errorf("the 939b749e job row is not right: %v", jobs)
	}
	_, ms := readParquet(t, out.Files[m.Tables["metrics"].Files[0].Path])
	nulls := 0
	for _, r := range ms {
		if r["name"] == "busyTimeMsPerSecond" && r["value"] == nil {
			nulls++
		}
	}
	if nulls != 1 {
		t.Errorf("%d null busyTimeMsPerSecond; want the one Flink reported as NaN", nulls)
	}
}
