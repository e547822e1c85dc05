// Package parquetfile writes the files of a dataset as Parquet (zstd,
// V2 data pages, dictionary strings) and reads them back into Arrow
// batches: table.Format for Parquet.
package parquetfile

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/lz4"
	"github.com/parquet-go/parquet-go/compress/snappy"
	"github.com/parquet-go/parquet-go/compress/uncompressed"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// Format is Parquet as the dataset's file format.
type Format struct {
	// Codec compresses the pages: zstd (the default, ""), lz4, snappy or
	// none (see Codecs).
	Codec string
}

// Codecs are the page compressions a dataset can be written with.
var Codecs = []string{"zstd", "lz4", "snappy", "none"}

// codec is the compression of a Codec name.
func codec(name string) (compress.Codec, error) {
	switch name {
	case "", "zstd":
		return pageCodec, nil
	case "lz4":
		// The fast block compressor: the zero Level is LZ4 HC, which is
		// four times slower than zstd here for no smaller files.
		return &lz4.Codec{Level: lz4.Fastest}, nil
	case "snappy":
		return &snappy.Codec{}, nil
	case "none":
		return &uncompressed.Codec{}, nil
	}
	return nil, fmt.Errorf("unknown compression %q; want one of %s", name, strings.Join(Codecs, ", "))
}

// CheckCodec says whether a compression name is one of Codecs.
func CheckCodec(name string) error {
	_, err := codec(name)
	return err
}

// Create starts a Parquet file (see NewFile).
func (f Format) Create(w io.Writer, name string, s *arrow.Schema, meta map[string]string) (dataset.FileWriter, error) {
	c, err := codec(f.Codec)
	if err != nil {
		return nil, err
	}
	return newFile(w, name, s, meta, c)
}

// Read reads a Parquet file back (see Read).
func (Format) Read(r io.ReaderAt, size int64, opt dataset.ReadOptions, fn func(arrow.Record)) (int64, error) {
	return Read(r, size, opt, fn)
}

// Schema derives the Parquet schema of an Arrow schema, keeping the
// column order: dictionary strings are dictionary-encoded strings,
// timestamps are INT64 TIMESTAMP(MILLIS, UTC), nullable fields optional.
// It goes through a Go struct type built at run time so that parquet-go's
// own tag rules decide the physical and logical types.
func Schema(name string, s *arrow.Schema) (*parquet.Schema, error) {
	fields := make([]reflect.StructField, len(s.Fields()))
	for i, f := range s.Fields() {
		var typ reflect.Type
		tag := []string{f.Name}
		if f.Nullable {
			tag = append(tag, "optional")
		}
		switch t := f.Type.(type) {
		case *arrow.TimestampType:
			if t.Unit != arrow.Millisecond {
				return nil, fmt.Errorf("column %s: unsupported timestamp unit %v", f.Name, t.Unit)
			}
			typ = reflect.TypeOf(int64(0))
			tag = append(tag, "timestamp(millisecond:utc)")
		case *arrow.DictionaryType:
			typ = reflect.TypeOf("")
			tag = append(tag, "dict")
		case *arrow.StringType:
			typ = reflect.TypeOf("")
		case *arrow.Int64Type:
			typ = reflect.TypeOf(int64(0))
		case *arrow.Int32Type:
			typ = reflect.TypeOf(int32(0))
		case *arrow.Float64Type:
			typ = reflect.TypeOf(float64(0))
		case *arrow.BooleanType:
			typ = reflect.TypeOf(false)
		default:
			return nil, fmt.Errorf("column %s: unsupported type %v", f.Name, f.Type)
		}
		fields[i] = reflect.StructField{
			Name: fmt.Sprintf("F%d", i),
			Type: typ,
			Tag:  reflect.StructTag(`parquet:"` + strings.Join(tag, ",") + `"`),
		}
	}
	model := reflect.New(reflect.StructOf(fields)).Elem().Interface()
	return parquet.NewSchema(name, parquet.SchemaOf(model)), nil
}

