package ingest

import (
	"fmt"
	"strings"
	"time"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/gclog"
	"github.com/flinkdx/flinkdx/forensics/input"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// JVM GC logs: JDK 8's -XX:+PrintGCDetails and later unified logging
// (-Xlog:gc*), every collector. A stream is one when its first lines hold
// GC lines, and most of them when it looks like a Flink log (a Flink log
// that logs GC lines stays a log).
func init() {
	register(Format{
		Kind: "gc-log", Rank: 40,
		Sniff: func(h *Head) bool {
			gcLines, lines := gclog.Detect(h.Bytes)
			return gcLines > 0 && (!h.Log || 2*gcLines > lines)
		},
		Tables: []TableSpec{{Name: schema.GC, Schema: gclog.Schema, Layout: dataset.Layout{Time: "ts"}}},
		Read:   readGCLog,
		Finish: func(l *lane, m *Manifest) {
			if s, ok := l.state["gc-log"].(*gcLog); ok {
				for _, st := range s.b.Stats {
					st.Finish()
					m.GC = append(m.GC, st)
				}
			}
		},
	})
}

// gcLog is what the format keeps on a lane: the parser carries a JVM's
// state from one file of its rotated set to the next.
type gcLog struct {
	b      *gclog.Builder
	parser *gclog.Parser
	jvm    string
}

func readGCLog(l *lane, f *input.File, h *Head, st *Stream) error {
	s := stateOf(l, "gc-log", func() *gcLog {
		s := &gcLog{b: builderOf(l, schema.GC, func() *gclog.Builder { return gclog.NewBuilder(l.opt.Allocator, l.raw) })}
		s.parser = gclog.NewParser(gcSink{l, s.b}, gclog.Options{Location: l.opt.Location})
		return s
	})
	st.JVM = input.RotationSet(f.Path)
	role, _ := flinklog.FromName(f.Path)
	st.Role = string(role)
	if st.JVM != s.jvm {
		s.parser.Reset()
		s.jvm = st.JVM
	}
	s.b.SetFile(f.Path, st.JVM)
	lr := f.LineReader(l.opt.MaxLine)
	err := s.parser.Parse(f.Path, lr)
	c := s.parser.Counts()
	st.Bytes, st.NulBytes = lr.End(), lr.NulBytes()
	st.Lines, st.Events, st.Unparsed, st.Noise = c.Lines, c.Events, c.Unparsed, c.Noise
	st.Collector = s.parser.Collector()
	timeSpan(st, s.b.HasTime, s.b.MinTime, s.b.MaxTime)
	return err
}

// gcSink hands GC events to their builder and cuts batches.
type gcSink struct {
	l *lane
	b *gclog.Builder
}

// notablePause is the GC pause worth a line in the first timeline: long
// enough to delay Flink's RPCs and heartbeats noticeably.
const notablePause = 5.0

// notableTTSP is the time to reach a safepoint worth a line.
const notableTTSP = 1.0

func (s gcSink) Event(e *gclog.Event) {
	l := s.l
	s.b.Event(e)
	bad := e.Flags & (gclog.PromotionFailed | gclog.ConcurrentModeFailure | gclog.ToSpaceExhausted)
	long := e.Kind != gclog.Safepoint && e.Pause >= notablePause
	slowSafepoint := e.TTSP >= notableTTSP
	if len(l.Notable) < maxNotable && e.HasTime && (long || bad != 0 || slowSafepoint) {
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
		l.notable(Notable{Time: time.UnixMilli(e.Time).UTC(), Source: l.path, Line: e.Line, Level: "GC", Summary: sum})
	}
	if s.b.Rows() >= l.opt.BatchRows || s.b.Size() >= l.opt.BatchBytes {
		l.flush(schema.GC)
	}
}

func (s gcSink) Raw(r *gclog.RawLine) {
	s.b.Raw(r)
	s.l.cutRaw()
}
