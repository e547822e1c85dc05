package scan

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// watermark.stalled: a watermark that stays at one value while time goes
// on (constant test data, an idle partition): event-time windows never
// fire. A watermark in the future is watermark.future-jump's; "no
// watermark yet" (Long.MIN_VALUE) is what every processing-time job
// reports, so it is not a stall.
func init() {
	register(Spec{
		Rules: []Rule{{ID: "watermark.stalled", Section: Throughput}},
		Reads: map[string][]string{schema.Metrics: append(scoped, "operator_name")},
		Thresholds: []Threshold{
			{Name: "watermark-stall", Kind: Duration, Default: "10m", Help: "watermark.stalled: a watermark unchanged this long"},
			{Name: "watermark-ahead", Kind: Duration, Default: "24h", Help: "watermark.future-jump: this far ahead of its sample time"},
		},
		New: func(c Config) Detector { return &stalled{cfg: c} },
	})
}

type wmKey struct {
	job, task, op, name string
	sub                 int32
}

type wmRun struct {
	value        float64
	from, to     Evidence // the first and the latest sample at the value
	longest      time.Duration
	lFrom, lTo   Evidence
	lValue       float64
	started, end bool
}

type stalled struct {
	cfg  Config
	runs map[wmKey]*wmRun
}

func (d *stalled) Observe(_ string, rec arrow.Record) {
	p := pick(rec, "currentOutputWatermark", "currentInputWatermark")
	if p.none() {
		return
	}
	o := originOf(schema.Metrics, rec, "name")
	sc, op, value, ts := scopeOf(rec), schema.Str(rec, "operator_name"), schema.Float64(rec, "value"), schema.Int64(rec, "ts")
	if d.runs == nil {
		d.runs = map[wmKey]*wmRun{}
	}
	for i, n := 0, int(rec.NumRows()); i < n; i++ {
		k := p.at(i)
		if k < 0 {
			continue
		}
		v, ok := value.Get(i)
		t, ok2 := ts.Get(i)
		if !ok || !ok2 || int64(v)-t >= d.cfg.Duration("watermark-ahead").Milliseconds() {
			continue
		}
		job := sc.jobID.Get(i)
		if job == "" {
			job = sc.jobName.Get(i)
		}
		sub, _ := sc.sub.Get(i)
		key := wmKey{job: job, task: sc.taskName.Get(i), op: op.Get(i), name: p.names[k], sub: sub}
		r := d.runs[key]
		if r == nil {
			key.job, key.task, key.op = strings.Clone(key.job), strings.Clone(key.task), strings.Clone(key.op)
			r = &wmRun{}
			d.runs[key] = r
		}
		if !r.started || v != r.value {
			r.close()
			r.started, r.value = true, v
			o.into(&r.from, i)
		}
		o.into(&r.to, i)
	}
}

// close ends the current run, keeping it if it is the longest.
func (r *wmRun) close() {
	if !r.started {
		return
	}
	if d := time.Duration(r.to.Time-r.from.Time) * time.Millisecond; d > r.longest {
		r.longest, r.lFrom, r.lTo, r.lValue = d, r.from, r.to, r.value
	}
}

func (d *stalled) Findings(*Context) []Finding {
	keys := make([]wmKey, 0, len(d.runs))
	for k, r := range d.runs {
		r.close()
		if r.longest >= d.cfg.Duration("watermark-stall") {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.job+a.task+a.op+a.name != b.job+b.task+b.op+b.name {
			return a.job+a.task+a.op+a.name < b.job+b.task+b.op+b.name
		}
		return a.sub < b.sub
	})
	var by byKey
	for _, k := range keys {
		r := d.runs[k]
		who := strings.ReplaceAll(k.task, "_", " ")
		if k.op != "" {
			who += " / " + strings.ReplaceAll(k.op, "_", " ")
		}
		f := by.get(k.job+"\x00"+who+"\x00"+k.name, func() Finding {
			return Finding{Rule: "watermark.stalled", Severity: Warning, Subject: who,
				Remedy: "declare idleness in the watermark strategy (withIdleness) and check the source's partitions; constant test data never advances event time"}
		})
		n := f.Count / 2
		f.add(r.lFrom)
		f.add(r.lTo)
		f.Summary = fmt.Sprintf("%s of %s stayed at %s for %s (subtasks stalled: %d); event-time windows do not fire",
			k.name, who, time.UnixMilli(int64(r.lValue)).UTC().Format("2006-01-02 15:04:05"), r.longest.Round(time.Second), n+1)
	}
	out := by.all()
	for i := range out {
		out[i].Count /= 2
	}
	return out
}
