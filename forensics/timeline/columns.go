package timeline

import (
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// stringColumn reads a string column, dictionary-encoded or plain, that
// may be missing (every row then reads as null).
type stringColumn struct {
	arr   arrow.Array
	codes []int32
	dict  arrow.Array // *array.String or *array.Binary
}

func strCol(rec arrow.Record, name string) stringColumn {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return stringColumn{}
	}
	a := rec.Column(idx[0])
	if d, ok := a.(*array.Dictionary); ok {
		if codes, ok := d.Indices().(*array.Int32); ok {
			return stringColumn{arr: a, codes: codes.Int32Values(), dict: d.Dictionary()}
		}
		return stringColumn{}
	}
	return stringColumn{arr: a}
}

func (c *stringColumn) valid(i int) bool { return c.arr != nil && c.arr.IsValid(i) }

// get returns row i as a new string ("" when null): a copy, because
// Arrow's string values alias buffers that are reused once the batch is
// written.
func (c *stringColumn) get(i int) string {
	if !c.valid(i) {
		return ""
	}
	a, j := c.arr, i
	if c.dict != nil {
		a, j = c.dict, int(c.codes[i])
	}
	switch x := a.(type) {
	case *array.String:
		return strings.Clone(x.Value(j))
	case *array.Binary:
		return string(x.Value(j))
	}
	return ""
}

// slots maps each row to a small number computed once per distinct value
// of a dictionary column (per row for a plain one); a null row gets f("").
func (c *stringColumn) slots(f func(string) int) func(i int) int {
	if c.dict == nil {
		return func(i int) int { return f(c.get(i)) }
	}
	byCode := make([]int, c.dict.Len())
	for k := range byCode {
		switch x := c.dict.(type) {
		case *array.String:
			byCode[k] = f(x.Value(k))
		case *array.Binary:
			byCode[k] = f(string(x.Value(k)))
		}
	}
	null := f("")
	return func(i int) int {
		if !c.arr.IsValid(i) {
			return null
		}
		return byCode[c.codes[i]]
	}
}
