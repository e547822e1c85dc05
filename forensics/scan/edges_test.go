package scan

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/flinkrest"
	"github.com/flinkdx/flinkdx/forensics/gclog"
	"github.com/flinkdx/flinkdx/forensics/metrics"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// Each detector on a small table built for it, at its thresholds' edges.

func gcEvent(up, pauseMs float64, kind gclog.Kind) *gclog.Event {
	var e gclog.Event
	e = gclog.Event{Uptime: up, Pause: pauseMs / 1e3, Kind: kind, GCID: -1, Concurrent: math.NaN(),
		User: math.NaN(), Sys: math.NaN(), Real: math.NaN(), TTSP: math.NaN(), Name: "Pause Young", HasTime: true,
		Time: 1741942800000 + int64(up*1000), Line: int64(up)}
	e.Heap = gclog.Sizes{Before: -1, After: -1, Capacity: -1}
	e.Young, e.Old, e.Meta = e.Heap, e.Heap, e.Heap
	return &e
}

func TestGCPauseSpikeEdge(t *testing.T) {
	for _, tc := range []struct {
		pause float64
		want  bool
	}{{999, false}, {1000, true}} {
		b := gclog.NewBuilder(table.Pool, table.NewRawBuilder(table.Pool))
		b.SetFile("gc.log", "gc.log")
		b.Event(gcEvent(10, tc.pause, gclog.Young))
		b.Event(gcEvent(20, 5, gclog.Young))
		s := New(DefaultConfig())
		rec := b.NewRecord()
		s.Observe("gc", rec)
		rec.Release()
		got := has(s.Findings(), "gc.pause-spike", Warning, "") != nil
		if got != tc.want {
			t.Errorf("pause %.0f ms: finding %v; want %v", tc.pause, got, tc.want)
		}
	}
}

func TestGCOverheadEdge(t *testing.T) {
	// 6 s paused in a 60 s window is 10 %: not over the threshold; 7 s is.
	for _, tc := range []struct {
		pause float64
		want  bool
	}{{6000, false}, {7000, true}} {
		b := gclog.NewBuilder(table.Pool, table.NewRawBuilder(table.Pool))
		b.SetFile("gc.log", "gc.log")
		b.Event(gcEvent(0, 1, gclog.Young))
		b.Event(gcEvent(100, tc.pause, gclog.Young))
		s := New(DefaultConfig())
		rec := b.NewRecord()
		s.Observe("gc", rec)
		rec.Release()
		if got := has(s.Findings(), "gc.overhead", Warning, "") != nil; got != tc.want {
			t.Errorf("pause %.0f ms in a minute: finding %v; want %v", tc.pause, got, tc.want)
		}
	}
}

func checkpointsOf(sizes ...float64) *flinkrest.Builder {
	rb := flinkrest.NewBuilder(table.Pool, metrics.NewBuilder(table.Pool, table.NewRawBuilder(table.Pool)))
	for i, sz := range sizes {
		rb.Checkpoint(&flinkrest.Checkpoint{Origin: flinkrest.Origin{Source: "archive", Offset: int64(i)}, JobID: "job",
			ID: int64(i + 1), Status: "COMPLETED", Trigger: 1741942800000 + int64(i)*60000, CheckpointedSize: sz,
			StateSize: sz, AlignmentBuffered: math.NaN(), ProcessedData: math.NaN(), PersistedData: math.NaN()})
	}
	return rb
}

func TestCheckpointTooLargeEdge(t *testing.T) {
	for _, tc := range []struct {
		size float64
		want bool
	}{{1 << 30, false}, {1<<30 + 1, true}} {
		rb := checkpointsOf(tc.size)
		s := New(DefaultConfig())
		rec := rb.Checkpoints.NewRecord()
		s.Observe("checkpoints", rec)
		rec.Release()
		if got := has(s.Findings(), "checkpoint.too-large", Warning, "") != nil; got != tc.want {
			t.Errorf("size %.0f: finding %v; want %v", tc.size, got, tc.want)
		}
	}
}

func TestStateUnboundedEdge(t *testing.T) {
	for _, tc := range []struct {
		sizes []float64
		want  bool
	}{
		{[]float64{100, 150, 199}, false}, // grows, but less than doubles
		{[]float64{100, 150, 200}, true},
		{[]float64{100, 300, 250, 400}, false}, // shrinks once
		{[]float64{100, 400}, false},           // two checkpoints say little
	} {
		rb := checkpointsOf(tc.sizes...)
		s := New(DefaultConfig())
		rec := rb.Checkpoints.NewRecord()
		s.Observe("checkpoints", rec)
		rec.Release()
		if got := has(s.Findings(), "state.unbounded", Warning, "") != nil; got != tc.want {
			t.Errorf("sizes %v: finding %v; want %v", tc.sizes, got, tc.want)
		}
	}
}

