package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// throughput.below-band: a vertex whose subtasks are busy (they could do
// no more) while each moves fewer records per second than the normal
// band of 5,000–20,000 per core (one subtask is taken as one core). A
// subtask that is not busy is merely idle: a low rate says nothing then,
// so without busyTimeMsPerSecond there is no finding. Vertices that talk
// to an external system are throughput.external-calls instead.
func init() {
	register(Spec{
		Rules: []Rule{{ID: "throughput.below-band", Section: Throughput}},
		Reads: map[string][]string{schema.Metrics: scoped},
		Thresholds: []Threshold{
			{Name: "band-low", Kind: Number, Default: "5000", Help: "throughput.below-band: records per second per subtask (core)"},
			{Name: "busy", Kind: Number, Default: "500", Help: "throughput.below-band, external-calls: busy ms per second counted busy"},
		},
		New: func(c Config) Detector { return &belowBand{cfg: c} },
	})
}

type belowBand struct {
	cfg Config
	r   *rates // shared: the Scanner reads the metrics into it once
}

func (d *belowBand) Observe(string, arrow.Record) {}
func (d *belowBand) useRates(r *rates)            { d.r = r }

func (d *belowBand) Findings(*Context) []Finding {
	return slowBusyVertices(d.r, d.cfg, false)
}

// slowBusyVertices finds vertices with busy subtasks below the band;
// externalOnly picks the vertices that talk to external systems, or the
// others.
func slowBusyVertices(r *rates, cfg Config, externalOnly bool) []Finding {
	var out []Finding
	for _, g := range r.subs.vertexGroups() {
		v := r.subs.list[g[0]]
		if external(v.name) != externalOnly {
			continue
		}
		var f *Finding
		var parts []string
		for _, id := range g {
			busy := r.busy[id]
			b, ok := busy.get()
			if !ok || b < cfg.Float("busy") {
				continue
			}
			tp, ok := r.throughput(id)
			if !ok {
				continue
			}
			rate, _ := tp.get()
			if rate >= cfg.Float("band-low") {
				continue
			}
			if f == nil {
				f = &Finding{Rule: "throughput.below-band", Severity: Warning, Subject: subject(v.job, v.jobName) + " / " + v.name,
					Remedy: "look for CPU (serialization, costly user code), memory (GC), disk and network limits; profile the vertex"}
				if externalOnly {
					f.Rule = "throughput.external-calls"
					f.Remedy = "batch requests, cache answers, use async I/O for the external system"
				}
			}
			parts = append(parts, fmt.Sprintf("subtask %d: %.0f records/s while busy %.0f ms/s", r.subs.list[id].index, rate, b))
			f.add(busy.maxRow)
			f.add(tp.maxRow)
			f.span(&busy)
			f.span(tp)
		}
		if f == nil {
			continue
		}
		if externalOnly {
			f.Summary = fmt.Sprintf("%s talks to an external system and is busy with little throughput (%s): its calls are the bottleneck",
				v.name, strings.Join(parts, "; "))
		} else {
			f.Summary = fmt.Sprintf("%s is busy below the band of %.0f records/s per core (%s)", v.name, cfg.Float("band-low"), strings.Join(parts, "; "))
		}
		out = append(out, *f)
	}
	return out
}
