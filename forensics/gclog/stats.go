package gclog

import (
	"math"
	"slices"
)

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
	// Heap after full GCs: points and slope (bytes per hour): a live set
	// that grows from one full GC to the next is a leak.
	FullGCs       int64   `json:"full_gcs"`
	HeapAfterFull []int64 `json:"heap_after_full_gc,omitempty"`
	FullGCSlope   float64 `json:"heap_after_full_gc_slope_bytes_per_h"`
	AfterGCSlope  float64 `json:"heap_after_gc_slope_bytes_per_h"`
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

	unified bool // some event came from unified logging
	pauses  []float64
	lastSTW struct {
		kind     Kind
		pause, t float64
		ok       bool
	}
	first      float64
	last       float64
	lastPause  float64
	hasT       bool
	t0         int64 // wall clock of the first event (ms), when events have no uptime
	fullX      []float64
	fullY      []float64
	gcX, gcY   []float64
	winT, winP []float64 // pause ends and lengths, for the sliding window
}

// LongTTSPThreshold is the time to safepoint counted as long.
const LongTTSPThreshold = 0.1

// NewStats starts the statistics of a JVM; window is the sliding window of
// the overhead figures in seconds (60 if 0).
func NewStats(jvm string, window float64) *Stats {
	if window <= 0 {
		window = 60
	}
	return &Stats{JVM: jvm, ByKind: map[string]int64{}, Window: window, first: math.Inf(1)}
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
	f := e.Flags
	switch {
	case f&PromotionFailed != 0:
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
				s.HeapAfterFull = append(s.HeapAfterFull, e.Heap.After)
				if hasT {
					s.fullX, s.fullY = append(s.fullX, t), append(s.fullY, float64(e.Heap.After))
				}
			}
		} else if e.Heap.After >= 0 && hasT {
			s.gcX, s.gcY = append(s.gcX, t), append(s.gcY, float64(e.Heap.After))
		}
	}
	s.lastSTW.kind, s.lastSTW.pause, s.lastSTW.t, s.lastSTW.ok = e.Kind, pause, t, true
	s.TotalPause += pause
	s.pauses = append(s.pauses, pause)
	s.MaxPause = max(s.MaxPause, pause)
	s.lastPause = pause
	if hasT {
		s.winT, s.winP = append(s.winT, t+pause), append(s.winP, pause)
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
	if len(s.pauses) > 0 {
		p := slices.Clone(s.pauses)
		slices.Sort(p)
		q := func(f float64) float64 { return p[min(len(p)-1, int(math.Ceil(f*float64(len(p))))-1)] }
		s.Percentiles.P50, s.Percentiles.P95, s.Percentiles.P99 = q(0.50), q(0.95), q(0.99)
	}
	s.overhead()
	s.FullGCSlope = slope(s.fullX, s.fullY) * 3600
	s.AfterGCSlope = slope(s.gcX, s.gcY) * 3600
	if len(s.gcX) > 1 {
		s.TrendSpan = s.gcX[len(s.gcX)-1] - s.gcX[0]
	}
}

// overhead finds the window of Window seconds with the most pause time,
// and counts the windows (ending at each pause) over 10 %.
func (s *Stats) overhead() {
	// Pause ends are nearly sorted; sort them with their lengths.
	idx := make([]int, len(s.winT))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case s.winT[a] < s.winT[b]:
			return -1
		case s.winT[a] > s.winT[b]:
			return 1
		}
		return 0
	})
	sum, j := 0.0, 0
	last := math.Inf(-1)
	for _, i := range idx {
		end := s.winT[i]
		sum += s.winP[i]
		for s.winT[idx[j]] <= end-s.Window {
			sum -= s.winP[idx[j]]
			j++
		}
		// Only whole windows count; a run shorter than one window is one
		// window.
		span := s.Window
		if s.RunningTime < s.Window {
			span = s.RunningTime
		} else if end-s.first < s.Window {
			continue
		}
		if span <= 0 {
			continue
		}
		share := 100 * min(sum, span) / span
		if share > s.MaxOverhead {
			s.MaxOverhead, s.MaxOverheadAt = share, end
		}
		// Count disjoint windows: one per Window seconds at most.
		if share > 10 && end-last >= s.Window {
			s.WindowsOver10Pct++
			last = end
		}
	}
}

// slope is the least-squares slope of y over x (0 with fewer than two
// distinct x).
func slope(x, y []float64) float64 {
	n := float64(len(x))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
		sxx += x[i] * x[i]
		sxy += x[i] * y[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}
