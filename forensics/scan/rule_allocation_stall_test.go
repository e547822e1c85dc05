package scan

import "testing"

// A real generational ZGC log (JDK 25, 256 MB heap) whose live set grows
// until threads stall: 8 "Allocation Stall (main)" lines, 50.5 ms in all,
// the longest 8.911 ms at 25.406 s, and 15 collections started by a stall
// (testdata/gc/real-2026/PROVENANCE.md). A healthy ZGC log has none.
func TestAllocationStall(t *testing.T) {
	fs := analyze(t, DefaultConfig(), map[string][]byte{
		"gc.log": read(t, "../../testdata/gc/real-2026/zhchgatech-jdk25-genzgc-allocation-stalls.log")})
	f := has(fs, "gc.allocation-stall", Warning, "8 allocation stalls: threads waited 50.5 ms for memory in all, the longest 8.9 ms at uptime 25.406 s; 15 collections started by an allocation stall")
	if f == nil {
		t.Fatalf("no allocation stall finding in %s", rules(fs))
	}
	if f.Severity != Warning || f.Count != 8 || len(f.Evidence) != 8 || f.Evidence[0].Line != 1510 {
		t.Errorf("severity %v, count %d, evidence %d from line %d", f.Severity, f.Count, len(f.Evidence), f.Evidence[0].Line)
	}
	// 50 ms of stalls is critical once the threshold is below it.
	cfg := DefaultConfig()
	cfg.Set("allocation-stall", "50ms")
	fs = analyze(t, cfg, map[string][]byte{"gc.log": read(t, "../../testdata/gc/real-2026/zhchgatech-jdk25-genzgc-allocation-stalls.log")})
	if f := has(fs, "gc.allocation-stall", Critical, ""); f == nil {
		t.Errorf("50.5 ms of stalls over a 50 ms threshold is not critical: %s", rules(fs))
	}
	// The G1 log of the same course stalls no thread.
	fs = analyze(t, DefaultConfig(), map[string][]byte{"gc.log": read(t, "../../testdata/gc/real-2026/minidomo-jdk25-g1-low-heap-evac-failure.log")})
	if f := has(fs, "gc.allocation-stall", Info, ""); f != nil {
		t.Errorf("a G1 log without stalls: %s", f.Summary)
	}
}
