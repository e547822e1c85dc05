package ingest

import (
	"bytes"

	"encoding/json"
	"github.com/apache/arrow/go/v15/arrow"
	"io"
	"time"

	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/flinkrest"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/metrics"
	"github.com/flinkdx/flinkdx/forensics/platform"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// Metrics, Flink REST payloads and HistoryServer archives, and platform
// evidence: how a stream is told to be one, and how it is read.

func firstByte(head []byte) byte {
	head = bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(head) == 0 {
		return 0
	}
	return head[0]
}

// looksLikeJSON says a stream is JSON: an object with a key, or an array
// of objects (unified-logging GC lines start with '[' too).
func looksLikeJSON(head []byte) bool {
	c := firstByte(head)
	if c != '{' && c != '[' {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(head))
	if _, err := dec.Token(); err != nil {
		return false
	}
	t, err := dec.Token()
	if err != nil {
		return false
	}
	if c == '{' {
		_, ok := t.(string)
		return ok
	}
	return t == json.Delim('{') || t == json.Delim(']')
}

// looksLikePods says a JSON stream is a Kubernetes object.
func looksLikePods(head []byte) bool {
	return bytes.Contains(head, []byte(`"apiVersion"`)) && bytes.Contains(head, []byte(`"kind"`)) &&
		(bytes.Contains(head, []byte(`"Pod"`)) || bytes.Contains(head, []byte(`"PodList"`)) || bytes.Contains(head, []byte(`"List"`)))
}

// looksLikePodsYAML says a stream is Kubernetes YAML (kubectl -o yaml).
func looksLikePodsYAML(head []byte) bool {
	return (bytes.HasPrefix(head, []byte("apiVersion:")) || bytes.Contains(head, []byte("\napiVersion:"))) &&
		(bytes.Contains(head, []byte("\nkind: ")) || bytes.HasPrefix(head, []byte("kind: ")))
}

// platformLines counts the kernel, YARN and container lines in head.
func platformLines(head []byte) int {
	l := platform.NewLines(nil, nil, 0)
	n := 0
	for _, line := range bytes.Split(head, []byte("\n")) {
		if platform.LineMayBe(line) {
			if _, ok := l.Line(line); ok {
				n++
			}
		}
	}
	return n
}

// metricsSink hands samples to the metrics builder and cuts batches.
type metricsSink struct{ in *lane }

func (s metricsSink) Sample(x *metrics.Sample) {
	s.in.mb.Sample(x)
	if s.in.mb.Rows() >= s.in.opt.BatchRows || s.in.mb.Size() >= s.in.opt.BatchBytes {
		s.in.flushMetrics()
	}
}

func (s metricsSink) Raw(r *metrics.RawLine) {
	s.in.mb.Raw(r)
	s.in.maybeFlushRaw()
}

func (in *lane) maybeFlushRaw() {
	if in.b.RawRows.Rows() >= in.opt.BatchRows || in.b.RawRows.Size() >= in.opt.BatchBytes {
		in.flushRaw()
	}
}

func (in *lane) flushMetrics() {
	in.writeBuilder("metrics", in.mb)
}

// flushSmall writes the job, checkpoint and container tables when their
// batch is full (or always, at the end).
func (in *lane) flushSmall(all bool) {
	for _, t := range []struct {
		name string
		b    table.Builder
	}{{"jobs", in.rb.Jobs}, {"vertices", in.rb.Vertices}, {"checkpoints", in.rb.Checkpoints},
		{"exceptions", in.rb.Exceptions}, {"config", in.rb.Configs}, {"containers", in.pb.Rows}} {
		if all || t.b.Rows() >= in.opt.BatchRows || t.b.Size() >= in.opt.BatchBytes {
			in.writeBuilder(t.name, t.b)
		}
	}
}

func (in *lane) writeBuilder(name string, b table.Builder) {
	if b.Rows() == 0 {
		return
	}
	rec := b.NewRecord()
	in.write(name, rec)
	rec.Release()
}

func (in *lane) timeSpan(st *Stream, has bool, min, max int64) {
	if has {
		st.First = time.UnixMilli(min).UTC().Format(time.RFC3339Nano)
		st.Last = time.UnixMilli(max).UTC().Format(time.RFC3339Nano)
	}
}

// metricsText reads a metric dump.
func (in *lane) metricsText(f *input.File, format metrics.Format, st Stream) error {
	st.Kind, st.Format = "metrics", format.String()
	in.mb.SetFile(f.Path)
	lr := input.NewLineReader(f.R, in.opt.MaxLine)
	var err error
	switch format {
	case metrics.Influx:
		err = in.mp.ParseInflux(f.Path, lr)
	case metrics.CSV:
		err = in.mp.ParseCSV(f.Path, lr)
	default:
		err = in.mp.ParsePrometheus(f.Path, lr)
	}
	c := in.mp.Counts()
	st.Bytes, st.Lines, st.Events, st.Unparsed, st.Noise = lr.End(), c.Lines, c.Samples, c.Unparsed, c.Noise
	in.timeSpan(&st, in.mb.HasTime, in.mb.MinTime, in.mb.MaxTime)
	return in.finishStream(st, err)
}

func (in *lane) finishStream(st Stream, err error) error {
	if err != nil {
		st.Error = err.Error()
	}
	in.m.Streams = append(in.m.Streams, st)
	in.flushSmall(false)
	return err
}

// restSink counts the rows of the REST reader and cuts metric batches.
type restSink struct {
	*flinkrest.Builder
	in *lane
}

func (s restSink) Sample(x *metrics.Sample) { metricsSink{s.in}.Sample(x) }
func (s restSink) Raw(r *metrics.RawLine)   { metricsSink{s.in}.Raw(r) }

// jsonText reads Flink REST payloads and HistoryServer archives.
func (in *lane) jsonText(f *input.File, st Stream) error {
	st.Kind, st.Format = "flink-json", "json"
	in.mb.SetFile(f.Path)
	cr := &countingReader{r: f.R}
	r := flinkrest.NewReader(restSink{in.rb, in})
	err := r.Read(f.Path, cr)
	c := r.Counts()
	st.Bytes, st.Lines, st.Events, st.Unparsed, st.Noise = cr.n, cr.lines(), c.Records, c.Unparsed, c.Ignored
	in.timeSpan(&st, in.mb.HasTime, in.mb.MinTime, in.mb.MaxTime)
	if err != nil {
		// The stream is cut or not JSON after all: say where.
		in.b.RawRows.Append(f.Path, 0, cr.n, nil, err.Error(), 0)
		st.Unparsed++
	}
	return in.finishStream(st, err)
}

// countingReader counts the bytes and lines read.
type countingReader struct {
	r        io.Reader
	n, nl    int64
	lastByte byte
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.nl += int64(bytes.Count(p[:n], []byte{'\n'}))
	if n > 0 {
		c.lastByte = p[n-1]
	}
	return n, err
}

// lines counts a last line without a line end too.
func (c *countingReader) lines() int64 {
	if c.n > 0 && c.lastByte != '\n' {
		return c.nl + 1
	}
	return c.nl
}

// maxPods bounds a pod document read whole (kubectl output of a large
// cluster stays far below).
const maxPods = 256 << 20

// podsText reads Kubernetes pods.
func (in *lane) podsText(f *input.File, st Stream) error {
	st.Kind, st.Format = "pods", "kubernetes"
	in.pb.SetFile(f.Path)
	data, err := io.ReadAll(io.LimitReader(f.R, maxPods+1))
	st.Bytes = int64(len(data))
	st.Lines = int64(bytes.Count(data, []byte("\n")))
	if err == nil && len(data) > maxPods {
		err = errTooLarge
	}
	if err == nil {
		var pods, others int
		pods, others, err = platform.ReadPods(f.Path, data, in.pb)
		st.Events, st.Noise = in.pb.Rows_, int64(others)
		if pods == 0 && err == nil {
			st.Kind = "text"
			in.b.RawRows.Append(f.Path, 1, 0, nil, "Kubernetes objects, none of them a pod", 0)
			st.Unparsed++
		}
	}
	return in.finishStream(st, err)
}

type tooLarge struct{}

func (tooLarge) Error() string { return "a Kubernetes document larger than 256 MiB" }

var errTooLarge error = tooLarge{}

// platformText reads kernel, YARN and container lines.
func (in *lane) platformText(f *input.File, st Stream) error {
	st.Kind, st.Format = "platform-log", "lines"
	in.pb.SetFile(f.Path)
	l := platform.NewLines(in.pb, in.opt.Location, 0)
	lr := input.NewLineReader(f.R, in.opt.MaxLine)
	err := l.Parse(f.Path, lr)
	st.Bytes, st.Lines, st.Events, st.Unparsed, st.Noise = lr.End(), l.Counts.Lines, l.Counts.Rows, l.Counts.Unparsed, l.Counts.Blank
	in.maybeFlushRaw()
	return in.finishStream(st, err)
}

// looksLikeYAML says a stream is a YAML document: its unindented lines are
// "key: value" or "key:", or "---".
func looksLikeYAML(head []byte) bool {
	keys, top := 0, 0
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 || line[0] == ' ' || line[0] == '-' && len(line) > 1 && line[1] == ' ' || line[0] == '#' {
			continue
		}
		top++
		if string(line) == "---" {
			keys++
			continue
		}
		k, _, ok := bytes.Cut(line, []byte(":"))
		if ok && len(k) > 0 && bytes.IndexAny(k, " \t\"'{[") < 0 {
			keys++
		}
	}
	return top > 0 && keys == top
}

