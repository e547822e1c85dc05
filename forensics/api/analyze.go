// Package api is flinkdx's analysis API: one http.Handler over the engine,
// served natively by "flinkdx view", inside the browser's Web Worker and on
// Cloudflare Workers (both through github.com/syumai/workers). Each request
// carries every file of a case and gets the whole result back, because
// those hosts start a fresh instance per request. Routes and formats are in
// docs/api.md.
package api

import (
	"io"
	"sort"
	"sync/atomic"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/scan"
	"github.com/flinkdx/flinkdx/forensics/table"
	"github.com/flinkdx/flinkdx/forensics/timeline"
)

// Version is the API version, in every route and response.
const Version = "v1"

// Result is the answer to an analysis: what was read, what was found, the
// series of the timeline.
type Result struct {
	API      string             `json:"api"`
	Manifest *ingest.Manifest   `json:"manifest"`
	Findings []scan.Finding     `json:"findings"`
	Timeline *timeline.Timeline `json:"timeline"`
	// Context holds, for each log event a finding cites and each job
	// state change of the timeline ("source:line"), the events of its file
	// around it. It is null when the analysis kept
	// no dataset to read them from (a build without Parquet): the client
	// asks /api/v1/context for them.
	Context map[string][]Line `json:"context"`
	// Dataset holds the Parquet files and manifest.json (for export); it
	// is not part of the JSON.
	Dataset *table.MemOutput `json:"-"`
}

// Input is one named stream of a case.
type Input struct {
	Name string
	R    io.Reader
}

// Options configure an analysis.
type Options struct {
	Version  string
	Location *time.Location
	Scan     scan.Config
	// Format, if set, is the dataset's file format (parquetfile.Format):
	// the analysis keeps the dataset (in memory, for export) and reads the
	// evidence's context back from it. If nil, nothing is written: the
	// batches go by the detectors and the timeline only.
	Format table.Format
	// Allocator holds the batches' buffers (table.Pool if nil); tests use
	// a poisoning one, so that a string kept past its batch shows.
	Allocator memory.Allocator
}

// Analyze ingests what feed hands the ingester (streams with Reader, file
// trees with Files), runs the detectors and gathers the timeline, all from
// the batches as they are made. With opt.Format the dataset is kept in
// memory, findings included.
func Analyze(feed func(*ingest.Ingester) error, opt Options) (*Result, error) {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	var out *table.MemOutput
	var ds *table.Dataset
	if opt.Format != nil {
		out = table.NewMemOutput()
		ds = table.NewDataset(out, opt.Format, ingest.FileMeta(opt.Version), 0)
	}
	s, tl := scan.New(opt.Scan), timeline.New()
	res := &Result{API: Version, Dataset: out}
	iopt := ingest.Options{
		Version: opt.Version, Location: opt.Location, Allocator: opt.Allocator,
		// With no dataset, no input's hash is recorded.
		Input: input.Options{NoHash: ds == nil},
		Observe: func(t string, rec arrow.Record) {
			s.Observe(t, rec)
			tl.Observe(t, rec)
		},
		Finally: func(ds *table.Dataset) error {
			res.Findings = s.Findings()
			if ds == nil {
				return nil
			}
			rec := scan.Record(table.Pool, res.Findings)
			defer rec.Release()
			return ds.Table("findings", scan.Schema).Write(rec)
		},
	}
	ing := ingest.New(ds, iopt)
	feedErr := feed(ing)
	var mout table.Output // the manifest goes with the dataset
	if out != nil {
		mout = out
	}
	m, err := ing.Finish(mout)
	if err != nil {
		return nil, err
	}
	if feedErr != nil {
		return nil, feedErr
	}
	res.Manifest = m
	res.Timeline = tl.Finish()
	if res.Findings == nil {
		res.Findings = []scan.Finding{}
	}
	if opt.Format != nil {
		res.Context, err = evidenceContext(memFiles{m: m, files: out.Files}, opt.Format, contextKeys(res.Findings, res.Timeline))
		if err != nil {
			return nil, err
		}
	}
	return res, nil
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
		Version: opt.Version, Location: opt.Location, Allocator: opt.Allocator,
		Input: input.Options{NoHash: true},
		Observe: func(t string, rec arrow.Record) {
			if t == "logs" {
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

// Streams feeds the inputs next returns, one at a time, until io.EOF.
func Streams(next func() (Input, error)) func(*ingest.Ingester) error {
	return func(ing *ingest.Ingester) error {
		for {
			in, err := next()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			ing.Reader(in.Name, in.R)
		}
	}
}

// Dataset scans a dataset written by "flinkdx ingest" (files in format f)
// and gathers its timeline: what the viewer shows of a case analysed
// elsewhere.
func Dataset(files scan.Files, f table.Format, m *ingest.Manifest, cfg scan.Config) (*Result, error) {
	s, tl := scan.New(cfg), timeline.New()
	tables := map[string]bool{}
	for _, t := range append(s.Tables(), tl.Tables()...) {
		tables[t] = true
	}
	var names []string
	for t := range tables {
		names = append(names, t)
	}
	sort.Strings(names)
	_, err := scan.ReadTables(files, f, names, func(t string, rec arrow.Record) {
		s.Observe(t, rec)
		tl.Observe(t, rec)
	})
	if err != nil {
		return nil, err
	}
	res := &Result{API: Version, Manifest: m, Findings: s.Findings(), Timeline: tl.Finish()}
	if res.Findings == nil {
		res.Findings = []scan.Finding{}
	}
	if res.Context, err = evidenceContext(files, f, contextKeys(res.Findings, res.Timeline)); err != nil {
		return nil, err
	}
	return res, nil
}
