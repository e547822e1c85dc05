package gclog

import (
	"math"
	"testing"
)

// GCViewer's expected figures (testdata/gc/EXPECTED_FIGURES.md, each
// stated by a GCViewer reader test). GCViewer counts every event it
// models, including the start lines of concurrent phases and the
// "application threads were stopped" safepoints; its total pause adds to
// the GC pauses the part of each safepoint that a GC pause just before it
// does not cover; its throughput is 100 × (running time − total pause) /
// running time, the running time being from the first event to the end of
// the last pause. Stats follows the same rules, so most figures compare
// directly; where flinkdx models an event differently, the test says how
// and checks flinkdx's own number.

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.10g; GCViewer %.10g (tolerance %g)", what, got, want, tol)
	}
}

func equal[T comparable](t *testing.T, what string, got, want T) bool {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v; want %v", what, got, want)
		return false
	}
	return true
}

const (
	µs  = 1e-6 // total pause: to 1 µs
	pct = 0.01 // throughput: to 0.01 %
)

// distinct counts the distinct names (with their cause, as GCViewer's
// event types have them) of events that match.
func distinct(p *parsed, match func(e *Event) bool) int {
	seen := map[string]bool{}
	for i := range p.c.events {
		if e := &p.c.events[i]; match(e) {
			seen[e.Name+"|"+e.Cause] = true
		}
	}
	return len(seen)
}

func count(p *parsed, match func(e *Event) bool) int64 {
	n := int64(0)
	for i := range p.c.events {
		if match(&p.c.events[i]) {
			n++
		}
	}
	return n
}

func isKind(k Kind) func(e *Event) bool { return func(e *Event) bool { return e.Kind == k } }

func stwGC(e *Event) bool { return e.Kind.StopTheWorld() && e.Kind != Safepoint }

func noRaw(t *testing.T, p *parsed) {
	t.Helper()
	if p.counts.Unparsed != 0 {
		t.Errorf("%d lines not understood, first %q", p.counts.Unparsed, p.c.raw[0].Text)
	}
}

