package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// gc.allocation-stall: ZGC and Shenandoah threads that waited for memory
// ("Allocation Stall (main) 8.911ms"), and the collections such stalls
// started ("Major Collection (Allocation Stall)"). The pauses of these
// collectors stay short, so a stall is the sign that the heap is too small
// for the allocation rate: the application stops anyway, thread by thread.
func init() {
	register(Spec{
		Rules: []Rule{{ID: "gc.allocation-stall", Section: Environment}},
		Reads: map[string][]string{schema.GC: {"jvm", "name", "cause", "gc_id", "concurrent_ms", "allocation_stall", "uptime_s", "ts"}},
		Thresholds: []Threshold{{Name: "allocation-stall", Kind: Duration, Default: "1s",
			Help: "gc.allocation-stall: threads' time stalled for memory, in all, that makes the finding critical"}},
		New: func(c Config) Detector { return &allocationStalls{cfg: c, jvms: map[string]*stallSum{}} },
	})
}

type allocationStalls struct {
	cfg  Config
	by   byKey
	jvms map[string]*stallSum
}

type stallSum struct {
	ms, longest float64
	longestAt   moment
	cycles      map[int64]bool // by GC id: a collection's start and end are two rows
}

func (d *allocationStalls) Observe(_ string, rec arrow.Record) {
	o := originOf(schema.GC, rec, "name")
	jvm, cause := schema.Str(rec, "jvm"), schema.Str(rec, "cause")
	stall, ms, up := schema.Bool(rec, "allocation_stall"), schema.Float64(rec, "concurrent_ms"), schema.Float64(rec, "uptime_s")
	id := schema.Int64(rec, "gc_id")
	started := cause.Where(func(c string) bool { return strings.Contains(c, "Allocation Stall") })
	for i, n := 0, int(rec.NumRows()); i < n; i++ {
		isStall, isCycle := stall.Get(i), started.Has(i)
		if !isStall && !isCycle {
			continue
		}
		j := jvm.Get(i)
		f := d.by.get(j, func() Finding {
			return Finding{Rule: "gc.allocation-stall", Severity: Warning, Subject: strings.Clone(j),
				Remedy: "the heap is too small for the allocation rate: give the JVM more heap, or start collections earlier (ZGC: -XX:SoftMaxHeapSize, -XX:ZAllocationSpikeTolerance; Shenandoah: a lower -XX:ShenandoahMinFreeThreshold), and find what allocates"}
		})
		s := d.jvms[j]
		if s == nil {
			s = &stallSum{cycles: map[int64]bool{}}
			d.jvms[strings.Clone(j)] = s
		}
		if isCycle {
			gc, ok := id.Get(i)
			if !ok {
				gc = -int64(len(s.cycles)) - 1
			}
			s.cycles[gc] = true
			if len(f.Evidence) == 0 {
				f.add(o.at(i))
				f.Count-- // a collection is context, not a stall
			}
			continue
		}
		f.note(o, i)
		v, _ := ms.Get(i)
		s.ms += v
		if v > s.longest {
			s.longest = v
			t, _ := o.ts.Get(i)
			u, _ := up.Get(i)
			s.longestAt = moment{t, u}
		}
	}
}

func (d *allocationStalls) Findings(*Context) []Finding {
	out := d.by.all()
	kept := out[:0]
	critical := float64(d.cfg.Duration("allocation-stall").Milliseconds())
	for _, f := range out {
		s := d.jvms[f.Subject]
		switch {
		case f.Count > 0:
			f.Summary = fmt.Sprintf("%d allocation stalls: threads waited %.1f ms for memory in all, the longest %.1f ms at %s",
				f.Count, s.ms, s.longest, s.longestAt)
			if s.ms >= critical {
				f.Severity = Critical
			}
		case len(s.cycles) > 0:
			f.Count = len(s.cycles)
			f.Summary = "allocation stalls started collections (no stall of a thread is logged: -Xlog:gc*=info shows them)"
		default:
			continue
		}
		if len(s.cycles) > 0 && f.Count != len(s.cycles) {
			f.Summary += fmt.Sprintf("; %d collections started by an allocation stall", len(s.cycles))
		}
		kept = append(kept, f)
	}
	return kept
}
