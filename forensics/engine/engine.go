// Package engine runs a case: inputs are ingested into tables, the
// detectors and the timeline read the batches as they are made, the
// findings join the dataset, and the log lines around the evidence are
// read back. It is the one place the pipeline is wired: "flinkdx ingest",
// "analyze", "scan" and "view", the browser's WebAssembly module and the
// Cloudflare Worker all call it (docs/architecture.md).
package engine

import (
	"io"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/scan"
	"github.com/flinkdx/flinkdx/forensics/table"
	"github.com/flinkdx/flinkdx/forensics/timeline"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// The types a host of the engine handles, under one roof.
type (
	Finding   = scan.Finding
	Incident  = scan.Incident
	Evidence  = scan.Evidence
	Severity  = scan.Severity
	Config    = scan.Config
	Threshold = scan.Threshold
	Limit     = dataset.Limit
	Files     = dataset.Files
	Manifest  = ingest.Manifest
	Totals    = ingest.Totals
	Notable   = ingest.Notable
	Shard     = ingest.Shard
	Timeline  = timeline.Timeline
	Layout    = flinklog.Layout
)

// CompileLayout reads a log4j or logback PatternLayout ("%d %-5p %c - %m%n").
func CompileLayout(pattern string) (*Layout, error) { return flinklog.CompileLayout(pattern) }

// SchemaVersion is the version of the dataset's layout and schemas.
const SchemaVersion = ingest.SchemaVersion

// DefaultConfig is every threshold at its default.
func DefaultConfig() Config { return scan.DefaultConfig() }

// Thresholds lists every detector's settings: the flags, config keys, API
// options and settings panel are made from it.
func Thresholds() []Threshold { return scan.Thresholds() }

// Options configure a case, whatever runs it.
type Options struct {
	// Version is flinkdx's version, recorded in the manifest.
	Version string
	// Location is the zone of log timestamps that carry none (UTC if nil):
	// --tz, the API's ?tz=.
	Location *time.Location
	// Layout, if set, is the PatternLayout the Flink logs were written
	// with (--layout, CompileLayout).
	Layout *Layout
	// Date, if not zero, is the day of logs with only a time of day whose
	// file name gives none (--date).
	Date time.Time
	// Detect runs the detectors and gathers the timeline; without it the
	// case is only ingested.
	Detect bool
	// Scan holds the detectors' thresholds (the defaults if zero).
	Scan Config
	// Format is the dataset's file format (parquetfile.Format); nil
	// writes no dataset.
	Format dataset.Format
	// Output is where the dataset goes (a directory); nil with a Format
	// keeps it in memory (Result.Dataset, for export).
	Output dataset.Output
	// Context reads back, from the dataset, the log lines around each
	// piece of evidence (Result.Context).
	Context bool
	// Beside runs the detectors on their own goroutine, up to this many
	// batches behind the ingest (the CLI); 0 runs them on the ingest's
	// (the browser, where memory is short).
	Beside int
	// Previous is the manifest of the dataset being added to.
	Previous *Manifest
	Jobs     int
	Shard    Shard
	NoRedact bool
	Input    input.Options
	// Allocator holds the batches' buffers (table.Pool if nil).
	Allocator memory.Allocator
	// Finishing, if set, runs once every input was read and before the
	// dataset is closed (a heap profile).
	Finishing func()
	// Written, if set, runs once the dataset and its manifest are written
	// (the CLI removes the files no manifest names).
	Written func(ds *dataset.Dataset, m *Manifest) error
}

// Result is what a case showed.
type Result struct {
	Manifest *Manifest `json:"manifest"`
	// Incidents are the findings the causal timeline links, each with its
	// verdict, by impact.
	Incidents []Incident `json:"incidents"`
	Findings  []Finding  `json:"findings"`
	Timeline  *Timeline  `json:"timeline"`
	// Context holds, for each log event a finding cites and each job
	// state change of the timeline ("source:line"), the events of its file
	// around it; null when no dataset was kept to read them from.
	Context map[string][]Line `json:"context"`
	// ThisRun sums up what this run read (the manifest, what the dataset
	// holds in all).
	ThisRun Totals `json:"-"`
	// Notable are the first notable events (job state changes, failures,
	// long pauses), in input order.
	Notable []Notable `json:"-"`
	// Dataset holds the files of a dataset kept in memory.
	Dataset *dataset.MemOutput `json:"-"`
}

// Input is one named stream of a case.
type Input struct {
	Name string
	R    io.Reader
}

// Feed hands a case's inputs to the ingester.
type Feed func(*ingest.Ingester) error

// Paths feeds files, directory trees and archives, walked by w.
func Paths(w *input.Walker, paths []string) Feed {
	return func(ing *ingest.Ingester) error {
		ing.Files(w, paths)
		return nil
	}
}

// Streams feeds the inputs next returns, one at a time, until io.EOF.
func Streams(next func() (Input, error)) Feed {
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

// Run runs a case: ingest what feed gives, with the detectors and the
// timeline reading every batch as it is made (opt.Detect), the findings
// written into the dataset before it closes, then the context read back
// (opt.Context).
func Run(feed Feed, opt Options) (*Result, error) {
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	res := &Result{}
	var ds *dataset.Dataset
	out := opt.Output
	if opt.Format != nil {
		if out == nil {
			res.Dataset = dataset.NewMemOutput()
			out = res.Dataset
		}
		ds = dataset.New(out, opt.Format, ingest.FileMeta(opt.Version), 0)
	}
	iopt := ingest.Options{
		Version: opt.Version, Location: opt.Location, Layout: opt.Layout, Date: opt.Date, Jobs: opt.Jobs, Shard: opt.Shard,
		Previous: opt.Previous, NoRedact: opt.NoRedact, Allocator: opt.Allocator, Input: opt.Input,
	}
	// With no dataset, no input's hash is recorded.
	iopt.Input.NoHash = iopt.Input.NoHash || ds == nil
	if opt.Previous != nil {
		iopt.Known = opt.Previous.Inputs
	}
	var d *detection
	if opt.Detect {
		d = newDetection(opt.Scan, opt.Beside)
		iopt.Observe = d.observe
		iopt.Finally = func(ds *dataset.Dataset) error {
			res.Findings = d.finish()
			if ds == nil {
				return nil
			}
			return WriteFindings(ds, res.Findings)
		}
	}
	ing := ingest.New(ds, iopt)
	feedErr := feed(ing)
	if opt.Finishing != nil {
		opt.Finishing()
	}
	m, err := ing.Finish(out)
	if err != nil {
		return nil, err
	}
	if feedErr != nil {
		return nil, feedErr
	}
	res.Manifest, res.ThisRun, res.Notable = m, ing.ThisRun(), ing.Notable
	if opt.Written != nil && ds != nil {
		if err := opt.Written(ds, m); err != nil {
			return nil, err
		}
	}
	if d != nil {
		res.Timeline = d.tl.Finish()
		if res.Findings == nil {
			res.Findings = []Finding{}
		}
		res.Incidents = scan.Incidents(res.Findings)
	}
	if opt.Context && res.Dataset != nil {
		res.Context, err = evidenceContext(Written{m, res.Dataset}, opt.Format, contextKeys(res.Findings, res.Timeline))
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

// detection is the detectors and the timeline reading batches.
type detection struct {
	s       *scan.Scanner
	tl      *timeline.Collector
	batches chan batch
	done    chan struct{}
}

type batch struct {
	table string
	rec   arrow.Record
}

func newDetection(cfg Config, beside int) *detection {
	d := &detection{s: scan.New(cfg), tl: timeline.New()}
	if beside > 0 {
		d.batches, d.done = make(chan batch, beside), make(chan struct{})
		go func() {
			for b := range d.batches {
				d.read(b.table, b.rec)
				b.rec.Release()
			}
			close(d.done)
		}()
	}
	return d
}

func (d *detection) read(t string, rec arrow.Record) {
	d.s.Observe(t, rec)
	d.tl.Observe(t, rec)
}

func (d *detection) observe(t string, rec arrow.Record) {
	if d.batches == nil {
		d.read(t, rec)
		return
	}
	rec.Retain()
	d.batches <- batch{t, rec}
}

func (d *detection) finish() []Finding {
	if d.batches != nil {
		close(d.batches)
		<-d.done
	}
	return d.s.Findings()
}

// WriteFindings adds the findings table to a dataset.
func WriteFindings(ds *dataset.Dataset, fs []Finding) error {
	rec := scan.Record(table.Pool, fs)
	defer rec.Release()
	return ds.Table(schema.Findings, scan.Schema).Write(rec)
}
