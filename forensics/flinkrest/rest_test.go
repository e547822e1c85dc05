package flinkrest

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/metrics"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const testdata = "../../testdata/metrics/"

type collect struct {
	Jobs        []Job        `json:"jobs"`
	Vertices    []Vertex     `json:"vertices"`
	Checkpoints []Checkpoint `json:"checkpoints"`
	Exceptions  []Exception  `json:"exceptions"`
	Configs     []Config     `json:"config,omitempty"`
	Samples     []string     `json:"samples"`
	Raws        []string     `json:"raw"`
}

func (c *collect) Job(j *Job)               { c.Jobs = append(c.Jobs, *j) }
func (c *collect) Vertex(v *Vertex)         { c.Vertices = append(c.Vertices, *v) }
func (c *collect) Checkpoint(k *Checkpoint) { c.Checkpoints = append(c.Checkpoints, *k) }
func (c *collect) Exception(e *Exception)   { c.Exceptions = append(c.Exceptions, *e) }
func (c *collect) Config(e *Config)         { c.Configs = append(c.Configs, *e) }
func (c *collect) Sample(s *metrics.Sample) {
	b, _ := json.Marshal(struct {
		Scope                    metrics.Scope
		Name, Unit               string
		Value                    *float64
		TaskManager, JobID, Task string
		Labels                   []metrics.Label `json:",omitempty"`
	}{s.Scope, s.Name, s.Unit, nanNull(s.Value), s.TaskManager, s.JobID, s.TaskID, s.Labels})
	c.Samples = append(c.Samples, string(b))
}
func (c *collect) Raw(r *metrics.RawLine) { c.Raws = append(c.Raws, r.Reason) }

func nanNull(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func read(t *testing.T, path string) (*collect, Counts) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &collect{Jobs: []Job{}, Vertices: []Vertex{}, Checkpoints: []Checkpoint{}, Exceptions: []Exception{}, Samples: []string{}, Raws: []string{}}
	r := NewReader(c)
	if err := r.Read(filepath.Base(path), f); err != nil {
		t.Fatal(err)
	}
	return c, r.Counts()
}

// Floats that are NaN do not marshal; the golden files hold null.
func (v Vertex) MarshalJSON() ([]byte, error) {
	type plain Vertex
	p := plain(v)
	out, _ := json.Marshal(struct {
		plain
		BackPressuredMs, IdleMs, BusyMs                  *float64
		ReadBytes, WriteBytes, ReadRecords, WriteRecords *float64
	}{p, nanNull(v.BackPressuredMs), nanNull(v.IdleMs), nanNull(v.BusyMs),
		nanNull(v.ReadBytes), nanNull(v.WriteBytes), nanNull(v.ReadRecords), nanNull(v.WriteRecords)})
	return out, nil
}

func (c Checkpoint) MarshalJSON() ([]byte, error) {
	type plain Checkpoint
	p := plain(c)
	out, _ := json.Marshal(struct {
		plain
		StateSize, CheckpointedSize, AlignmentBuffered, ProcessedData, PersistedData *float64
	}{p, nanNull(c.StateSize), nanNull(c.CheckpointedSize), nanNull(c.AlignmentBuffered), nanNull(c.ProcessedData), nanNull(c.PersistedData)})
	return out, nil
}

func golden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	file := "../../testdata/flinkrest/" + name + ".golden.json"
	if *update {
		os.MkdirAll(filepath.Dir(file), 0o755)
		os.WriteFile(file, append(b, '\n'), 0o644)
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(b), bytes.TrimSpace(want)) {
		t.Errorf("%s differs from %s (go test -update, then review the diff)", name, file)
	}
}

// The six HistoryServer archives: every entry read (kept or known and
// ignored), no raw records, rows pinned by golden files.
func TestHistoryServerArchives(t *testing.T) {
	files, _ := filepath.Glob(testdata + "historyserver_archives_40CoderPlus/*.json")
	if len(files) != 6 {
		t.Fatalf("%d archives", len(files))
	}
	for _, f := range files {
		c, n := read(t, f)
		if len(c.Raws) != 0 || n.Unparsed != 0 || len(c.Jobs) != 1 {
			t.Errorf("%s: raw %v counts %+v jobs %d", f, c.Raws, n, len(c.Jobs))
		}
		if n.Documents != n.Ignored+int64(countKept(c)) && n.Documents < 10 {
			t.Errorf("%s: counts %+v", f, n)
		}
		golden(t, strings.TrimSuffix(filepath.Base(f), ".json"), c)
	}
}

