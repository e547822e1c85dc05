package scan

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// watermark.future-jump: a watermark far ahead of the time it was sampled
// at (the year-2050 case): records after it are late and dropped.
func init() {
	register(Spec{
		Rules:      []Rule{{ID: "watermark.future-jump", Section: Throughput}},
		Reads:      map[string][]string{schema.Metrics: append(scoped, "operator_name")},
		Thresholds: []Threshold{{Name: "watermark-ahead", Kind: Duration, Default: "24h", Help: "watermark.future-jump: this far ahead of its sample time"}},
		New:        func(c Config) Detector { return &watermarks{cfg: c} },
	})
}

type watermarks struct {
	cfg Config
	by  byKey
}

func (d *watermarks) Observe(_ string, rec arrow.Record) {
	o := originOf(schema.Metrics, rec, "name")
	name := schema.Str(rec, "name")
	in, out := name.CodeOf("currentInputWatermark"), name.CodeOf("currentOutputWatermark")
	if in < 0 && out < 0 {
		return
	}
	value, ts := schema.Float64(rec, "value"), schema.Int64(rec, "ts")
	task, op, sub := schema.Str(rec, "task_name"), schema.Str(rec, "operator_name"), schema.Int32(rec, "subtask")
	ahead := d.cfg.Duration("watermark-ahead").Milliseconds()
	for i := 0; i < int(rec.NumRows()); i++ {
		c := name.Code(i)
		if c != in && c != out {
			continue
		}
		v, ok := value.Get(i)
		t, ok2 := ts.Get(i)
		if !ok || !ok2 || int64(v)-t < ahead {
			continue
		}
		s, _ := sub.Get(i)
		who := fmt.Sprintf("%s / %s, subtask %d", strings.ReplaceAll(task.Get(i), "_", " "), strings.ReplaceAll(op.Get(i), "_", " "), s)
		f := d.by.get(who, func() Finding {
			return Finding{Rule: "watermark.future-jump", Severity: Critical, Subject: strings.Clone(who),
				Remedy: "validate or clamp event timestamps; a watermark strategy that ignores outliers"}
		})
		ev := o.at(i)
		ev.Text = fmt.Sprintf("%s = %s at %s", name.Get(i), time.UnixMilli(int64(v)).UTC().Format(time.RFC3339), clock(t))
		f.add(ev)
		f.Summary = fmt.Sprintf("watermark jumped to %s, %s ahead of the time it was sampled at (first at %s); later records are late and dropped",
			time.UnixMilli(int64(v)).UTC().Format("2006-01-02"), aheadText(time.Duration(int64(v)-t)*time.Millisecond), clock(f.Start))
	}
}

// aheadText says how far ahead a watermark is: in days past two of them
// ("9058 days", not "217406h0m0s"), else in whole hours.
func aheadText(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return (d / time.Hour * time.Hour).String()
}

func (d *watermarks) Findings(*Context) []Finding { return d.by.all() }
