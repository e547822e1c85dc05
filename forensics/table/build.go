// Package table holds the columnar core: Arrow builders for the parsers,
// the Arrow-to-Parquet writer and the dataset (one folder of Parquet files
// per table, and manifest.json).
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
	idx, ok := d.memo[string(v)]
	if !ok {
		idx = int32(len(d.memo))
		d.memo[string(v)] = idx
		d.values.Append(v)
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
	d.hasLast = false
	return arr
}

// Release frees the builders.
func (d *Dict) Release() {
	d.values.Release()
	d.indices.Release()
}

// Str builds a plain string column with lazy nulls.
type Str struct{ b *array.BinaryBuilder }

func NewStr(mem memory.Allocator) Str {
	return Str{array.NewBinaryBuilder(mem, arrow.BinaryTypes.String)}
}

func (s Str) Set(row int, v []byte) {
	if n := s.b.Len(); n < row {
		s.b.AppendNulls(row - n)
	}
	s.b.Append(v)
}

func (s Str) Finish(rows int) arrow.Array {
	if n := s.b.Len(); n < rows {
		s.b.AppendNulls(rows - n)
	}
	return s.b.NewArray()
}

func (s Str) Release() { s.b.Release() }

// Int64 builds an int64 column with lazy nulls.
type Int64 struct{ b *array.Int64Builder }

func NewInt64(mem memory.Allocator) Int64 { return Int64{array.NewInt64Builder(mem)} }

func (c Int64) Set(row int, v int64) {
	if n := c.b.Len(); n < row {
		c.b.AppendNulls(row - n)
	}
	c.b.Append(v)
}

func (c Int64) Finish(rows int) arrow.Array {
	if n := c.b.Len(); n < rows {
		c.b.AppendNulls(rows - n)
	}
	return c.b.NewArray()
}

func (c Int64) Release() { c.b.Release() }

// Int32 builds an int32 column with lazy nulls.
type Int32 struct{ b *array.Int32Builder }

func NewInt32(mem memory.Allocator) Int32 { return Int32{array.NewInt32Builder(mem)} }

func (c Int32) Set(row int, v int32) {
	if n := c.b.Len(); n < row {
		c.b.AppendNulls(row - n)
	}
	c.b.Append(v)
}

func (c Int32) Finish(rows int) arrow.Array {
	if n := c.b.Len(); n < rows {
		c.b.AppendNulls(rows - n)
	}
	return c.b.NewArray()
}

func (c Int32) Release() { c.b.Release() }

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

// Timestamps builds a timestamp[ms, UTC] column with lazy nulls.
type Timestamps struct{ b *array.TimestampBuilder }

func NewTimestamps(mem memory.Allocator) Timestamps {
	return Timestamps{array.NewTimestampBuilder(mem, TimestampMs)}
}

func (c Timestamps) Set(row int, ms int64) {
	if n := c.b.Len(); n < row {
		c.b.AppendNulls(row - n)
	}
	c.b.Append(arrow.Timestamp(ms))
}

func (c Timestamps) Finish(rows int) arrow.Array {
	if n := c.b.Len(); n < rows {
		c.b.AppendNulls(rows - n)
	}
	return c.b.NewArray()
}

func (c Timestamps) Release() { c.b.Release() }
