package gclog

import "math"

// Stats sums up the GC events of one JVM. Add events in log order. The
// totals follow GCViewer's definitions so the figures can be compared:
// a safepoint ("application threads were stopped") right after a GC pause
// includes that pause, so only the difference counts as extra pause time;
// the running time is from the first event to the end of the last pause.
type Stats struct {
	JVM       string `json:"jvm"`
	Collector string `json:"collector,omitempty"`
	Dialect   string `json:"dialect"` // "unified" (JDK 9+) or "jdk8" (JDK 8 and earlier)
	Events    int64  `json:"events"`
	// PhaseStarts counts the lines that start a phase whose end is an
	// event (GCViewer counts them as events).
	PhaseStarts int64 `json:"phase_starts"`
	Pauses      int64 `json:"pauses"` // stop-the-world events, GC and safepoint
	GCPauses    int64 `json:"gc_pauses"`
	// ByKind counts events per kind.
	ByKind map[string]int64 `json:"by_kind"`

	TotalPause     float64 `json:"total_pause_s"`     // GC pauses plus the safepoint time they do not include
	GCPause        float64 `json:"gc_pause_s"`        // GC pauses alone
	FullGCPause    float64 `json:"full_gc_pause_s"`   // full GC pauses
	SafepointPause float64 `json:"safepoint_pause_s"` // safepoint time beyond the GC pauses
	MaxPause       float64 `json:"max_pause_s"`
	Percentiles    struct {
		P50 float64 `json:"p50_s"`
		P95 float64 `json:"p95_s"`
		P99 float64 `json:"p99_s"`
	} `json:"pause_percentiles"`
	Concurrent float64 `json:"concurrent_s"`
	// StoppedEvents and StoppedTotal are the "Total time for which
	// application threads were stopped" (and unified safepoint) events
	// and their sum, as they are logged: each includes the GC pause that
	// ran in it, so it is not added to the GC pauses.
	StoppedEvents int64   `json:"stopped_events"`
	StoppedTotal  float64 `json:"stopped_total_s"`
	// RunDuration, GCThroughput and StoppedThroughput are garbagecat's
	// figures: the run lasts from the JVM's start (or the first event,
	// when the log starts after 60 s: a partial log) to the end of the
	// last event; the throughputs are the shares of it not in GC pauses
	// and not stopped, in whole percent.
	RunDuration       float64 `json:"run_duration_s"`
	GCThroughput      float64 `json:"gc_throughput_pct"`
	StoppedThroughput float64 `json:"stopped_throughput_pct"`
	// RunningTime is from the first event to the end of the last pause.
	RunningTime float64 `json:"running_time_s"`
	// Throughput is the share of the running time not paused, in percent.
	Throughput float64 `json:"throughput_pct"`
	// Window is the sliding window of the overhead figures, in seconds.
	Window float64 `json:"window_s"`
	// MaxOverhead is the largest share of any window spent paused
	// (percent), and where that window ends (uptime, s).
	MaxOverhead      float64 `json:"max_overhead_pct"`
	MaxOverheadAt    float64 `json:"max_overhead_at_s"`
	WindowsOver10Pct int64   `json:"windows_over_10pct"`
	// Heap after full GCs: count, largest, last and trend (bytes per
	// hour): a live set that grows from one full GC to the next is a leak.
	FullGCs           int64   `json:"full_gcs"`
	HeapAfterFullGCs  int64   `json:"heap_after_full_gc_points"`
	MaxHeapAfterFull  int64   `json:"max_heap_after_full_gc_bytes"`
	LastHeapAfterFull int64   `json:"last_heap_after_full_gc_bytes"`
	FullGCSlope       float64 `json:"heap_after_full_gc_slope_bytes_per_h"`
	AfterGCSlope      float64 `json:"heap_after_gc_slope_bytes_per_h"`
	// TrendSpan is the time the trends cover, in seconds: over a few
	// minutes they say little.
	TrendSpan      float64 `json:"trend_span_s"`
	MaxHeap        int64   `json:"max_heap_bytes"`
	MaxHeapUsed    int64   `json:"max_heap_used_bytes"`
	PromotionFail  int64   `json:"promotion_failures"`
	ConcurrentFail int64   `json:"concurrent_mode_failures"`
	ToSpace        int64   `json:"to_space_exhausted"`
	Humongous      int64   `json:"humongous_allocations"`
	Stalls         int64   `json:"allocation_stalls"`
	SystemGC       int64   `json:"explicit_system_gc"`
	LongTTSP       int64   `json:"long_time_to_safepoint"`
	MaxTTSP        float64 `json:"max_time_to_safepoint_s"`
	First          int64   `json:"first_ms,omitempty"` // wall clock of the first and last event, when known
	Last           int64   `json:"last_ms,omitempty"`

	// Everything below takes constant memory, whatever the length of the
	// log: a histogram for the percentiles, running sums for the trends,
	// the pauses of one window for the overhead.
	unified bool // some event came from unified logging
	hist    [histBuckets]int64
	lastSTW struct {
		kind     Kind
		pause, t float64
		ok       bool
	}
	first, last, lastPause float64
	hasT                   bool
	lastAt, lastLen        float64 // the last event's start (ms) and length (s): garbagecat's run end
	gcatFirst              float64 // the first event's start (ms), as garbagecat dates it
	t0                     int64   // wall clock of the first event (ms), when events have no uptime
	fullTrend, gcTrend     trend
	window                 []windowPause // pauses ending within the last Window seconds
	windowSum, lastEnd     float64
	lastOver               float64 // end of the last window counted over 10 %
}

