// Package flinkrest reads what Flink's REST API returns, saved as JSON, and
// the HistoryServer archives made of the same payloads
// ({"archive":[{"path":…,"json":"…"}]} in jobmanager.archive.fs.dir): jobs
// with their state timestamps, vertices, checkpoint history, exceptions,
// and metric values.
package flinkrest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/flinkdx/flinkdx/forensics/metrics"
)

// Job is a job's state, from /jobs/:id, /jobs/overview and the counts of
// /jobs/:id/checkpoints. Times are ms since the epoch; 0 when unknown.
type Job struct {
	Origin
	ID, Name, State           string
	Start, End, Duration, Now int64
	MaxParallelism            int64
	Type                      string // STREAMING or BATCH, from the job's plan
	// StateTimes holds the first time the job entered each state.
	StateTimes map[string]int64
	// Checkpoint counts (Checkpoints says they were given).
	Checkpoints                                          bool
	CkptTotal, CkptCompleted, CkptFailed, CkptInProgress int64
	CkptRestored                                         int64
}

// Vertex is a job vertex (a chain of operators).
type Vertex struct {
	Origin
	JobID, ID, Name, Status                          string
	Parallelism, MaxParallelism                      int64
	Start, End, Duration                             int64
	ReadBytes, WriteBytes, ReadRecords, WriteRecords float64
	BackPressuredMs, IdleMs, BusyMs                  float64 // accumulated; NaN when Flink says "NaN"
	Tasks                                            map[string]int64
	Inputs                                           []string // upstream vertex ids, from the job's plan
}

// Checkpoint is one checkpoint of the history or its details.
type Checkpoint struct {
	Origin
	JobID                                           string
	ID                                              int64
	Status, Type, ExternalPath                      string
	Savepoint, Discarded                            bool
	Trigger, LatestAck, Failure                     int64
	Duration                                        int64 // end to end, ms
	StateSize, CheckpointedSize                     float64
	AlignmentBuffered, ProcessedData, PersistedData float64
	Subtasks, Acknowledged                          int64
	FailureMessage                                  string
}

// Exception is a root exception or an entry of the exception history.
type Exception struct {
	Origin
	JobID, Kind    string // kind: root, history, all
	Time           int64
	Exception      string // the stack trace as Flink gives it
	Task, Location string
	TaskManager    string
}

// Origin is where a record came from: the file, the archive entry's path
// (or the REST path the file name implies), and the byte offset.
type Origin struct {
	Source, Path string
	Offset       int64
}

// Sink receives what the reader finds.
type Sink interface {
	Job(*Job)
	Vertex(*Vertex)
	Checkpoint(*Checkpoint)
	Exception(*Exception)
	Config(*Config)
	metrics.Sink
}

// Config is one entry of a configuration (/jobmanager/config,
// /jobs/:id/jobmanager/config, /taskmanagers/:id/… config): a key and its
// value as Flink reported it (Flink masks the keys it knows to be secret;
// flinkdx masks more, unless told not to).
type Config struct {
	Origin
	JobID, Key, Value string
}

// Counts sum up a stream.
type Counts struct {
	Documents int64 // JSON documents or archive entries read
	Records   int64 // rows emitted
	Ignored   int64 // documents of kinds that hold nothing flinkdx keeps (plan, accumulators)
	Unparsed  int64
}

// Reader reads REST payloads and archives.
type Reader struct {
	sink   Sink
	counts Counts
	s      metrics.Sample
	raw    metrics.RawLine
}

// NewReader makes a Reader.
func NewReader(sink Sink) *Reader { return &Reader{sink: sink} }

// Counts returns the counts since the last call and zeroes them.
func (r *Reader) Counts() Counts {
	c := r.counts
	r.counts = Counts{}
	return c
}

// Read reads one JSON stream: an archive, one REST payload, or several
// payloads one after the other (NDJSON). Large arrays are read element by
// element, never whole.
func (r *Reader) Read(name string, in io.Reader) error {
	dec := json.NewDecoder(in)
	dec.UseNumber()
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			r.bad(name, start, fmt.Sprintf("not JSON: %v", err))
			return fmt.Errorf("%s: offset %d: %w", name, start, err)
		}
		switch tok {
		case json.Delim('{'):
			if err := r.object(name, dec, start); err != nil {
				return err
			}
		case json.Delim('['):
			if err := r.array(name, restPath(name), dec, start); err != nil {
				return err
			}
		default:
			r.bad(name, start, "a JSON value that is not an object or array")
		}
	}
}

