package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"time"
)

// GC logs for benchmarks, from the line shapes of the corpus: JDK 11+ G1
// with -Xlog:gc*,safepoint:file=gc.log:time,uptime,level,tags, and JDK 8
// CMS with -XX:+PrintGCDetails -XX:+PrintGCDateStamps
// -XX:+PrintGCTimeStamps -XX:+PrintTenuringDistribution
// -XX:+PrintGCApplicationStoppedTime.

// generateG1 writes about size bytes of a unified-logging G1 log.
func generateG1(w *bufio.Writer, size int64) {
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	up := 5.0
	var written int64
	var b []byte
	line := func(tags, format string, args ...any) {
		b = start.Add(time.Duration(up*float64(time.Second))).AppendFormat(b[:0], "[2006-01-02T15:04:05.000-0700]")
		b = fmt.Appendf(b, "[%.3fs][info][%-12s] ", up, tags)
		b = fmt.Appendf(b, format, args...)
		b = append(b, '\n')
		w.Write(b)
		written += int64(len(b))
	}
	line("gc", "Using G1")
	heap := 1024
	for id := 0; written < size; id++ {
		up += 0.2 + r.Float64()*3
		pause := 3 + r.Float64()*40
		kind, cause := "Young (Normal)", "G1 Evacuation Pause"
		switch {
		case id%50 == 49:
			kind = "Young (Concurrent Start)"
		case id%50 > 40 && id%50 < 45:
			kind = "Young (Mixed)"
		case id%997 == 996:
			kind, cause, pause = "Full", "G1 Compaction Pause", 800+r.Float64()*3000
		case id%10 == 5:
			cause = "G1 Humongous Allocation"
		}
		line("safepoint", "Application time: %.7f seconds", 0.2+r.Float64()*3)
		line("gc,start", "GC(%d) Pause %s (%s)", id, kind, cause)
		line("gc,task", "GC(%d) Using 8 workers of 8 for evacuation", id)
		line("gc,phases", "GC(%d)   Pre Evacuate Collection Set: %.1fms", id, r.Float64())
		line("gc,phases", "GC(%d)   Evacuate Collection Set: %.1fms", id, pause*0.8)
		line("gc,phases", "GC(%d)   Post Evacuate Collection Set: %.1fms", id, pause*0.15)
		line("gc,phases", "GC(%d)   Other: %.1fms", id, pause*0.05)
		eden := 100 + r.IntN(60)
		line("gc,heap", "GC(%d) Eden regions: %d->0(%d)", id, eden, eden+r.IntN(20))
		line("gc,heap", "GC(%d) Survivor regions: %d->%d(%d)", id, r.IntN(10), r.IntN(10), 20)
		line("gc,heap", "GC(%d) Old regions: %d->%d", id, heap/4, heap/4+r.IntN(8))
		line("gc,heap", "GC(%d) Humongous regions: %d->%d", id, r.IntN(4), r.IntN(4))
		line("gc,metaspace", "GC(%d) Metaspace: %dK->%dK(1163264K)", id, 120000+id%1000, 120000+id%1000)
		after := 900 + r.IntN(600)
		line("gc", "GC(%d) Pause %s (%s) %dM->%dM(4096M) %.3fms", id, kind, cause, heap+eden*2, after, pause)
		line("gc,cpu", "GC(%d) User=%.2fs Sys=%.2fs Real=%.2fs", id, pause*6/1e3, pause/1e4, pause/1e3)
		line("safepoint", "Total time for which application threads were stopped: %.7f seconds, Stopping threads took: %.7f seconds",
			pause/1e3+0.0002, r.Float64()/1e4)
		if id%50 == 49 {
			line("gc", "GC(%d) Concurrent Cycle", id+1)
			line("gc,marking", "GC(%d) Concurrent Mark %.3fms", id+1, 100+r.Float64()*400)
			line("gc", "GC(%d) Pause Remark %dM->%dM(4096M) %.3fms", id+1, after, after, 2+r.Float64()*10)
			line("gc", "GC(%d) Pause Cleanup %dM->%dM(4096M) %.3fms", id+1, after, after, r.Float64())
			line("gc", "GC(%d) Concurrent Cycle %.3fms", id+1, 300+r.Float64()*900)
			id++
		}
		heap = after
	}
}

