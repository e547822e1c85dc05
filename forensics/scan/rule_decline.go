package scan

import (
	"fmt"
	"sort"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// throughput.declining: a vertex's records per second (per subtask,
// averaged by minute) fall well below their peak and stay there; to zero
// is critical. Sources count what they emit, other vertices what they
// take in.
func init() {
	register(Spec{
		Rules:      []Rule{{ID: "throughput.declining", Section: Throughput, CausedBy: []string{"backpressure.root"}, During: []string{"backpressure.root"}}},
		Reads:      map[string][]string{schema.Metrics: append(scoped, "operator_name")},
		Thresholds: []Threshold{{Name: "decline", Kind: Number, Default: "50", Help: "throughput.declining: percent below the peak"}},
		New:        func(c Config) Detector { return &decline{cfg: c} },
	})
}

type minuteRate struct {
	mean
	last Evidence
}

type vertexSeries struct {
	v       subtask
	source  bool
	minutes map[int64]*minuteRate
	peak    Evidence
	peakV   float64
}

type decline struct {
	cfg  Config
	subs subtasks
	// by subtask number: its vertex's series
	series []*vertexSeries
	byVx   map[[2]string]*vertexSeries
}

func (d *decline) Observe(_ string, rec arrow.Record) {
	p := pick(rec, "numRecordsOutPerSecond", "numRecordsInPerSecond")
	if p.none() {
		return
	}
	o := originOf(schema.Metrics, rec, "name")
	sc, op, value, ts := scopeOf(rec), schema.Str(rec, "operator_name"), schema.Float64(rec, "value"), schema.Int64(rec, "ts")
	for i, n := 0, int(rec.NumRows()); i < n; i++ {
		k := p.at(i)
		if k < 0 || !op.Null(i) {
			continue
		}
		v, ok := value.Get(i)
		t, ok2 := ts.Get(i)
		if !ok || !ok2 {
			continue
		}
		id, ok := d.subs.id(sc, i)
		if !ok {
			continue
		}
		for len(d.series) < len(d.subs.list) {
			s := d.subs.list[len(d.series)]
			key := [2]string{s.job, s.vertex}
			if d.byVx == nil {
				d.byVx = map[[2]string]*vertexSeries{}
			}
			vs := d.byVx[key]
			if vs == nil {
				vs = &vertexSeries{v: s, source: isSource(s.name), minutes: map[int64]*minuteRate{}}
				d.byVx[key] = vs
			}
			d.series = append(d.series, vs)
		}
		vs := d.series[id]
		if (k == 0) != vs.source { // sources: out; the others: in
			continue
		}
		m := vs.minutes[t/60000]
		if m == nil {
			m = &minuteRate{}
			vs.minutes[t/60000] = m
		}
		m.add(v)
		if v > vs.peakV || vs.peak.Source == "" {
			vs.peakV = v
			o.into(&vs.peak, i)
		}
		o.into(&m.last, i)
	}
}

// minDeclineMinutes is how many minutes of samples a trend needs.
const minDeclineMinutes = 4

func (d *decline) Findings(*Context) []Finding {
	keys := make([][2]string, 0, len(d.byVx))
	for k := range d.byVx {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	var out []Finding
	for _, k := range keys {
		vs := d.byVx[k]
		if len(vs.minutes) < minDeclineMinutes {
			continue
		}
		ms := make([]int64, 0, len(vs.minutes))
		for m := range vs.minutes {
			ms = append(ms, m)
		}
		sort.Slice(ms, func(i, j int) bool { return ms[i] < ms[j] })
		peak, peakAt := 0.0, 0
		for i, m := range ms {
			if v, _ := vs.minutes[m].get(); v > peak {
				peak, peakAt = v, i
			}
		}
		if peak < minSkewRate || peakAt > len(ms)-3 {
			continue // too little to speak of, or the peak is recent
		}
		// The last two minutes both well below the peak: sustained.
		limit := peak * (1 - d.cfg.Float("decline")/100)
		last, _ := vs.minutes[ms[len(ms)-1]].get()
		prev, _ := vs.minutes[ms[len(ms)-2]].get()
		if last > limit || prev > limit {
			continue
		}
		f := Finding{Rule: "throughput.declining", Severity: Warning, Subject: subject(vs.v.job, vs.v.jobName) + " / " + vs.v.name,
			Remedy: "find what slows the job: backpressure (locate its root), GC, a failing dependency; records lost upstream show as zero"}
		what := "takes in"
		if vs.source {
			what = "emits"
		}
		f.Summary = fmt.Sprintf("%s %s %.0f records/s per subtask, down %.0f %% from its peak of %.0f at %s",
			vs.v.name, what, last, 100*(1-last/peak), peak, clock(minuteStart(ms[peakAt])))
		if last <= peak/100 {
			f.Severity = Critical
			f.Summary = fmt.Sprintf("%s's output dropped to zero (%.0f records/s per subtask) from a peak of %.0f at %s",
				vs.v.name, last, peak, clock(minuteStart(ms[peakAt])))
		}
		f.add(vs.peak)
		f.add(vs.minutes[ms[len(ms)-1]].last)
		out = append(out, f)
	}
	return out
}

func minuteStart(m int64) int64 { return m * 60000 }
