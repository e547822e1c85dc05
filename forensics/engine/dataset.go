package engine

import (
	"bytes"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/scan"
	"github.com/flinkdx/flinkdx/forensics/table"
	"github.com/flinkdx/flinkdx/forensics/timeline"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// Written is a dataset's files as a Files: its manifest, and the files in
// memory.
type Written struct {
	M   *Manifest
	Out *dataset.MemOutput
}

func (w Written) Open(name string) (dataset.ReaderAtSeeker, error) {
	data, ok := w.Out.Files[name]
	if !ok {
		return nil, fmt.Errorf("%s is in manifest.json but is not in the dataset", name)
	}
	return bytes.NewReader(data), nil
}

func (w Written) List(t string) ([]string, error) {
	var out []string
	for _, f := range w.M.Tables[t].Files {
		out = append(out, f.Path)
	}
	return out, nil
}

// ScanOptions configure a scan of a dataset written before.
type ScanOptions struct {
	Scan Config
	// Limit, if set, reads only the partitions and rows it admits.
	Limit Limit
	// Timeline gathers the timeline too (the viewer).
	Timeline bool
	// Context reads the log lines around the evidence (the viewer).
	Context bool
}

// Scan runs the detectors over a dataset written by "flinkdx ingest"
// (files in format f): what "flinkdx scan" prints and the viewer shows of
// a case analysed elsewhere. Result.ThisRun.Lines counts the rows read.
func Scan(files Files, f dataset.Format, m *Manifest, opt ScanOptions) (*Result, error) {
	s := scan.New(opt.Scan)
	var tl *timeline.Collector
	names := s.Tables()
	observe := s.Observe
	if opt.Timeline {
		tl = timeline.New()
		names = union(names, tl.Tables())
		observe = func(t string, rec arrow.Record) {
			s.Observe(t, rec)
			tl.Observe(t, rec)
		}
	}
	if opt.Limit.Set() {
		files = opt.Limit.Files(files)
		observe = opt.Limit.Observe(table.Pool, observe)
	}
	rows, err := dataset.ReadTables(files, f, names, scan.Projection, observe)
	if err != nil {
		return nil, err
	}
	res := &Result{Manifest: m, Findings: s.Findings()}
	res.ThisRun.Lines = rows
	if res.Findings == nil {
		res.Findings = []Finding{}
	}
	res.Incidents = scan.Incidents(res.Findings)
	if tl != nil {
		res.Timeline = tl.Finish()
	}
	if opt.Context {
		if res.Context, err = evidenceContext(files, f, contextKeys(res.Findings, res.Timeline)); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func union(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Context reads the log events around the given ones ("source:line" keys,
// as Result.Context has them) from the inputs next returns: the second
// look a client takes when its analysis kept no dataset. It stops reading
// once it has every line it was asked for.
func Context(next func() (Input, error), keys []string, opt Options) (map[string][]Line, error) {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	c := newContextCollector(keys)
	ing := ingest.New(nil, ingest.Options{
		Version: opt.Version, Location: opt.Location, Layout: opt.Layout, Allocator: opt.Allocator,
		Input: input.Options{NoHash: true},
		Observe: func(t string, rec arrow.Record) {
			if t == schema.Logs {
				c.observe(rec)
			}
		},
	})
	feedErr := Streams(func() (Input, error) {
		if c.done.Load() {
			return Input{}, io.EOF
		}
		in, err := next()
		in.R = &stopReader{in.R, &c.done}
		return in, err
	})(ing)
	if _, err := ing.Finish(nil); err != nil {
		return nil, err
	}
	if feedErr != nil {
		return nil, feedErr
	}
	return c.lines(), nil
}

// stopReader ends its stream once done is set.
type stopReader struct {
	r    io.Reader
	done *atomic.Bool
}

func (s *stopReader) Read(p []byte) (int, error) {
	if s.done.Load() {
		return 0, io.EOF
	}
	return s.r.Read(p)
}

// AddFindings writes a dataset's findings table (in format f, into out)
// and records it in its manifest, m, which it writes again.
func AddFindings(out dataset.Output, f dataset.Format, version string, m *Manifest, fs []Finding) error {
	ds := dataset.New(out, f, map[string]string{"flinkdx.version": version}, 1)
	err := WriteFindings(ds, fs)
	tables, cerr := ds.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if m.Tables == nil {
		m.Tables = map[string]dataset.TableInfo{}
	}
	m.Tables[schema.Findings] = tables[schema.Findings]
	return ingest.WriteManifest(out, m)
}
