package platform

import (
	"github.com/apache/arrow/go/v15/arrow"
	arrowmem "github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/table"
)

// Schema is the containers table.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "ts", Type: table.TimestampMs, Nullable: true},
	{Name: "kind", Type: arrow.BinaryTypes.String},
	{Name: "state", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "host", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "namespace", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "pod", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "container", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "pid", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "process", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "exit_code", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "exit_meaning", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "reason", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "message", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "restart_count", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "memory_limit", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "memory_usage", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "cgroup", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "source", Type: arrow.BinaryTypes.String},
	{Name: "line", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "offset", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// Builder appends container rows; unparsed lines go to a shared raw
// builder.
type Builder struct {
	*table.Rows
	raw      *table.RawBuilder
	file     string
	Rows_    int64
	RawLines int64
}

// NewBuilder makes a Builder.
func NewBuilder(mem arrowmem.Allocator, raw *table.RawBuilder) *Builder {
	return &Builder{Rows: table.NewRows(mem, Schema), raw: raw}
}

// SetFile says which file the next rows come from.
func (b *Builder) SetFile(source string) { b.file, b.Rows_, b.RawLines = source, 0, 0 }

// Container appends one row.
func (b *Builder) Container(c *Container) {
	r := b.Rows
	if c.HasTime {
		r.Time(0, c.Time)
	} else {
		r.Time(0, 0)
	}
	r.Str(1, c.Kind)
	r.Str(2, c.State)
	r.Str(3, c.Host)
	r.Str(4, c.Namespace)
	r.Str(5, c.Pod)
	r.Str(6, c.Container)
	r.Int(7, c.PID, c.PID >= 0)
	r.Str(8, c.Process)
	r.Int(9, c.ExitCode, c.HasExit)
	meaning := ""
	if c.HasExit {
		meaning = ExitMeaning(c.ExitCode)
	}
	r.Str(10, meaning)
	r.Str(11, c.Reason)
	r.Str(12, c.Message)
	r.Int(13, c.RestartCount, c.RestartCount >= 0)
	r.Int(14, c.MemoryLimit, c.MemoryLimit >= 0)
	r.Int(15, c.MemoryUsage, c.MemoryUsage >= 0)
	r.Str(16, c.Cgroup)
	r.Str(17, b.file)
	r.Int(18, c.Line, c.Line > 0)
	r.Int(19, c.Offset, c.Line > 0 || c.Offset > 0)
	r.End()
	b.Rows_++
}

// Raw appends a line no parser understood to the raw table.
func (b *Builder) Raw(l *RawLine) {
	b.raw.Append(b.file, l.Line, l.Offset, l.Text, l.Reason, l.OriginalLength)
	b.RawLines++
}
