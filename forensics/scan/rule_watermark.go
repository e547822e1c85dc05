package scan

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
)

// watermark.future-jump: a watermark far ahead of the time it was sampled
// at (the year-2050 case): records after it are late and dropped.
func init() {
	register(Spec{
		Rules:      []Rule{{ID: "watermark.future-jump", Section: Throughput}},
		Reads:      map[string][]string{"metrics": append(scoped, "operator_name")},
		Thresholds: []Threshold{{Name: "watermark-ahead", Kind: Duration, Default: "24h", Help: "watermark.future-jump: this far ahead of its sample time"}},
		New:        func(c Config) Detector { return &watermarks{cfg: c} },
	})
}

type watermarks struct {
	cfg Config
	by  byKey
}

func (d *watermarks) Observe(_ string, rec arrow.Record) {
	o := originOf("metrics", rec, "name")
	name := strColumn(rec, "name")
	in, out := name.codeOf("currentInputWatermark"), name.codeOf("currentOutputWatermark")
	if in < 0 && out < 0 {
		return
	}
	value, ts := float64Column(rec, "value"), int64Column(rec, "ts")
	task, op, sub := strColumn(rec, "task_name"), strColumn(rec, "operator_name"), int32Column(rec, "subtask")
	ahead := d.cfg.Duration("watermark-ahead").Milliseconds()
	for i := 0; i < int(rec.NumRows()); i++ {
		c := name.code(i)
		if c != in && c != out {
			continue
		}
		v, ok := value.get(i)
		t, ok2 := ts.get(i)
		if !ok || !ok2 || int64(v)-t < ahead {
			continue
		}
		s, _ := sub.get(i)
		who := fmt.Sprintf("%s / %s, subtask %d", strings.ReplaceAll(task.get(i), "_", " "), strings.ReplaceAll(op.get(i), "_", " "), s)
		f := d.by.get(who, func() Finding {
			return Finding{Rule: "watermark.future-jump", Severity: Critical, Subject: strings.Clone(who),
				Remedy: "validate or clamp event timestamps; a watermark strategy that ignores outliers"}
		})
		ev := o.at(i)
		ev.Text = fmt.Sprintf("%s = %s at %s", name.get(i), time.UnixMilli(int64(v)).UTC().Format(time.RFC3339), clock(t))
		f.add(ev)
		f.Summary = fmt.Sprintf("watermark jumped to %s, %s ahead of the time it was sampled at (first at %s); later records are late and dropped",
			time.UnixMilli(int64(v)).UTC().Format("2006-01-02"), time.Duration(int64(v)-t)*time.Millisecond/time.Hour*time.Hour, clock(f.Start))
	}
}

func (d *watermarks) Findings(*Context) []Finding { return d.by.all() }
