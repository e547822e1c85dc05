package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// source.topology-changed: a source's partitions change while the job
// runs (Kafka partitions added or removed), or a table's schema changes.
// The first "Discovered new partitions" after an enumerator starts is its
// initial assignment, not a change. An enumerator started "without
// periodic partition discovery" will never read partitions added later.
func init() {
	register(Spec{
		Rules:    []Rule{{ID: "source.topology-changed", Section: LogEvidence}},
		Reads:    map[string][]string{schema.Logs: {"message", "source"}},
		Keywords: [][]string{{"artition", "chema"}},
		Loggers:  []string{"Enumerator", "SourceCoordinator", "Schema"},
		New:      func(Config) Detector { return &topology{} },
	})
}

type topology struct {
	sel
	changes, noDiscovery byKey
	started              map[string]bool // source file → an enumerator started and has not discovered yet
}

func (d *topology) Observe(_ string, rec arrow.Record) {
	if d.started == nil {
		d.started = map[string]bool{}
	}
	o := originOf(schema.Logs, rec, "message")
	msg, src := schema.Str(rec, "message"), schema.Str(rec, "source")
	for _, i := range d.each(int(rec.NumRows())) {
		if !d.marked(i, 0) {
			continue
		}
		t := msg.Get(i)
		file := src.Get(i)
		switch {
		case strings.Contains(t, "without periodic partition discovery"):
			d.started[strings.Clone(file)] = true
			f := d.noDiscovery.get(file, func() Finding {
				return Finding{Rule: "source.topology-changed", Severity: Info, Subject: strings.Clone(file),
					Summary: "a Kafka source runs without periodic partition discovery: partitions added while it runs are never read",
					Remedy:  "enable partition discovery (partition.discovery.interval.ms, or flink.partition-discovery.interval-millis for the legacy consumer)"}
			})
			f.note(o, i)
		case strings.Contains(t, "Starting the KafkaSourceEnumerator"):
			d.started[strings.Clone(file)] = true
		case strings.HasPrefix(t, "Discovered new partitions"):
			if d.started[file] {
				d.started[strings.Clone(file)] = false // the initial assignment
				continue
			}
			d.change(file, o, i)
		case strings.HasPrefix(t, "Discovered removed partitions"), strings.Contains(t, "SchemaChangeEvent"),
			strings.Contains(t, "Schema change"), strings.Contains(t, "schema change"):
			d.change(file, o, i)
		}
	}
}

func (d *topology) change(file string, o origin, i int) {
	f := d.changes.get(file, func() Finding {
		return Finding{Rule: "source.topology-changed", Severity: Warning, Subject: strings.Clone(file),
			Remedy: "keep sources and sinks unchanged while a job runs; with partition discovery enabled new partitions are read, from the earliest offset"}
	})
	f.note(o, i)
}

func (d *topology) Findings(*Context) []Finding {
	out := d.changes.all()
	for i := range out {
		out[i].Summary = fmt.Sprintf("the sources' partitions or schema changed %s while the job ran", times(int(out[i].Count)))
	}
	return append(out, d.noDiscovery.all()...)
}
