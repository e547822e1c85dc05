package schema

import (
	"strings"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// Column access without per-row allocation: a string column is a
// dictionary (codes into a small dictionary) or plain strings.

type StrCol struct {
	dict  strings_
	codes []int32
	plain strings_
	arr   arrow.Array
	Validity
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

func (v strings_) present() bool { return v.s != nil || v.b != nil }

func (v strings_) count() int {
	if v.s != nil {
		return v.s.Len()
	}
	return v.b.Len()
}

func (v strings_) at(i int) string {
	if v.s != nil {
		return v.s.Value(i)
	}
	b := v.b.Value(i)
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func Str(rec arrow.Record, name string) StrCol {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return StrCol{}
	}
	a := rec.Column(idx[0])
	if x, ok := a.(*array.Dictionary); ok {
		d := stringsOf(x.Dictionary())
		if !d.present() {
			return StrCol{}
		}
		return StrCol{dict: d, codes: x.Indices().(*array.Int32).Int32Values(), arr: a, Validity: validityOf(a)}
	}
	if p := stringsOf(a); p.present() {
		return StrCol{plain: p, arr: a, Validity: validityOf(a)}
	}
	return StrCol{}
}

// Dict says the column is dictionary-encoded: a reader tests each
// distinct value once (DictLen, DictValue) and each row by its Code.
func (c *StrCol) Dict() bool { return c.dict.present() }

// DictLen is the number of distinct values of a dictionary column.
func (c *StrCol) DictLen() int { return c.dict.count() }

// DictValue is the value of dictionary code k (it aliases the batch).
func (c *StrCol) DictValue(k int) string { return c.dict.at(k) }

// OK says the column exists.
func (c *StrCol) OK() bool { return c.arr != nil }

func (c *StrCol) Null(i int) bool { return !c.Valid(i) }

// Get returns row i ("" when null). The string aliases Arrow's buffer:
// copy it to keep it past the batch.
func (c *StrCol) Get(i int) string {
	if c.Null(i) {
		return ""
	}
	if c.dict.present() {
		return c.dict.at(int(c.codes[i]))
	}
	return c.plain.at(i)
}

// Copy returns row i as a new string ("" when null), to keep past the
// batch.
func (c *StrCol) Copy(i int) string { return strings.Clone(c.Get(i)) }

// Slots maps each row to a small number f gives its value, computed once
// per distinct value of a dictionary column (per row for a plain one); a
// null row gets f("").
func (c *StrCol) Slots(f func(string) int) func(i int) int {
	if !c.Dict() {
		return func(i int) int { return f(c.Get(i)) }
	}
	byCode := make([]int, c.DictLen())
	for k := range byCode {
		byCode[k] = f(c.DictValue(k))
	}
	null := f("")
	return func(i int) int {
		if c.Null(i) {
			return null
		}
		return byCode[c.codes[i]]
	}
}

// OK says the validity is of a column that exists.
func (v Validity) OK() bool { return v.ok }

// Code returns a dictionary column's code of row i (-1 when null); for
// a plain column, -2.
func (c *StrCol) Code(i int) int32 {
	if c.Null(i) {
		return -1
	}
	if c.dict.present() {
		return c.codes[i]
	}
	return -2
}

// CodeOf finds the code of a value in the batch's dictionary (-1 if the
// value does not occur): a detector then compares codes, not strings.
func (c *StrCol) CodeOf(v string) int32 {
	if !c.dict.present() {
		return -1
	}
	for i := 0; i < c.dict.count(); i++ {
		if c.dict.at(i) == v {
			return int32(i)
		}
	}
	return -1
}

// Validity reads an array's null bitmap directly: no interface call per
// row.
type Validity struct {
	bitmap []byte
	off    int
	nulls  bool
	ok     bool // the column exists
}

func validityOf(a arrow.Array) Validity {
	return Validity{bitmap: a.NullBitmapBytes(), off: a.Data().Offset(), nulls: a.NullN() > 0, ok: true}
}

func (v Validity) Valid(i int) bool {
	if !v.ok {
		return false
	}
	if !v.nulls {
		return true
	}
	j := v.off + i
	return v.bitmap[j>>3]&(1<<(j&7)) != 0
}

// Col is a numeric column: its values and its null bitmap.
type Col[T int32 | int64 | float64] struct {
	vals []T
	Validity
}

func (c Col[T]) Get(i int) (T, bool) {
	if !c.Valid(i) {
		var zero T
		return zero, false
	}
	return c.vals[i], true
}

// The numeric columns the tables have.
type (
	Int64Col   = Col[int64]
	Float64Col = Col[float64]
	Int32Col   = Col[int32]
)

// Int64 reads an int64 column, or a timestamp column as milliseconds.
func Int64(rec arrow.Record, name string) Int64Col {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return Int64Col{}
	}
	switch x := rec.Column(idx[0]).(type) {
	case *array.Int64:
		return Int64Col{x.Int64Values(), validityOf(x)}
	case *array.Timestamp:
		return Int64Col{TimestampsAsInt64(x.TimestampValues()), validityOf(x)}
	}
	return Int64Col{}
}

func Float64(rec arrow.Record, name string) Float64Col {
	if x := Array[*array.Float64](rec, name); x != nil {
		return Float64Col{x.Float64Values(), validityOf(x)}
	}
	return Float64Col{}
}

func Int32(rec arrow.Record, name string) Int32Col {
	if x := Array[*array.Int32](rec, name); x != nil {
		return Int32Col{x.Int32Values(), validityOf(x)}
	}
	return Int32Col{}
}

type BoolCol struct {
	arr *array.Boolean
	Validity
}

func Bool(rec arrow.Record, name string) BoolCol {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return BoolCol{}
	}
	b, ok := rec.Column(idx[0]).(*array.Boolean)
	if !ok {
		return BoolCol{}
	}
	return BoolCol{b, validityOf(b)}
}

