package scan

import (
	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// throughput.external-calls: a vertex that talks to an external system
// (a sink, an async or lookup operator, a database or search client) and
// is busy with little throughput: it waits on its calls.
func init() {
	register(Spec{
		Rules:      []Rule{{ID: "throughput.external-calls", Section: Throughput}},
		Reads:      map[string][]string{schema.Metrics: scoped},
		Thresholds: []Threshold{{Name: "busy", Kind: Number, Default: "500", Help: "throughput.below-band, external-calls: busy ms per second counted busy"}},
		New:        func(c Config) Detector { return &externalCalls{cfg: c} },
	})
}

type externalCalls struct {
	cfg Config
	r   *rates // shared: the Scanner reads the metrics into it once
}

func (d *externalCalls) Observe(string, arrow.Record) {}
func (d *externalCalls) useRates(r *rates)            { d.r = r }

func (d *externalCalls) Findings(*Context) []Finding {
	return slowBusyVertices(d.r, d.cfg, true)
}
