package table

import (
	"math"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// Rows builds a small table row by row, a value per column in schema
// order: strings, int64, float64, timestamps and booleans (no
// dictionaries). The job, checkpoint and container tables use it; their
// rows are few.
type Rows struct {
	schema     *arrow.Schema
	b          *array.RecordBuilder
	rows, size int
}

var _ Builder = (*Rows)(nil)

// NewRows makes a Rows for schema.
func NewRows(mem memory.Allocator, schema *arrow.Schema) *Rows {
	return &Rows{schema: schema, b: array.NewRecordBuilder(mem, schema)}
}

// Str sets column i; an empty string is null when the column is nullable.
func (r *Rows) Str(i int, s string) {
	b := r.b.Field(i).(*array.StringBuilder)
	if s == "" && r.schema.Field(i).Nullable {
		b.AppendNull()
		return
	}
	b.Append(s)
	r.size += len(s)
}

// Int sets column i; ok false is null.
func (r *Rows) Int(i int, v int64, ok bool) {
	b := r.b.Field(i).(*array.Int64Builder)
	if !ok {
		b.AppendNull()
		return
	}
	b.Append(v)
}

// Float sets column i; NaN is null.
func (r *Rows) Float(i int, v float64) {
	b := r.b.Field(i).(*array.Float64Builder)
	if math.IsNaN(v) {
		b.AppendNull()
		return
	}
	b.Append(v)
}

// Time sets column i to ms since the epoch; 0 or less is null.
func (r *Rows) Time(i int, ms int64) {
	b := r.b.Field(i).(*array.TimestampBuilder)
	if ms <= 0 {
		b.AppendNull()
		return
	}
	b.Append(arrow.Timestamp(ms))
}

// Bool sets column i.
func (r *Rows) Bool(i int, v bool) { r.b.Field(i).(*array.BooleanBuilder).Append(v) }

// End ends a row.
func (r *Rows) End() {
	r.rows++
	r.size += 8 * r.schema.NumFields()
}

func (r *Rows) Rows() int { return r.rows }
func (r *Rows) Size() int { return r.size }

// NewRecord returns the rows as a batch and starts over.
func (r *Rows) NewRecord() arrow.Record {
	rec := r.b.NewRecord()
	r.rows, r.size = 0, 0
	return rec
}

func (r *Rows) Release() { r.b.Release() }

// SetString is Set for a string, without copying it first.
func (d *Dict) SetString(row int, v string) {
	d.Set(row, unsafe.Slice(unsafe.StringData(v), len(v)))
}
