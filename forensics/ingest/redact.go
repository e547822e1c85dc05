package ingest

import (
	"bytes"
	"slices"
	"sort"
	"unicode/utf8"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/redact"
)

// redactRecord masks the secrets in a batch's string columns, plain and
// dictionary-encoded (job and task names, hosts: a JdbcSource's URL with
// its password is a task's name). It returns rec
// itself, retained, when there were none; otherwise a batch whose text
// columns with secrets are rebuilt. secrets, if set, names a key and a
// value column (TableSpec.Secrets). The caller releases the result.
func redactRecord(r *redact.Redactor, mem memory.Allocator, rec arrow.Record, secrets [2]string) (arrow.Record, int) {
	keys, values := -1, -1
	if secrets[0] != "" {
		keys, values = rec.Schema().FieldIndices(secrets[0])[0], rec.Schema().FieldIndices(secrets[1])[0]
	}
	return replaceColumns(rec, func(c int, col arrow.Array) (arrow.Array, int) {
		if d, ok := col.(*array.Dictionary); ok {
			// A job or task name, a host: each distinct value is looked
			// at once, and the column keeps its codes.
			if values, ok := d.Dictionary().(byteArray); ok {
				if dict, n := redactColumn(r, mem, values); n > 0 {
					fixed := array.NewDictionaryArray(d.DataType(), d.Indices(), dict)
					dict.Release()
					return fixed, n
				}
			}
			return nil, 0
		}
		a, ok := col.(byteArray)
		switch {
		case !ok:
			return nil, 0
		case c == values:
			return redactValues(mem, rec.Column(keys), a)
		}
		return redactColumn(r, mem, a)
	})
}

// replaceColumns returns rec with the columns fix rebuilt (it returns nil
// and 0 for a column it leaves as it is), and how many values it changed;
// rec itself, retained, when it changed none. The caller releases the
// result.
func replaceColumns(rec arrow.Record, fix func(c int, col arrow.Array) (arrow.Array, int)) (arrow.Record, int) {
	var cols []arrow.Array
	total := 0
	for c, col := range rec.Columns() {
		fixed, n := fix(c, col)
		if n == 0 {
			continue
		}
		if cols == nil {
			cols = append([]arrow.Array(nil), rec.Columns()...)
		}
		cols[c] = fixed
		total += n
	}
	if total == 0 {
		rec.Retain()
		return rec, 0
	}
	out := array.NewRecord(rec.Schema(), cols, rec.NumRows())
	for c, col := range cols {
		if col != rec.Column(c) {
			col.Release()
		}
	}
	return out, total
}

type byteArray interface {
	arrow.Array
	ValueOffsets() []int32
	ValueBytes() []byte
}

// redactValues masks the values of secret keys.
func redactValues(mem memory.Allocator, keys arrow.Array, values byteArray) (arrow.Array, int) {
	ks, ok := keys.(byteArray)
	if !ok {
		return nil, 0
	}
	koffs, kdata := ks.ValueOffsets(), ks.ValueBytes()
	voffs, vdata := values.ValueOffsets(), values.ValueBytes()
	secret := make([]bool, values.Len())
	n := 0
	for i := range secret {
		k := string(kdata[koffs[i]-koffs[0] : koffs[i+1]-koffs[0]])
		v := vdata[voffs[i]-voffs[0] : voffs[i+1]-voffs[0]]
		if keys.IsValid(i) && values.IsValid(i) && len(v) > 0 && string(v) != redact.Mask && redact.SecretKey(k) {
			secret[i] = true
			n++
		}
	}
	if n == 0 {
		return nil, 0
	}
	b := array.NewBinaryBuilder(mem, values.DataType().(arrow.BinaryDataType))
	defer b.Release()
	for i := range secret {
		switch {
		case values.IsNull(i):
			b.AppendNull()
		case secret[i]:
			b.Append([]byte(redact.Mask))
		default:
			b.Append(vdata[voffs[i]-voffs[0] : voffs[i+1]-voffs[0]])
		}
	}
	return b.NewArray(), n
}

