package ingest

import (
	"bytes"
	"encoding/json"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/flinkrest"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/metrics"
	"github.com/flinkdx/flinkdx/forensics/table"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// Flink REST payloads and HistoryServer archives: JSON documents about
// jobs, vertices, checkpoints, exceptions and configuration. Their metric
// values go to the metrics table.
func init() {
	register(Format{
		Kind: "flink-json", Rank: 20,
		Sniff: func(h *Head) bool { return h.JSON() },
		Tables: []TableSpec{
			{Name: schema.Jobs, Schema: flinkrest.JobsSchema},
			{Name: schema.Vertices, Schema: flinkrest.VerticesSchema},
			{Name: schema.Checkpoints, Schema: flinkrest.CheckpointsSchema},
			{Name: schema.Exceptions, Schema: flinkrest.ExceptionsSchema, Layout: dataset.Layout{Time: "ts"}},
			{Name: schema.Config, Schema: flinkrest.ConfigSchema, Secrets: [2]string{"key", "value"}},
		},
		Read: readREST,
	})
}

// rest is the REST tables' builder on a lane, on top of the metrics
// table's.
func (l *lane) rest() *flinkrest.Builder {
	return stateOf(l, "flink-json", func() *flinkrest.Builder {
		m := l.metrics()
		b := flinkrest.NewBuilder(l.opt.Allocator, m.b)
		builderOf(l, schema.Jobs, func() *table.Rows { return b.Jobs })
		builderOf(l, schema.Vertices, func() *table.Rows { return b.Vertices })
		builderOf(l, schema.Checkpoints, func() *table.Rows { return b.Checkpoints })
		builderOf(l, schema.Exceptions, func() *table.Rows { return b.Exceptions })
		builderOf(l, schema.Config, func() *table.Rows { return b.Configs })
		return b
	})
}

func readREST(l *lane, f *input.File, _ *Head, st *Stream) error {
	st.Format = "json"
	b := l.rest()
	b.SetFile(f.Path)
	cr := &countingReader{r: f.R}
	r := flinkrest.NewReader(restSink{b, l})
	err := r.Read(f.Path, cr)
	c := r.Counts()
	st.Bytes, st.Lines, st.Events, st.Unparsed, st.Noise = cr.n, cr.lines(), c.Records, c.Unparsed, c.Ignored
	timeSpan(st, b.HasTime, b.MinTime, b.MaxTime)
	if err != nil {
		// The stream is cut or not JSON after all: say where.
		l.raw.Append(f.Path, 0, cr.n, nil, err.Error(), 0)
		st.Unparsed++
	}
	return err
}

// restSink counts the rows of the REST reader and cuts metric batches.
type restSink struct {
	*flinkrest.Builder
	l *lane
}

func (s restSink) Sample(x *metrics.Sample) { metricsSink{s.l, s.Builder.Builder}.Sample(x) }
func (s restSink) Raw(r *metrics.RawLine)   { metricsSink{s.l, s.Builder.Builder}.Raw(r) }

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
