package scan

import "testing"

// A real JDK 25 G1 log with a 256 MB heap: two "(Evacuation Failure:
// Allocation)" young collections before the full collections that
// reclaim nothing (testdata/gc/real-2026/PROVENANCE.md). The ZGC log of
// the same course has none.
func TestEvacuationFailure(t *testing.T) {
	fs := analyze(t, DefaultConfig(), map[string][]byte{
		"gc.log": read(t, "../../testdata/gc/real-2026/minidomo-jdk25-g1-low-heap-evac-failure.log")})
	f := has(fs, "gc.evacuation-failure", Warning, "2 to-space exhausted")
	if f == nil {
		t.Fatalf("no evacuation failure finding in %s", rules(fs))
	}
	if f.Count != 2 || len(f.Evidence) != 2 {
		t.Errorf("count %d, evidence %d", f.Count, len(f.Evidence))
	}
	fs = analyze(t, DefaultConfig(), map[string][]byte{"gc.log": read(t, "../../testdata/gc/real-2026/zhchgatech-jdk25-genzgc-allocation-stalls.log")})
	if f := has(fs, "gc.evacuation-failure", Info, ""); f != nil {
		t.Errorf("a ZGC log: %s", f.Summary)
	}
}
