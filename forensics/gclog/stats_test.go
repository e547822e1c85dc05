package gclog

import "testing"

func pauseAt(up, pause float64, k Kind, heapAfter int64) *Event {
	var e Event
	e.reset()
	e.Uptime, e.Pause, e.Kind = up, pause, k
	e.Heap.After = heapAfter
	return &e
}

// TestStatsWindowsAndTrends checks the figures GCViewer does not state:
// overhead windows, percentiles, the heap-after-full-GC trend.
func TestStatsWindowsAndTrends(t *testing.T) {
	st := NewStats("jvm", 60)
	// Ten minutes of 100 ms young pauses every 10 s, then a minute in which
	// full GCs take 20 s of every 30 s, each leaving 100 MiB more behind.
	for up := 0.0; up < 600; up += 10 {
		st.Add(pauseAt(up, 0.1, Young, 1<<30))
	}
	st.Add(pauseAt(600, 20, Full, 1<<30))
	st.Add(pauseAt(630, 20, Full, 1<<30+100<<20))
	st.Add(pauseAt(660, 20, Full, 1<<30+200<<20))
	st.Finish()
	equal(t, "pauses", st.Pauses, 63)
	equal(t, "full GCs", st.FullGCs, 3)
	within(t, "total pause", st.TotalPause, 66, 1e-9)
	within(t, "running time", st.RunningTime, 680, 1e-9)
	within(t, "throughput", st.Throughput, 100*(680-66)/680.0, 1e-9)
	// Windows end where pauses end. The worst ends with the second full
	// GC (650 s): it holds the young pause ending at 590.1 s and two full
	// GCs, 40.1 s of pause in 60 s.
	within(t, "max overhead", st.MaxOverhead, 100*40.1/60, 1e-9)
	within(t, "at", st.MaxOverheadAt, 650, 1e-9)
	// Young-only windows are at 1 %; windows over 10 % are counted at most
	// one per 60 s: those ending at 620 s and at 680 s.
	equal(t, "windows over 10 %", st.WindowsOver10Pct, 2)
	// Percentiles come from a histogram of 1 % buckets.
	within(t, "p50", st.Percentiles.P50, 0.1, 0.1*0.005)
	within(t, "p99", st.Percentiles.P99, 20, 20*0.005)
	// 100 MiB more every 30 s: 12000 MiB an hour.
	within(t, "full GC trend (MiB/h)", st.FullGCSlope/(1<<20), 12000, 1e-6)
}

// TestStatsSafepointAfterGC: a safepoint that holds a GC pause adds only
// what the pause does not cover, and ends no earlier than that pause.
func TestStatsSafepointAfterGC(t *testing.T) {
	st := NewStats("jvm", 60)
	st.Add(pauseAt(10, 0.5, Young, -1))
	st.Add(pauseAt(10.1, 0.6, Safepoint, -1)) // logged before the GC's end
	st.Add(pauseAt(20, 0.2, Safepoint, -1))   // a safepoint of its own
	st.Finish()
	within(t, "total pause", st.TotalPause, 0.5+0.1+0.2, 1e-12)
	within(t, "safepoint beyond GC", st.SafepointPause, 0.1+0.2, 1e-12)
	within(t, "running time", st.RunningTime, 20-10+0.2, 1e-12)
}