// File writes Arrow record batches into one Parquet file, one row
// group per batch. Row groups are encoded and compressed by the caller's
// goroutines (Encode may run concurrently for different batches) and
// written in order by Commit.
type File struct {
	w      *parquet.Writer
	schema *arrow.Schema
	rows   int64

	// idle holds committed row-group writers for reuse: a fresh one grows
	// every column buffer from nothing again.
	mu      sync.Mutex
	idle    []*parquet.ConcurrentRowGroupWriter
	resting bool
}

// NewFile starts a Parquet file on out with zstd compression and the
// given key-value metadata.
func NewFile(out io.Writer, name string, s *arrow.Schema, meta map[string]string) (*File, error) {
	return newFile(out, name, s, meta, pageCodec)
}

// bloomColumns are the columns a query looks up by equality: a level, a
// host (folders hold one host in the tables partitioned by it, not in the
// others), a job, a task, an exception class, a JVM. Each row group
// carries a bloom filter of their values, so an engine skips the row
// groups that lack the one it wants even when it lies between their min
// and max (no ERROR among INFO and DEBUG lines).
var bloomColumns = map[string]bool{"level": true, "host": true, "job_id": true, "task": true, "exception": true, "root_cause": true, "jvm": true}

func newFile(out io.Writer, name string, s *arrow.Schema, meta map[string]string, c compress.Codec) (*File, error) {
	ps, err := Schema(name, s)
	if err != nil {
		return nil, err
	}
	var blooms []parquet.BloomFilterColumn
	for _, f := range s.Fields() {
		if _, dict := f.Type.(*arrow.DictionaryType); dict && bloomColumns[f.Name] {
			// parquet-go sizes a dictionary column's filter by its
			// distinct values: the ids of a row group are few, and 16
			// bits each keep false positives near 0.1 % for a few
			// hundred bytes per row group.
			blooms = append(blooms, parquet.SplitBlockFilter(16, f.Name))
		}
	}
	opts := []parquet.WriterOption{
		ps,
		parquet.Compression(c),
		parquet.BloomFilters(blooms...),
		parquet.CreatedBy("flinkdx", "", ""),
		parquet.PageBufferSize(pageBufferSize),
		parquet.DataPageStatistics(false),
		// V2 pages leave the levels out of the compressed block: less to
		// compress, and a reader finds the nulls without decompressing.
		parquet.DataPageVersion(2),
		// Strings that are not dictionary columns are PLAIN: cheaper to
		// write than DELTA_LENGTH_BYTE_ARRAY, as small after zstd, and read
		// by every engine.
		parquet.DefaultEncodingFor(parquet.ByteArray, &parquet.Plain),
	}
	for _, f := range s.Fields() {
		if f.Type.ID() == arrow.STRING {
			// Free text (messages, stack traces) is searched, not
			// compared: its min/max prune nothing. The dictionary columns
			// (level, logger, host, job_id, task, exception …) are what a
			// query filters on: their min/max stay, in the pages and the
			// row groups, for DuckDB, Spark and Trino to skip by.
			opts = append(opts, parquet.SkipPageBounds(f.Name))
		}
	}
	for k, v := range sortedPairs(meta) {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	return &File{w: parquet.NewWriter(out, opts...), schema: s}, nil
}

func sortedPairs(m map[string]string) func(func(string, string) bool) {
	return func(yield func(string, string) bool) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if !yield(k, m[k]) {
				return
			}
		}
	}
}

// pageBufferSize is the size at which a column's page is cut, before
// compression (a page ends on a 4096-row chunk, so wide strings make larger
// pages). 64 KiB rather than parquet-go's 1 MiB: each column of every row
// group being encoded keeps a buffer of this size, so smaller pages lower
// the ingest's peak memory and stay in cache while they are levelled and
// compressed, at the cost of slightly larger files; tables of numbers lose
// the most. The measurements are in docs/performance.md.
const pageBufferSize = 64 << 10

