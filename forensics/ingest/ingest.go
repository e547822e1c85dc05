// Package ingest runs the pipeline: inputs are walked and decompressed,
// each text stream is classified by content and parsed, and the rows go to
// the dataset's tables as Arrow batches.
package ingest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/flinkrest"
	"github.com/flinkdx/flinkdx/forensics/gclog"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/metrics"
	"github.com/flinkdx/flinkdx/forensics/platform"
	"github.com/flinkdx/flinkdx/forensics/redact"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// SchemaVersion is the version of the dataset layout and table schemas;
// it changes whenever a column changes meaning, type or name.
// (2: tables laid out in Hive-style partition folders, part files named
// after the unit of input that wrote them).
const SchemaVersion = 2

// FileMeta is the key-value metadata every file of a dataset carries: the
// flinkdx version that wrote it and the schema version.
func FileMeta(version string) map[string]string {
	return map[string]string{"flinkdx.version": version, "flinkdx.schema_version": fmt.Sprint(SchemaVersion)}
}

// Options configure a run.
type Options struct {
	// Version is the flinkdx version recorded in the manifest.
	Version string
	// Location is the zone of log timestamps that carry none.
	Location *time.Location
	// Jobs is the number of files read at once (GOMAXPROCS if 0).
	Jobs int
	// UnitBytes is about how much input a unit of single files gathers
	// (16 MiB if 0).
	UnitBytes int64
	// Shard, if N > 1, reads only the inputs of shard I of N.
	Shard Shard
	// Known are inputs the dataset holds already: files with the same
	// content are not read again.
	Known []input.Input
	// NoRedact keeps secrets (passwords, keys, tokens) as they are; by
	// default they are masked before anything is written or observed.
	NoRedact bool
	// Previous, if set, is the manifest of the dataset being added to:
	// the manifest written merges it with this run's.
	Previous *Manifest
	// BatchRows and BatchBytes bound a batch (a Parquet row group):
	// 65536 rows and 32 MiB by default.
	BatchRows, BatchBytes int
	// MaxLine is the longest line kept whole (input.DefaultMaxLine if 0).
	MaxLine int
	Input   input.Options
	// Allocator holds the Arrow buffers (table.Pool if nil).
	Allocator memory.Allocator
	// Observe, if set, sees every batch before it is written ("analyze"
	// runs the detectors this way, without reading the dataset back).
	Observe func(table string, rec arrow.Record)
	// Finally, if set, runs once every batch was written and before the
	// dataset closes: it may add tables (the findings of "analyze"). It
	// is given nil when there is no dataset.
	Finally func(ds *table.Dataset) error
}

