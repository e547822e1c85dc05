package scan

import (
	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/schema"
)

// ReadDataset hands every batch of the tables the detectors read to the
// scanner, a row group at a time; the files are in format f
// (parquetfile.Format).
func (s *Scanner) ReadDataset(files dataset.Files, f dataset.Format) (rows int64, err error) {
	return dataset.ReadTables(files, f, s.Tables(), Projection, func(t string, rec arrow.Record) {
		if s.keep != nil {
			s.keep(t, rec)
		}
		s.Observe(t, rec)
	})
}

// Projection lists the columns the detectors (and the timeline) read of
// the big tables; the others (the logs' stack traces above all) are not
// decoded when a dataset is read back.
var Projection = map[string]map[string]bool{
	schema.Logs: set("ts", "source", "line", "offset", "level", "logger", "message", "job_id", "job_name",
		"state_of", "state_from", "state_to", "task", "subtask", "attempt", "role", "host", "out_of_order", "exception", "exception_message", "root_cause", "root_cause_message", "causes"),
	schema.Metrics: set("ts", "source", "line", "offset", "name", "value", "job_id", "job_name", "task_name", "task_id", "subtask", "operator_name"),
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}
