package scan

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// skew.key: one subtask of a vertex carries far more records than its
// siblings (a hot key). Read from the records per second each subtask
// takes in (a source: emits), or, without rates, from the numRecordsIn
// counters' largest values.
func init() {
	register(Spec{
		Rules:      []Rule{{ID: "skew.key", Section: Throughput}},
		Reads:      map[string][]string{schema.Metrics: scoped},
		Thresholds: []Threshold{{Name: "skew", Kind: Number, Default: "3", Help: "skew.key: a subtask's records per second over its siblings' mean"}},
		New:        func(c Config) Detector { return &skew{cfg: c} },
	})
}

type skew struct {
	cfg Config
	r   *rates // shared: the Scanner reads the metrics into it once
}

func (d *skew) Observe(string, arrow.Record) {}
func (d *skew) useRates(r *rates)            { d.r = r }

// minSkewRate keeps noise out: below it a subtask carrying "five times
// more" is a handful of records.
const minSkewRate = 100

func (d *skew) Findings(*Context) []Finding {
	var out []Finding
	for _, g := range d.r.subs.vertexGroups() {
		if len(g) < 2 {
			continue
		}
		vals := make([]float64, len(g))
		rows := make([]Evidence, len(g))
		spans := make([]*stat, len(g))
		unit := "records/s"
		complete := true
		for k, id := range g {
			s, ok := d.r.throughput(id)
			if !ok {
				complete = false
				break
			}
			vals[k], _ = s.get()
			rows[k], spans[k] = s.maxRow, s
		}
		if !complete { // counters: the records taken in so far
			unit = "records"
			complete = true
			for k, id := range g {
				s := d.r.numIn[id]
				if !s.seen {
					complete = false
					break
				}
				vals[k], rows[k], spans[k] = s.max, s.maxRow, &d.r.numIn[id]
			}
		}
		if !complete {
			continue
		}
		top, sum := 0, 0.0
		for k, v := range vals {
			sum += v
			if v > vals[top] {
				top = k
			}
		}
		others := (sum - vals[top]) / float64(len(vals)-1)
		if vals[top] < minSkewRate || (others > 0 && vals[top] < d.cfg.Float("skew")*others) {
			continue
		}
		v := d.r.subs.list[g[top]]
		ratio := "all"
		if others > 0 {
			ratio = fmt.Sprintf("%.1f×", vals[top]/others)
		}
		f := Finding{Rule: "skew.key", Severity: Warning, Subject: subject(v.job, v.jobName) + " / " + v.label(),
			Summary: fmt.Sprintf("subtask %d of %s carries %s the records of its %d siblings (%.0f %s against a mean of %.0f): a hot key",
				v.index, v.name, ratio, len(g)-1, vals[top], unit, others),
			Remedy: "salt the hot keys, or aggregate in two phases (local-global aggregation)"}
		f.add(rows[top])
		for k := range g {
			if k != top {
				f.add(rows[k])
			}
			f.span(spans[k])
		}
		out = append(out, f)
	}
	return out
}