// fromLog takes what a Flink log event says about metrics (Slf4jReporter
// reports) and about containers ("Worker … is terminated", YARN
// diagnostics logged by the resource manager) into those tables, with
// the event's origin. The tests are cheap prefix and suffix checks.
func (in *lane) fromLog(e *flinklog.Event) {
	switch {
	case len(e.Detail) > 0 && metrics.IsReport(e.Logger, e.Message):
		s := metrics.Sample{Line: e.Line, Offset: e.Offset, Time: e.Time, HasTime: e.HasTime, Subtask: -1}
		in.mb.SetFileKeep(in.path)
		in.mp.Report(e.Detail, s, metricsSink{in})
	case bytes.HasPrefix(e.Message, []byte("Worker ")) && bytes.Contains(e.Message, []byte(" is terminated")),
		bytes.Contains(e.Logger, []byte("ResourceManager")) && platform.LineMayBe(e.Message):
		l := platform.NewLines(nil, in.opt.Location, 0)
		c, ok := l.Line(e.Message)
		if !ok {
			return
		}
		c.Line, c.Offset = e.Line, e.Offset
		if e.HasTime {
			c.Time, c.HasTime = e.Time, true
		}
		in.pb.SetFile(in.path)
		in.pb.Container(&c)
	}
}

func (in *lane) observe(table string, rec arrow.Record) {
	if in.opt.Observe != nil {
		in.opt.Observe(table, rec)
	}
}