// object reads a top-level object whose '{' was read: an archive is read
// entry by entry; anything else is decoded whole and dispatched.
func (r *Reader) object(name string, dec *json.Decoder, start int64) error {
	if !dec.More() {
		_, err := dec.Token()
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == "archive" {
		return r.archive(name, dec)
	}
	// Decode the rest of the object: put back the key we read.
	rest := map[string]json.RawMessage{}
	key, _ := tok.(string)
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%s: offset %d: %w", name, dec.InputOffset(), err)
	}
	rest[key] = v
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("%s: offset %d: %w", name, dec.InputOffset(), err)
		}
		rest[k] = v
	}
	if _, err := dec.Token(); err != nil { // '}'
		return err
	}
	r.counts.Documents++
	r.payload(Origin{Source: name, Path: restPath(name), Offset: start}, rest)
	return nil
}

// archive reads the entries of a HistoryServer archive one by one; the
// job's rows are emitted when the archive ends, its checkpoint counts and
// details joined.
func (r *Reader) archive(name string, dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('[') {
		return fmt.Errorf("%s: an archive is a list of entries", name)
	}
	a := &archiveState{}
	for dec.More() {
		off := dec.InputOffset()
		var e struct {
			Path string `json:"path"`
			JSON string `json:"json"`
		}
		if err := dec.Decode(&e); err != nil {
			return fmt.Errorf("%s: archive entry at offset %d: %w", name, off, err)
		}
		r.counts.Documents++
		o := Origin{Source: name, Path: e.Path, Offset: off}
		var doc any
		d := json.NewDecoder(strings.NewReader(e.JSON))
		d.UseNumber()
		if err := d.Decode(&doc); err != nil {
			r.bad(name, off, fmt.Sprintf("archive entry %s is not JSON: %v", e.Path, err))
			continue
		}
		switch v := doc.(type) {
		case map[string]any:
			r.payloadIn(o, raws(v), a)
		case []any:
			r.list(o, v)
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return err
	}
	a.flush(r)
	// The rest of the archive object, if any.
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return err
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// raws turns a decoded object back into raw members.
func raws(m map[string]any) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		b, _ := json.Marshal(v)
		out[k] = b
	}
	return out
}

// array reads a top-level array element by element: metric values.
func (r *Reader) array(name, path string, dec *json.Decoder, start int64) error {
	r.counts.Documents++
	o := Origin{Source: name, Path: path, Offset: start}
	for dec.More() {
		off := dec.InputOffset()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return fmt.Errorf("%s: offset %d: %w", name, off, err)
		}
		o.Offset = off
		r.metric(o, m)
	}
	_, err := dec.Token()
	return err
}

func (r *Reader) list(o Origin, v []any) {
	if len(v) > 0 {
		m, ok := v[0].(map[string]any)
		if ok && m["key"] != nil && m["value"] != nil {
			// A configuration: [{"key":…,"value":…}].
			job := jobOf(o.Path)
			for _, e := range v {
				if m, ok := e.(map[string]any); ok {
					k, _ := m["key"].(string)
					val, _ := m["value"].(string)
					if k != "" {
						r.sink.Config(&Config{Origin: o, JobID: job, Key: k, Value: val})
						r.counts.Records++
					}
				}
			}
			return
		}
		if !ok || m["id"] == nil {
			r.counts.Ignored++
			return
		}
	}
	for _, e := range v {
		if m, ok := e.(map[string]any); ok {
			r.metric(o, m)
		}
	}
}

func (r *Reader) bad(name string, off int64, reason string) {
	r.counts.Unparsed++
	r.raw = metrics.RawLine{Line: 0, Offset: off, Reason: reason}
	r.sink.Raw(&r.raw)
}

// num is a JSON number that Flink may also give as a string ("NaN",
// "12").
func num(v json.RawMessage) float64 {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return math.NaN()
	}
	if v[0] == '"' {
		s, err := strconv.Unquote(string(v))
		if err != nil {
			return math.NaN()
		}
		v = []byte(s)
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return math.NaN()
	}
	return f
}

func integer(v json.RawMessage) int64 {
	f := num(v)
	if math.IsNaN(f) {
		return 0
	}
	return int64(f)
}

func str(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

func boolean(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "true" }

func object(v json.RawMessage) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if json.Unmarshal(v, &m) != nil {
		return nil
	}
	return m
}

func array(v json.RawMessage) []json.RawMessage {
	var a []json.RawMessage
	if json.Unmarshal(v, &a) != nil {
		return nil
	}
	return a
}

// restPath is the REST path a file name implies, if any: a dump saved as
// jobs/<id>/checkpoints.json or taskmanagers/<id>/metrics.json.
func restPath(name string) string {
	if i := strings.LastIndexByte(name, '!'); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSuffix(name, ".json")
}