// rowGroup is a batch encoded and compressed, waiting to be written.
type rowGroup struct {
	rg   *parquet.ConcurrentRowGroupWriter
	rows int64
}

func (g *rowGroup) NumRows() int64 { return g.rows }

// encoder turns batches into row groups; each encoding goroutine takes
// one from the pool, to reuse its value buffers.
type encoder struct {
	values []parquet.Value
	dict   []parquet.Value
}

var encoders = sync.Pool{New: func() any { return new(encoder) }}

// Encode encodes rec as a row group of f. It is safe to call from several
// goroutines at once on different batches.
func (f *File) Encode(rec arrow.Record) (dataset.RowGroup, error) {
	enc := encoders.Get().(*encoder)
	defer encoders.Put(enc)
	return enc.encode(f, rec)
}

func (enc *encoder) encode(f *File, rec arrow.Record) (*rowGroup, error) {
	if !rec.Schema().Equal(f.schema) {
		return nil, fmt.Errorf("cannot encode batch: schema %v; want %v", rec.Schema(), f.schema)
	}
	rg := f.beginRowGroup()
	cols := rg.ColumnWriters()
	n := int(rec.NumRows())
	for i, col := range rec.Columns() {
		def := 0
		if f.schema.Field(i).Nullable {
			def = 1
		}
		var err error
		if d, ok := col.(*array.Dictionary); ok {
			// The values of the dictionary's entries, each made once.
			enc.dict, err = appendValues(enc.dict[:0], nil, d.Dictionary(), 0, d.Dictionary().Len(), i, def)
		}
		// Converted and written 4096 rows at a time: the values stay in
		// cache, and a page can end every 4096 rows.
		for start := 0; start < n && err == nil; start += 4096 {
			enc.values, err = appendValues(enc.values[:0], enc.dict, col, start, min(n, start+4096), i, def)
			if err == nil {
				_, err = cols[i].WriteRowValues(enc.values)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("cannot encode column %s: %w", f.schema.Field(i).Name, err)
		}
	}
	if err := rg.Flush(); err != nil {
		return nil, fmt.Errorf("cannot encode row group: %w", err)
	}
	return &rowGroup{rg: rg, rows: int64(n)}, nil
}

// Commit writes an encoded row group; row groups must be committed in order
// and from one goroutine.
func (f *File) Commit(rg dataset.RowGroup) error {
	g, ok := rg.(*rowGroup)
	if !ok {
		return fmt.Errorf("cannot write row group: %T is not one of this format's", rg)
	}
	if _, err := g.rg.Commit(); err != nil {
		return fmt.Errorf("cannot write row group: %w", err)
	}
	f.rows += g.rows
	// A committed row group is empty and may be used again, unless the
	// file is resting (another file is being written meanwhile).
	f.mu.Lock()
	if !f.resting {
		f.idle = append(f.idle, g.rg)
	}
	f.mu.Unlock()
	return nil
}

func (f *File) beginRowGroup() *parquet.ConcurrentRowGroupWriter {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.idle); n > 0 {
		rg := f.idle[n-1]
		f.idle = f.idle[:n-1]
		return rg
	}
	return f.w.BeginRowGroup()
}

// Rest lets go of the row-group writers kept for reuse, and keeps none
// until Wake: while a file waits for more rows, its buffers are not held.
func (f *File) Rest() {
	f.mu.Lock()
	f.resting, f.idle = true, nil
	f.mu.Unlock()
}

// Wake keeps row-group writers for reuse again.
func (f *File) Wake() {
	f.mu.Lock()
	f.resting = false
	f.mu.Unlock()
}

// Rows is the number of rows committed.
func (f *File) Rows() int64 { return f.rows }

// Close writes the footer.
func (f *File) Close() error { return f.w.Close() }

