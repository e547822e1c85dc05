package scan

import (
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// Column access without per-row allocation: a string column is a
// dictionary (codes into a small dictionary) or plain strings.

type strCol struct {
	dict  strings_
	codes []int32
	plain strings_
	arr   arrow.Array
	validity
}

// strings_ reads string values of a String or a Binary array (Arrow's
// builders make Binary arrays of string type) without copying them.
type strings_ struct {
	s *array.String
	b *array.Binary
}

func stringsOf(a arrow.Array) strings_ {
	switch x := a.(type) {
	case *array.String:
		return strings_{s: x}
	case *array.Binary:
		return strings_{b: x}
	}
	return strings_{}
}

func (v strings_) ok() bool { return v.s != nil || v.b != nil }

func (v strings_) len() int {
	if v.s != nil {
		return v.s.Len()
	}
	return v.b.Len()
}

func (v strings_) value(i int) string {
	if v.s != nil {
		return v.s.Value(i)
	}
	b := v.b.Value(i)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func strColumn(rec arrow.Record, name string) strCol {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return strCol{}
	}
	a := rec.Column(idx[0])
	if x, ok := a.(*array.Dictionary); ok {
		d := stringsOf(x.Dictionary())
		if !d.ok() {
			return strCol{}
		}
		return strCol{dict: d, codes: x.Indices().(*array.Int32).Int32Values(), arr: a, validity: validityOf(a)}
	}
	if p := stringsOf(a); p.ok() {
		return strCol{plain: p, arr: a, validity: validityOf(a)}
	}
	return strCol{}
}

// ok says the column exists.
func (c *strCol) ok() bool { return c.arr != nil }

func (c *strCol) null(i int) bool { return !c.valid(i) }

// get returns row i ("" when null). The string aliases Arrow's buffer:
// copy it to keep it past the batch.
func (c *strCol) get(i int) string {
	if c.null(i) {
		return ""
	}
	if c.dict.ok() {
		return c.dict.value(int(c.codes[i]))
	}
	return c.plain.value(i)
}

// code returns a dictionary column's code of row i (-1 when null); for
// a plain column, -2.
func (c *strCol) code(i int) int32 {
	if c.null(i) {
		return -1
	}
	if c.dict.ok() {
		return c.codes[i]
	}
	return -2
}

// codeOf finds the code of a value in the batch's dictionary (-1 if the
// value does not occur): a detector then compares codes, not strings.
func (c *strCol) codeOf(v string) int32 {
	if !c.dict.ok() {
		return -1
	}
	for i := 0; i < c.dict.len(); i++ {
		if c.dict.value(i) == v {
			return int32(i)
		}
	}
	return -1
}

// validity reads an array's null bitmap directly: no interface call per
// row.
type validity struct {
	bitmap []byte
	off    int
	nulls  bool
	ok     bool // the column exists
}

func validityOf(a arrow.Array) validity {
	return validity{bitmap: a.NullBitmapBytes(), off: a.Data().Offset(), nulls: a.NullN() > 0, ok: true}
}

func (v validity) valid(i int) bool {
	if !v.ok {
		return false
	}
	if !v.nulls {
		return true
	}
	j := v.off + i
	return v.bitmap[j>>3]&(1<<(j&7)) != 0
}

type i64Col struct {
	vals []int64
	validity
}

func int64Column(rec arrow.Record, name string) i64Col {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return i64Col{}
	}
	switch x := rec.Column(idx[0]).(type) {
	case *array.Int64:
		return i64Col{x.Int64Values(), validityOf(x)}
	case *array.Timestamp:
		return i64Col{timestampsAsInt64(x.TimestampValues()), validityOf(x)}
	}
	return i64Col{}
}

func (c i64Col) get(i int) (int64, bool) {
	if !c.valid(i) {
		return 0, false
	}
	return c.vals[i], true
}

type f64Col struct {
	vals []float64
	validity
}

func float64Column(rec arrow.Record, name string) f64Col {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return f64Col{}
	}
	if x, ok := rec.Column(idx[0]).(*array.Float64); ok {
		return f64Col{x.Float64Values(), validityOf(x)}
	}
	return f64Col{}
}

