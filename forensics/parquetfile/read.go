package parquetfile

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// Read reads a Parquet file written by a File back into Arrow
// batches, one per row group, each handed to fn and released after it.
// It is the inverse of the writer's mapping (Schema): INT64
// TIMESTAMP(MILLIS) to table.TimestampMs, strings to table.DictString or String,
// optional columns to nullable fields. Only parquet-go is used, which
// keeps the WebAssembly build small.
func Read(r io.ReaderAt, size int64, opt dataset.ReadOptions, fn func(arrow.Record)) (rows int64, err error) {
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return 0, err
	}
	mem := opt.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	var cols []readColumn
	var fields []arrow.Field
	for i, leaf := range f.Schema().Fields() {
		name := leaf.Name()
		if opt.Columns != nil && !opt.Columns[name] {
			continue
		}
		c, err := newReadColumn(leaf, opt.Plain[name])
		if err != nil {
			return 0, fmt.Errorf("column %s: %w", name, err)
		}
		c.index = i
		cols = append(cols, c)
		fields = append(fields, arrow.Field{Name: name, Type: c.typ, Nullable: c.nullable})
	}
	schema := arrow.NewSchema(fields, nil)
	// A row group's columns are decoded side by side.
	workers := min(runtime.GOMAXPROCS(0), len(cols))
	buffers := make(chan []parquet.Value, workers)
	for range workers {
		buffers <- make([]parquet.Value, 4096)
	}
	for _, rg := range f.RowGroups() {
		n := int(rg.NumRows())
		arrays := make([]arrow.Array, len(cols))
		errs := make([]error, len(cols))
		var wg sync.WaitGroup
		for k, c := range cols {
			values := <-buffers
			wg.Add(1)
			go func() {
				defer wg.Done()
				arrays[k], errs[k] = c.read(mem, rg.ColumnChunks()[c.index], n, values)
				if errs[k] != nil {
					errs[k] = fmt.Errorf("column %s: %w", fields[k].Name, errs[k])
				}
				buffers <- values
			}()
		}
		wg.Wait()
		err := errors.Join(errs...)
		if err == nil {
			rec := array.NewRecord(schema, arrays, int64(n))
			rows += int64(n)
			fn(rec)
			rec.Release()
		}
		for _, a := range arrays {
			if a != nil {
				a.Release()
			}
		}
		if err != nil {
			return rows, err
		}
	}
	return rows, nil
}

// readColumn decodes one column of a row group into an Arrow array.
type readColumn struct {
	index    int
	typ      arrow.DataType
	nullable bool
	kind     parquet.Kind
	dict     bool
}

func newReadColumn(leaf parquet.Field, plain bool) (readColumn, error) {
	c := readColumn{nullable: leaf.Optional(), kind: leaf.Type().Kind()}
	lt := leaf.Type().LogicalType()
	switch c.kind {
	case parquet.Int64:
		c.typ = arrow.PrimitiveTypes.Int64
		if lt != nil {
			if _, ok := lt.Value.(*format.TimestampType); ok {
				c.typ = table.TimestampMs
			}
		}
	case parquet.Int32:
		c.typ = arrow.PrimitiveTypes.Int32
	case parquet.Double:
		c.typ = arrow.PrimitiveTypes.Float64
	case parquet.Boolean:
		c.typ = arrow.FixedWidthTypes.Boolean
	case parquet.ByteArray:
		c.typ, c.dict = table.DictString, !plain
		if plain {
			c.typ = arrow.BinaryTypes.String
		}
	default:
		return c, fmt.Errorf("unsupported Parquet type %v", leaf.Type())
	}
	return c, nil
}

func (c readColumn) read(mem memory.Allocator, chunk parquet.ColumnChunk, rows int, values []parquet.Value) (arrow.Array, error) {
	var (
		dict *table.Dict
		b    array.Builder
	)
	if c.dict {
		dict = table.NewDict(mem)
		defer dict.Release()
	} else {
		b = array.NewBuilder(mem, c.typ)
		defer b.Release()
		b.Reserve(rows)
	}
	row := 0
	pages := chunk.Pages()
	defer pages.Close()
	for {
		p, err := pages.ReadPage()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		vr := p.Values()
		for {
			n, err := vr.ReadValues(values)
			for _, v := range values[:n] {
				switch {
				case dict != nil:
					if !v.IsNull() {
						dict.Set(row, v.ByteArray())
					}
				case v.IsNull():
					b.AppendNull()
				default:
					appendValue(b, v)
				}
				row++
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				parquet.Release(p)
				return nil, err
			}
		}
		parquet.Release(p)
	}
	if row != rows {
		return nil, fmt.Errorf("%d values in a row group of %d rows", row, rows)
	}
	if dict != nil {
		return dict.Finish(rows), nil
	}
	return b.NewArray(), nil
}

func appendValue(b array.Builder, v parquet.Value) {
	switch b := b.(type) {
	case *array.TimestampBuilder:
		b.Append(arrow.Timestamp(v.Int64()))
	case *array.Int64Builder:
		b.Append(v.Int64())
	case *array.Int32Builder:
		b.Append(v.Int32())
	case *array.Float64Builder:
		b.Append(v.Double())
	case *array.BooleanBuilder:
		b.Append(v.Boolean())
	case *array.StringBuilder:
		b.BinaryBuilder.Append(v.ByteArray())
	}
}
