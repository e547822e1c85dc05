package ingest

import (
	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/metrics"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// Metric dumps: Prometheus and OpenMetrics text, InfluxDB line protocol,
// CSV exports. Flink logs' Slf4jReporter reports (format_flinklog.go) and
// REST payloads (format_rest.go) add samples to the same table.
func init() {
	register(Format{
		Kind: "metrics", Rank: 50,
		Sniff: func(h *Head) bool {
			_, ok := metrics.Detect(h.Bytes)
			return !h.Log && ok
		},
		Tables: []TableSpec{{Name: schema.Metrics, Schema: metrics.Schema, Layout: dataset.Layout{Time: "ts", Host: "host"}}},
		Read:   readMetrics,
	})
}

// metricsState is the metrics table's builder and parser on a lane.
type metricsState struct {
	b      *metrics.Builder
	parser *metrics.Parser
}

func (l *lane) metrics() *metricsState {
	return stateOf(l, "metrics", func() *metricsState {
		s := &metricsState{b: builderOf(l, schema.Metrics, func() *metrics.Builder { return metrics.NewBuilder(l.opt.Allocator, l.raw) })}
		s.parser = metrics.NewParser(metricsSink{l, s.b}, l.opt.Location)
		return s
	})
}

func readMetrics(l *lane, f *input.File, h *Head, st *Stream) error {
	format, _ := metrics.Detect(h.Bytes)
	st.Format = format.String()
	s := l.metrics()
	s.b.SetFile(f.Path)
	lr := f.LineReader(l.opt.MaxLine)
	var err error
	switch format {
	case metrics.Influx:
		err = s.parser.ParseInflux(f.Path, lr)
	case metrics.CSV:
		err = s.parser.ParseCSV(f.Path, lr)
	default:
		err = s.parser.ParsePrometheus(f.Path, lr)
	}
	c := s.parser.Counts()
	st.Bytes, st.Lines, st.Events, st.Unparsed, st.Noise, st.NulBytes = lr.End(), c.Lines, c.Samples, c.Unparsed, c.Noise, lr.NulBytes()
	timeSpan(st, s.b.HasTime, s.b.MinTime, s.b.MaxTime)
	return err
}

// metricsSink hands samples to the metrics builder and cuts batches.
type metricsSink struct {
	l *lane
	b *metrics.Builder
}

func (s metricsSink) Sample(x *metrics.Sample) {
	s.b.Sample(x)
	if s.b.Rows() >= s.l.opt.BatchRows || s.b.Size() >= s.l.opt.BatchBytes {
		s.l.flush(schema.Metrics)
	}
}

func (s metricsSink) Raw(r *metrics.RawLine) {
	s.b.Raw(r)
	s.l.cutRaw()
}
