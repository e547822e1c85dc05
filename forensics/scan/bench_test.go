package scan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

type dirFS struct {
	root string
	m    ingest.Manifest
}

func (d dirFS) Open(name string) (dataset.ReaderAtSeeker, error) {
	return os.Open(filepath.Join(d.root, name))
}
func (d dirFS) List(t string) ([]string, error) {
	var out []string
	for _, f := range d.m.Tables[t].Files {
		out = append(out, f.Path)
	}
	return out, nil
}

// BenchmarkScanDataset reads back the dataset "make bench" ingests from
// the 512 MiB TaskManager log (out/bench) and runs every detector.
func BenchmarkScanDataset(b *testing.B) {
	const dir = "../../out/bench"
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		b.Skip("no out/bench (make bench)")
	}
	var m ingest.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		b.Fatal(err)
	}
	var rows int64
	for b.Loop() {
		s := New(DefaultConfig())
		n, err := s.ReadDataset(dirFS{dir, m}, parquetfile.Format{})
		if err != nil {
			b.Fatal(err)
		}
		s.Findings()
		rows = n
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// recorder keeps the batches a dataset read gives, to time the detectors
// alone.
type recorder struct {
	tables []string
	recs   []arrow.Record
}

// BenchmarkDetectors times the detectors alone over the batches of the
// benchmark dataset (read back once, kept in memory): what "analyze" adds
// to an ingest.
func BenchmarkDetectors(b *testing.B) {
	const dir = "../../out/bench"
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		b.Skip("no out/bench (make bench)")
	}
	var m ingest.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		b.Fatal(err)
	}
	var rec recorder
	s := New(DefaultConfig())
	s.keep = func(t string, r arrow.Record) {
		r.Retain()
		rec.tables, rec.recs = append(rec.tables, t), append(rec.recs, r)
	}
	rows, err := s.ReadDataset(dirFS{dir, m}, parquetfile.Format{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		for _, r := range rec.recs {
			r.Release()
		}
	}()
	b.ResetTimer()
	for b.Loop() {
		s := New(DefaultConfig())
		for k, r := range rec.recs {
			s.Observe(rec.tables[k], r)
		}
		s.Findings()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
