package scan

import (
	"math"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/flinkrest"
	"github.com/flinkdx/flinkdx/forensics/metrics"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// samples builds a metrics batch and scans it (plus, when given, a
// vertices batch holding the job plan).
type samples struct {
	mb   *metrics.Builder
	line int64
}

func newSamples() *samples {
	mb := metrics.NewBuilder(table.Pool, table.NewRawBuilder(table.Pool))
	mb.SetFile("m.prom")
	return &samples{mb: mb}
}

const t0 = 1741942800000 // 2025-03-14 09:00:00 UTC

func (s *samples) add(task string, sub int32, name string, v float64, t int64) {
	s.line++
	s.mb.Sample(&metrics.Sample{Line: s.line, Name: name, Value: v, JobID: "job", TaskName: task, TaskID: task + "-id",
		Subtask: sub, Time: t, HasTime: true})
}

func (s *samples) scan(cfg Config, plan ...flinkrest.Vertex) []Finding {
	sc := New(cfg)
	rec := s.mb.NewRecord()
	sc.Observe("metrics", rec)
	rec.Release()
	if len(plan) > 0 {
		rb := flinkrest.NewBuilder(table.Pool, metrics.NewBuilder(table.Pool, table.NewRawBuilder(table.Pool)))
		for i := range plan {
			plan[i].BackPressuredMs, plan[i].IdleMs, plan[i].BusyMs = math.NaN(), math.NaN(), math.NaN()
			plan[i].ReadBytes, plan[i].WriteBytes, plan[i].ReadRecords, plan[i].WriteRecords = math.NaN(), math.NaN(), math.NaN(), math.NaN()
			rb.Vertex(&plan[i])
		}
		vrec := rb.Vertices.NewRecord()
		sc.Observe("vertices", vrec)
		vrec.Release()
	}
	return sc.Findings()
}

func TestBelowBandEdges(t *testing.T) {
	for _, tc := range []struct {
		rate, busy float64
		want       bool
	}{{4999, 500, true}, {5000, 500, false}, {4999, 499, false}, {100, math.NaN(), false}} {
		s := newSamples()
		for i := int64(0); i < 3; i++ {
			s.add("Map", 0, "numRecordsInPerSecond", tc.rate, t0+i*15000)
			if !math.IsNaN(tc.busy) {
				s.add("Map", 0, "busyTimeMsPerSecond", tc.busy, t0+i*15000)
			}
		}
		fs := s.scan(DefaultConfig())
		if got := has(fs, "throughput.below-band", Warning, "Map is busy") != nil; got != tc.want {
			t.Errorf("rate %.0f busy %.0f: finding %v, want %v\n%s", tc.rate, tc.busy, got, tc.want, rules(fs))
		}
		if has(fs, "throughput.external-calls", Info, "") != nil {
			t.Errorf("Map is not external: %s", rules(fs))
		}
	}
}

func TestExternalCalls(t *testing.T) {
	s := newSamples()
	s.add("Sink: JDBC", 0, "numRecordsInPerSecond", 300, t0)
	s.add("Sink: JDBC", 0, "busyTimeMsPerSecond", 950, t0)
	fs := s.scan(DefaultConfig())
	if has(fs, "throughput.external-calls", Warning, "Sink: JDBC talks to an external system") == nil {
		t.Errorf("no external-calls finding:\n%s", rules(fs))
	}
	if has(fs, "throughput.below-band", Info, "") != nil {
		t.Errorf("an external vertex is external-calls, not below-band:\n%s", rules(fs))
	}
}

func TestSkewEdges(t *testing.T) {
	for _, tc := range []struct {
		hot  float64
		want bool
	}{{2999, false}, {3000, true}} {
		s := newSamples()
		s.add("Window", 0, "numRecordsInPerSecond", tc.hot, t0)
		s.add("Window", 1, "numRecordsInPerSecond", 1000, t0)
		s.add("Window", 2, "numRecordsInPerSecond", 1000, t0)
		fs := s.scan(DefaultConfig())
		f := has(fs, "skew.key", Warning, "subtask 0 of Window")
		if (f != nil) != tc.want {
			t.Errorf("hot %.0f against 1000: finding %v, want %v\n%s", tc.hot, f != nil, tc.want, rules(fs))
		}
		if f != nil && len(f.Evidence) != 3 {
			t.Errorf("evidence %d, want every subtask", len(f.Evidence))
		}
	}
	// Tiny rates are noise.
	s := newSamples()
	s.add("Window", 0, "numRecordsInPerSecond", 90, t0)
	s.add("Window", 1, "numRecordsInPerSecond", 1, t0)
	if fs := s.scan(DefaultConfig()); has(fs, "skew.key", Info, "") != nil {
		t.Errorf("skew on 90 records/s:\n%s", rules(fs))
	}
	// Counters, when no rates are reported.
	s = newSamples()
	s.add("Window", 0, "numRecordsIn", 5e6, t0)
	s.add("Window", 1, "numRecordsIn", 1e6, t0)
	if fs := s.scan(DefaultConfig()); has(fs, "skew.key", Warning, "5000000 records") == nil {
		t.Errorf("no skew from counters:\n%s", rules(fs))
	}
}

func TestDecliningEdges(t *testing.T) {
	series := func(last float64) []Finding {
		s := newSamples()
		for m, v := range []float64{4000, 4000, 3000, last, last} {
			s.add("Source: Kafka", 0, "numRecordsOutPerSecond", v, t0+int64(m)*60000)
		}
		return s.scan(DefaultConfig())
	}
	if fs := series(2001); has(fs, "throughput.declining", Info, "") != nil {
		t.Errorf("2001 of 4000 is not below half:\n%s", rules(fs))
	}
	if fs := series(2000); has(fs, "throughput.declining", Warning, "down 50 %") == nil {
		t.Errorf("2000 of 4000 is half:\n%s", rules(fs))
	}
	if fs := series(0); has(fs, "throughput.declining", Critical, "dropped to zero") == nil {
		t.Errorf("zero:\n%s", rules(fs))
	}
	// A dip that recovers is not a decline.
	s := newSamples()
	for m, v := range []float64{4000, 1000, 1000, 4000, 4000} {
		s.add("Source: Kafka", 0, "numRecordsOutPerSecond", v, t0+int64(m)*60000)
	}
	if fs := s.scan(DefaultConfig()); has(fs, "throughput.declining", Info, "") != nil {
		t.Errorf("recovered:\n%s", rules(fs))
	}
}

func TestWatermarkStalledEdges(t *testing.T) {
	for _, tc := range []struct {
		minutes int64
		want    bool
	}{{9, false}, {10, true}} {
		s := newSamples()
		wm := float64(t0 - 5000)
		for m := int64(0); m <= tc.minutes; m++ {
			s.add("Window", 0, "currentInputWatermark", wm, t0+m*60000)
		}
		s.add("Window", 0, "currentInputWatermark", wm+1, t0+(tc.minutes+1)*60000) // it moves again
		fs := s.scan(DefaultConfig())
		if got := has(fs, "watermark.stalled", Warning, "currentInputWatermark of Window stayed at 2025-03-14 08:59:55") != nil; got != tc.want {
			t.Errorf("%d min: finding %v, want %v\n%s", tc.minutes, got, tc.want, rules(fs))
		}
	}
	// Long.MIN_VALUE (no watermark, a processing-time job) is no stall,
	// nor is a watermark in the future (that is a future jump).
	s := newSamples()
	for m := int64(0); m <= 30; m++ {
		s.add("Map", 0, "currentOutputWatermark", math.NaN(), t0+m*60000)
		s.add("Window", 0, "currentOutputWatermark", 2524608000000, t0+m*60000)
	}
	if fs := s.scan(DefaultConfig()); has(fs, "watermark.stalled", Info, "") != nil {
		t.Errorf("stall reported:\n%s", rules(fs))
	}
}

// The playbook's second backpressure table, cell by cell.
func TestInputBuffersTable(t *testing.T) {
	plan := []flinkrest.Vertex{{JobID: "job", ID: "Source-id", Name: "Source"}, {JobID: "job", ID: "Window-id", Name: "Window", Inputs: []string{"Source-id"}}}
	for _, tc := range []struct {
		floating, upOut, exclusive float64
		withPlan                   bool
		want                       string
		sev                        Severity
	}{
		{0.1, 0.1, 0.1, true, "", 0},
		{0.1, 0.9, 0.1, true, "network bottleneck", Warning},
		{0.9, 0.1, 0.1, true, "only some input channels", Info},
		{0.9, 0.1, 0.9, true, "most or all input channels", Info},
		{0.9, 0.9, 0.1, true, "only some input channels are backpressured (skew)", Warning},
		{0.9, 0.9, 0.9, true, "most or all input channels are backpressured", Warning},
		{0.9, 0.9, 0.9, false, "upstream output pools unknown", Info},
	} {
		s := newSamples()
		s.add("Source", 0, "buffers.outPoolUsage", tc.upOut, t0)
		s.add("Window", 0, "buffers.inputFloatingBuffersUsage", tc.floating, t0)
		s.add("Window", 0, "buffers.inputExclusiveBuffersUsage", tc.exclusive, t0)
		var fs []Finding
		if tc.withPlan {
			fs = s.scan(DefaultConfig(), plan...)
		} else {
			fs = s.scan(DefaultConfig())
		}
		var got *Finding
		for i := range fs {
			if fs[i].Rule == "backpressure.root" && strings.HasPrefix(fs[i].Subject, "Window") {
				got = &fs[i]
			}
		}
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%+v: unexpected %s", tc, got.Summary)
		case tc.want != "" && (got == nil || !strings.Contains(got.Summary, tc.want) || got.Severity != tc.sev):
			t.Errorf("%+v: got %+v, want %q at %s", tc, got, tc.want, tc.sev)
		}
	}
}
