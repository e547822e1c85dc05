// Package table holds the columnar core: Arrow builders for the parsers
// and the dataset (a folder of files per table, Hive-style partitions,
// units committed under names made from their content). The files'
// format is an interface (Format); Parquet's is package parquetfile, kept
// apart so that a build without Parquet (the browser's analysis) links
// none of it.
package table

import (
	"unsafe"

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
	values  *strCol
	indices Int32
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
	return &Dict{memo: map[string]int32{}, values: newStrCol(mem), indices: NewInt32(mem)}
}

// Set sets row to v; rows skipped since the last Set are null.
func (d *Dict) Set(row int, v []byte) {
	if d.hasLast && string(v) == string(d.last) {
		d.indices.Set(row, d.lastIdx)
		return
	}
	slot := recentSlot(v)
	idx := d.recent[slot] - 1
	if idx < 0 || string(d.values.value(int(idx))) != string(v) {
		var ok bool
		idx, ok = d.memo[string(v)]
		if !ok {
			idx = int32(len(d.memo))
			d.memo[string(v)] = idx
			d.values.set(d.values.rows, v)
		}
		d.recent[slot] = idx + 1
	}
	d.last = append(d.last[:0], v...)
	d.lastIdx, d.hasLast = idx, true
	d.indices.Set(row, idx)
}

// Finish pads the column to rows and returns it as an array; the builder
// starts over with an empty dictionary.
func (d *Dict) Finish(rows int) arrow.Array {
	idx := d.indices.Finish(rows)
	dict := d.values.finish(d.values.rows)
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
	d.values.release()
	d.indices.Release()
}

// The columns below write straight into buffers of the allocator, which
// become the Arrow arrays' buffers when a column is finished: no copy, and
// none of the zeroing and regrowth of Arrow's builders. Each column keeps
// the size of its last batch and starts the next one with that much room.

// buffer is a growing byte buffer from an allocator: b holds the bytes
// used, and b[:size] the allocation.
type buffer struct {
	mem  memory.Allocator
	b    []byte
	size int
	last int // bytes used by the last batch
}

// grow makes room for n more bytes.
func (x *buffer) grow(n int) {
	if len(x.b)+n <= x.size {
		return
	}
	// A quarter more than the last batch: batches of a file differ a
	// little in size, and regrowing copies the whole buffer.
	size := max(len(x.b)+n, 2*x.size, x.last+x.last/4, 256)
	var nb []byte
	if x.size == 0 {
		nb = x.mem.Allocate(size)
	} else {
		nb = x.mem.Reallocate(size, x.b[:x.size])
	}
	x.b, x.size = nb[:len(x.b)], len(nb)
}

// extend grows the buffer by n bytes and returns them (not zeroed).
func (x *buffer) extend(n int) []byte {
	x.grow(n)
	l := len(x.b)
	x.b = x.b[:l+n]
	return x.b[l:]
}

// take hands the bytes over as an Arrow buffer, which gives them back to
// the allocator when released, and starts over.
func (x *buffer) take() *memory.Buffer {
	x.last = len(x.b)
	buf := memory.NewResizableBuffer(x.mem)
	if x.size > 0 {
		buf.Reset(x.b[:x.size])
		buf.ResizeNoShrink(len(x.b))
	}
	x.b, x.size = nil, 0
	return buf
}

func (x *buffer) release() {
	if x.size > 0 {
		x.mem.Free(x.b[:x.size])
		x.b, x.size = nil, 0
	}
}

// validity is a column's bitmap of non-null rows, kept only once a row is
// null.
type validity struct {
	bits  buffer
	rows  int // rows the bitmap covers
	nulls int
}

// add records rows [from, to) as valid (or null); from is the number of
// rows recorded so far.
func (v *validity) add(from, to int, valid bool) {
	first := !valid && v.nulls == 0
	if !valid {
		v.nulls += to - from
	}
	v.rows = to
	if v.nulls == 0 {
		return // no bitmap until the first null
	}
	if need := (to+7)/8 - len(v.bits.b); need > 0 {
		clear(v.bits.extend(need))
	}
	if first {
		setBits(v.bits.b, 0, from) // the rows before it were all valid
	}
	if valid {
		setBits(v.bits.b, from, to)
	}
}

// setBits sets bits [from, to).
func setBits(b []byte, from, to int) {
	for ; from < to && from&7 != 0; from++ {
		b[from>>3] |= 1 << (from & 7)
	}
	for ; from+8 <= to; from += 8 {
		b[from>>3] = 0xff
	}
	for ; from < to; from++ {
		b[from>>3] |= 1 << (from & 7)
	}
}

func (v *validity) take() (*memory.Buffer, int) {
	nulls := v.nulls
	var buf *memory.Buffer
	if nulls > 0 {
		buf = v.bits.take()
	}
	v.rows, v.nulls = 0, 0
	return buf, nulls
}

// makeArray makes an array of the buffers taken (bitmap may be nil), which
// it then owns.
func makeArray(typ arrow.DataType, rows, nulls int, buffers ...*memory.Buffer) arrow.Array {
	data := array.NewData(typ, rows, buffers, nil, nulls, 0)
	for _, b := range buffers {
		if b != nil {
			b.Release()
		}
	}
	defer data.Release()
	return array.MakeFromData(data)
}

type fixedWidth interface {
	~int32 | ~int64 | ~float64
}

// Fixed builds a column of fixed-width values whose rows not Set are null.
// Nulls are added in bulk when a later row is Set or the column is
// finished, so a mostly-null column costs nothing per row.
type Fixed[T fixedWidth] struct{ c *fixed[T] }

type fixed[T fixedWidth] struct {
	typ   arrow.DataType
	vals  buffer
	valid validity
	rows  int
}