// appendValues converts rows [start, end) of an Arrow column to the
// Parquet values of leaf column ci (def is its maximum definition level: 1
// for an optional column, 0 for a required one). Strings are not copied:
// the values point into the Arrow buffers, which outlive the encoding. For a
// dictionary column, dict holds the values of its entries.
func appendValues(dst, dict []parquet.Value, col arrow.Array, start, end, ci, def int) ([]parquet.Value, error) {
	n := end - start
	dst = slices.Grow(dst[:0], n)[:n]
	null := parquet.NullValue().Level(0, 0, ci)
	if col.NullN() == col.Len() {
		for i := range dst {
			dst[i] = null
		}
		return dst, nil
	}
	// valid reports row r is not null, reading the validity bitmap directly.
	bitmap, off, nulls := col.NullBitmapBytes(), col.Data().Offset(), col.NullN() > 0
	valid := func(r int) bool {
		return !nulls || bitmap[(off+r)>>3]&(1<<((off+r)&7)) != 0
	}
	level := func(v parquet.Value) parquet.Value {
		if def == 0 {
			return v // required: the levels are all zero already
		}
		return v.Level(0, def, ci)
	}
	// levels gives the values made for every row their levels, and makes
	// the null rows null: one pass after a tight loop that made them.
	levels := func() {
		switch {
		case nulls:
			for i := range dst {
				if r := off + start + i; bitmap[r>>3]&(1<<(r&7)) == 0 {
					dst[i] = null
				} else if def > 0 {
					dst[i] = dst[i].Level(0, def, ci)
				}
			}
		case def > 0:
			for i := range dst {
				dst[i] = dst[i].Level(0, def, ci)
			}
		}
	}
	switch a := col.(type) {
	case *array.Timestamp:
		for i, v := range a.TimestampValues()[start:end] {
			dst[i] = parquet.Int64Value(int64(v))
		}
		levels()
	case *array.Int64:
		for i, v := range a.Int64Values()[start:end] {
			dst[i] = parquet.Int64Value(v)
		}
		levels()
	case *array.Int32:
		for i, v := range a.Int32Values()[start:end] {
			dst[i] = parquet.Int32Value(v)
		}
		levels()
	case *array.Float64:
		for i, v := range a.Float64Values()[start:end] {
			dst[i] = parquet.DoubleValue(v)
		}
		levels()
	case *array.Boolean:
		// The flags are nearly always false: both values are made once,
		// and a zero byte of the bitmap fills eight rows.
		vals := [2]parquet.Value{level(parquet.BooleanValue(false)), level(parquet.BooleanValue(true))}
		bits, boff := a.Data().Buffers()[1].Bytes(), a.Data().Offset()
		for i := 0; i < len(dst); {
			r := boff + start + i
			if !nulls && r&7 == 0 && i+8 <= len(dst) && bits[r>>3] == 0 {
				for k := range 8 {
					dst[i+k] = vals[0]
				}
				i += 8
				continue
			}
			switch {
			case !valid(start + i):
				dst[i] = null
			case bits[r>>3]&(1<<(r&7)) != 0:
				dst[i] = vals[1]
			default:
				dst[i] = vals[0]
			}
			i++
		}
	case table.ByteArray:
		offs, data := a.ValueOffsets(), a.ValueBytes()
		base := offs[0]
		offs = offs[start : end+1]
		for i := range dst {
			dst[i] = parquet.ByteArrayValue(data[offs[i]-base : offs[i+1]-base])
		}
		levels()
	case *array.Dictionary:
		if len(dict) != a.Dictionary().Len() {
			return dst, fmt.Errorf("dictionary of %d entries; %d values given", a.Dictionary().Len(), len(dict))
		}
		idx := a.Indices().(*array.Int32).Int32Values()[start:end]
		for i := range dst {
			if valid(start + i) {
				dst[i] = dict[idx[i]]
			} else {
				dst[i] = null
			}
		}
	default:
		return dst, fmt.Errorf("unsupported column type %v", col.DataType())
	}
	return dst, nil
}
