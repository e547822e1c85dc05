package flinklog

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/table"
)

// Schema is the logs table: one row per log event. docs/schema.md
// describes every column.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "ts", Type: table.TimestampMs, Nullable: true},
	{Name: "level", Type: table.DictString, Nullable: true},
	{Name: "logger", Type: table.DictString, Nullable: true},
	{Name: "thread", Type: table.DictString, Nullable: true},
	{Name: "message", Type: arrow.BinaryTypes.String},
	{Name: "detail", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "lines", Type: arrow.PrimitiveTypes.Int32},
	{Name: "source", Type: table.DictString},
	{Name: "line", Type: arrow.PrimitiveTypes.Int64},
	{Name: "offset", Type: arrow.PrimitiveTypes.Int64},
	{Name: "role", Type: table.DictString, Nullable: true},
	{Name: "host", Type: table.DictString, Nullable: true},
	{Name: "prefix", Type: table.DictString, Nullable: true},
	{Name: "context", Type: table.DictString, Nullable: true},
	{Name: "out_of_order", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "truncated", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "continued", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "job_id", Type: table.DictString, Nullable: true},
	{Name: "job_name", Type: table.DictString, Nullable: true},
	{Name: "state_of", Type: table.DictString, Nullable: true},
	{Name: "state_from", Type: table.DictString, Nullable: true},
	{Name: "state_to", Type: table.DictString, Nullable: true},
	{Name: "task", Type: table.DictString, Nullable: true},
	{Name: "subtask", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "parallelism", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "attempt", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "taskmanager", Type: table.DictString, Nullable: true},
	{Name: "container", Type: table.DictString, Nullable: true},
	{Name: "checkpoint", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "exception", Type: table.DictString, Nullable: true},
	{Name: "exception_message", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "root_cause", Type: table.DictString, Nullable: true},
	{Name: "root_cause_message", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "causes", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

var levelBytes = func() (b [len(levelNames)][]byte) {
	for i, n := range levelNames {
		b[i] = []byte(n)
	}
	return b
}()

// Builder appends events to logs batches and unparsed lines to raw
// batches. Call SetFile before the events of each file.
type Builder struct {
	ts                                                table.Timestamps
	level, logger, thread                             *table.Dict
	message, detail                                   table.Str
	lines                                             table.Int32
	source                                            *table.Dict
	line, offset                                      table.Int64
	role, host, prefix, context                       *table.Dict
	ooo, trunc, cont                                  table.Bool
	jobID, jobName, stateOf, stateFrom, stateTo, task *table.Dict
	subtask, parallelism                              table.Int32
	attempt                                           table.Str
	taskmanager, container                            *table.Dict
	checkpoint                                        table.Int64
	exception, rootCause                              *table.Dict
	exceptionMessage, rootCauseMessage, causes        table.Str
	rows, size                                        int
	file, fileRole, fileHost                          []byte
	RawRows                                           *table.RawBuilder
	ownRaw                                            bool
	// Counts for the file being read.
	Events, RawLines, Lines, OutOfOrder int64
	// MinTime and MaxTime bound the file's timestamps (valid if Events > 0
	// and HasTime).
	MinTime, MaxTime int64
	HasTime          bool
}

var _ table.Builder = (*Builder)(nil)
var _ Sink = (*Builder)(nil)

// NewBuilder makes a Builder with its own raw builder.
func NewBuilder(mem memory.Allocator) *Builder {
	b := NewBuilderRaw(mem, table.NewRawBuilder(mem))
	b.ownRaw = true
	return b
}

// NewBuilderRaw makes a Builder whose unparsed lines go to raw, a raw
// builder it shares with other parsers (and does not release).
func NewBuilderRaw(mem memory.Allocator, raw *table.RawBuilder) *Builder {
	d := func() *table.Dict { return table.NewDict(mem) }
	return &Builder{
		ts: table.NewTimestamps(mem), level: d(), logger: d(), thread: d(),
		message: table.NewStr(mem), detail: table.NewStr(mem), lines: table.NewInt32(mem),
		source: d(), line: table.NewInt64(mem), offset: table.NewInt64(mem),
		role: d(), host: d(), prefix: d(), context: d(),
		ooo: table.NewBool(mem), trunc: table.NewBool(mem), cont: table.NewBool(mem),
		jobID: d(), jobName: d(), stateOf: d(), stateFrom: d(), stateTo: d(), task: d(),
		subtask: table.NewInt32(mem), parallelism: table.NewInt32(mem), attempt: table.NewStr(mem),
		taskmanager: d(), container: d(), checkpoint: table.NewInt64(mem),
		exception: d(), rootCause: d(),
		exceptionMessage: table.NewStr(mem), rootCauseMessage: table.NewStr(mem), causes: table.NewStr(mem),
		RawRows: raw,
	}
}

// SetFile says which file the next events come from, and its role and
// host (either may be empty); it resets the per-file counts.
func (b *Builder) SetFile(source string, role Role, host string) {
	b.file = append(b.file[:0], source...)
	b.fileRole = append(b.fileRole[:0], role...)
	b.fileHost = append(b.fileHost[:0], host...)
	b.Events, b.RawLines, b.Lines, b.OutOfOrder = 0, 0, 0, 0
	b.HasTime = false
}

func setIf(d *table.Dict, row int, v []byte) {
	if len(v) > 0 {
		d.Set(row, v)
	}
}

// Event appends one event.
func (b *Builder) Event(e *Event) {
	r := b.rows
	if e.HasTime {
		b.ts.Set(r, arrow.Timestamp(e.Time))
		if !b.HasTime || e.Time < b.MinTime {
			b.MinTime = e.Time
		}
		if !b.HasTime || e.Time > b.MaxTime {
			b.MaxTime = e.Time
		}
		b.HasTime = true
	}
	if e.Level != NoLevel {
		b.level.Set(r, levelBytes[e.Level])
	}
	setIf(b.logger, r, e.Logger)
	setIf(b.thread, r, e.Thread)
	b.message.Set(r, e.Message)
	if len(e.Detail) > 0 || e.Lines > 1 {
		b.detail.Set(r, e.Detail)
	}
	b.lines.Set(r, e.Lines)
	b.source.Set(r, b.file)
	b.line.Set(r, e.Line)
	b.offset.Set(r, e.Offset)
	setIf(b.role, r, b.fileRole)
	if len(e.Host) > 0 {
		b.host.Set(r, e.Host)
	} else {
		setIf(b.host, r, b.fileHost)
	}
	setIf(b.prefix, r, e.Prefix)
	setIf(b.context, r, e.Context)
	if e.OutOfOrder {
		b.ooo.Set(r)
		b.OutOfOrder++
	}
	if e.Truncated {
		b.trunc.Set(r)
	}
	if e.Continued {
		b.cont.Set(r)
	}
	f := &e.Fields
	setIf(b.jobID, r, f.JobID)
	setIf(b.jobName, r, f.JobName)
	if len(f.StateOf) > 0 {
		b.stateOf.Set(r, f.StateOf)
		b.stateFrom.Set(r, f.From)
		b.stateTo.Set(r, f.To)
	}
	setIf(b.task, r, f.Task)
	if f.Subtask >= 0 {
		b.subtask.Set(r, f.Subtask)
		b.parallelism.Set(r, f.Parallelism)
	}
	if len(f.Attempt) > 0 {
		b.attempt.Set(r, f.Attempt)
	}
	setIf(b.taskmanager, r, f.TaskManager)
	setIf(b.container, r, f.Container)
	if f.Checkpoint >= 0 {
		b.checkpoint.Set(r, f.Checkpoint)
	}
	if len(f.Exception) > 0 {
		b.exception.Set(r, f.Exception)
		b.exceptionMessage.Set(r, f.ExceptionMessage)
	}
	if len(f.RootCause) > 0 {
		b.rootCause.Set(r, f.RootCause)
		b.rootCauseMessage.Set(r, f.RootCauseMessage)
	}
	if len(f.Causes) > 0 {
		b.causes.Set(r, f.Causes)
	}
	b.rows++
	b.size += len(e.Message) + len(e.Detail) + 64
	b.Events++
	b.Lines += int64(e.Lines)
}

// Raw appends a line no parser understood to the raw table.
func (b *Builder) Raw(l *RawLine) {
	b.RawRows.Append(string(b.file), l.Line, l.Offset, l.Text, l.Reason, l.OriginalLength)
	b.RawLines++
	b.Lines++
}

func (b *Builder) Rows() int { return b.rows }
func (b *Builder) Size() int { return b.size }

// NewRecord returns the logs batch and starts over (each column keeps
// room for a batch like this one).
func (b *Builder) NewRecord() arrow.Record {
	n := b.rows
	cols := []arrow.Array{
		b.ts.Finish(n), b.level.Finish(n), b.logger.Finish(n), b.thread.Finish(n),
		b.message.Finish(n), b.detail.Finish(n), b.lines.Finish(n),
		b.source.Finish(n), b.line.Finish(n), b.offset.Finish(n),
		b.role.Finish(n), b.host.Finish(n), b.prefix.Finish(n), b.context.Finish(n),
		b.ooo.Finish(n), b.trunc.Finish(n), b.cont.Finish(n),
		b.jobID.Finish(n), b.jobName.Finish(n), b.stateOf.Finish(n), b.stateFrom.Finish(n), b.stateTo.Finish(n),
		b.task.Finish(n), b.subtask.Finish(n), b.parallelism.Finish(n), b.attempt.Finish(n),
		b.taskmanager.Finish(n), b.container.Finish(n), b.checkpoint.Finish(n),
		b.exception.Finish(n), b.exceptionMessage.Finish(n), b.rootCause.Finish(n), b.rootCauseMessage.Finish(n),
		b.causes.Finish(n),
	}
	rec := array.NewRecord(Schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	b.rows, b.size = 0, 0
	return rec
}

// Release frees the builders.
func (b *Builder) Release() {
	for _, d := range []*table.Dict{b.level, b.logger, b.thread, b.source, b.role, b.host, b.prefix, b.context,
		b.jobID, b.jobName, b.stateOf, b.stateFrom, b.stateTo, b.task, b.taskmanager, b.container,
		b.exception, b.rootCause} {
		d.Release()
	}
	b.ts.Release()
	b.message.Release()
	b.detail.Release()
	b.lines.Release()
	b.line.Release()
	b.offset.Release()
	b.ooo.Release()
	b.trunc.Release()
	b.cont.Release()
	b.subtask.Release()
	b.parallelism.Release()
	b.attempt.Release()
	b.checkpoint.Release()
	b.exceptionMessage.Release()
	b.rootCauseMessage.Release()
	b.causes.Release()
	if b.ownRaw {
		b.RawRows.Release()
	}
}
