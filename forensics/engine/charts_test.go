package engine

import (
	"os"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// The demo's chart data: one entry per GC pause of each JVM (as many as
// its GC statistics count), with the heap before and after, and the
// plotted metrics of its Prometheus scrapes, a series per subtask or host.
func TestDemoCharts(t *testing.T) {
	w := &input.Walker{FS: os.DirFS("../../testdata/demo")}
	res, err := Run(Paths(w, []string{"incident.tar.gz"}), Options{Version: "test", Detect: true})
	if err != nil {
		t.Fatal(err)
	}
	tl := res.Timeline
	if len(tl.JVMs) != len(res.Manifest.GC) || len(tl.JVMs) != 2 {
		t.Fatalf("%d JVMs charted, %d with GC statistics", len(tl.JVMs), len(res.Manifest.GC))
	}
	for i, j := range tl.JVMs {
		st := res.Manifest.GC[i]
		if j.Name != st.JVM || int64(len(j.Events)) != st.GCPauses || j.Clock != "wall" {
			t.Errorf("%s (%s clock): %d events; its statistics: %s, %d GC pauses", j.Name, j.Clock, len(j.Events), st.JVM, st.GCPauses)
		}
		var full, paused float64
		for _, e := range j.Events {
			if e[2] <= 0 || e[3] <= 0 || e[3] > e[2] {
				t.Fatalf("%s: heap before %v after %v", j.Name, e[2], e[3])
			}
			full += e[5]
			paused += e[1]
		}
		if d := paused/1000 - st.GCPause; d > 0.01 || d < -0.01 {
			t.Errorf("%s: %.2f s paused in the chart, %.2f s in the statistics", j.Name, paused/1000, st.GCPause)
		}
		if strings.Contains(j.Name, "taskmanager-1") && (full < 20 || st.FullGCs != int64(full)) {
			t.Errorf("%s: %v full GCs charted, %d counted", j.Name, full, st.FullGCs)
		}
	}
	subjects := map[string][]string{}
	for _, m := range tl.Metrics {
		subjects[m.Name] = append(subjects[m.Name], m.Subject)
		t.Logf("%s of %s (%s): %d points", m.Name, m.Subject, m.Unit, len(m.Points))
		if len(m.Points) < 2 {
			t.Errorf("%s of %s: %d points", m.Name, m.Subject, len(m.Points))
		}
	}
	for _, name := range []string{"busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "numRecordsInPerSecond", "Status.JVM.Memory.Heap.Used"} {
		if len(subjects[name]) < 2 {
			t.Errorf("%s: subjects %q", name, subjects[name])
		}
	}
	if hosts := strings.Join(subjects["Status.JVM.Memory.Heap.Used"], ","); hosts != "10.0.3.21,10.0.3.22" {
		t.Errorf("heap used by %s", hosts)
	}
}
