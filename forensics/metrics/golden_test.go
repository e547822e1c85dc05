package metrics

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The rows of DataDog's PrometheusReporter fixture, pinned.
func TestPrometheusGolden(t *testing.T) {
	data, err := os.ReadFile("../../testdata/metrics/datadog_flink/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := parseProm(t, "metrics.txt", data)
	type row struct {
		Line                                 int64
		Scope                                Scope
		Name, Unit                           string
		Value                                *float64
		Host, TaskManager, JobName, TaskName string `json:",omitempty"`
		Subtask                              int32
		Labels                               string `json:",omitempty"`
	}
	var rows []row
	for _, s := range c.samples {
		r := row{Line: s.Line, Scope: s.Scope, Name: s.Name, Unit: s.Unit, Host: s.Host, TaskManager: s.TaskManager,
			JobName: s.JobName, TaskName: s.TaskName, Subtask: s.Subtask, Labels: string(s.LabelsJSON(nil))}
		if !math.IsNaN(s.Value) {
			v := s.Value
			r.Value = &v
		}
		rows = append(rows, r)
	}
	got, _ := json.MarshalIndent(rows, "", " ")
	file := "../../testdata/golden/datadog_flink.json"
	if *update {
		os.WriteFile(file, append(got, '\n'), 0o644)
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Errorf("rows differ from %s (go test -update, then review the diff)", file)
	}
}
