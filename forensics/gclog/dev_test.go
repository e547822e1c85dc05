package gclog

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

func TestDevFigures(t *testing.T) {
	files := os.Getenv("GCFILES")
	if files == "" {
		t.Skip()
	}
	for _, f := range strings.Split(files, ";") {
		c, n := parseFile(t, f)
		st := NewStats(f, 0)
		stw, conc := map[string]bool{}, map[string]bool{}
		for i := range c.events {
			e := &c.events[i]
			st.Add(e)
			if e.Kind == Concurrent {
				conc[e.Name+"|"+e.Cause] = true
			} else if e.Kind != Safepoint {
				stw[e.Name+"|"+e.Cause] = true
			}
		}
		st.Finish()
		var kinds []string
		for k, v := range st.ByKind {
			kinds = append(kinds, fmt.Sprintf("%s=%d", k, v))
		}
		sort.Strings(kinds)
		fmt.Printf("%s\n  events %d starts %d (size %d) pauses %d gc %d kinds %v\n  total %.7f gc %.7f full %.7f sp %.7f max %.7f run %.7f thr %.10f heapmax %d used %d stwtypes %d conctypes %d unparsed %d\n",
			f[strings.LastIndex(f, "/")+1:], st.Events, n.PhaseStarts, st.Events+n.PhaseStarts, st.Pauses, st.GCPauses, kinds,
			st.TotalPause, st.GCPause, st.FullGCPause, st.SafepointPause, st.MaxPause, st.RunningTime, st.Throughput, st.MaxHeap>>10, st.MaxHeapUsed>>10, len(stw), len(conc), n.Unparsed)
		if os.Getenv("GCV") != "" {
			for _, e := range c.events {
				fmt.Printf("    %d %v %s|%s pause=%.7f conc=%.7f heap=%v up=%.3f fl=%v\n", e.Line, e.Kind, e.Name, e.Cause, e.Pause, e.Concurrent, e.Heap, e.Uptime, e.Flags.Names())
			}
		}
	}
}
