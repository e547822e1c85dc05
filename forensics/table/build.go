// Package table holds the columnar core: Arrow builders for the parsers
// and the dataset (a folder of files per table, Hive-style partitions,
// units committed under names made from their content). The files'
// format is an interface (Format); Parquet's is package parquetfile, kept
// apart so that a build without Parquet (the browser's analysis) links
// none of it.
package table

import (
	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// DictString is the type of dictionary-encoded low-cardinality strings.
var DictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}

// TimestampMs is the type of every timestamp column.
var TimestampMs = &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}

// Dict builds a dictionary-encoded string column. Appends cost a map look-up
// (none when the value repeats the previous one) and never allocate once
// the value is known. Nulls are filled in lazily, so a column that is
// mostly null costs nothing per row.
type Dict struct {
	memo    map[string]int32
	values  *array.BinaryBuilder
	indices *array.Int32Builder
	last    []byte
	lastIdx int32
	hasLast bool
	// recent maps a cheap hash of a value to its index+1, checked against
	// the dictionary before the map is asked: loggers and threads
	// alternate among a few values, and a byte comparison is cheaper than
	// hashing the whole string.
	recent [64]int32
}

func recentSlot(v []byte) int {
	n := len(v)
	if n == 0 {
		return 0
	}
	return (n*31 + int(v[0])*7 + int(v[n/2])*3 + int(v[n-1])) & 63
}

// NewDict makes a Dict.
func NewDict(mem memory.Allocator) *Dict {
	return &Dict{
		memo:    map[string]int32{},
		values:  array.NewBinaryBuilder(mem, arrow.BinaryTypes.String),
		indices: array.NewInt32Builder(mem),
	}
}

// Set sets row to v; rows skipped since the last Set are null.
func (d *Dict) Set(row int, v []byte) {
	if n := d.indices.Len(); n < row {
		d.indices.AppendNulls(row - n)
	}
	if d.hasLast && string(v) == string(d.last) {
		d.indices.Append(d.lastIdx)
		return
	}
	slot := recentSlot(v)
	idx := d.recent[slot] - 1
	if idx < 0 || string(d.values.Value(int(idx))) != string(v) {
		var ok bool
		idx, ok = d.memo[string(v)]
		if !ok {
			idx = int32(len(d.memo))
			d.memo[string(v)] = idx
			d.values.Append(v)
		}
		d.recent[slot] = idx + 1
	}
	d.last = append(d.last[:0], v...)
	d.lastIdx, d.hasLast = idx, true
	d.indices.Append(idx)
}

// Finish pads the column to rows and returns it as an array; the builder
// starts over with an empty dictionary.
func (d *Dict) Finish(rows int) arrow.Array {
	if n := d.indices.Len(); n < rows {
		d.indices.AppendNulls(rows - n)
	}
	idx := d.indices.NewArray()
	dict := d.values.NewArray()
	arr := array.NewDictionaryArray(DictString, idx, dict)
	idx.Release()
	dict.Release()
	clear(d.memo)
	clear(d.recent[:])
	d.hasLast = false
	return arr
}

// Release frees the builders.
func (d *Dict) Release() {
	d.values.Release()
	d.indices.Release()
}

// lazyBuilder is an Arrow builder of values of type T.
type lazyBuilder[T any] interface {
	array.Builder
	Append(T)
}

// Lazy builds a column whose rows not Set are null. Nulls are appended in
// bulk when a later row is Set or the column is finished, so a mostly-null
// column costs nothing per row.
type Lazy[T any, B lazyBuilder[T]] struct{ b B }

// Set sets row to v; rows skipped since the last Set are null.
func (c Lazy[T, B]) Set(row int, v T) {
	if n := c.b.Len(); n < row {
		c.b.AppendNulls(row - n)
	}
	c.b.Append(v)
}

// Finish pads the column to rows and returns it; the builder starts over.
func (c Lazy[T, B]) Finish(rows int) arrow.Array {
	if n := c.b.Len(); n < rows {
		c.b.AppendNulls(rows - n)
	}
	return c.b.NewArray()
}

func (c Lazy[T, B]) Release() { c.b.Release() }

// Builder is the underlying Arrow builder.
func (c Lazy[T, B]) Builder() B { return c.b }

// The column kinds the tables use.
type (
	Str        = Lazy[[]byte, *array.BinaryBuilder]
	Int64      = Lazy[int64, *array.Int64Builder]
	Int32      = Lazy[int32, *array.Int32Builder]
	Timestamps = Lazy[arrow.Timestamp, *array.TimestampBuilder]
	Float64    = Lazy[float64, *array.Float64Builder]
)

func NewStr(mem memory.Allocator) Str {
	return Str{array.NewBinaryBuilder(mem, arrow.BinaryTypes.String)}
}
func NewInt64(mem memory.Allocator) Int64     { return Int64{array.NewInt64Builder(mem)} }
func NewInt32(mem memory.Allocator) Int32     { return Int32{array.NewInt32Builder(mem)} }
func NewFloat64(mem memory.Allocator) Float64 { return Float64{array.NewFloat64Builder(mem)} }
func NewTimestamps(mem memory.Allocator) Timestamps {
	return Timestamps{array.NewTimestampBuilder(mem, TimestampMs)}
}

// Bool builds a boolean column whose unset rows are false.
type Bool struct{ b *array.BooleanBuilder }

func NewBool(mem memory.Allocator) Bool { return Bool{array.NewBooleanBuilder(mem)} }

func (c Bool) Set(row int) {
	c.pad(row)
	c.b.Append(true)
}

var falses [4096]bool

func (c Bool) pad(rows int) {
	for n := rows - c.b.Len(); n > 0; n -= len(falses) {
		c.b.AppendValues(falses[:min(n, len(falses))], nil)
	}
}

func (c Bool) Finish(rows int) arrow.Array {
	c.pad(rows)
	return c.b.NewArray()
}

func (c Bool) Release() { c.b.Release() }

// Column returns the named column of rec as an A (*array.Int64,
// *array.Dictionary, …), or the zero A when it is missing or of another
// type.
func Column[A arrow.Array](rec arrow.Record, name string) A {
	var zero A
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return zero
	}
	a, _ := rec.Column(idx[0]).(A)
	return a
}
