package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/flinkdx/flinkdx/forensics/scan"
)

type dirFiles struct {
	root string
	m    *ingest.Manifest
}

func (d dirFiles) Open(name string) (dataset.ReaderAtSeeker, error) {
	return os.Open(filepath.Join(d.root, filepath.FromSlash(name)))
}

func (d dirFiles) List(t string) ([]string, error) {
	var out []string
	for _, f := range d.m.Tables[t].Files {
		out = append(out, f.Path)
	}
	return out, nil
}

// A small fleet archive (14 days, 20 TaskManagers, 16 MiB of text) goes
// through ingest, in parallel, into a partitioned dataset; the scan of the
// dataset finds every planted incident, at its time, in its file, and
// nothing the healthy background does not hold.
func TestFleetIncidentsFound(t *testing.T) {
	dir := t.TempDir()
	arch := filepath.Join(dir, "fleet")
	incidents, err := generateFleet(arch, Fleet{Days: 14, TaskManagers: 20, Bytes: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	out := dataset.DirOutput{Root: filepath.Join(dir, "ds")}
	in := ingest.New(dataset.New(out, parquetfile.Format{}, nil, 2), ingest.Options{Version: "test", Jobs: 2})
	in.Files(&input.Walker{FS: os.DirFS(dir)}, []string{"fleet"})
	m, err := in.Finish(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Totals.Inputs != 14*(2*20+2) || m.Totals.Errors != 0 || m.Totals.Unparsed != 0 || m.Totals.Text > 32<<20 {
		t.Errorf("totals %+v", m.Totals)
	}
	// Each TaskManager's days are in their own folders.
	for _, f := range m.Tables["logs"].Files {
		kv := dataset.PartitionValues(f.Path)
		if kv["date"] < "2025-03-01" || kv["date"] > "2025-03-14" {
			t.Errorf("logs file %s outside the archive's days", f.Path)
		}
	}
	s := scan.New(scan.DefaultConfig())
	if _, err := s.ReadDataset(dirFiles{out.Root, m}, parquetfile.Format{}); err != nil {
		t.Fatal(err)
	}
	findings := s.Findings()
	data, err := json.Marshal(findings)
	if err != nil {
		t.Fatal(err)
	}
	var asJSON []struct {
		Rule     string `json:"rule"`
		Evidence []struct {
			Source string `json:"source"`
			Time   int64  `json:"ts_ms"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal(data, &asJSON); err != nil {
		t.Fatal(err)
	}
	lines, all := foundIncidents(incidents, asJSON)
	if !all {
		t.Errorf("not every planted incident was found:\n%s", strings.Join(lines, "\n"))
	}
	// The background is healthy: what is found is the incidents and what
	// follows from them.
	expected := map[string]bool{}
	for _, inc := range incidents {
		expected[inc.Rule] = true
	}
	for _, follows := range []string{"jvm.oom", "gc.overhead", "safepoint.long", "job.restart"} {
		expected[follows] = true
	}
	for _, f := range findings {
		if !expected[f.Rule] {
			t.Errorf("unplanted finding %s: %s", f.Rule, f.Summary)
		}
	}
}
