package gclog

import (
	"strings"
	"testing"
)

// Broken input: a record cut off by the JVM's death is kept raw and the
// events after it still parse; other programs' lines in a GC log stay raw;
// a safepoint line garbled by another thread's timestamps is recovered.
func TestRecovery(t *testing.T) {
	log := strings.Join([]string{
		"36455.096: [GC 36455.096: [ParNew (promotion failed): 153344K->153344K(153344K), 0.6818450 secs]36455.778: [CMS36459.090: [CMS-concurrent-mark: 3.439/4.155 secs] [Times: user=8.27 sys=0.17, real=4.16 secs]",
		"36467.891: [GC 36467.892: [ParNew: 136320K->17024K(153344K), 0.1523790 secs] 2387283K->2279303K(4590976K), 0.1526740 secs] [Times: user=0.25 sys=0.00, real=0.15 secs]",
		"07:19:42,943 INFO  [Server] Starting JBoss (MX MicroKernel)...",
		"2021-10-27T10:52:38.345-0400: 2021-10-27T10:52:38.345-04000.181: : Total time for which application threads were stopped: 0.0013170 seconds, Stopping threads took: 0.0000454 seconds",
		"",
	}, "\n")
	p := parse(t, "broken.log", []byte(log))
	if len(p.c.raw) != 2 || p.c.raw[0].Line != 1 || p.c.raw[1].Line != 3 {
		t.Fatalf("raw %+v", p.c.raw)
	}
	var names []string
	for _, e := range p.c.events {
		names = append(names, e.Name)
	}
	// The concurrent phase inside the cut record is still an event.
	if equal(t, "events", strings.Join(names, ", "), "CMS-concurrent-mark, GC, Total time for which application threads were stopped"); len(names) == 3 {
		within(t, "concurrent mark", p.c.events[0].Concurrent, 4.155, 1e-12)
		within(t, "young pause", p.c.events[1].Pause, 0.1526740, 1e-12)
		within(t, "stopped", p.c.events[2].Pause, 0.0013170, 1e-12)
	}
}
