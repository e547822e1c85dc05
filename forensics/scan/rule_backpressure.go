package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// backpressure.root: the task that causes the backpressure, read the
// three ways the playbook reads it (means over each subtask's samples):
//   - busy and backpressured time (1.13+): the root is busy while not
//     itself backpressured, and some other task of the job is;
//   - the buffer pools: inPoolUsage high with outPoolUsage low;
//   - the input buffers (1.9+): floatingBuffersUsage, then the upstream
//     vertices' outPoolUsage (from the job plan in the vertices table),
//     then exclusiveBuffersUsage.
func init() {
	register(Spec{
		Rules: []Rule{{ID: "backpressure.root", Section: Throughput}},
		Reads: map[string][]string{
			schema.Metrics:  append(scoped, "operator_name"),
			schema.Vertices: {"job_id", "vertex_id", "name", "inputs"},
		},
		Thresholds: []Threshold{{Name: "backpressure", Kind: Number, Default: "500", Help: "backpressure: busy or backpressured ms per second counted high"}},
		New:        func(c Config) Detector { return &backpressure{cfg: c} },
	})
}

type mean struct{ sum, n float64 }

func (m *mean) add(v float64) { m.sum += v; m.n++ }
func (m mean) get() (float64, bool) {
	if m.n == 0 {
		return 0, false
	}
	return m.sum / m.n, true
}

const (
	bpIn = iota
	bpOut
	bpTime
	bpBusy
	bpFloating
	bpExclusive
	bpMetrics
)

// poolHigh is where a buffer pool's usage reads "high".
const poolHigh = 0.5

type backpressure struct {
	cfg    Config
	subs   subtasks
	stats  [][bpMetrics]stat
	inputs map[[2]string][]string // job id, vertex id → upstream vertex ids
}

func (d *backpressure) Observe(table string, rec arrow.Record) {
	if table == schema.Vertices {
		d.observePlan(rec)
		return
	}
	p := pick(rec, "buffers.inPoolUsage", "buffers.outPoolUsage", "backPressuredTimeMsPerSecond", "busyTimeMsPerSecond",
		"buffers.inputFloatingBuffersUsage|buffers.floatingBuffersUsage", "buffers.inputExclusiveBuffersUsage|buffers.exclusiveBuffersUsage")
	if p.none() {
		return
	}
	o := originOf(schema.Metrics, rec, "name")
	sc, value := scopeOf(rec), schema.Float64(rec, "value")
	for i, n := 0, int(rec.NumRows()); i < n; i++ {
		k := p.at(i)
		if k < 0 {
			continue
		}
		v, ok := value.Get(i)
		if !ok {
			continue
		}
		id, ok := d.subs.id(sc, i)
		if !ok {
			continue
		}
		for len(d.stats) < len(d.subs.list) {
			d.stats = append(d.stats, [bpMetrics]stat{})
		}
		d.stats[id][k].add(v, o, i)
	}
}

func (d *backpressure) observePlan(rec arrow.Record) {
	job, vx, in := schema.Str(rec, "job_id"), schema.Str(rec, "vertex_id"), schema.Str(rec, "inputs")
	if !in.OK() {
		return
	}
	if d.inputs == nil {
		d.inputs = map[[2]string][]string{}
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		if in.Null(i) {
			continue
		}
		d.inputs[[2]string{strings.Clone(job.Get(i)), strings.Clone(vx.Get(i))}] = strings.Split(in.Get(i), ",")
	}
}

func (d *backpressure) get(id, k int) (float64, bool) { return d.stats[id][k].get() }

