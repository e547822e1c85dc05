// Package ingest runs the pipeline: inputs are walked and decompressed,
// each text stream is classified by content and parsed, and the rows go to
// the dataset's tables as Arrow batches.
package ingest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/gclog"
	"github.com/flinkdx/flinkdx/forensics/input"
)

// SchemaVersion is the version of the dataset layout and table schemas;
// it changes whenever a column changes meaning, type or name.
// (2: tables laid out in Hive-style partition folders, part files named
// after the unit of input that wrote them; 3: logs.causes, the chain of
// an event's exception).
const SchemaVersion = 3

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
	// Layout, if set, is the PatternLayout Flink logs were written with
	// (--layout): tried before the layouts flinkdx knows.
	Layout *flinklog.Layout
	// Date, if not zero, is the day of logs with only a time of day whose
	// name gives none (--date).
	Date time.Time
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
	Finally func(ds *dataset.Dataset) error
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
	// Encoding is what the text was decoded from (utf-16le, utf-16be);
	// CRLineEnds says lines ended by a CR alone were split; NulBytes
	// counts NUL bytes passed over where lines start (the hole
	// copytruncate or a crashed writer leaves).
	Encoding   string `json:"encoding,omitempty"`
	CRLineEnds bool   `json:"cr_line_ends,omitempty"`
	NulBytes   int64  `json:"nul_bytes,omitempty"`
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
	Shard   *Shard                       `json:"shard,omitempty"`
	Inputs  []input.Input                `json:"inputs"`
	Streams []Stream                     `json:"streams"`
	Skipped []Skipped                    `json:"skipped"`
	Errors  []Failure                    `json:"errors"`
	Tables  map[string]dataset.TableInfo `json:"tables"`
	Totals  Totals                       `json:"totals"`
	// GC sums up the GC log of each JVM.
	GC []*gclog.Stats `json:"gc,omitempty"`
}

// Complete says every input was read to its end.
func (m *Manifest) Complete() bool { return len(m.Errors) == 0 }

// TableSpec is a table ingest writes.
type TableSpec struct {
	Name   string
	Schema *arrow.Schema
	Layout dataset.Layout
	// Secrets, if set, names a key column and a value column: the value
	// of a key that names a secret is masked whole, whatever it looks
	// like (configuration entries).
	Secrets [2]string
}

// Redaction names how a run treats secrets, as the manifest records it.
func Redaction(noRedact bool) string {
	if noRedact {
		return "kept"
	}
	return "masked"
}

// WriteManifest writes manifest.json atomically.
func WriteManifest(out dataset.Output, m *Manifest) error {
	return WriteManifestAs(out, "manifest.json", m)
}

// WriteManifestAs writes a manifest under a name atomically.
func WriteManifestAs(out dataset.Output, name string, m *Manifest) error {
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
