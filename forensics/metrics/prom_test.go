package metrics

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
)

type collect struct {
	samples []Sample
	raw     []RawLine
}

func (c *collect) Sample(s *Sample) {
	s2 := *s
	s2.Labels = append([]Label(nil), s.Labels...)
	c.samples = append(c.samples, s2)
}
func (c *collect) Raw(r *RawLine) {
	r2 := *r
	r2.Text = bytes.Clone(r.Text)
	c.raw = append(c.raw, r2)
}

func lr(data []byte) *input.LineReader {
	return input.NewLineReader(bufio.NewReader(bytes.NewReader(data)), 0)
}

func parseProm(t testing.TB, name string, data []byte) (*collect, Counts) {
	t.Helper()
	c := &collect{}
	p := NewParser(c, nil)
	if err := p.ParsePrometheus(name, lr(data)); err != nil {
		t.Fatal(err)
	}
	return c, p.Counts()
}

// Flink's PrometheusReporter as DataDog's fixture has it: scope from the
// name, variables from the labels (with Flink's trailing comma), 1.23E8.
func TestPrometheusDataDogFixture(t *testing.T) {
	data, err := os.ReadFile("../../testdata/metrics/datadog_flink/metrics.txt")
	if err != nil {
		t.Fatal(err)
	}
	c, n := parseProm(t, "metrics.txt", data)
	if len(c.raw) != 0 || n.Lines != n.Samples+n.Noise {
		t.Fatalf("raw %v counts %+v", c.raw, n)
	}
	byName := map[string]Sample{}
	for _, s := range c.samples {
		byName[string(s.Scope)+" "+s.Name] = s
	}
	heap := byName["jobmanager Status.JVM.Memory.Heap.Used"]
	if heap.Value != 1.23456789e8 || heap.Host != "jobmanager-0" || heap.Unit != "bytes" {
		t.Errorf("heap %+v", heap)
	}
	ckpt := byName["jobmanager_job numberOfCompletedCheckpoints"]
	if ckpt.Value != 42 || ckpt.JobName != "wordcount" {
		t.Errorf("checkpoints %+v", ckpt)
	}
	if s, ok := byName["taskmanager Status.JVM.CPU.Load"]; !ok || s.TaskManager != "tm-1" || s.Host != "taskmanager-0" {
		t.Errorf("tm cpu %+v", s)
	}
	if len(c.samples) != int(n.Samples) || n.Samples < 20 {
		t.Errorf("%d samples", n.Samples)
	}
}

func TestPrometheusForms(t *testing.T) {
	in := "# scraped at 2025-03-14T09:00:15Z\n" +
		`flink_taskmanager_job_task_operator_currentOutputWatermark{job_id="5f3c",task_id="bc76",subtask_index="1",operator_name="Map",tm_id="tm-1",host="10.0.3.21",} -9.223372036854776E18` + "\n" +
		`flink_taskmanager_job_task_busyTimeMsPerSecond{task_name="Window\"s",subtask_index="0",custom="x"} NaN 1741942830000` + "\n" +
		`# HELP x y` + "\n" +
		`not a sample{` + "\n"
	c, n := parseProm(t, "scrape.prom", []byte(in))
	if len(c.samples) != 2 || len(c.raw) != 1 || c.raw[0].Line != 5 || n.Noise != 2 {
		t.Fatalf("samples %+v raw %+v counts %+v", c.samples, c.raw, n)
	}
	wm := c.samples[0]
	if !math.IsNaN(wm.Value) || wm.Scope != ScopeOperator || wm.Subtask != 1 || wm.OperatorName != "Map" || wm.Time != 1741942815000 || wm.Unit != "ms" {
		t.Errorf("watermark %+v", wm)
	}
	busy := c.samples[1]
	if !math.IsNaN(busy.Value) || busy.TaskName != `Window"s` || busy.Time != 1741942830000 || string(busy.LabelsJSON(nil)) != `{"custom":"x"}` {
		t.Errorf("busy %+v %s", busy, busy.LabelsJSON(nil))
	}
}

func TestInfluxAndCSV(t *testing.T) {
	in := `taskmanager_job_task_operator_numRecordsOutPerSecond,host=tm-1,job_id=5f3c,subtask_index=2,operator_name=Map\ 1 value=12.5 1741942815000000000
jobmanager_job_lastCheckpointSize,job_name=wordcount value=1048576i 1741942815000000000
garbage
`
	c := &collect{}
	p := NewParser(c, nil)
	if err := p.ParseInflux("influx.txt", lr([]byte(in))); err != nil {
		t.Fatal(err)
	}
	if len(c.samples) != 2 || len(c.raw) != 1 {
		t.Fatalf("samples %+v raw %+v", c.samples, c.raw)
	}
	s := c.samples[0]
	if s.Name != "numRecordsOutPerSecond" || s.Scope != ScopeOperator || s.OperatorName != "Map 1" || s.Subtask != 2 || s.Value != 12.5 || s.Time != 1741942815000 || s.Unit != "records/s" {
		t.Errorf("influx %+v", s)
	}
	if c.samples[1].Value != 1048576 || c.samples[1].Unit != "bytes" {
		t.Errorf("influx int %+v", c.samples[1])
	}
	if f, ok := Detect([]byte(in)); !ok || f != Influx {
		t.Errorf("Detect = %v %v", f, ok)
	}
	csv := "timestamp,name,value,host,subtask_index\n1741942815000,flink_taskmanager_job_task_busyTimeMsPerSecond,NaN,tm-1,0\n2025-03-14T09:00:30Z,flink_taskmanager_job_task_busyTimeMsPerSecond,812,tm-1,0\n1,2\n"
	c = &collect{}
	p = NewParser(c, nil)
	if err := p.ParseCSV("m.csv", lr([]byte(csv))); err != nil {
		t.Fatal(err)
	}
	if len(c.samples) != 2 || len(c.raw) != 1 || !math.IsNaN(c.samples[0].Value) || c.samples[1].Time != 1741942830000 || c.samples[1].Name != "busyTimeMsPerSecond" || c.samples[1].Host != "tm-1" {
		t.Errorf("csv %+v raw %+v", c.samples, c.raw)
	}
	if f, ok := Detect([]byte(csv)); !ok || f != CSV {
		t.Errorf("Detect csv = %v %v", f, ok)
	}
	data, _ := os.ReadFile("../../testdata/metrics/datadog_flink/metrics.txt")
	if f, ok := Detect(data); !ok || f != Prometheus {
		t.Errorf("Detect prometheus = %v %v", f, ok)
	}
}