func (d *backpressure) Findings(*Context) []Finding {
	var out []Finding
	groups := d.subs.vertexGroups()
	byJob := map[string][]int{}
	var jobs []string
	for _, g := range groups {
		j := d.subs.list[g[0]].job
		if _, ok := byJob[j]; !ok {
			jobs = append(jobs, j)
		}
		byJob[j] = append(byJob[j], g...)
	}
	for _, j := range jobs {
		var pressured []int
		for _, id := range byJob[j] {
			if bp, ok := d.get(id, bpTime); ok && bp >= d.cfg.Float("backpressure") {
				pressured = append(pressured, id)
			} else if o, ok := d.get(id, bpOut); ok && o >= 0.8 {
				pressured = append(pressured, id)
			}
		}
		for _, id := range byJob[j] {
			if f, ok := d.root(id, pressured); ok {
				out = append(out, f)
			} else if f, ok := d.inputBuffers(id); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// root reads busy time and the pools.
func (d *backpressure) root(id int, pressured []int) (Finding, bool) {
	if len(pressured) == 0 {
		return Finding{}, false
	}
	s := d.subs.list[id]
	in, hasIn := d.get(id, bpIn)
	outp, hasOut := d.get(id, bpOut)
	bp, hasBP := d.get(id, bpTime)
	busy, hasBusy := d.get(id, bpBusy)
	poolRoot := hasIn && hasOut && in >= 0.8 && outp < poolHigh
	timeRoot := hasBusy && busy >= d.cfg.Float("backpressure") && (!hasBP || bp < 100)
	if !poolRoot && !timeRoot {
		return Finding{}, false
	}
	var why []string
	if hasIn && hasOut {
		why = append(why, fmt.Sprintf("input pool %.0f %%, output pool %.0f %%", 100*in, 100*outp))
	}
	if hasBusy {
		why = append(why, fmt.Sprintf("busy %.0f ms/s", busy))
	}
	if hasBP {
		why = append(why, fmt.Sprintf("backpressured %.0f ms/s", bp))
	}
	var up []string
	for _, p := range pressured {
		if p != id {
			q := d.subs.list[p]
			if v, ok := d.get(p, bpTime); ok {
				up = append(up, fmt.Sprintf("%s (subtask %d) backpressured %.0f ms/s", q.name, q.index, v))
			} else {
				v, _ := d.get(p, bpOut)
				up = append(up, fmt.Sprintf("%s (subtask %d) output pool %.0f %%", q.name, q.index, 100*v))
			}
		}
	}
	f := Finding{Rule: "backpressure.root", Severity: Warning, Subject: s.label(),
		Summary: fmt.Sprintf("%s (subtask %d) is the root of the backpressure in %s: %s; backpressured: %s",
			s.name, s.index, subject(s.job, s.jobName), strings.Join(why, ", "), strings.Join(up, "; ")),
		Remedy: "profile the root operator (CPU, I/O, external calls); disable chaining to see which operator of the chain"}
	for _, k := range []int{bpBusy, bpIn, bpTime} {
		if d.stats[id][k].seen {
			f.add(d.stats[id][k].maxRow)
			f.span(&d.stats[id][k])
		}
	}
	return f, true
}

// inputBuffers reads the playbook's second table: floating buffers, the
// upstream vertices' output pools, exclusive buffers.
func (d *backpressure) inputBuffers(id int) (Finding, bool) {
	floating, ok := d.get(id, bpFloating)
	if !ok {
		return Finding{}, false
	}
	exclusive, hasExcl := d.get(id, bpExclusive)
	s := d.subs.list[id]
	upstream, known := d.inputs[[2]string{s.job, s.vertex}]
	upHigh, upWhy := false, ""
	var upRow *Evidence
	for _, u := range upstream {
		for q, t := range d.subs.list {
			if t.job != s.job || t.vertex != u {
				continue
			}
			if v, ok := d.get(q, bpOut); ok && v >= poolHigh {
				upHigh, upWhy = true, fmt.Sprintf("upstream %s (subtask %d) output pool %.0f %%", t.name, t.index, 100*v)
				upRow = &d.stats[q][bpOut].maxRow
				break
			}
		}
	}
	if !known {
		upWhy = "upstream output pools unknown (no job plan in the dataset)"
	} else if !upHigh {
		upWhy = "upstream output pools low"
	}
	exclHigh := hasExcl && exclusive >= poolHigh
	var reading string
	sev := Warning
	switch {
	case floating < poolHigh && upHigh:
		reading = "probably a network bottleneck between this task and its upstream"
	case floating >= poolHigh && upHigh && exclHigh:
		reading = "most or all input channels are backpressured"
	case floating >= poolHigh && upHigh:
		reading = "only some input channels are backpressured (skew)"
	case floating >= poolHigh && known && exclHigh:
		reading, sev = "backpressure will build at most or all input channels", Info
	case floating >= poolHigh && known:
		reading, sev = "backpressure will build at only some input channels", Info
	case floating >= poolHigh:
		reading, sev = "its input buffers fill; read the upstream output pools to tell skew from a slow task", Info
	default:
		return Finding{}, false
	}
	excl := "not reported"
	if hasExcl {
		excl = fmt.Sprintf("%.0f %%", 100*exclusive)
	}
	f := Finding{Rule: "backpressure.root", Severity: sev, Subject: s.label(),
		Summary: fmt.Sprintf("%s (subtask %d): %s (floating buffers %.0f %%, %s, exclusive buffers %s)",
			s.name, s.index, reading, 100*floating, upWhy, excl),
		Remedy: "profile the task and its input channels; for skew salt the keys, for the network check bandwidth and buffer settings"}
	f.add(d.stats[id][bpFloating].maxRow)
	f.span(&d.stats[id][bpFloating])
	if upRow != nil {
		f.add(*upRow)
	}
	return f, true
}
