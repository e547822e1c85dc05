package metrics

import (
	"os"
	"testing"
)

func TestSlf4jReport(t *testing.T) {
	detail, err := os.ReadFile("../../testdata/slf4j/report.txt")
	if err != nil {
		t.Fatal(err)
	}
	c := &collect{}
	p := NewParser(c, nil)
	n := p.Report(detail, Sample{Line: 7, Offset: 100, Time: 1741943100001, HasTime: true, Subtask: -1}, c)
	if n != 13 || len(c.samples) != 13 {
		t.Fatalf("%d samples: %+v", n, c.samples)
	}
	by := map[string]Sample{}
	for _, s := range c.samples {
		by[s.Name] = s
	}
	if s := by["numRecordsOut"]; s.Value != 1832211 || s.Unit != "records" || s.Line != 7 || s.Time != 1741943100001 {
		t.Errorf("counter %+v", s)
	}
	if s := by["Status.JVM.Memory.Heap.Used"]; s.Value != 2412331008 || s.Unit != "bytes" || s.Scope != ScopeTaskManager {
		t.Errorf("gauge %+v", s)
	}
	if s := by["checkpointAlignmentTime.p99"]; s.Value != 840 {
		t.Errorf("histogram %+v", s)
	}
}