func countKept(c *collect) int {
	return len(c.Jobs) + len(c.Vertices) + len(c.Checkpoints) + len(c.Exceptions)
}

// 939b749e…: the counts say 5 checkpoints, 1 failed; the history holds
// the 4 completed only. Both are kept as Flink gave them.
func TestCheckpointCountMismatch(t *testing.T) {
	c, _ := read(t, testdata+"historyserver_archives_40CoderPlus/939b749e4c3d0dacb209c2b77a7b33c6.json")
	j := c.Jobs[0]
	if !j.Checkpoints || j.CkptTotal != 5 || j.CkptCompleted != 4 || j.CkptFailed != 1 || j.State != "CANCELED" {
		t.Errorf("job %+v", j)
	}
	failed := 0
	for _, k := range c.Checkpoints {
		if k.Status == "FAILED" {
			failed++
		}
	}
	if len(c.Checkpoints) != 4 || failed != 0 || c.Checkpoints[3].ID != 4 || c.Checkpoints[3].Duration != 15 || c.Checkpoints[3].CheckpointedSize != 571 {
		t.Errorf("checkpoints %+v", c.Checkpoints)
	}
	if len(c.Vertices) != 2 || c.Vertices[0].Parallelism != 1 || !math.IsNaN(c.Vertices[0].BusyMs) {
		t.Errorf("vertices %+v", c.Vertices)
	}
}

// The OpenTelemetry receiver's REST responses: the job restarted once, and
// subtask metrics hold "NaN" and a Long.MIN_VALUE watermark.
func TestOpenTelemetryREST(t *testing.T) {
	c, n := read(t, testdata+"otel_flinkmetricsreceiver/jobs_with_id.json")
	if len(c.Jobs) != 1 || n.Unparsed != 0 {
		t.Fatalf("jobs %+v counts %+v", c.Jobs, n)
	}
	if j := c.Jobs[0]; j.StateTimes["RESTARTING"] != 1651445645389 || j.StateTimes["RUNNING"] != 1651445646413 || j.State != "RUNNING" || j.End != 0 {
		t.Errorf("job %+v", j)
	}
	golden(t, "jobs_with_id", c)
	for _, f := range []string{"subtask_metric_values", "taskmanager_metric_values"} {
		c, n := read(t, testdata+"otel_flinkmetricsreceiver/"+f+".json")
		if n.Unparsed != 0 || len(c.Samples) == 0 {
			t.Errorf("%s: counts %+v", f, n)
		}
		golden(t, f, c)
	}
	c, _ = read(t, testdata+"otel_flinkmetricsreceiver/subtask_metric_values.json")
	joined := strings.Join(c.Samples, "\n")
	for _, want := range []string{
		`"Name":"busyTimeMsPerSecond","Unit":"ms/s","Value":null`,
		`"Name":"isBackPressured","Unit":"","Value":0`,
		`"Name":"buffers.inPoolUsage","Unit":"ratio","Value":0`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %s in\n%s", want, joined)
		}
	}
}

// A /jobs/:id/vertices/:vid payload on its own is one vertex row, from its
// subtasks (it gave no row: issue 18).
func TestVertexDetails(t *testing.T) {
	c, counts := read(t, "../../testdata/flinkrest/vertex_details.json")
	if len(c.Vertices) != 1 || counts.Records != 1 {
		t.Fatalf("%d vertices, %d records", len(c.Vertices), counts.Records)
	}
	v := c.Vertices[0]
	if v.ID != "cbc357ccb763df2852fee8c4fc7d55f2" || v.Name != "Source: datagen[30] -> Sink: print_table[31]" || v.Status != "FINISHED" ||
		v.Parallelism != 1 || v.Tasks["FINISHED"] != 1 || v.Start != 1666073209478 || v.End != 1666073309811 {
		t.Errorf("vertex %+v", v)
	}
}
