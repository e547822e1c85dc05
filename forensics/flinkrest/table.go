package flinkrest

import (
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/metrics"
	"github.com/flinkdx/flinkdx/forensics/table"
)

var (
	utf8   = arrow.BinaryTypes.String
	i64    = arrow.PrimitiveTypes.Int64
	f64    = arrow.PrimitiveTypes.Float64
	ts     = table.TimestampMs
	boolT  = arrow.FixedWidthTypes.Boolean
	origin = []arrow.Field{
		{Name: "source", Type: utf8}, {Name: "path", Type: utf8, Nullable: true}, {Name: "offset", Type: i64},
	}
)

func fields(f ...arrow.Field) *arrow.Schema {
	return arrow.NewSchema(append(append([]arrow.Field{}, origin...), f...), nil)
}

// jobStates are the states whose first times the jobs table has, as
// columns ts_<state>.
var jobStates = []string{"INITIALIZING", "CREATED", "RUNNING", "FAILING", "FAILED", "CANCELLING", "CANCELED",
	"FINISHED", "RESTARTING", "SUSPENDED", "RECONCILING"}

// JobsSchema is the jobs table.
var JobsSchema = func() *arrow.Schema {
	f := []arrow.Field{
		{Name: "job_id", Type: utf8}, {Name: "name", Type: utf8, Nullable: true}, {Name: "state", Type: utf8, Nullable: true},
		{Name: "start", Type: ts, Nullable: true}, {Name: "end", Type: ts, Nullable: true},
		{Name: "duration_ms", Type: i64, Nullable: true}, {Name: "now", Type: ts, Nullable: true},
		{Name: "max_parallelism", Type: i64, Nullable: true},
	}
	for _, s := range jobStates {
		f = append(f, arrow.Field{Name: "ts_" + lower(s), Type: ts, Nullable: true})
	}
	f = append(f,
		arrow.Field{Name: "checkpoints_total", Type: i64, Nullable: true},
		arrow.Field{Name: "checkpoints_completed", Type: i64, Nullable: true},
		arrow.Field{Name: "checkpoints_failed", Type: i64, Nullable: true},
		arrow.Field{Name: "checkpoints_in_progress", Type: i64, Nullable: true},
		arrow.Field{Name: "checkpoints_restored", Type: i64, Nullable: true},
		arrow.Field{Name: "type", Type: utf8, Nullable: true})
	return fields(f...)
}()

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// VerticesSchema is the vertices table.
var VerticesSchema = fields(
	arrow.Field{Name: "job_id", Type: utf8}, arrow.Field{Name: "vertex_id", Type: utf8},
	arrow.Field{Name: "name", Type: utf8, Nullable: true}, arrow.Field{Name: "status", Type: utf8, Nullable: true},
	arrow.Field{Name: "parallelism", Type: i64, Nullable: true}, arrow.Field{Name: "max_parallelism", Type: i64, Nullable: true},
	arrow.Field{Name: "start", Type: ts, Nullable: true}, arrow.Field{Name: "end", Type: ts, Nullable: true},
	arrow.Field{Name: "duration_ms", Type: i64, Nullable: true},
	arrow.Field{Name: "read_bytes", Type: f64, Nullable: true}, arrow.Field{Name: "write_bytes", Type: f64, Nullable: true},
	arrow.Field{Name: "read_records", Type: f64, Nullable: true}, arrow.Field{Name: "write_records", Type: f64, Nullable: true},
	arrow.Field{Name: "backpressured_ms", Type: f64, Nullable: true}, arrow.Field{Name: "idle_ms", Type: f64, Nullable: true},
	arrow.Field{Name: "busy_ms", Type: f64, Nullable: true},
	arrow.Field{Name: "tasks_running", Type: i64, Nullable: true}, arrow.Field{Name: "tasks_finished", Type: i64, Nullable: true},
	arrow.Field{Name: "tasks_failed", Type: i64, Nullable: true}, arrow.Field{Name: "tasks_canceled", Type: i64, Nullable: true},
	arrow.Field{Name: "inputs", Type: utf8, Nullable: true},
)

// CheckpointsSchema is the checkpoints table.
var CheckpointsSchema = fields(
	arrow.Field{Name: "job_id", Type: utf8, Nullable: true}, arrow.Field{Name: "checkpoint_id", Type: i64},
	arrow.Field{Name: "status", Type: utf8, Nullable: true}, arrow.Field{Name: "type", Type: utf8, Nullable: true},
	arrow.Field{Name: "savepoint", Type: boolT}, arrow.Field{Name: "discarded", Type: boolT},
	arrow.Field{Name: "trigger_ts", Type: ts, Nullable: true}, arrow.Field{Name: "latest_ack_ts", Type: ts, Nullable: true},
	arrow.Field{Name: "failure_ts", Type: ts, Nullable: true}, arrow.Field{Name: "duration_ms", Type: i64, Nullable: true},
	arrow.Field{Name: "state_size", Type: f64, Nullable: true}, arrow.Field{Name: "checkpointed_size", Type: f64, Nullable: true},
	arrow.Field{Name: "alignment_buffered", Type: f64, Nullable: true}, arrow.Field{Name: "processed_data", Type: f64, Nullable: true},
	arrow.Field{Name: "persisted_data", Type: f64, Nullable: true},
	arrow.Field{Name: "subtasks", Type: i64, Nullable: true}, arrow.Field{Name: "acknowledged", Type: i64, Nullable: true},
	arrow.Field{Name: "failure_message", Type: utf8, Nullable: true}, arrow.Field{Name: "external_path", Type: utf8, Nullable: true},
)

