package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// gc.heap-leak: the heap left after each full collection keeps
// rising: what survives a full GC is live, so a rising floor is a leak or
// state that only grows. Per JVM; a JVM that restarts (uptime goes back)
// starts a new series.
func init() {
	register(Spec{
		Rules:      []Rule{{ID: "gc.heap-leak", Section: Environment}},
		Reads:      map[string][]string{schema.GC: {"kind", "jvm", "heap_after", "heap_capacity", "uptime_s", "ts"}},
		Thresholds: []Threshold{{Name: "heap-leak", Kind: Number, Default: "5", Help: "gc.heap-leak: percent of the heap the heap after full GCs grows by"}},
		New:        func(c Config) Detector { return &heapLeak{cfg: c} },
	})
}

type fullGC struct {
	after, capacity int64
	at              Evidence
}

type heapSeries struct {
	runs   [][]fullGC
	uptime float64
}

type heapLeak struct {
	cfg   Config
	jvms  map[string]*heapSeries
	order []string
}

func (d *heapLeak) Observe(_ string, rec arrow.Record) {
	kind := schema.Str(rec, "kind")
	full := kind.CodeOf("full")
	if full < 0 && kind.Dict() {
		return
	}
	if d.jvms == nil {
		d.jvms = map[string]*heapSeries{}
	}
	o := originOf(schema.GC, rec, "name")
	jvm, after, capacity, up := schema.Str(rec, "jvm"), schema.Int64(rec, "heap_after"), schema.Int64(rec, "heap_capacity"), schema.Float64(rec, "uptime_s")
	for i, n := 0, int(rec.NumRows()); i < n; i++ {
		if kind.Code(i) != full && !(full == -1 && kind.Get(i) == "full") {
			continue
		}
		a, ok := after.Get(i)
		c, ok2 := capacity.Get(i)
		if !ok || !ok2 || c <= 0 {
			continue
		}
		j := jvm.Get(i)
		s := d.jvms[j]
		if s == nil {
			s = &heapSeries{}
			j = strings.Clone(j)
			d.jvms[j] = s
			d.order = append(d.order, j)
		}
		u, _ := up.Get(i)
		if len(s.runs) == 0 || u < s.uptime {
			s.runs = append(s.runs, nil)
		}
		s.uptime = u
		ev := o.at(i)
		ev.Text = fmt.Sprintf("full GC left %s of %s", mib(a), mib(c))
		r := &s.runs[len(s.runs)-1]
		*r = append(*r, fullGC{a, c, ev})
	}
}

// minFullGCs is how many full collections a trend needs.
const minFullGCs = 4

func (d *heapLeak) Findings(*Context) []Finding {
	var out []Finding
	for _, j := range d.order {
		for _, r := range d.jvms[j].runs {
			if f, ok := d.leak(j, r); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

func (d *heapLeak) leak(jvm string, r []fullGC) (Finding, bool) {
	// Fewer full collections say a trend only when the last two left the
	// heap full: the live set has reached the ceiling.
	full := func(g fullGC) bool { return g.capacity > 0 && g.after*100 >= g.capacity*97 }
	if len(r) < minFullGCs && !(len(r) >= 3 && full(r[len(r)-1]) && full(r[len(r)-2])) {
		return Finding{}, false
	}
	rising := 0
	var capacity int64
	for k := range r {
		// A floor stuck at the ceiling (a full GC that frees nothing of a
		// full heap) is the end of a leak, not a pause in it.
		if k > 0 && (r[k].after > r[k-1].after || r[k].capacity > 0 && r[k].after*100 >= r[k].capacity*97) {
			rising++
		}
		if r[k].capacity > capacity {
			capacity = r[k].capacity
		}
	}
	growth := r[len(r)-1].after - r[0].after
	if 3*rising < 2*(len(r)-1) || float64(growth) < d.cfg.Float("heap-leak")/100*float64(capacity) {
		return Finding{}, false
	}
	f := Finding{Rule: "gc.heap-leak", Severity: Warning, Subject: jvm,
		Summary: fmt.Sprintf("the heap left after full GCs rose from %s to %s of %s over %d full collections: a leak, or state that only grows",
			mib(r[0].after), mib(r[len(r)-1].after), mib(capacity), len(r)),
		Remedy: "take a heap dump (jcmd GC.heap_dump, or -XX:+HeapDumpOnOutOfMemoryError) and look for what holds the memory; move large state to RocksDB"}
	f.add(r[0].at)
	f.add(r[len(r)-1].at)
	f.Count = len(r)
	return f, true
}

func mib(b int64) string {
	if b >= 10<<30 {
		return fmt.Sprintf("%.0f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