// windowPause is a pause of the sliding window.
type windowPause struct{ end, pause float64 }

// trend is a least-squares line fitted as points arrive (Welford's
// updates, stable over long runs).
type trend struct {
	n, mx, my, cxy, m2x float64
	firstX, lastX       float64
}

func (t *trend) add(x, y float64) {
	if t.n == 0 {
		t.firstX = x
	}
	t.lastX = x
	t.n++
	dx := x - t.mx
	t.mx += dx / t.n
	t.my += (y - t.my) / t.n
	t.cxy += dx * (y - t.my)
	t.m2x += dx * (x - t.mx)
}

// slope is in y units per x unit (0 with fewer than two distinct x).
func (t *trend) slope() float64 {
	if t.n < 2 || t.m2x == 0 {
		return 0
	}
	return t.cxy / t.m2x
}

// The pause histogram: buckets 1 % wide from 1 µs up, so a percentile is
// within 0.5 % of the exact pause.
const (
	histBuckets = 2600
	histMin     = 1e-6
	histGrowth  = 1.01
)

var logGrowth = math.Log(histGrowth)

func histBucket(p float64) int {
	if p <= histMin {
		return 0
	}
	return min(histBuckets-1, 1+int(math.Log(p/histMin)/logGrowth))
}

// histValue is the middle of a bucket.
func histValue(b int) float64 {
	if b == 0 {
		return 0
	}
	return histMin * math.Pow(histGrowth, float64(b-1)+0.5)
}

// LongTTSPThreshold is the time to safepoint counted as long.
const LongTTSPThreshold = 0.1

// NewStats starts the statistics of a JVM; window is the sliding window of
// the overhead figures in seconds (60 if 0).
func NewStats(jvm string, window float64) *Stats {
	if window <= 0 {
		window = 60
	}
	return &Stats{JVM: jvm, ByKind: map[string]int64{}, Window: window, first: math.Inf(1), gcatFirst: math.Inf(1), lastOver: math.Inf(-1)}
}

// when is the time of an event in seconds: its uptime, or the wall clock
// since the first event.
func (s *Stats) when(e *Event) (float64, bool) {
	if !math.IsNaN(e.Uptime) {
		return e.Uptime, true
	}
	if e.HasTime {
		if s.t0 == 0 {
			s.t0 = e.Time
		}
		return float64(e.Time-s.t0) / 1e3, true
	}
	return 0, false
}