func (c BoolCol) Get(i int) bool { return c.Valid(i) && c.arr.Value(i) }

// CodeSet marks the dictionary codes whose values match: a detector tests
// each distinct value once per batch, then each row by its code.
type CodeSet struct {
	Col   StrCol
	match []bool
	pred  func(string) bool
}

func (c StrCol) Where(pred func(string) bool) CodeSet {
	s := CodeSet{Col: c, pred: pred}
	if c.dict.present() {
		s.match = make([]bool, c.dict.count())
		for i := range s.match {
			s.match[i] = pred(c.dict.at(i))
		}
	}
	return s
}

// Has says row i's value matches.
func (s *CodeSet) Has(i int) bool {
	if s.match != nil {
		code := s.Col.Code(i)
		return code >= 0 && s.match[code]
	}
	return s.Col.OK() && !s.Col.Null(i) && s.pred(s.Col.Get(i))
}

// Column-wise selection: each helper ORs bit into pick[i] for the rows
// that satisfy it, in one loop over one column, so that a batch's
// candidates are found without a per-row call per column.

// MarkValid marks the rows where the column is not null.
func (v Validity) MarkValid(pick []uint8, bit uint8) {
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

// MarkNull marks the rows where the column is null (every row when the
// column is missing).
func (v Validity) MarkNull(pick []uint8, bit uint8) {
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

// Mark marks the rows whose value matches.
func (s *CodeSet) Mark(pick []uint8, bit uint8) {
	if s.match == nil {
		for i := range pick {
			if s.Has(i) {
				pick[i] |= bit
			}
		}
		return
	}
	codes, match, v := s.Col.codes[:len(pick)], s.match, s.Col.Validity
	for i, c := range codes {
		// A null row's code is whatever the reader left: the bitmap decides.
		if uint32(c) < uint32(len(match)) && match[c] {
			if j := v.off + i; !v.nulls || v.bitmap[j>>3]&(1<<(j&7)) != 0 {
				pick[i] |= bit
			}
		}
	}
}

// MarkTrue marks the rows that are true.
func (c BoolCol) MarkTrue(pick []uint8, bit uint8) {
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

// Array returns a record's column of that name as A (the zero A when
// there is none, or it is of another type): for a reader that wants
// Arrow's own typed array.
func Array[A arrow.Array](rec arrow.Record, name string) A {
	var zero A
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return zero
	}
	a, _ := rec.Column(idx[0]).(A)
	return a
}
