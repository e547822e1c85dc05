package dataset

import (
	"fmt"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// gather copies the rows of runs of rec (in order) into a batch of their
// own: the rows of one partition folder when folders alternate row by row.
// A dictionary column keeps its dictionary; only its indices are copied.
func gather(mem memory.Allocator, rec arrow.Record, runs []run) (arrow.Record, error) {
	n := 0
	for _, r := range runs {
		n += r.end - r.start
	}
	cols := make([]arrow.Array, rec.NumCols())
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	for i, col := range rec.Columns() {
		c, err := gatherColumn(mem, col, runs, n)
		if err != nil {
			release()
			return nil, fmt.Errorf("column %s: %w", rec.Schema().Field(i).Name, err)
		}
		cols[i] = c
	}
	out := array.NewRecord(rec.Schema(), cols, int64(n))
	release()
	return out, nil
}

func gatherColumn(mem memory.Allocator, col arrow.Array, runs []run, n int) (arrow.Array, error) {
	nulls := col.NullN() > 0
	valid := func(i int) bool { return !nulls || col.IsValid(i) }
	switch a := col.(type) {
	case *array.Timestamp:
		return gatherFixed(array.NewTimestampBuilder(mem, a.DataType().(*arrow.TimestampType)), a.TimestampValues(), valid, nulls, runs, n), nil
	case *array.Int64:
		return gatherFixed(array.NewInt64Builder(mem), a.Int64Values(), valid, nulls, runs, n), nil
	case *array.Int32:
		return gatherFixed(array.NewInt32Builder(mem), a.Int32Values(), valid, nulls, runs, n), nil
	case *array.Float64:
		return gatherFixed(array.NewFloat64Builder(mem), a.Float64Values(), valid, nulls, runs, n), nil
	case *array.Boolean:
		b := array.NewBooleanBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		for _, r := range runs {
			for i := r.start; i < r.end; i++ {
				if valid(i) {
					b.UnsafeAppend(a.Value(i))
				} else {
					b.AppendNull()
				}
			}
		}
		return b.NewArray(), nil
	case table.ByteArray:
		// Strings, built as strings or as binary arrays of type utf8.
		b := array.NewBinaryBuilder(mem, a.DataType().(arrow.BinaryDataType))
		defer b.Release()
		b.Reserve(n)
		offs, data := a.ValueOffsets(), a.ValueBytes()
		base := offs[0]
		for _, r := range runs {
			for i := r.start; i < r.end; i++ {
				if valid(i) {
					b.Append(data[offs[i]-base : offs[i+1]-base])
				} else {
					b.AppendNull()
				}
			}
		}
		out := b.NewArray()
		if _, ok := a.(*array.String); ok {
			// The builder makes a binary array of type utf8; the copy is
			// of the same kind as the column.
			s := array.MakeFromData(out.Data())
			out.Release()
			return s, nil
		}
		return out, nil
	case *array.Dictionary:
		idx, ok := a.Indices().(*array.Int32)
		if !ok {
			return nil, fmt.Errorf("dictionary indices of type %v", a.Indices().DataType())
		}
		indices, err := gatherColumn(mem, idx, runs, n)
		if err != nil {
			return nil, err
		}
		defer indices.Release()
		return array.NewDictionaryArray(a.DataType(), indices, a.Dictionary()), nil
	}
	return nil, fmt.Errorf("cannot gather a %v column (%T)", col.DataType(), col)
}

// fixedBuilder is an Arrow builder of fixed-width values.
type fixedBuilder[T any] interface {
	Reserve(int)
	AppendValues([]T, []bool)
	UnsafeAppend(T)
	AppendNull()
	NewArray() arrow.Array
	Release()
}

// gatherFixed copies the runs of a fixed-width column: whole runs at once
// when there are no nulls.
func gatherFixed[T any, B fixedBuilder[T]](b B, vs []T, valid func(int) bool, nulls bool, runs []run, n int) arrow.Array {
	defer b.Release()
	b.Reserve(n)
	for _, r := range runs {
		if !nulls {
			b.AppendValues(vs[r.start:r.end], nil)
			continue
		}
		for i := r.start; i < r.end; i++ {
			if valid(i) {
				b.UnsafeAppend(vs[i])
			} else {
				b.AppendNull()
			}
		}
	}
	return b.NewArray()
}