// Add counts one event.
func (s *Stats) Add(e *Event) {
	s.Events++
	if e.Flags&PhaseStart != 0 {
		s.PhaseStarts++
	}
	s.ByKind[e.Kind.String()]++
	s.unified = s.unified || e.Unified
	if s.Collector == "" || s.Collector == "ParNew" && e.Collector == "CMS" {
		s.Collector = e.Collector
	}
	if e.HasTime {
		if s.First == 0 || e.Time < s.First {
			s.First = e.Time
		}
		s.Last = max(s.Last, e.Time)
	}
	t, hasT := s.when(e)
	if hasT && e.Kind == Safepoint && s.lastSTW.ok && s.lastSTW.kind != Safepoint {
		// GCViewer: the safepoint ends no earlier than the GC pause it
		// includes.
		t = max(t, s.lastSTW.t+s.lastSTW.pause)
	}
	if hasT {
		s.first = min(s.first, t)
		s.last = max(s.last, t)
		s.hasT = true
	}
	raw := e.Pause
	if math.IsNaN(raw) || !e.Kind.StopTheWorld() {
		raw = 0
	}
	if !math.IsNaN(e.Uptime) {
		// garbagecat dates a stopped-time event by when the stop began:
		// it is logged at its end.
		// In whole milliseconds, as garbagecat keeps them.
		start := math.Floor(e.Uptime*1000 + 1e-6)
		if e.Kind == Safepoint && !e.Unified {
			start -= math.Floor(raw*1000 + 1e-6)
		}
		if start >= s.lastAt {
			s.lastAt, s.lastLen = start, raw
		}
		s.gcatFirst = min(s.gcatFirst, start)
	}
	if e.Kind == Safepoint {
		s.StoppedEvents++
		s.StoppedTotal += raw
	}
	s.count(e)
	if !e.Kind.StopTheWorld() {
		return
	}
	pause := e.Pause
	if math.IsNaN(pause) {
		pause = 0
	}
	s.Pauses++
	if e.Kind == Safepoint {
		// GCViewer: a safepoint right after a GC pause includes it.
		if s.lastSTW.ok && s.lastSTW.kind != Safepoint && pause-s.lastSTW.pause > 0 {
			pause -= s.lastSTW.pause
		}
		s.SafepointPause += pause
	} else {
		s.GCPauses++
		s.GCPause += pause
		if e.Kind == Full {
			s.FullGCs++
			s.FullGCPause += pause
			if e.Heap.After >= 0 {
				s.HeapAfterFullGCs++
				s.MaxHeapAfterFull = max(s.MaxHeapAfterFull, e.Heap.After)
				s.LastHeapAfterFull = e.Heap.After
				if hasT {
					s.fullTrend.add(t, float64(e.Heap.After))
				}
			}
		} else if e.Heap.After >= 0 && hasT {
			s.gcTrend.add(t, float64(e.Heap.After))
		}
	}
	s.lastSTW.kind, s.lastSTW.pause, s.lastSTW.t, s.lastSTW.ok = e.Kind, pause, t, true
	s.TotalPause += pause
	s.hist[histBucket(pause)]++
	s.MaxPause = max(s.MaxPause, pause)
	s.lastPause = pause
	if hasT {
		s.slide(t+pause, pause)
	}
}

// count counts the trouble an event reports.
func (s *Stats) count(e *Event) {
	f := e.Flags
	if f&PromotionFailed != 0 {
		s.PromotionFail++
	}
	if f&ConcurrentModeFailure != 0 {
		s.ConcurrentFail++
	}
	if f&ToSpaceExhausted != 0 {
		s.ToSpace++
	}
	if f&Humongous != 0 {
		s.Humongous++
	}
	if f&AllocationStall != 0 {
		s.Stalls++
	}
	if f&SystemGC != 0 {
		s.SystemGC++
	}
	if e.Heap.Capacity > s.MaxHeap {
		s.MaxHeap = e.Heap.Capacity
	}
	if e.Heap.Before > s.MaxHeapUsed {
		s.MaxHeapUsed = e.Heap.Before
	}
	if !math.IsNaN(e.Concurrent) && e.Kind == Concurrent {
		s.Concurrent += e.Concurrent
	}
	if !math.IsNaN(e.TTSP) {
		s.MaxTTSP = max(s.MaxTTSP, e.TTSP)
		if e.TTSP >= LongTTSPThreshold {
			s.LongTTSP++
		}
	}
}

