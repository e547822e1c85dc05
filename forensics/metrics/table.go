package metrics

import (
	"math"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/table"
)

// Schema is the metrics table: one row per metric value.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "ts", Type: table.TimestampMs, Nullable: true},
	{Name: "name", Type: table.DictString},
	{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "unit", Type: table.DictString, Nullable: true},
	{Name: "scope", Type: table.DictString, Nullable: true},
	{Name: "host", Type: table.DictString, Nullable: true},
	{Name: "taskmanager", Type: table.DictString, Nullable: true},
	{Name: "job_id", Type: table.DictString, Nullable: true},
	{Name: "job_name", Type: table.DictString, Nullable: true},
	{Name: "task_name", Type: table.DictString, Nullable: true},
	{Name: "task_id", Type: table.DictString, Nullable: true},
	{Name: "subtask", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "operator_name", Type: table.DictString, Nullable: true},
	{Name: "operator_id", Type: table.DictString, Nullable: true},
	{Name: "labels", Type: table.DictString, Nullable: true},
	{Name: "format", Type: table.DictString},
	{Name: "source", Type: table.DictString},
	{Name: "line", Type: arrow.PrimitiveTypes.Int64},
	{Name: "offset", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// Builder appends samples to metrics batches and unparsed lines to a raw
// builder it shares.
type Builder struct {
	ts                                   table.Timestamps
	name                                 *table.Dict
	value                                table.Float64
	unit, scope                          *table.Dict
	host, tm, jobID, jobName, taskName   *table.Dict
	taskID                               *table.Dict
	subtask                              table.Int32
	opName, opID, labels, format, source *table.Dict
	line, offset                         table.Int64
	rows, size                           int
	file                                 []byte
	lbuf                                 []byte
	raw                                  *table.RawBuilder
	// Counts for the file being read.
	Samples, RawLines int64
	MinTime, MaxTime  int64
	HasTime           bool
}

var _ table.Builder = (*Builder)(nil)
var _ Sink = (*Builder)(nil)

// NewBuilder makes a Builder whose unparsed lines go to raw.
func NewBuilder(mem memory.Allocator, raw *table.RawBuilder) *Builder {
	d := func() *table.Dict { return table.NewDict(mem) }
	return &Builder{ts: table.NewTimestamps(mem), name: d(), value: table.NewFloat64(mem), unit: d(), scope: d(),
		host: d(), tm: d(), jobID: d(), jobName: d(), taskName: d(), taskID: d(), subtask: table.NewInt32(mem),
		opName: d(), opID: d(), labels: d(), format: d(), source: d(),
		line: table.NewInt64(mem), offset: table.NewInt64(mem), raw: raw}
}

// SetFile says which file the next samples come from.
func (b *Builder) SetFile(source string) {
	b.file = append(b.file[:0], source...)
	b.Samples, b.RawLines, b.HasTime = 0, 0, false
}

func setStr(d *table.Dict, row int, s string) {
	if s != "" {
		d.SetString(row, s)
	}
}

// SetFileKeep sets the file of the next samples, keeping the counts (for
// samples found inside another stream).
func (b *Builder) SetFileKeep(source string) {
	if string(b.file) != source {
		b.file = append(b.file[:0], source...)
	}
}

// Sample appends one sample.
func (b *Builder) Sample(s *Sample) {
	r := b.rows
	if s.HasTime {
		b.ts.Set(r, arrow.Timestamp(s.Time))
		if !b.HasTime || s.Time < b.MinTime {
			b.MinTime = s.Time
		}
		if !b.HasTime || s.Time > b.MaxTime {
			b.MaxTime = s.Time
		}
		b.HasTime = true
	}
	b.name.SetString(r, s.Name)
	if !math.IsNaN(s.Value) {
		b.value.Set(r, s.Value)
	}
	setStr(b.unit, r, s.Unit)
	setStr(b.scope, r, string(s.Scope))
	setStr(b.host, r, s.Host)
	setStr(b.tm, r, s.TaskManager)
	setStr(b.jobID, r, s.JobID)
	setStr(b.jobName, r, s.JobName)
	setStr(b.taskName, r, s.TaskName)
	setStr(b.taskID, r, s.TaskID)
	if s.Subtask >= 0 {
		b.subtask.Set(r, s.Subtask)
	}
	setStr(b.opName, r, s.OperatorName)
	setStr(b.opID, r, s.OperatorID)
	switch {
	case s.LabelsText != "":
		b.labels.SetString(r, s.LabelsText)
	case len(s.Labels) > 0:
		b.lbuf = s.LabelsJSON(b.lbuf)
		b.labels.Set(r, b.lbuf)
	}
	b.format.SetString(r, s.Format.String())
	b.source.Set(r, b.file)
	b.line.Set(r, s.Line)
	b.offset.Set(r, s.Offset)
	b.rows++
	b.size += 48 + len(s.Name)
	b.Samples++
}

// Raw appends a line no parser understood to the raw table.
func (b *Builder) Raw(l *RawLine) {
	b.raw.Append(string(b.file), l.Line, l.Offset, l.Text, l.Reason, l.OriginalLength)
	b.RawLines++
}

func (b *Builder) Rows() int { return b.rows }
func (b *Builder) Size() int { return b.size }

// NewRecord returns the batch and starts over.
func (b *Builder) NewRecord() arrow.Record {
	n := b.rows
	cols := []arrow.Array{b.ts.Finish(n), b.name.Finish(n), b.value.Finish(n), b.unit.Finish(n), b.scope.Finish(n),
		b.host.Finish(n), b.tm.Finish(n), b.jobID.Finish(n), b.jobName.Finish(n), b.taskName.Finish(n),
		b.taskID.Finish(n), b.subtask.Finish(n), b.opName.Finish(n), b.opID.Finish(n), b.labels.Finish(n),
		b.format.Finish(n), b.source.Finish(n), b.line.Finish(n), b.offset.Finish(n)}
	rec := array.NewRecord(Schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	b.rows, b.size = 0, 0
	return rec
}

// Release frees the builders.
func (b *Builder) Release() {
	for _, d := range []*table.Dict{b.name, b.unit, b.scope, b.host, b.tm, b.jobID, b.jobName, b.taskName,
		b.taskID, b.opName, b.opID, b.labels, b.format, b.source} {
		d.Release()
	}
	b.ts.Release()
	b.value.Release()
	b.subtask.Release()
	b.line.Release()
	b.offset.Release()
}