func newFixed[T fixedWidth](mem memory.Allocator, typ arrow.DataType) Fixed[T] {
	return Fixed[T]{&fixed[T]{typ: typ, vals: buffer{mem: mem}, valid: validity{bits: buffer{mem: mem}}}}
}

func (c *fixed[T]) pad(row int) {
	if n := row - c.rows; n > 0 {
		clear(c.vals.extend(n * int(unsafe.Sizeof(T(0)))))
		c.valid.add(c.rows, row, false)
		c.rows = row
	}
}

// Set sets row to v; rows skipped since the last Set are null.
func (c Fixed[T]) Set(row int, v T) {
	f := c.c
	f.pad(row)
	*(*T)(unsafe.Pointer(&f.vals.extend(int(unsafe.Sizeof(v)))[0])) = v
	f.valid.add(row, row+1, true)
	f.rows = row + 1
}

// Finish pads the column to rows and returns it; the builder starts over.
func (c Fixed[T]) Finish(rows int) arrow.Array {
	f := c.c
	f.pad(rows)
	bitmap, nulls := f.valid.take()
	f.rows = 0
	return makeArray(f.typ, rows, nulls, bitmap, f.vals.take())
}

func (c Fixed[T]) Release() {
	c.c.vals.release()
	c.c.valid.bits.release()
}

// Str builds a string column whose rows not Set are null.
type Str struct{ c *strCol }

type strCol struct {
	offsets, data buffer
	valid         validity
	rows          int
}

func newStrCol(mem memory.Allocator) *strCol {
	return &strCol{offsets: buffer{mem: mem}, data: buffer{mem: mem}, valid: validity{bits: buffer{mem: mem}}}
}

func (s *strCol) end() int32 {
	if s.rows == 0 {
		return 0
	}
	return *(*int32)(unsafe.Pointer(&s.offsets.b[len(s.offsets.b)-4]))
}

func (s *strCol) pad(row int) {
	if s.rows == 0 && len(s.offsets.b) == 0 {
		*(*int32)(unsafe.Pointer(&s.offsets.extend(4)[0])) = 0
	}
	if n := row - s.rows; n > 0 {
		end := s.end()
		offs := unsafe.Slice((*int32)(unsafe.Pointer(&s.offsets.extend(4 * n)[0])), n)
		for i := range offs {
			offs[i] = end
		}
		s.valid.add(s.rows, row, false)
		s.rows = row
	}
}

func (s *strCol) set(row int, v []byte) {
	s.pad(row)
	end := s.end()
	copy(s.data.extend(len(v)), v)
	*(*int32)(unsafe.Pointer(&s.offsets.extend(4)[0])) = end + int32(len(v))
	s.valid.add(row, row+1, true)
	s.rows = row + 1
}

// value is row i's string (i < rows).
func (s *strCol) value(i int) []byte {
	offs := unsafe.Slice((*int32)(unsafe.Pointer(&s.offsets.b[0])), s.rows+1)
	return s.data.b[offs[i]:offs[i+1]]
}

func (s *strCol) finish(rows int) arrow.Array {
	s.pad(rows)
	bitmap, nulls := s.valid.take()
	s.rows = 0
	return makeArray(arrow.BinaryTypes.String, rows, nulls, bitmap, s.offsets.take(), s.data.take())
}

func (s *strCol) release() {
	s.offsets.release()
	s.data.release()
	s.valid.bits.release()
}

func NewStr(mem memory.Allocator) Str { return Str{newStrCol(mem)} }

// Set sets row to v; rows skipped since the last Set are null.
func (c Str) Set(row int, v []byte) { c.c.set(row, v) }

// Finish pads the column to rows and returns it; the builder starts over.
func (c Str) Finish(rows int) arrow.Array { return c.c.finish(rows) }

func (c Str) Release() { c.c.release() }

// The fixed-width column kinds the tables use.
type (
	Int64      = Fixed[int64]
	Int32      = Fixed[int32]
	Timestamps = Fixed[arrow.Timestamp]
	Float64    = Fixed[float64]
)

func NewInt64(mem memory.Allocator) Int64 { return newFixed[int64](mem, arrow.PrimitiveTypes.Int64) }
func NewInt32(mem memory.Allocator) Int32 { return newFixed[int32](mem, arrow.PrimitiveTypes.Int32) }
func NewFloat64(mem memory.Allocator) Float64 {
	return newFixed[float64](mem, arrow.PrimitiveTypes.Float64)
}
func NewTimestamps(mem memory.Allocator) Timestamps {
	return newFixed[arrow.Timestamp](mem, TimestampMs)
}

// Bool builds a boolean column whose unset rows are false.
type Bool struct{ c *bools }

type bools struct {
	bits buffer
	rows int
}

func NewBool(mem memory.Allocator) Bool { return Bool{&bools{bits: buffer{mem: mem}}} }

func (b *bools) pad(rows int) {
	if need := (rows+7)/8 - len(b.bits.b); need > 0 {
		clear(b.bits.extend(need))
	}
	b.rows = max(b.rows, rows)
}

// Set sets row to true; rows not Set are false.
func (c Bool) Set(row int) {
	c.c.pad(row + 1)
	c.c.bits.b[row>>3] |= 1 << (row & 7)
}

func (c Bool) Finish(rows int) arrow.Array {
	c.c.pad(rows)
	c.c.rows = 0
	return makeArray(arrow.FixedWidthTypes.Boolean, rows, 0, nil, c.c.bits.take())
}

func (c Bool) Release() { c.c.bits.release() }

// ByteArray is a string or binary array.
type ByteArray interface {
	arrow.Array
	ValueOffsets() []int32
	ValueBytes() []byte
}