// Stream is one text stream read, as the manifest records it.
type Stream struct {
	Path string `json:"path"`
	// Kind is flink-log, gc-log, metrics (Format: prometheus, openmetrics,
	// influx, csv), flink-json (REST payloads, HistoryServer archives),
	// pods, platform-log (kernel, YARN), or text when nothing in it was
	// understood. For flink-json, Lines counts JSON documents (archive
	// entries) and Noise those of kinds flinkdx does not keep.
	Kind       string `json:"kind"`
	Format     string `json:"format,omitempty"`
	JVM        string `json:"jvm,omitempty"`       // GC logs: the JVM (a rotated set of files is one)
	Collector  string `json:"collector,omitempty"` // GC logs
	Role       string `json:"role,omitempty"`
	Host       string `json:"host,omitempty"`
	Bytes      int64  `json:"bytes"` // decompressed
	Lines      int64  `json:"lines"`
	Events     int64  `json:"events"`
	Unparsed   int64  `json:"unparsed"`
	Noise      int64  `json:"noise,omitempty"` // lines understood that carry no event (GC log headers, heap dumps)
	OutOfOrder int64  `json:"out_of_order"`
	First      string `json:"first,omitempty"`
	Last       string `json:"last,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Skipped is a stream that was not read as text.
type Skipped struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	Reason string `json:"reason"`
}

// Failure is an error that stopped reading part of the input.
type Failure struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// Totals sum up the run.
type Totals struct {
	Inputs   int   `json:"inputs"`
	Bytes    int64 `json:"bytes"`      // read from inputs
	Text     int64 `json:"text_bytes"` // decompressed text parsed
	Streams  int   `json:"streams"`
	Lines    int64 `json:"lines"`
	Events   int64 `json:"events"`
	Unparsed int64 `json:"unparsed"`
	Skipped  int   `json:"skipped"`
	Errors   int   `json:"errors"`
	// Unchanged counts the files not read because the dataset held their
	// content already (the last run only).
	Unchanged int `json:"unchanged,omitempty"`
	// Redacted counts the secrets masked.
	Redacted int64 `json:"redacted"`
	// NotUTF8 counts the values whose bytes that are not UTF-8 were
	// replaced by U+FFFD (Parquet strings are UTF-8).
	NotUTF8 int64 `json:"not_utf8,omitempty"`
}

// Notable is an event worth showing in a first timeline: a job state
// change, a task that failed, an ERROR or FATAL line.
type Notable struct {
	Time      time.Time `json:"ts"`
	Source    string    `json:"source"`
	Line      int64     `json:"line"`
	Level     string    `json:"level"`
	Summary   string    `json:"summary"`
	RootCause string    `json:"root_cause,omitempty"`
}

// maxNotable bounds the notable events kept in memory.
const maxNotable = 2000

// Manifest describes a dataset: what went in and what came out.
type Manifest struct {
	Tool          string `json:"tool"`
	Version       string `json:"version"`
	SchemaVersion int    `json:"schema_version"`
	Timezone      string `json:"timezone"`
	// Redaction says whether secrets were masked ("masked") or kept
	// ("kept": --no-redact).
	Redaction string `json:"redaction"`
	// Shard is set in the manifest of one shard of a sharded ingest
	// (manifest.shard-I-of-N.json), until "flinkdx merge" merges it.
	Shard   *Shard                     `json:"shard,omitempty"`
	Inputs  []input.Input              `json:"inputs"`
	Streams []Stream                   `json:"streams"`
	Skipped []Skipped                  `json:"skipped"`
	Errors  []Failure                  `json:"errors"`
	Tables  map[string]table.TableInfo `json:"tables"`
	Totals  Totals                     `json:"totals"`
	// GC sums up the GC log of each JVM.
	GC []*gclog.Stats `json:"gc,omitempty"`
}

// Complete says every input was read to its end.
func (m *Manifest) Complete() bool { return len(m.Errors) == 0 }

// lane reads inputs one after another into units of the dataset: it holds
// the parsers and builders, and is the input.Handler of the walk. An
// Ingester runs one lane per file read at once.
type lane struct {
	opt    Options
	unit   *table.Unit // nil: no dataset, rows are only counted
	rows   map[string]int64
	b      *flinklog.Builder
	parser *flinklog.Parser
	sink   batchSink
	gcb    *gclog.Builder
	gcp    *gclog.Parser
	gcJVM  string
	mb     *metrics.Builder
	mp     *metrics.Parser
	rb     *flinkrest.Builder
	pb     *platform.Builder
	// m collects the streams, skips and failures of the input being read;
	// the writer goroutine owns its redaction and UTF-8 counts until the
	// unit ends.
	m        Manifest
	redactor redact.Redactor
	pipe     chan batch
	piped    chan struct{}
	err      error
	path     string
	// Notable holds the notable events of the input being read.
	Notable []Notable
}

var _ input.Handler = (*lane)(nil)

func newLane(opt Options) *lane {
	in := &lane{opt: opt}
	in.b = flinklog.NewBuilder(opt.Allocator)
	in.sink = batchSink{in: in}
	in.parser = flinklog.NewParser(&in.sink, flinklog.Options{Location: opt.Location})
	in.gcb = gclog.NewBuilder(opt.Allocator, in.b.RawRows)
	in.gcp = gclog.NewParser(gcSink{in}, gclog.Options{Location: opt.Location})
	in.mb = metrics.NewBuilder(opt.Allocator, in.b.RawRows)
	in.mp = metrics.NewParser(metricsSink{in}, opt.Location)
	in.rb = flinkrest.NewBuilder(opt.Allocator, in.mb)
	in.pb = platform.NewBuilder(opt.Allocator, in.b.RawRows)
	return in
}

// TableSpec is a table ingest writes.
type TableSpec struct {
	Name   string
	Schema *arrow.Schema
	Layout table.Layout
	// Secrets, if set, names a key column and a value column: the value
	// of a key that names a secret is masked whole, whatever it looks
	// like (configuration entries).
	Secrets [2]string
}

// Tables are the tables ingest writes, with their schema and layout.
var Tables = []TableSpec{
	{Name: "logs", Schema: flinklog.Schema, Layout: table.Layout{Time: "ts", Host: "host"}},
	{Name: "raw", Schema: table.RawSchema, Layout: table.Layout{}},
	{Name: "gc", Schema: gclog.Schema, Layout: table.Layout{Time: "ts"}},
	{Name: "metrics", Schema: metrics.Schema, Layout: table.Layout{Time: "ts", Host: "host"}},
	{Name: "jobs", Schema: flinkrest.JobsSchema, Layout: table.Layout{}},
	{Name: "vertices", Schema: flinkrest.VerticesSchema, Layout: table.Layout{}},
	{Name: "checkpoints", Schema: flinkrest.CheckpointsSchema, Layout: table.Layout{}},
	{Name: "exceptions", Schema: flinkrest.ExceptionsSchema, Layout: table.Layout{Time: "ts"}},
	{Name: "config", Schema: flinkrest.ConfigSchema, Secrets: [2]string{"key", "value"}},
	{Name: "containers", Schema: platform.Schema, Layout: table.Layout{Time: "ts", Host: "host"}},
}

// write hands a batch to the lane's writer goroutine, which works on it
// while the lane parses on.
func (in *lane) write(name string, rec arrow.Record) {
	rec.Retain()
	in.pipe <- batch{name, rec}
}

// batch is a table's batch on its way to the unit.
type batch struct {
	table string
	rec   arrow.Record
}

// writeBatches is the lane's writer goroutine: each batch, in order, gets
// its strings made UTF-8 and its secrets masked (unless NoRedact), goes to
// the observer and into the unit being written.
func (in *lane) writeBatches(pipe <-chan batch, done chan<- struct{}) {
	for b := range pipe {
		in.process(b.table, b.rec)
		b.rec.Release()
	}
	close(done)
}

func (in *lane) process(name string, rec arrow.Record) {
	t := tableSpec(name)
	rec, fixed := validUTF8(in.opt.Allocator, rec)
	in.m.Totals.NotUTF8 += int64(fixed)
	defer rec.Release()
	if !in.opt.NoRedact {
		var n int
		rec, n = redactRecord(&in.redactor, in.opt.Allocator, rec, t.Secrets)
		in.m.Totals.Redacted += int64(n)
		defer rec.Release()
	}
	in.observe(name, rec)
	if in.unit == nil {
		in.rows[name] += rec.NumRows()
		return
	}
	if err := in.unit.Write(name, t.Schema, t.Layout, rec); err != nil && in.err == nil {
		in.err = err
	}
}

func tableSpec(name string) TableSpec {
	for _, t := range Tables {
		if t.Name == name {
			return t
		}
	}
	panic("ingest: no table " + name)
}

// Redaction names how a run treats secrets, as the manifest records it.
func Redaction(noRedact bool) string {
	if noRedact {
		return "kept"
	}
	return "masked"
}

// batchSink hands events to the builder and cuts a batch when it is full.
type batchSink struct{ in *lane }

func (s *batchSink) Event(e *flinklog.Event) {
	b := s.in.b
	b.Event(e)
	s.in.fromLog(e)
	if len(s.in.Notable) < maxNotable && e.HasTime &&
		(string(e.StateOf) == "job" || string(e.To) == "FAILED" || e.Level >= flinklog.Error) {
		n := Notable{Time: time.UnixMilli(e.Time).UTC(), Source: s.in.path, Line: e.Line, Level: e.Level.String(),
			Summary: s.in.redacted(e.Message)}
		switch {
		case len(e.RootCause) > 0:
			n.RootCause = string(e.RootCause) + ": " + s.in.redacted(e.RootCauseMessage)
		case len(e.Exception) > 0:
			n.RootCause = string(e.Exception) + ": " + s.in.redacted(e.ExceptionMessage)
		}
		s.in.Notable = append(s.in.Notable, n)
	}
	if b.Rows() >= s.in.opt.BatchRows || b.Size() >= s.in.opt.BatchBytes {
		s.in.flushLogs()
	}
}

func (s *batchSink) Raw(r *flinklog.RawLine) {
	s.in.b.Raw(r)
	if s.in.b.RawRows.Rows() >= s.in.opt.BatchRows || s.in.b.RawRows.Size() >= s.in.opt.BatchBytes {
		s.in.flushRaw()
	}
}

func (in *lane) flushLogs() {
	if in.b.Rows() == 0 {
		return
	}
	rec := in.b.NewRecord()
	in.write("logs", rec)
	rec.Release()
}

// redacted is text as the dataset will hold it.
func (in *lane) redacted(text []byte) string {
	if in.opt.NoRedact {
		return string(text)
	}
	out, _ := in.redactor.Text(text)
	return string(out)
}

// gcSink hands GC events to their builder and cuts batches.
type gcSink struct{ in *lane }

// notablePause is the GC pause worth a line in the first timeline: long
// enough to delay Flink's RPCs and heartbeats noticeably.
const notablePause = 5.0

// notableTTSP is the time to reach a safepoint worth a line.
const notableTTSP = 1.0

func (s gcSink) Event(e *gclog.Event) {
	in := s.in
	in.gcb.Event(e)
	bad := e.Flags & (gclog.PromotionFailed | gclog.ConcurrentModeFailure | gclog.ToSpaceExhausted)
	long := e.Kind != gclog.Safepoint && e.Pause >= notablePause
	slowSafepoint := e.TTSP >= notableTTSP
	if len(in.Notable) < maxNotable && e.HasTime && (long || bad != 0 || slowSafepoint) {
		sum := e.Name
		if e.Cause != "" {
			sum += " (" + e.Cause + ")"
		}
		if e.Pause == e.Pause { // not NaN
			start := time.UnixMilli(e.Time - int64(e.Pause*1000)).UTC()
			sum += fmt.Sprintf(" stopped the JVM for %.1f s from %s", e.Pause, start.Format("15:04:05.000"))
		}
		if slowSafepoint {
			sum += fmt.Sprintf(", %.1f s of it to reach the safepoint", e.TTSP)
		}
		if names := bad.Names(); len(names) > 0 {
			sum += ": " + strings.Join(names, ", ")
		}
		in.Notable = append(in.Notable, Notable{Time: time.UnixMilli(e.Time).UTC(), Source: in.path, Line: e.Line,
			Level: "GC", Summary: sum})
	}
	if in.gcb.Rows() >= in.opt.BatchRows || in.gcb.Size() >= in.opt.BatchBytes {
		in.flushGC()
	}
}

func (s gcSink) Raw(r *gclog.RawLine) {
	s.in.gcb.Raw(r)
	if s.in.b.RawRows.Rows() >= s.in.opt.BatchRows || s.in.b.RawRows.Size() >= s.in.opt.BatchBytes {
		s.in.flushRaw()
	}
}

func (in *lane) flushGC() {
	if in.gcb.Rows() == 0 {
		return
	}
	rec := in.gcb.NewRecord()
	in.write("gc", rec)
	rec.Release()
}

func (in *lane) flushRaw() {
	if in.b.RawRows.Rows() == 0 {
		return
	}
	rec := in.b.RawRows.NewRecord()
	in.write("raw", rec)
	rec.Release()
}

// headSize is how much of a stream is looked at to tell what it is.
const headSize = 64 << 10

// Text parses one text stream.
func (in *lane) Text(f *input.File) error {
	head, _ := f.R.Peek(headSize)
	st := Stream{Path: f.Path, Kind: "text"}
	_, host := flinklog.FromName(f.Path)
	role, isLog := flinklog.Classify(f.Path, head)
	switch {
	case looksLikeJSON(head):
		if looksLikePods(head) {
			return in.podsText(f, st)
		}
		return in.jsonText(f, st)
	case looksLikePodsYAML(head):
		return in.podsText(f, st)
	}
	if gcLines, lines := gclog.Detect(head); gcLines > 0 && (!isLog || 2*gcLines > lines) {
		return in.gcText(f, head, st)
	}
	if !isLog {
		if format, ok := metrics.Detect(head); ok {
			return in.metricsText(f, format, st)
		}
		if platformLines(head) > 0 {
			return in.platformText(f, st)
		}
		if looksLikeYAML(head) {
			// Configuration or test fixtures: nothing flinkdx reads.
			in.Skip(f.Path, input.Text, "a YAML document that is not a Kubernetes object")
			return nil
		}
	}
	if isLog {
		st.Kind = "flink-log"
	}
	st.Role, st.Host = string(role), host
	in.b.SetFile(f.Path, role, host)
	in.path = f.Path
	lr := input.NewLineReader(f.R, in.opt.MaxLine)
	err := in.parser.Parse(f.Path, lr)
	st.Bytes = lr.End()
	st.Lines, st.Events, st.Unparsed, st.OutOfOrder = in.b.Lines, in.b.Events, in.b.RawLines, in.b.OutOfOrder
	if in.b.HasTime {
		st.First = time.UnixMilli(in.b.MinTime).UTC().Format(time.RFC3339Nano)
		st.Last = time.UnixMilli(in.b.MaxTime).UTC().Format(time.RFC3339Nano)
	}
	if err != nil {
		st.Error = err.Error()
	}
	in.m.Streams = append(in.m.Streams, st)
	return err
}

// gcText parses a GC log.
func (in *lane) gcText(f *input.File, head []byte, st Stream) error {
	st.Kind = "gc-log"
	st.JVM = input.RotationSet(f.Path)
	role, _ := flinklog.FromName(f.Path)
	st.Role = string(role)
	if st.JVM != in.gcJVM {
		in.gcp.Reset()
		in.gcJVM = st.JVM
	}
	in.gcb.SetFile(f.Path, st.JVM)
	in.path = f.Path
	lr := input.NewLineReader(f.R, in.opt.MaxLine)
	err := in.gcp.Parse(f.Path, lr)
	c := in.gcp.Counts()
	st.Bytes = lr.End()
	st.Lines, st.Events, st.Unparsed, st.Noise = c.Lines, c.Events, c.Unparsed, c.Noise
	st.Collector = in.gcp.Collector()
	if in.gcb.HasTime {
		st.First = time.UnixMilli(in.gcb.MinTime).UTC().Format(time.RFC3339Nano)
		st.Last = time.UnixMilli(in.gcb.MaxTime).UTC().Format(time.RFC3339Nano)
	}
	if err != nil {
		st.Error = err.Error()
	}
	in.m.Streams = append(in.m.Streams, st)
	return err
}

// Skip records a stream that is not text.
func (in *lane) Skip(path string, format input.Format, reason string) {
	in.m.Skipped = append(in.m.Skipped, Skipped{Path: path, Format: format.String(), Reason: reason})
}

// Fail records an error that stopped reading part of the input.
func (in *lane) Fail(path string, err error) {
	in.m.Errors = append(in.m.Errors, Failure{Path: path, Error: err.Error()})
}

// WriteManifest writes manifest.json atomically.
func WriteManifest(out table.Output, m *Manifest) error {
	return WriteManifestAs(out, "manifest.json", m)
}

// WriteManifestAs writes a manifest under a name atomically.
func WriteManifestAs(out table.Output, name string, m *Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	f, err := out.Create(name)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", name, err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Abort()
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	return f.Commit()
}
