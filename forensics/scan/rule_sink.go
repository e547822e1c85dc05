package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// sink.batch-dropped: a batch write to an external system failed (one bad
// record fails the whole batch): Elasticsearch bulk requests, JDBC
// batches, and the like.
func init() {
	register(Spec{
		Rules:    []Rule{{ID: "sink.batch-dropped", Section: LogEvidence}},
		Reads:    map[string][]string{schema.Logs: {"message", "exception", "logger", "level"}},
		Keywords: [][]string{{"atch", "ulk"}},
		New:      func(Config) Detector { return &sinkBatches{} },
	})
}

type sinkBatches struct {
	sel
	by byKey
}

var batchMarks = []string{"Failed Elasticsearch bulk request", "Failed Elasticsearch item request", "executeBatch error",
	"BatchUpdateException", "Failed to write batch", "Failed to flush batch", "bulk request failed", "Bulk request failed",
	"Writing records to JDBC failed", "failed to send batch", "Failed to send batch"}

func (d *sinkBatches) Observe(_ string, rec arrow.Record) {
	o := originOf(schema.Logs, rec, "message")
	msg, exc, logger := schema.Str(rec, "message"), schema.Str(rec, "exception"), schema.Str(rec, "logger")
	severe := schema.Str(rec, "level").Where(func(l string) bool { return l == "WARN" || l == "ERROR" || l == "FATAL" })
	batchExc := exc.Where(func(e string) bool { return strings.HasSuffix(e, "BatchUpdateException") })
	for _, i := range d.each(int(rec.NumRows())) {
		if !severe.Has(i) {
			continue
		}
		mark := ""
		if batchExc.Has(i) {
			mark = "BatchUpdateException"
		} else if d.marked(i, 0) {
			t := msg.Get(i)
			for _, m := range batchMarks {
				if strings.Contains(t, m) {
					mark = m
					break
				}
			}
		}
		if mark == "" {
			continue
		}
		l := logger.Get(i)
		f := d.by.get(l, func() Finding {
			return Finding{Rule: "sink.batch-dropped", Severity: Warning, Subject: strings.Clone(l),
				Summary: mark, Remedy: "isolate the bad records (a dead-letter output), retry record by record; one bad record fails the whole batch"}
		})
		f.note(o, i)
	}
}

func (d *sinkBatches) Findings(*Context) []Finding {
	out := d.by.all()
	for i := range out {
		out[i].Summary = fmt.Sprintf("%d failed batch write(s) logged by %s (%q …): the records of those batches may be lost",
			out[i].Count, out[i].Subject, out[i].Summary)
	}
	return out
}