// generateCMS writes about size bytes of a JDK 8 CMS log.
func generateCMS(w *bufio.Writer, size int64) {
	r := rand.New(rand.NewPCG(5, 6))
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	up := 5.0
	var written int64
	var b []byte
	stamp := func() {
		b = start.Add(time.Duration(up*float64(time.Second))).AppendFormat(b, "2006-01-02T15:04:05.000-0700")
		b = fmt.Appendf(b, ": %.3f: ", up)
	}
	flush := func() {
		w.Write(b)
		written += int64(len(b))
		b = b[:0]
	}
	old := 1000000
	for n := 0; written < size; n++ {
		up += 0.2 + r.Float64()*3
		pause := 0.003 + r.Float64()*0.04
		stamp()
		b = append(b, "[GC (Allocation Failure) "...)
		stamp()
		b = append(b, "[ParNew\nDesired survivor size 53673984 bytes, new threshold 6 (max 6)\n"...)
		total := 0
		for age := 1; age <= 1+r.IntN(6); age++ {
			sz := 100000 + r.IntN(3000000)
			total += sz
			b = fmt.Appendf(b, "- age %3d: %10d bytes, %10d total\n", age, sz, total)
		}
		young := 838000 + r.IntN(8000)
		b = fmt.Appendf(b, ": %dK->%dK(943744K), %.7f secs] %dK->%dK(4089472K), %.7f secs] [Times: user=%.2f sys=%.2f, real=%.2f secs] \n",
			young, total/1024, pause-0.0001, old+young, old+total/1024, pause, pause*6, pause/10, pause)
		old += 2000 + r.IntN(4000)
		up += pause
		stamp()
		b = fmt.Appendf(b, "Total time for which application threads were stopped: %.7f seconds, Stopping threads took: %.7f seconds\n",
			pause+0.0002, r.Float64()/1e4)
		if n%40 == 39 {
			stamp()
			b = fmt.Appendf(b, "[GC (CMS Initial Mark) [1 CMS-initial-mark: %dK(3145728K)] %dK(4089472K), 0.0123456 secs] [Times: user=0.04 sys=0.00, real=0.01 secs] \n", old, old+300000)
			for _, phase := range []string{"mark", "preclean", "abortable-preclean"} {
				stamp()
				b = fmt.Appendf(b, "[CMS-concurrent-%s-start]\n", phase)
				up += 0.1 + r.Float64()
				stamp()
				b = fmt.Appendf(b, "[CMS-concurrent-%s: %.3f/%.3f secs] [Times: user=0.50 sys=0.01, real=0.40 secs] \n", phase, r.Float64(), r.Float64()+0.5)
			}
			stamp()
			b = fmt.Appendf(b, "[GC (CMS Final Remark) [YG occupancy: 423520 K (943744 K)]")
			stamp()
			b = fmt.Appendf(b, "[Rescan (parallel) , 0.0412345 secs]")
			stamp()
			b = fmt.Appendf(b, "[weak refs processing, 0.0001234 secs]")
			stamp()
			b = fmt.Appendf(b, "[class unloading, 0.0123456 secs]")
			stamp()
			b = fmt.Appendf(b, "[scrub symbol table, 0.0045678 secs]")
			stamp()
			b = fmt.Appendf(b, "[scrub string table, 0.0012345 secs][1 CMS-remark: %dK(3145728K)] %dK(4089472K), 0.0612345 secs] [Times: user=0.30 sys=0.00, real=0.06 secs] \n", old, old+423520)
			for _, phase := range []string{"sweep", "reset"} {
				stamp()
				b = fmt.Appendf(b, "[CMS-concurrent-%s-start]\n", phase)
				up += 0.1 + r.Float64()
				stamp()
				b = fmt.Appendf(b, "[CMS-concurrent-%s: %.3f/%.3f secs] [Times: user=0.50 sys=0.01, real=0.40 secs] \n", phase, r.Float64(), r.Float64()+0.5)
			}
			old = 1000000 + r.IntN(100000)
		}
		flush()
	}
}
