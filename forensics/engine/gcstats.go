package engine

import (
	"time"

	"github.com/flinkdx/flinkdx/forensics/gclog"
	"github.com/flinkdx/flinkdx/forensics/input"
)

// GCStats sums up one JVM's GC log ("flinkdx gcstats").
type GCStats = gclog.Stats

// LongTTSP is the time to reach a safepoint, in seconds, that GCStats
// counts as long.
const LongTTSP = gclog.LongTTSPThreshold

// GCReport is what "flinkdx gcstats" read: the statistics of each JVM,
// in the order their logs came.
type GCReport struct {
	JVMs     []*GCStats
	Lines    int64    // GC log lines read
	Unparsed int64    // of them, not understood
	Others   []string // text streams that are not GC logs
	Errors   []string
}

// ReadGC reads the GC logs among paths (files, trees, archives; the
// rotated files of one JVM are one) into per-JVM statistics over sliding
// windows of window.
func ReadGC(w *input.Walker, paths []string, loc *time.Location, window time.Duration) *GCReport {
	g := &gcReader{report: &GCReport{}, window: window.Seconds(), byJVM: map[string]*GCStats{}, sink: &statsSink{}}
	g.parser = gclog.NewParser(g.sink, gclog.Options{Location: loc})
	files, errs := w.Files(paths)
	for _, err := range errs {
		g.report.Errors = append(g.report.Errors, err.Error())
	}
	for _, name := range files {
		w.Read(name, g)
	}
	for _, st := range g.report.JVMs {
		st.Finish()
	}
	return g.report
}

// gcReader is the input.Handler of ReadGC.
type gcReader struct {
	report *GCReport
	window float64
	byJVM  map[string]*GCStats
	parser *gclog.Parser
	sink   *statsSink
	jvm    string
}

// statsSink adds events to the statistics of the JVM being read.
type statsSink struct{ st *GCStats }

func (s *statsSink) Event(e *gclog.Event) { s.st.Add(e) }
func (s *statsSink) Raw(*gclog.RawLine)   {}

func (g *gcReader) Text(f *input.File) error {
	head, _ := f.R.Peek(64 << 10)
	if n, _ := gclog.Detect(head); n == 0 {
		g.report.Others = append(g.report.Others, f.Path)
		return nil
	}
	jvm := input.RotationSet(f.Path)
	st, ok := g.byJVM[jvm]
	if !ok {
		st = gclog.NewStats(jvm, g.window)
		g.byJVM[jvm] = st
		g.report.JVMs = append(g.report.JVMs, st)
	}
	if jvm != g.jvm {
		g.parser.Reset()
		g.jvm = jvm
	}
	g.sink.st = st
	err := g.parser.Parse(f.Path, f.LineReader(0))
	c := g.parser.Counts()
	g.report.Lines += c.Lines
	g.report.Unparsed += c.Unparsed
	return err
}

func (g *gcReader) Skip(string, input.Format, string) {}
func (g *gcReader) Fail(path string, err error) {
	g.report.Errors = append(g.report.Errors, err.Error())
}
