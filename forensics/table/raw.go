package table

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// RawSchema is the schema of the raw table: every line no parser understood,
// kept with its origin.
var RawSchema = arrow.NewSchema([]arrow.Field{
	{Name: "source", Type: DictString},
	{Name: "line", Type: arrow.PrimitiveTypes.Int64},
	{Name: "offset", Type: arrow.PrimitiveTypes.Int64},
	{Name: "text", Type: arrow.BinaryTypes.String},
	{Name: "reason", Type: DictString},
	{Name: "original_length", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// Builder is what every table's builder offers the ingest pipeline.
type Builder interface {
	// Rows is the number of rows appended since the last NewRecord.
	Rows() int
	// Size estimates the bytes appended since the last NewRecord.
	Size() int
	// NewRecord returns the rows as a record batch and starts over.
	NewRecord() arrow.Record
	Release()
}

// RawBuilder builds raw table batches.
type RawBuilder struct {
	source, reason *Dict
	line, offset   Int64
	text           Str
	origLen        Int64
	rows, size     int
}

var _ Builder = (*RawBuilder)(nil)

func NewRawBuilder(mem memory.Allocator) *RawBuilder {
	return &RawBuilder{
		source: NewDict(mem), reason: NewDict(mem),
		line: NewInt64(mem), offset: NewInt64(mem), text: NewStr(mem), origLen: NewInt64(mem),
	}
}

// Append adds one unparsed line.
func (b *RawBuilder) Append(source string, line, offset int64, text []byte, reason string, originalLength int64) {
	r := b.rows
	b.source.Set(r, []byte(source))
	b.line.Set(r, line)
	b.offset.Set(r, offset)
	b.text.Set(r, text)
	b.reason.Set(r, []byte(reason))
	if originalLength > 0 {
		b.origLen.Set(r, originalLength)
	}
	b.rows++
	b.size += len(text) + 24
}

func (b *RawBuilder) Rows() int { return b.rows }
func (b *RawBuilder) Size() int { return b.size }

func (b *RawBuilder) NewRecord() arrow.Record {
	n := b.rows
	cols := []arrow.Array{
		b.source.Finish(n), b.line.Finish(n), b.offset.Finish(n), b.text.Finish(n),
		b.reason.Finish(n), b.origLen.Finish(n),
	}
	rec := array.NewRecord(RawSchema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	b.rows, b.size = 0, 0
	return rec
}

func (b *RawBuilder) Release() {
	b.source.Release()
	b.reason.Release()
	b.line.Release()
	b.offset.Release()
	b.text.Release()
	b.origLen.Release()
}