// slide moves the overhead window to end where a pause ends and rates it.
// Pause ends are taken in log order: one logged out of order counts as
// ending with the one before. Only whole windows are rated.
func (s *Stats) slide(end, pause float64) {
	end = max(end, s.lastEnd)
	s.lastEnd = end
	s.window = append(s.window, windowPause{end, pause})
	s.windowSum += pause
	k := 0
	for k < len(s.window) && s.window[k].end <= end-s.Window {
		s.windowSum -= s.window[k].pause
		k++
	}
	s.window = s.window[k:]
	if end-s.first < s.Window {
		return
	}
	share := 100 * min(s.windowSum, s.Window) / s.Window
	if share > s.MaxOverhead {
		s.MaxOverhead, s.MaxOverheadAt = share, end
	}
	// Windows over 10 % are counted at most one per window length.
	if share > 10 && end-s.lastOver >= s.Window {
		s.WindowsOver10Pct++
		s.lastOver = end
	}
}

// garbagecat computes garbagecat's run duration and throughputs (its
// JvmRun: timestamps in whole milliseconds of uptime, durations in
// microseconds, the throughputs rounded half to even at two decimals).
func (s *Stats) garbagecat() {
	if math.IsInf(s.gcatFirst, 1) {
		return
	}
	start := 0.0
	if s.gcatFirst > 60_000 {
		start = s.gcatFirst
	}
	run := s.lastAt + math.Floor(s.lastLen*1000+1e-6) - start
	if run <= 0 {
		return
	}
	s.RunDuration = run / 1000
	share := func(stopped float64) float64 {
		return math.RoundToEven((run - stopped*1000) / run * 100) // two decimals, then whole percent
	}
	s.GCThroughput = share(s.GCPause)
	if s.StoppedEvents > 0 {
		s.StoppedThroughput = share(s.StoppedTotal)
	}
}

// Finish computes the figures that need every event.
func (s *Stats) Finish() {
	s.Dialect = "jdk8"
	if s.unified {
		s.Dialect = "unified"
	}
	if s.hasT && s.Events > 0 {
		s.RunningTime = s.last - s.first + s.lastPause
	}
	if s.RunningTime > 0 {
		s.Throughput = 100 * (s.RunningTime - s.TotalPause) / s.RunningTime
	}
	s.garbagecat()
	if s.Pauses > 0 {
		q := func(f float64) float64 {
			rank := int64(math.Ceil(f * float64(s.Pauses)))
			seen := int64(0)
			for b, n := range s.hist {
				if seen += n; seen >= rank {
					return min(histValue(b), s.MaxPause)
				}
			}
			return s.MaxPause
		}
		s.Percentiles.P50, s.Percentiles.P95, s.Percentiles.P99 = q(0.50), q(0.95), q(0.99)
	}
	if s.RunningTime > 0 && s.RunningTime < s.Window {
		// A run shorter than one window is one window.
		s.MaxOverhead, s.MaxOverheadAt = 100*min(s.TotalPause, s.RunningTime)/s.RunningTime, s.lastEnd
		if s.MaxOverhead > 10 {
			s.WindowsOver10Pct = 1
		}
	}
	s.FullGCSlope = s.fullTrend.slope() * 3600
	s.AfterGCSlope = s.gcTrend.slope() * 3600
	s.TrendSpan = s.gcTrend.lastX - s.gcTrend.firstX
}