func (c f64Col) get(i int) (float64, bool) {
	if !c.valid(i) {
		return 0, false
	}
	return c.vals[i], true
}

type i32Col struct {
	vals []int32
	validity
}

func int32Column(rec arrow.Record, name string) i32Col {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return i32Col{}
	}
	if x, ok := rec.Column(idx[0]).(*array.Int32); ok {
		return i32Col{x.Int32Values(), validityOf(x)}
	}
	return i32Col{}
}

func (c i32Col) get(i int) (int32, bool) {
	if !c.valid(i) {
		return 0, false
	}
	return c.vals[i], true
}

type boolCol struct {
	arr *array.Boolean
	validity
}

func boolColumn(rec arrow.Record, name string) boolCol {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return boolCol{}
	}
	b, ok := rec.Column(idx[0]).(*array.Boolean)
	if !ok {
		return boolCol{}
	}
	return boolCol{b, validityOf(b)}
}

func (c boolCol) get(i int) bool { return c.valid(i) && c.arr.Value(i) }

// codeSet marks the dictionary codes whose values match: a detector tests
// each distinct value once per batch, then each row by its code.
type codeSet struct {
	col   strCol
	match []bool
	pred  func(string) bool
}

func (c strCol) codesWhere(pred func(string) bool) codeSet {
	s := codeSet{col: c, pred: pred}
	if c.dict.ok() {
		s.match = make([]bool, c.dict.len())
		for i := range s.match {
			s.match[i] = pred(c.dict.value(i))
		}
	}
	return s
}

// has says row i's value matches.
func (s *codeSet) has(i int) bool {
	if s.match != nil {
		code := s.col.code(i)
		return code >= 0 && s.match[code]
	}
	return s.col.ok() && !s.col.null(i) && s.pred(s.col.get(i))
}

// Column-wise selection: each helper ORs bit into pick[i] for the rows
// that satisfy it, in one loop over one column, so that a batch's
// candidates are found without a per-row call per column.

// markValid marks the rows where the column is not null.
func (v validity) markValid(pick []uint8, bit uint8) {
	if !v.ok {
		return
	}
	if !v.nulls {
		for i := range pick {
			pick[i] |= bit
		}
		return
	}
	for i := range pick {
		j := v.off + i
		if v.bitmap[j>>3]&(1<<(j&7)) != 0 {
			pick[i] |= bit
		}
	}
}

// markNull marks the rows where the column is null (every row when the
// column is missing).
func (v validity) markNull(pick []uint8, bit uint8) {
	if !v.ok {
		for i := range pick {
			pick[i] |= bit
		}
		return
	}
	if !v.nulls {
		return
	}
	for i := range pick {
		j := v.off + i
		if v.bitmap[j>>3]&(1<<(j&7)) == 0 {
			pick[i] |= bit
		}
	}
}

// mark marks the rows whose value matches.
func (s *codeSet) mark(pick []uint8, bit uint8) {
	if s.match == nil {
		for i := range pick {
			if s.has(i) {
				pick[i] |= bit
			}
		}
		return
	}
	codes, match, v := s.col.codes[:len(pick)], s.match, s.col.validity
	for i, c := range codes {
		// A null row's code is whatever the reader left: the bitmap decides.
		if uint32(c) < uint32(len(match)) && match[c] {
			if j := v.off + i; !v.nulls || v.bitmap[j>>3]&(1<<(j&7)) != 0 {
				pick[i] |= bit
			}
		}
	}
}

// markTrue marks the rows that are true.
func (c boolCol) markTrue(pick []uint8, bit uint8) {
	if c.arr == nil {
		return
	}
	vals, off := c.arr.Data().Buffers()[1].Bytes(), c.arr.Data().Offset()
	for i := range pick {
		j := off + i
		if vals[j>>3]&(1<<(j&7)) != 0 && (!c.nulls || c.bitmap[j>>3]&(1<<(j&7)) != 0) {
			pick[i] |= bit
		}
	}
}
