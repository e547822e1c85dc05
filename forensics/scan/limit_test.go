package scan

import (
	"bytes"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/schema"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

// memFiles reads a dataset written to memory, listing its manifest's files.
type memFiles struct {
	out *dataset.MemOutput
	m   *ingest.Manifest
}

func (f memFiles) Open(name string) (dataset.ReaderAtSeeker, error) {
	return bytes.NewReader(f.out.Files[name]), nil
}

func (f memFiles) List(t string) ([]string, error) {
	var names []string
	for _, x := range f.m.Tables[t].Files {
		names = append(names, x.Path)
	}
	return names, nil
}

func demoDataset(t *testing.T) memFiles {
	t.Helper()
	out := dataset.NewMemOutput()
	in := ingest.New(dataset.New(out, parquetfile.Format{}, nil, 1), ingest.Options{Version: "test"})
	in.Reader("incident.tar.gz", bytes.NewReader(read(t, "../../testdata/demo/incident.tar.gz")))
	m, err := in.Finish(out)
	if err != nil {
		t.Fatal(err)
	}
	return memFiles{out, m}
}

// A limited scan opens only the partition folders that may hold rows within
// the limit, and the detectors see no row outside it.
func TestLimit(t *testing.T) {
	files := demoDataset(t)
	from := time.Date(2025, 3, 14, 9, 10, 0, 0, time.UTC)
	to := from.Add(5 * time.Minute)
	for _, l := range []dataset.Limit{
		{From: from, To: to},
		{Host: "10.0.3.21"},
		{Job: "5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3"},
		{Job: "some-other-job"},
		{From: time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC)},
	} {
		var all, kept int64
		var opened []string
		lf := l.Files(files)
		logs, err := lf.List("logs")
		if err != nil {
			t.Fatal(err)
		}
		opened = append(opened, logs...)
		observe := l.Observe(memory.DefaultAllocator, func(tb string, rec arrow.Record) {
			kept += rec.NumRows()
			checkWithin(t, l, tb, rec)
		})
		_, err = dataset.ReadTables(files, parquetfile.Format{}, []string{"logs", "metrics", "gc"}, Projection, func(string, arrow.Record) {})
		if err != nil {
			t.Fatal(err)
		}
		_, err = dataset.ReadTables(lf, parquetfile.Format{}, []string{"logs", "metrics", "gc"}, Projection, func(tb string, rec arrow.Record) {
			all += rec.NumRows()
			observe(tb, rec)
		})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case l.Host != "":
			for _, p := range opened {
				if strings.Contains(p, "host=10.0.3.22") {
					t.Errorf("%+v: opened %s", l, p)
				}
			}
		case l.From.Day() == 15:
			if len(opened) != 0 || kept != 0 {
				t.Errorf("%+v: opened %v, %d rows kept", l, opened, kept)
			}
		case l.Job != "" && l.Job != "some-other-job":
			// The demo's only job: every row is its own or of no job.
			if kept != all {
				t.Errorf("%+v: %d of %d rows kept", l, kept, all)
			}
		case l.Job == "some-other-job":
			if kept == 0 || kept == all {
				t.Errorf("%+v: %d of %d rows kept; want the rows of no job only", l, kept, all)
			}
		default:
			if kept == 0 || kept >= all {
				t.Errorf("%+v: %d of %d rows kept", l, kept, all)
			}
		}
	}
}

func checkWithin(t *testing.T, l dataset.Limit, tb string, rec arrow.Record) {
	t.Helper()
	ts, host, job := schema.Int64(rec, "ts"), schema.Str(rec, "host"), schema.Str(rec, "job_id")
	for i := 0; i < int(rec.NumRows()); i++ {
		if ms, ok := ts.Get(i); ok {
			v := time.UnixMilli(ms)
			if !l.From.IsZero() && v.Before(l.From) || !l.To.IsZero() && !v.Before(l.To) {
				t.Fatalf("%+v: %s row at %v", l, tb, v)
			}
		}
		if h := host.Get(i); l.Host != "" && h != "" && h != l.Host {
			t.Fatalf("%+v: %s row of host %s", l, tb, h)
		}
		if j := job.Get(i); l.Job != "" && j != "" && j != l.Job {
			t.Fatalf("%+v: %s row of job %s", l, tb, j)
		}
	}
}

// The findings of a limited scan are those of the rows within it: before
// the GC trouble began there is no pause spike and no OutOfMemoryError.
// (Tables without a time, the REST snapshots, are not limited by time.)
func TestLimitFindings(t *testing.T) {
	files := demoDataset(t)
	scanWith := func(l dataset.Limit) []string {
		s := New(DefaultConfig())
		if _, err := dataset.ReadTables(l.Files(files), parquetfile.Format{}, s.Tables(), Projection, l.Observe(memory.DefaultAllocator, s.Observe)); err != nil {
			t.Fatal(err)
		}
		var rules []string
		for _, f := range s.Findings() {
			rules = append(rules, f.Rule)
		}
		sort.Strings(rules)
		return rules
	}
	all := scanWith(dataset.Limit{})
	before := scanWith(dataset.Limit{To: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)})
	if !contains(all, "gc.pause-spike") || !contains(all, "jvm.oom") || contains(before, "gc.pause-spike") || contains(before, "jvm.oom") {
		t.Errorf("all: %v\nbefore 09:00: %v", all, before)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
