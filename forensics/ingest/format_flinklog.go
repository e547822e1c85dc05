package ingest

import (
	"bytes"
	"time"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/metrics"
	"github.com/flinkdx/flinkdx/forensics/platform"
	"github.com/flinkdx/flinkdx/forensics/redact"
	"github.com/flinkdx/flinkdx/forensics/schema"
)

// maskedArg replaces a secret program argument.
var maskedArg = []byte(redact.Mask)

// Flink's JobManager and TaskManager logs, and any text no other format
// claims: its lines are kept in raw when no layout fits them.
func init() {
	register(Format{
		Kind: "flink-log", Rank: 1000,
		Sniff:  func(*Head) bool { return true },
		Tables: []TableSpec{{Name: schema.Logs, Schema: flinklog.Schema, Layout: dataset.Layout{Time: "ts", Host: "host"}}},
		Read:   readFlinkLog,
	})
}

// flinkLog is what the format keeps on a lane.
type flinkLog struct {
	b      *flinklog.Builder
	parser *flinklog.Parser
}

func (l *lane) flinkLog() *flinkLog {
	return stateOf(l, "flink-log", func() *flinkLog {
		s := &flinkLog{b: builderOf(l, schema.Logs, func() *flinklog.Builder { return flinklog.NewBuilderRaw(l.opt.Allocator, l.raw) })}
		s.parser = flinklog.NewParser(logSink{l, s.b}, flinklog.Options{Location: l.opt.Location, Layout: l.opt.Layout, Date: l.opt.Date})
		return s
	})
}

func readFlinkLog(l *lane, f *input.File, h *Head, st *Stream) error {
	if !h.Log {
		st.Kind = "text"
	}
	s := l.flinkLog()
	st.Role, st.Host = string(h.Role), h.Host
	s.b.SetFile(f.Path, h.Role, h.Host)
	// The user's layout, else one the stream's first lines show.
	layout := l.opt.Layout
	if layout == nil {
		layout = flinklog.InferLayout(h.Bytes)
	}
	s.parser.SetLayout(layout)
	if layout != nil {
		st.Format = layout.String()
	}
	lr := f.LineReader(l.opt.MaxLine)
	err := s.parser.Parse(f.Path, lr)
	st.Bytes, st.NulBytes = lr.End(), lr.NulBytes()
	st.Lines, st.Events, st.Unparsed, st.OutOfOrder = s.b.Lines, s.b.Events, s.b.RawLines, s.b.OutOfOrder
	timeSpan(st, s.b.HasTime, s.b.MinTime, s.b.MaxTime)
	return err
}

// logSink hands events to the builder and cuts a batch when it is full.
type logSink struct {
	l *lane
	b *flinklog.Builder
}

func (s logSink) Event(e *flinklog.Event) {
	l := s.l
	if !l.opt.NoRedact {
		// Flink logs its program arguments one per line: a secret flag's
		// value is the next event's whole message.
		arg := bytes.TrimSpace(e.Message)
		flag := len(arg) > 1 && arg[0] == '-' && !bytes.ContainsAny(arg, " =")
		if l.secretArg && !flag && len(arg) > 0 {
			e.Message = maskedArg
			l.m.Totals.Redacted++
		}
		l.secretArg = flag && redact.SecretKey(string(bytes.TrimLeft(arg, "-")))
	}
	s.b.Event(e)
	l.fromLog(e)
	if len(l.Notable) < maxNotable && e.HasTime &&
		(string(e.StateOf) == "job" || string(e.To) == "FAILED" || e.Level >= flinklog.Error) {
		n := Notable{Time: time.UnixMilli(e.Time).UTC(), Source: l.path, Line: e.Line, Level: e.Level.String(),
			Summary: l.redacted(e.Message)}
		switch {
		case len(e.RootCause) > 0:
			n.RootCause = string(e.RootCause) + ": " + l.redacted(e.RootCauseMessage)
		case len(e.Exception) > 0:
			n.RootCause = string(e.Exception) + ": " + l.redacted(e.ExceptionMessage)
		}
		l.notable(n)
	}
	if s.b.Rows() >= l.opt.BatchRows || s.b.Size() >= l.opt.BatchBytes {
		l.flush(schema.Logs)
	}
}

func (s logSink) Raw(r *flinklog.RawLine) {
	s.b.Raw(r)
	s.l.cutRaw()
}

// fromLog takes what a Flink log event says about metrics (Slf4jReporter
// reports) and about containers ("Worker … is terminated", YARN
// diagnostics logged by the resource manager) into those tables, with
// the event's origin. The tests are cheap prefix and suffix checks.
func (l *lane) fromLog(e *flinklog.Event) {
	switch {
	case len(e.Detail) > 0 && metrics.IsReport(e.Logger, e.Message):
		m := l.metrics()
		s := metrics.Sample{Line: e.Line, Offset: e.Offset, Time: e.Time, HasTime: e.HasTime, Subtask: -1}
		m.b.SetFileKeep(l.path)
		m.parser.Report(e.Detail, s, metricsSink{l, m.b})
	case bytes.HasPrefix(e.Message, []byte("Worker ")) && bytes.Contains(e.Message, []byte(" is terminated")),
		bytes.Contains(e.Logger, []byte("ResourceManager")) && platform.LineMayBe(e.Message),
		// A YARN NodeManager's log: its containers monitor kills a
		// container over its memory limits.
		bytes.Contains(e.Logger, []byte("ContainersMonitor")) && bytes.Contains(e.Message, []byte("is running beyond")):
		lines := platform.NewLines(nil, l.opt.Location, 0)
		c, ok := lines.Line(e.Message)
		if !ok {
			return
		}
		c.Line, c.Offset = e.Line, e.Offset
		if e.HasTime {
			c.Time, c.HasTime = e.Time, true
		}
		pb := l.containers()
		pb.SetFile(l.path)
		pb.Container(&c)
	}
}