// state.unbounded names the first checkpoint and the first of the largest
// size, in time, however the rows are read: later ones first, and the
// largest size again after it.
func TestStateUnboundedEvidence(t *testing.T) {
	rb := checkpointsOf(100, 150, 200, 400, 400)
	rec := rb.Checkpoints.NewRecord()
	defer rec.Release()
	s := New(DefaultConfig())
	for _, part := range [][2]int64{{2, 5}, {0, 2}} {
		b := rec.NewSlice(part[0], part[1])
		s.Observe("checkpoints", b)
		b.Release()
	}
	f := has(s.Findings(), "state.unbounded", Warning, "")
	if f == nil {
		t.Fatal("no state.unbounded finding")
	}
	var offsets []int64
	for _, ev := range f.Evidence {
		offsets = append(offsets, ev.Offset)
	}
	if f.Count != 4 || !slices.Equal(offsets, []int64{0, 3}) {
		t.Errorf("count %d, evidence at offsets %v; want 4 checkpoints, offsets [0 3] (%s)", f.Count, offsets, f.Summary)
	}
}

func TestRestartLoopEdge(t *testing.T) {
	for _, n := range []int{2, 3} {
		var log strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&log, "2025-03-14 09:%02d:00,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Job j (5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3) switched from state RUNNING to RESTARTING.\n", i)
		}
		fs := analyze(t, DefaultConfig(), map[string][]byte{"jm.log": []byte(log.String())})
		loop := has(fs, "job.restart-loop", Critical, "")
		if (loop != nil) != (n >= 3) {
			t.Errorf("%d restarts: loop finding %v\n%s", n, loop != nil, rules(fs))
		}
		if loop != nil && loop.Count != 3 {
			t.Errorf("loop of %d restarts", loop.Count)
		}
	}
}

func TestBackpressureEdge(t *testing.T) {
	for _, tc := range []struct {
		busy float64
		want bool
	}{{499, false}, {500, true}} {
		mb := metrics.NewBuilder(table.Pool, table.NewRawBuilder(table.Pool))
		mb.SetFile("m.prom")
		add := func(task, name string, v float64) {
			mb.Sample(&metrics.Sample{Line: 1, Name: name, Value: v, JobID: "job", TaskName: task, Subtask: 0, Time: 1, HasTime: true})
		}
		add("source", "backPressuredTimeMsPerSecond", 800)
		add("source", "busyTimeMsPerSecond", 100)
		add("window", "backPressuredTimeMsPerSecond", 0)
		add("window", "busyTimeMsPerSecond", tc.busy)
		s := New(DefaultConfig())
		rec := mb.NewRecord()
		s.Observe("metrics", rec)
		rec.Release()
		f := has(s.Findings(), "backpressure.root", Warning, "")
		if (f != nil) != tc.want || f != nil && !strings.HasPrefix(f.Subject, "window") {
			t.Errorf("busy %.0f: %+v; want a finding %v", tc.busy, f, tc.want)
		}
	}
}

func TestWatermarkFutureEdge(t *testing.T) {
	day := float64(24 * 3600 * 1000)
	for _, tc := range []struct {
		ahead float64
		want  bool
	}{{day - 1, false}, {day, true}} {
		mb := metrics.NewBuilder(table.Pool, table.NewRawBuilder(table.Pool))
		mb.SetFile("m.prom")
		mb.Sample(&metrics.Sample{Line: 1, Name: "currentOutputWatermark", Value: 1741942800000 + tc.ahead, TaskName: "src", Subtask: 0, Time: 1741942800000, HasTime: true})
		s := New(DefaultConfig())
		rec := mb.NewRecord()
		s.Observe("metrics", rec)
		rec.Release()
		if got := has(s.Findings(), "watermark.future-jump", Warning, "") != nil; got != tc.want {
			t.Errorf("ahead %.0f ms: finding %v; want %v", tc.ahead, got, tc.want)
		}
	}
}

func TestHeapLeakEdges(t *testing.T) {
	const gib = 1 << 30
	run := func(afters ...int64) []Finding {
		b := gclog.NewBuilder(table.Pool, table.NewRawBuilder(table.Pool))
		b.SetFile("gc.log", "gc.log")
		for k, a := range afters {
			e := gcEvent(float64(10+30*k), 300, gclog.Full)
			e.Heap = gclog.Sizes{Before: 4 * gib, After: a, Capacity: 4 * gib}
			b.Event(e)
		}
		s := New(DefaultConfig())
		rec := b.NewRecord()
		s.Observe("gc", rec)
		rec.Release()
		return s.Findings()
	}
	step := int64(math.Ceil(4 * gib * 0.05 / 3)) // three steps make 5 % of the heap
	under := gib + int64(math.Floor(4*gib*0.05)) - 1
	for _, tc := range []struct {
		afters []int64
		want   bool
	}{
		{[]int64{gib, gib + step, gib + 2*step, gib + 3*step}, true},                 // 5 % of the heap
		{[]int64{gib, gib + step, gib + 2*step, under}, false},                       // just under
		{[]int64{gib, gib + step, gib + 2*step}, false},                              // too few full GCs
		{[]int64{gib, 2 * gib, gib, 2 * gib, gib, 2 * gib, gib}, false},              // no floor rising
		{[]int64{gib, gib + 3*step, gib + 2*step, gib + 4*step, gib + 5*step}, true}, // one dip
	} {
		fs := run(tc.afters...)
		if got := has(fs, "gc.heap-leak", Warning, "heap left after full GCs rose") != nil; got != tc.want {
			t.Errorf("%v: finding %v, want %v\n%s", tc.afters, got, tc.want, rules(fs))
		}
	}
}