// ExceptionsSchema is the exceptions table.
var ExceptionsSchema = fields(
	arrow.Field{Name: "job_id", Type: utf8, Nullable: true}, arrow.Field{Name: "kind", Type: utf8},
	arrow.Field{Name: "ts", Type: ts, Nullable: true}, arrow.Field{Name: "exception", Type: utf8, Nullable: true},
	arrow.Field{Name: "task", Type: utf8, Nullable: true}, arrow.Field{Name: "location", Type: utf8, Nullable: true},
	arrow.Field{Name: "taskmanager", Type: utf8, Nullable: true},
)

// ConfigSchema is the config table: configuration entries.
var ConfigSchema = fields(
	arrow.Field{Name: "job_id", Type: utf8, Nullable: true},
	arrow.Field{Name: "key", Type: utf8}, arrow.Field{Name: "value", Type: utf8, Nullable: true},
)

// Builder builds the five tables; metric values go to a metrics builder.
type Builder struct {
	Jobs, Vertices, Checkpoints, Exceptions, Configs *table.Rows
	*metrics.Builder
	Records int64
}

var _ Sink = (*Builder)(nil)

// NewBuilder makes a Builder.
func NewBuilder(mem memory.Allocator, m *metrics.Builder) *Builder {
	return &Builder{Jobs: table.NewRows(mem, JobsSchema), Vertices: table.NewRows(mem, VerticesSchema),
		Checkpoints: table.NewRows(mem, CheckpointsSchema), Exceptions: table.NewRows(mem, ExceptionsSchema),
		Configs: table.NewRows(mem, ConfigSchema), Builder: m}
}

func (b *Builder) origin(r *table.Rows, o Origin) {
	r.Str(0, o.Source)
	r.Str(1, o.Path)
	r.Int(2, o.Offset, true)
}

func (b *Builder) Job(j *Job) {
	r := b.Jobs
	b.origin(r, j.Origin)
	r.Str(3, j.ID)
	r.Str(4, j.Name)
	r.Str(5, j.State)
	r.Time(6, j.Start)
	r.Time(7, j.End)
	r.Int(8, j.Duration, j.Duration > 0)
	r.Time(9, j.Now)
	r.Int(10, j.MaxParallelism, j.MaxParallelism > 0)
	for i, s := range jobStates {
		r.Time(11+i, j.StateTimes[s])
	}
	c := 11 + len(jobStates)
	r.Int(c, j.CkptTotal, j.Checkpoints)
	r.Int(c+1, j.CkptCompleted, j.Checkpoints)
	r.Int(c+2, j.CkptFailed, j.Checkpoints)
	r.Int(c+3, j.CkptInProgress, j.Checkpoints)
	r.Int(c+4, j.CkptRestored, j.Checkpoints)
	r.Str(c+5, j.Type)
	r.End()
	b.Records++
}

func (b *Builder) Vertex(v *Vertex) {
	r := b.Vertices
	b.origin(r, v.Origin)
	r.Str(3, v.JobID)
	r.Str(4, v.ID)
	r.Str(5, v.Name)
	r.Str(6, v.Status)
	r.Int(7, v.Parallelism, v.Parallelism > 0)
	r.Int(8, v.MaxParallelism, v.MaxParallelism > 0)
	r.Time(9, v.Start)
	r.Time(10, v.End)
	r.Int(11, v.Duration, v.Duration >= 0 && v.Start > 0)
	for i, f := range []float64{v.ReadBytes, v.WriteBytes, v.ReadRecords, v.WriteRecords, v.BackPressuredMs, v.IdleMs, v.BusyMs} {
		r.Float(12+i, f)
	}
	for i, s := range []string{"RUNNING", "FINISHED", "FAILED", "CANCELED"} {
		n, ok := v.Tasks[s]
		r.Int(19+i, n, ok)
	}
	r.Str(23, strings.Join(v.Inputs, ","))
	r.End()
	b.Records++
}

func (b *Builder) Checkpoint(c *Checkpoint) {
	r := b.Checkpoints
	b.origin(r, c.Origin)
	r.Str(3, c.JobID)
	r.Int(4, c.ID, true)
	r.Str(5, c.Status)
	r.Str(6, c.Type)
	r.Bool(7, c.Savepoint)
	r.Bool(8, c.Discarded)
	r.Time(9, c.Trigger)
	r.Time(10, c.LatestAck)
	r.Time(11, c.Failure)
	r.Int(12, c.Duration, c.Duration > 0 || c.Status == "COMPLETED")
	for i, f := range []float64{c.StateSize, c.CheckpointedSize, c.AlignmentBuffered, c.ProcessedData, c.PersistedData} {
		r.Float(13+i, f)
	}
	r.Int(18, c.Subtasks, c.Subtasks > 0)
	r.Int(19, c.Acknowledged, c.Subtasks > 0)
	r.Str(20, c.FailureMessage)
	r.Str(21, c.ExternalPath)
	r.End()
	b.Records++
}

func (b *Builder) Exception(e *Exception) {
	r := b.Exceptions
	b.origin(r, e.Origin)
	r.Str(3, e.JobID)
	r.Str(4, e.Kind)
	r.Time(5, e.Time)
	r.Str(6, e.Exception)
	r.Str(7, e.Task)
	r.Str(8, e.Location)
	r.Str(9, e.TaskManager)
	r.End()
	b.Records++
}

func (b *Builder) Config(c *Config) {
	r := b.Configs
	b.origin(r, c.Origin)
	r.Str(3, c.JobID)
	r.Str(4, c.Key)
	r.Str(5, c.Value)
	r.End()
	b.Records++
}

// Release frees the builders (not the metrics builder).
func (b *Builder) Release() {
	b.Configs.Release()
	b.Jobs.Release()
	b.Vertices.Release()
	b.Checkpoints.Release()
	b.Exceptions.Release()
}