// markedRows calls fn, in order, for the rows whose value holds an '=', a
// ':' or one of redact.Marks (extra says which), found over the whole
// buffer at once (the marks of a key and its value, of a URL, of the
// forms without either), until fn returns false. Rows without any are
// not looked at (an AWS key id or a "Bearer" credential alone on a line
// with none is not masked).
func markedRows(offs []int32, data []byte, fn func(row int, extra bool) bool) {
	base := offs[0]
	next := func(from int, c byte) int {
		if i := bytes.IndexByte(data[from:], c); i >= 0 {
			return from + i
		}
		return len(data)
	}
	eq, colon := next(0, '='), next(0, ':')
	// The rows holding a mark of the other forms: each mark's hits, one
	// per row (the scan goes on past the row's end).
	var extra []int32
	for _, w := range redact.Marks {
		for k := 0; k < len(data); {
			i := bytes.Index(data[k:], []byte(w))
			if i < 0 {
				break
			}
			k += i
			row := sort.Search(len(offs)-1, func(r int) bool { return int(offs[r+1]-base) > k })
			extra = append(extra, int32(row))
			k = int(offs[row+1] - base)
		}
	}
	if len(extra) > 0 {
		slices.Sort(extra)
		extra = slices.Compact(extra)
	}
	extra = append(extra, int32(len(offs))) // a sentinel
	rowStart := func(r int32) int {
		if int(r) >= len(offs)-1 {
			return len(data)
		}
		return int(offs[r] - base)
	}
	row := 0
	for {
		pos := min(eq, colon, rowStart(extra[0]))
		if pos >= len(data) {
			return
		}
		for row+1 < len(offs) && int(offs[row+1]-base) <= pos {
			row++
		}
		end := int(offs[row+1] - base)
		if !fn(row, int(extra[0]) == row) {
			return
		}
		for int(extra[0]) <= row {
			extra = extra[1:]
		}
		if eq < end {
			eq = next(end, '=')
		}
		if colon < end {
			colon = next(end, ':')
		}
	}
}

// redactColumn returns the column rebuilt with its secrets masked, or nil
// and 0 when it has none.
func redactColumn(r *redact.Redactor, mem memory.Allocator, a byteArray) (arrow.Array, int) {
	offs, data := a.ValueOffsets(), a.ValueBytes()
	base := offs[0]
	value := func(i int) []byte { return data[offs[i]-base : offs[i+1]-base] }
	// The rows with a mark, found over the whole buffer at once: most rows
	// have none and are not looked at.
	// Each marked row and whether it holds a mark of the forms without an
	// '=' or ':'; the rows are looked at until one has a secret.
	first := -1
	var marked []int32 // row, negated when extra
	markedRows(offs, data, func(i int, extra bool) bool {
		if extra {
			marked = append(marked, int32(-i-1))
		} else {
			marked = append(marked, int32(i+1))
		}
		if first < 0 && a.IsValid(i) {
			text := r.Text
			if extra {
				text = r.TextAll
			}
			if _, n := text(value(i)); n > 0 {
				first = i
			}
		}
		return true
	})
	if first < 0 {
		return nil, 0
	}
	b := array.NewBinaryBuilder(mem, a.DataType().(arrow.BinaryDataType))
	defer b.Release()
	b.Reserve(a.Len())
	b.ReserveData(len(data))
	total := 0
	for i := 0; i < a.Len(); i++ {
		// The next marked row, and how it is marked.
		for len(marked) > 0 && max(marked[0], -marked[0])-1 < int32(i) {
			marked = marked[1:]
		}
		isMarked := len(marked) > 0 && max(marked[0], -marked[0])-1 == int32(i)
		switch {
		case a.IsNull(i):
			b.AppendNull()
		case i < first || !isMarked:
			b.Append(value(i))
		default:
			text := r.Text
			if marked[0] < 0 {
				text = r.TextAll
			}
			v, n := text(value(i))
			total += n
			b.Append(v)
		}
	}
	return b.NewArray(), total
}

// validUTF8 replaces the bytes of a batch's strings that are not UTF-8
// (binary garbage, Latin-1 in a log) with U+FFFD: Parquet strings must be
// UTF-8, and DuckDB, Spark and Trino refuse a file whose strings are not.
// The row keeps its origin (file, line, offset), so the original bytes
// can be found. It returns rec itself, retained, when all is UTF-8, and
// how many values it changed.
func validUTF8(mem memory.Allocator, rec arrow.Record) (arrow.Record, int) {
	return replaceColumns(rec, func(_ int, col arrow.Array) (arrow.Array, int) {
		switch a := col.(type) {
		case byteArray:
			return validColumn(mem, a)
		case *array.Dictionary:
			if d, ok := a.Dictionary().(byteArray); ok {
				if dict, n := validColumn(mem, d); n > 0 {
					fixed := array.NewDictionaryArray(a.DataType(), a.Indices(), dict)
					dict.Release()
					return fixed, n
				}
			}
		}
		return nil, 0
	})
}

func validColumn(mem memory.Allocator, a byteArray) (arrow.Array, int) {
	offs, data := a.ValueOffsets(), a.ValueBytes()
	if utf8.Valid(data) {
		return nil, 0
	}
	base := offs[0]
	b := array.NewBinaryBuilder(mem, a.DataType().(arrow.BinaryDataType))
	defer b.Release()
	b.Reserve(a.Len())
	n := 0
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := data[offs[i]-base : offs[i+1]-base]
		if !utf8.Valid(v) {
			v = bytes.ToValidUTF8(v, []byte("\uFFFD"))
			n++
		}
		b.Append(v)
	}
	return b.NewArray(), n
}
