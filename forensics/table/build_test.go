package table

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// The column builders write into their own buffers; each batch must equal
// what Arrow's builders make of the same rows, nulls and all, batch after
// batch of the same builder (which reuses its sizes), and every buffer must
// go back to the allocator.
func TestColumnsMatchArrowBuilders(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	ref := memory.NewGoAllocator()
	i64, f64, str, dict, flag := NewInt64(mem), NewFloat64(mem), NewStr(mem), NewDict(mem), NewBool(mem)
	rng := rand.New(rand.NewPCG(1, 2))
	// Each batch has its own share of nulls: none, all, the first rows
	// valid then a null, and mixed; and its own length, growing past the
	// last batch's room.
	for batch, rows := range []int{0, 1, 7, 100, 3000, 2999, 9000, 64, 8} {
		pNull := [...]float64{0, 1, 0.5, 0.02, 0.9}[batch%5]
		wi, wf, ws := array.NewInt64Builder(ref), array.NewFloat64Builder(ref), array.NewStringBuilder(ref)
		wd := array.NewDictionaryBuilder(ref, DictString).(*array.BinaryDictionaryBuilder)
		wb := array.NewBooleanBuilder(ref)
		for r := range rows {
			null := rng.Float64() < pNull
			if batch%5 == 2 {
				null = r == rows/2 // valid rows, one null, valid rows
			}
			if null {
				wi.AppendNull()
				wf.AppendNull()
				ws.AppendNull()
				wd.AppendNull()
			} else {
				v := rng.Int64N(1000)
				s := fmt.Sprintf("value-%d-%s", v%13, string(make([]byte, v%50)))
				i64.Set(r, v)
				wi.Append(v)
				f64.Set(r, float64(v)/3)
				wf.Append(float64(v) / 3)
				str.Set(r, []byte(s))
				ws.Append(s)
				dict.Set(r, []byte(s[:8]))
				if err := wd.AppendString(s[:8]); err != nil {
					t.Fatal(err)
				}
			}
			on := rng.IntN(7) == 0
			if on {
				flag.Set(r)
			}
			wb.Append(on)
		}
		for name, pair := range map[string][2]arrow.Array{
			"int64": {i64.Finish(rows), wi.NewArray()}, "float64": {f64.Finish(rows), wf.NewArray()},
			"string": {str.Finish(rows), ws.NewArray()}, "dict": {dict.Finish(rows), wd.NewArray()},
			"bool": {flag.Finish(rows), wb.NewArray()},
		} {
			got, want := pair[0], pair[1]
			if got.Len() != rows || got.NullN() != want.NullN() || !array.Equal(got, want) {
				t.Errorf("batch %d (%d rows), %s: %d rows, %d nulls\n%v\nwant %d nulls\n%v",
					batch, rows, name, got.Len(), got.NullN(), got, want.NullN(), want)
			}
			got.Release()
			want.Release()
		}
	}
	for _, c := range []interface{ Release() }{i64, f64, str, dict, flag} {
		c.Release()
	}
	mem.AssertSize(t, 0)
}
