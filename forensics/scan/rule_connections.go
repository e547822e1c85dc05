package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// source-sink.unhealthy: connection trouble at sources and sinks (Kafka
// brokers not available, "Too many connections", timeouts).
func init() {
	register(Spec{
		Rules:    []Rule{{ID: "source-sink.unhealthy", Section: LogEvidence, CausedBy: []string{"gc.pause-spike"}}},
		Reads:    map[string][]string{schema.Logs: {"message", "logger", "level"}},
		Keywords: [][]string{{"onnect", "Broker", "DNS resolution failed", "UnknownHostException"}},
		New:      func(Config) Detector { return &connections{} },
	})
}

type connections struct {
	sel
	by byKey
}

var connectionMarks = []string{"could not be established", "Too many connections", "Connection refused",
	"Connection timed out", "connection timeout", "Connection reset", "Broker may not be available", "Failed to connect",
	"DNS resolution failed", "UnknownHostException"}

func (d *connections) Observe(_ string, rec arrow.Record) {
	o := originOf(schema.Logs, rec, "message")
	msg, logger := schema.Str(rec, "message"), schema.Str(rec, "logger")
	severe := schema.Str(rec, "level").Where(func(l string) bool { return l == "WARN" || l == "ERROR" })
	for _, i := range d.each(int(rec.NumRows())) {
		if !severe.Has(i) {
			continue
		}
		if !d.marked(i, 0) {
			continue
		}
		t := msg.Get(i)
		for _, m := range connectionMarks {
			if strings.Contains(t, m) {
				l := logger.Get(i)
				f := d.by.get(l, func() Finding {
					return Finding{Rule: "source-sink.unhealthy", Severity: Warning, Subject: strings.Clone(l),
						Remedy: "test the source or sink alone; raise its limits; check the network to it"}
				})
				f.note(o, i)
				if f.Summary == "" {
					f.Summary = m
				}
				break
			}
		}
	}
}

func (d *connections) Findings(*Context) []Finding {
	out := d.by.all()
	for i := range out {
		out[i].Summary = fmt.Sprintf("%d connection problem(s) logged by %s (%q …)", out[i].Count, out[i].Subject, out[i].Summary)
	}
	return out
}