func TestGCViewerFigures(t *testing.T) {
	t.Run("Sun1_5_0ConcurrentModeFailure", func(t *testing.T) { // TestDataReaderSun1_5_0.java:104-106
		p := gcviewer(t, "SampleSun1_5_0ConcurrentModeFailure.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 3417)
		within(t, "throughput", p.stats.Throughput, 78.558339113, pct)
		within(t, "total pause", p.stats.TotalPause, 181.8116798, µs)
	})
	t.Run("Sun1_5_0CMS_PrintGCDetails", func(t *testing.T) { // TestDataReaderSun1_5_0.java:53-57
		p := gcviewer(t, "SampleSun1_5_0CMS_PrintGCDetails.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 515)
		within(t, "throughput", p.stats.Throughput, 88.2823289184, pct)
		within(t, "total pause", p.stats.TotalPause, 9.1337492, µs)
		// "[GC [DefNew: ...] [CMS: ...]": the young collection fell back to
		// collecting the old generation; GCViewer and flinkdx count it full.
		within(t, "full GC pause", p.stats.FullGCPause, 7.4672903, µs)
	})
	t.Run("Sun1_5_0CMS_IncrementalPacing", func(t *testing.T) { // TestDataReaderSun1_5_0.java:78-82
		p := gcviewer(t, "SampleSun1_5_0CMS_IncrementalPacing.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 810)
		within(t, "throughput", p.stats.Throughput, 94.181240109114, pct)
		within(t, "total pause", p.stats.TotalPause, 2.3410947, µs)
		equal(t, "full GCs", p.stats.FullGCs, 0)
	})
	t.Run("Sun1_5_0AdaptiveSizePolicy", func(t *testing.T) { // TestDataReaderSun1_5_0.java:38-43
		p := gcviewer(t, "SampleSun1_5_0AdaptiveSizePolicy.txt")
		noRaw(t, p)
		equal(t, "pauses", p.stats.Pauses, 6)
		equal(t, "young", p.stats.ByKind["young"], 5)
		equal(t, "full", p.stats.ByKind["full"], 1)
		within(t, "total pause", p.stats.TotalPause, 0.1024222, µs)
		within(t, "full pause", p.stats.FullGCPause, 0.0583435, µs)
		within(t, "young pause", p.stats.GCPause-p.stats.FullGCPause, 0.0440787, µs)
		equal(t, "collector", p.stats.Collector, "Parallel")
	})
	t.Run("Sun1_5_0PromotionFailure", func(t *testing.T) { // TestDataReaderSun1_5_0.java:92-94
		p := gcviewer(t, "SampleSun1_5_0PromotionFailure.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 6)
		within(t, "throughput", p.stats.Throughput, 98.0937624615, pct)
		within(t, "total pause", p.stats.TotalPause, 8.413616, µs)
		if p.stats.PromotionFail == 0 {
			t.Error("no promotion failure counted")
		}
	})
	t.Run("Sun1_6_0G1_gc_verbose", func(t *testing.T) { // TestDataReaderSun1_6_0G1.java:47-64
		p := gcviewer(t, "SampleSun1_6_0G1_gc_verbose.txt")
		noRaw(t, p)
		within(t, "total pause", p.stats.TotalPause, 62.616796, µs)
		within(t, "throughput", p.stats.Throughput, 47.7730602904, pct)
		within(t, "max pause", p.stats.MaxPause, 0.1581177, µs)
		within(t, "running time", p.stats.RunningTime, 119.8936724, µs)
		equal(t, "full GCs", p.stats.FullGCs, 5)
		equal(t, "heap after full GC points", p.stats.HeapAfterFullGCs, 5)
		equal(t, "max heap after full GC (MB)", p.stats.MaxHeapAfterFull>>20, 33)
		equal(t, "collector", p.stats.Collector, "G1")
	})
	t.Run("Sun1_6_0CMS", func(t *testing.T) { // TestDataReaderSun1_6_0.java:408-431
		p := gcviewer(t, "SampleSun1_6_0CMS.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 41)
		equal(t, "max heap capacity (KB)", p.stats.MaxHeap>>10, 249088)
		equal(t, "max heap used (KB)", p.stats.MaxHeapUsed>>10, 209896)
		// The two concurrent mode failures collect the old generation
		// stop-the-world: full GCs.
		equal(t, "full GCs", p.stats.FullGCs, 2)
		equal(t, "concurrent mode failures", p.stats.ConcurrentFail, 2)
		equal(t, "max heap after full GC (KB)", p.stats.MaxHeapAfterFull>>10, 31297)
		equal(t, "collector", p.stats.Collector, "CMS")
	})
	t.Run("Sun1_7_0_51_CMS_PrintApplStoppedTime", func(t *testing.T) { // TestDataReaderSun1_7_0.java:323-332
		p := gcviewer(t, "SampleSun1_7_0_51_CMS_PrintApplStoppedTime.txt")
		noRaw(t, p)
		// The young collection inside the remark (CMSScavengeBeforeRemark)
		// is an event of its own, and the remark's pause is what is left.
		equal(t, "events", p.stats.Events, 14)
		equal(t, "safepoints", p.stats.ByKind["safepoint"], 2)
		within(t, "total pause", p.stats.TotalPause, 0.0015562, µs)
		within(t, "throughput", p.stats.Throughput, 89.731645035, pct)
	})
	t.Run("Sun1_7_0_51_CMS_PrintApplStoppedTime_TenuringDist", func(t *testing.T) { // TestDataReaderSun1_7_0.java:347-357
		p := gcviewer(t, "SampleSun1_7_0_51_CMS_PrintApplStoppedTime_TenuringDist.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 19)
		equal(t, "safepoints", p.stats.ByKind["safepoint"], 4)
		within(t, "total pause", p.stats.TotalPause, 0.0488497, µs)
		within(t, "throughput", p.stats.Throughput, 29.66965410503, pct)
	})
	t.Run("Sun1_7_0_51_G1_PrintApplicationTimeTenuringDistribution", func(t *testing.T) { // TestDataReaderSun1_7_0G1.java:569-584
		p := gcviewer(t, "SampleSun1_7_0_51_G1_PrintApplicationTimeTenuringDistribution.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 3)
		within(t, "total pause", p.stats.TotalPause, 0.0009342, µs)
		within(t, "throughput", p.stats.Throughput, 99.88663576, pct)
	})
	t.Run("Sun1_8_0G1PrintGCCausePrintTenuringDistribution", func(t *testing.T) { // TestDataReaderSun1_8_0G1.java:103
		p := gcviewer(t, "SampleSun1_8_0G1PrintGCCausePrintTenuringDistribution.txt")
		noRaw(t, p)
		within(t, "total pause", p.stats.TotalPause, 16.7578613, µs)
		e := p.c.events[0]
		equal(t, "cause", e.Cause, "G1 Evacuation Pause")
		equal(t, "heap before (GB×10)", e.Heap.Before*10>>30, 215)
		within(t, "real", e.Real, 16.76, 1e-9)
	})
	t.Run("OpenJdk1_8_0-332 Shenandoah", func(t *testing.T) { // TestDataReaderSun1_8_0.java:343-348
		p := gcviewer(t, "SampleOpenJdk1_8_0-332.txt")
		noRaw(t, p)
		// GCViewer skips Shenandoah's "[Concurrent marking, start]" lines;
		// flinkdx keeps the starts of concurrent phases as events.
		starts := count(p, func(e *Event) bool { return e.Flags&PhaseStart != 0 })
		equal(t, "events without phase starts", p.stats.Events-starts, 20)
		equal(t, "stop-the-world types", distinct(p, stwGC), 7)
		equal(t, "full GCs", p.stats.FullGCs, 0)
		equal(t, "concurrent types", distinct(p, func(e *Event) bool { return e.Kind == Concurrent }), 7)
		within(t, "total pause", p.stats.TotalPause, 0.197536, µs)
		equal(t, "max heap (MB)", p.stats.MaxHeap>>20, 3966)
		equal(t, "collector", p.stats.Collector, "Shenandoah")
	})
	t.Run("ujl-g1-gc-defaults", func(t *testing.T) { // TestDataReaderUJLG1.java:36-41
		p := gcviewer(t, "unified-jvm-logging/sample-ujl-g1-gc-defaults.txt")
		noRaw(t, p)
		// GCViewer models "GC(11) To-space exhausted" as a GC pause event of
		// its own; flinkdx marks the pause of GC(11) with it.
		tse := count(p, func(e *Event) bool { return e.Flags&ToSpaceExhausted != 0 })
		equal(t, "to-space exhausted", tse, 3)
		equal(t, "events + to-space exhausted", p.stats.Events+tse, 15)
		gcPauses := count(p, func(e *Event) bool { return stwGC(e) && e.Kind != Full })
		equal(t, "GC pauses + to-space exhausted", gcPauses+tse, 12)
		equal(t, "GC pause types + to-space exhausted", distinct(p, func(e *Event) bool { return stwGC(e) && e.Kind != Full })+1, 6)
		equal(t, "full GCs", p.stats.FullGCs, 1)
		equal(t, "concurrent types", distinct(p, isKind(Concurrent)), 1)
		equal(t, "collector", p.stats.Collector, "G1")
	})
	t.Run("ujl-g1-gc-all,safepoint,os+cpu", func(t *testing.T) { // TestDataReaderUJLG1.java:111-117
		p := gcviewer(t, "unified-jvm-logging/sample-ujl-g1-gc-all,safepoint,os+cpu.txt")
		noRaw(t, p)
		equal(t, "STW GC pauses", p.stats.GCPauses, 13)
		equal(t, "safepoints", p.stats.ByKind["safepoint"], 14)
		equal(t, "full GCs", p.stats.FullGCs, 0)
		// GCViewer reads the concurrent phases of the [gc] tag only (the
		// concurrent cycle's start and end); flinkdx also keeps the phases
		// logged under [gc,marking].
		cycle := count(p, func(e *Event) bool { return e.Name == "Concurrent Cycle" })
		equal(t, "GC pauses + safepoints + concurrent cycle", p.stats.GCPauses+p.stats.ByKind["safepoint"]+cycle, 29)
		for _, e := range p.c.events {
			if e.Name == "Pause Young" && math.IsNaN(e.User) {
				t.Errorf("GC(%d): CPU times not joined to the pause", e.GCID)
			}
		}
	})
	t.Run("ujl-parallel-gc-defaults", func(t *testing.T) { // TestDataReaderUJLParallel.java:33-38
		p := gcviewer(t, "unified-jvm-logging/sample-ujl-parallel-gc-defaults.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 11)
		equal(t, "young", p.stats.ByKind["young"], 5)
		equal(t, "full", p.stats.ByKind["full"], 6)
	})
	t.Run("ujl-serial-gc-defaults", func(t *testing.T) { // TestDataReaderUJLSerial.java:33-50
		p := gcviewer(t, "unified-jvm-logging/sample-ujl-serial-gc-defaults.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 11)
		equal(t, "young", p.stats.ByKind["young"], 8)
		equal(t, "full", p.stats.ByKind["full"], 3)
		first := map[Kind]float64{}
		for _, e := range p.c.events {
			if _, ok := first[e.Kind]; !ok {
				first[e.Kind] = e.Pause
			}
		}
		within(t, "first young pause", first[Young], 0.011421, µs)
		within(t, "first full pause", first[Full], 0.007097, µs)
	})
	t.Run("ujl-cms-gc-all,safepoint,os+cpu", func(t *testing.T) { // TestDataReaderUJLCMS.java:94-98
		p := gcviewer(t, "unified-jvm-logging/sample-ujl-cms-gc-all,safepoint,os+cpu.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 37)
		equal(t, "STW types", distinct(p, func(e *Event) bool { return stwGC(e) && e.Kind != Full }), 3)
		equal(t, "safepoints", p.stats.ByKind["safepoint"], 11)
		equal(t, "full types", distinct(p, isKind(Full)), 1)
		equal(t, "concurrent types", distinct(p, isKind(Concurrent)), 4)
	})
	t.Run("ujl-zgc-gc-other", func(t *testing.T) { // TestDataReaderUJLZGC.java:265-272
		p := gcviewer(t, "unified-jvm-logging/sample-ujl-zgc-gc-other.txt")
		noRaw(t, p)
		// GCViewer counts the 14 allocation and relocation stalls and the
		// cycle's summary as its 15 "GC pauses", and the three pauses of the
		// cycle (Pause Mark Start, Mark End, Relocate Start) as phases of it.
		// flinkdx keeps the three as the stop-the-world events they are,
		// and the stalls as stalls (threads waiting, not the world).
		equal(t, "stalls", p.stats.Stalls, 14)
		summary := count(p, func(e *Event) bool { return e.Name == "Garbage Collection" })
		equal(t, "stalls + cycle summary", p.stats.Stalls+summary, 15)
		equal(t, "STW pauses", p.stats.GCPauses, 3)
		within(t, "STW pause total", p.stats.GCPause, 0.000025, 1e-9)
		equal(t, "full GCs", p.stats.FullGCs, 0)
		equal(t, "concurrent types", distinct(p, func(e *Event) bool { return e.Kind == Concurrent && e.Name != "Garbage Collection" }), 6)
		equal(t, "events - STW phases", p.stats.Events-p.stats.GCPauses, 21)
		equal(t, "max heap (MB)", p.stats.MaxHeap>>20, 3884)
	})
	t.Run("ShenandoahAllocationFailure", func(t *testing.T) { // TestDataReaderUJLShenandoah.java:35-47
		p := gcviewer(t, "unified-jvm-logging/SampleShenandoahAllocationFailure.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 1)
		e := p.c.events[0]
		equal(t, "name", e.Name, "Pause Full")
		equal(t, "cause", e.Cause, "Allocation Failure")
		equal(t, "GC id", e.GCID, 831)
		within(t, "total pause", p.stats.TotalPause, 14.289335, µs)
		equal(t, "heap", e.Heap, Sizes{7943 << 20, 6013 << 20, 8192 << 20})
	})
	t.Run("ShenandoahSeveralSystemGC", func(t *testing.T) { // TestDataReaderUJLShenandoah.java:86
		p := gcviewer(t, "unified-jvm-logging/SampleShenandoahSeveralSystemGC.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 878)
		if p.stats.SystemGC == 0 {
			t.Error("no System.gc() counted")
		}
	})
	t.Run("ujl-shenandoah-jdk17", func(t *testing.T) { // TestDataReaderUJLShenandoah.java:124-128
		p := gcviewer(t, "unified-jvm-logging/Sample-ujl-shenandoah-jdk17.txt")
		noRaw(t, p)
		equal(t, "events", p.stats.Events, 17)
		equal(t, "STW types", distinct(p, stwGC), 4)
		equal(t, "safepoints", p.stats.ByKind["safepoint"], 0)
		equal(t, "concurrent types", distinct(p, isKind(Concurrent)), 12)
	})
}
