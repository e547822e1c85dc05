package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// gc.evacuation-failure: a collection that found no room for what it had
// to copy or promote: G1's to-space exhausted (JDK 21+: "Evacuation
// Failure: Allocation"), a promotion failure, CMS's concurrent mode
// failure. Each is followed by a long pause or a full collection; the heap
// or its reserve is too small.
func init() {
	register(Spec{
		Rules: []Rule{{ID: "gc.evacuation-failure", Section: Environment}},
		Reads: map[string][]string{schema.GC: {"jvm", "name", "to_space_exhausted", "promotion_failed", "concurrent_mode_failure", "ts"}},
		New:   func(Config) Detector { return &evacuationFailures{kinds: map[string]*[3]int{}} },
	})
}

type evacuationFailures struct {
	by    byKey
	kinds map[string]*[3]int // by JVM: to-space exhausted, promotion failed, concurrent mode failure
}

var evacuationKinds = [3]string{"to-space exhausted", "promotion failed", "concurrent mode failure"}

func (d *evacuationFailures) Observe(_ string, rec arrow.Record) {
	o := originOf(schema.GC, rec, "name")
	jvm := schema.Str(rec, "jvm")
	flags := [3]schema.BoolCol{schema.Bool(rec, "to_space_exhausted"), schema.Bool(rec, "promotion_failed"), schema.Bool(rec, "concurrent_mode_failure")}
	for i, n := 0, int(rec.NumRows()); i < n; i++ {
		k := -1
		for j := range flags {
			if flags[j].Get(i) {
				k = j
				break
			}
		}
		if k < 0 {
			continue
		}
		j := jvm.Get(i)
		f := d.by.get(j, func() Finding {
			return Finding{Rule: "gc.evacuation-failure", Severity: Warning, Subject: strings.Clone(j),
				Remedy: "more heap, or a larger reserve (G1: -XX:G1ReservePercent), fewer humongous objects (a larger -XX:G1HeapRegionSize), marking started earlier (-XX:InitiatingHeapOccupancyPercent; CMS: -XX:CMSInitiatingOccupancyFraction)"}
		})
		c := d.kinds[j]
		if c == nil {
			c = &[3]int{}
			d.kinds[strings.Clone(j)] = c
		}
		c[k]++
		f.note(o, i)
	}
}

func (d *evacuationFailures) Findings(*Context) []Finding {
	out := d.by.all()
	for i := range out {
		var parts []string
		for k, n := range d.kinds[out[i].Subject] {
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, evacuationKinds[k]))
			}
		}
		out[i].Summary = "collections found no room to copy or promote live objects: " + strings.Join(parts, ", ")
	}
	return out
}
