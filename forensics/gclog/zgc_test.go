package gclog

import (
	"strings"
	"testing"
)

// Generational ZGC (JDK 21+): phases carry the generation ("Y: ", "O: ",
// lower case since JDK 25), a collection is Minor or Major, and each
// generation has a summary with its sizes. Line shapes from JDK 21 and 25
// -Xlog:gc*.
func TestGenerationalZGC(t *testing.T) {
	log := strings.Join([]string{
		"[0.005s][info][gc] Using The Z Garbage Collector",
		"[0.990s][info][gc          ] GC(0) Major Collection (Metadata GC Threshold)",
		"[0.990s][info][gc,task     ] GC(0) Using 1 Workers for Young Generation",
		"[0.990s][info][gc,phases   ] GC(0) Y: Young Generation",
		"[0.990s][info][gc,phases   ] GC(0) Y: Pause Mark Start (Major) 0.011ms",
		"[1.000s][info][gc,phases   ] GC(0) Y: Concurrent Mark 9.935ms",
		"[1.000s][info][gc,phases   ] GC(0) Y: Pause Mark End 0.013ms",
		"[1.006s][info][gc,reloc    ] GC(0) Y: Using tenuring threshold: 1 (Computed)",
		"[1.007s][info][gc,phases   ] GC(0) Y: Pause Relocate Start 0.007ms",
		"[1.010s][info][gc,phases   ] GC(0) Y: Concurrent Relocate 2.810ms",
		"[1.010s][info][gc,phases   ] GC(0) Y: Young Generation 120M(47%)->64M(25%) 0.020s",
		"[1.011s][info][gc,phases   ] GC(0) O: Old Generation",
		"[1.020s][info][gc,phases   ] GC(0) O: Concurrent Mark 8.100ms",
		"[1.021s][info][gc,phases   ] GC(0) O: Pause Mark End 0.010ms",
		"[1.030s][info][gc,phases   ] GC(0) O: Old Generation 64M(25%)->40M(16%) 0.019s",
		"[1.030s][info][gc          ] GC(0) Major Collection (Metadata GC Threshold) 120M(47%)->40M(16%) 0.040s",
		"[2.000s][info][gc,phases   ] GC(1) y: Pause Mark Start 0.002ms",
		"[2.010s][info][gc          ] GC(1) Allocation Stall (main) 5.123ms",
		"",
	}, "\n")
	p := parse(t, "zgc.log", []byte(log))
	noRaw(t, p)
	st := p.stats
	equal(t, "collector", st.Collector, "ZGC")
	equal(t, "STW pauses", st.GCPauses, 5)
	within(t, "STW pause total", st.GCPause, (0.011+0.013+0.007+0.010+0.002)/1e3, 1e-12)
	equal(t, "stalls", st.Stalls, 1)
	var major *Event
	for i := range p.c.events {
		if e := &p.c.events[i]; e.Name == "Major Collection" && e.Flags&PhaseStart == 0 {
			major = e
		}
	}
	if major == nil {
		t.Fatal("no Major Collection event")
	}
	equal(t, "kind", major.Kind, Concurrent)
	equal(t, "cause", major.Cause, "Metadata GC Threshold")
	equal(t, "heap", major.Heap, Sizes{120 << 20, 40 << 20, -1})
	within(t, "duration", major.Concurrent, 0.040, 1e-12)
	starts := count(p, func(e *Event) bool { return e.Flags&PhaseStart != 0 })
	equal(t, "phase starts (collection and generations)", starts, 3)
}
