package dataset

import (
	"github.com/flinkdx/flinkdx/forensics/table"

	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// testFormat keeps the batches of each file in memory and writes only the
// file's number, which Read looks up: the dataset's tests need no Parquet
// (package parquetfile has its own).
type testFormat struct {
	mu    sync.Mutex
	files [][]arrow.Record
}

func newTestFormat() *testFormat { return &testFormat{} }

func (f *testFormat) Create(w io.Writer, _ string, _ *arrow.Schema, _ map[string]string) (FileWriter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files = append(f.files, nil)
	return &testFile{format: f, id: len(f.files) - 1, w: w}, nil
}

func (f *testFormat) Read(r io.ReaderAt, size int64, _ ReadOptions, fn func(arrow.Record)) (int64, error) {
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && err != io.EOF {
		return 0, err
	}
	var id int
	if _, err := fmt.Sscanf(string(b), "test file %d", &id); err != nil {
		return 0, fmt.Errorf("not a test file: %q", b)
	}
	f.mu.Lock()
	recs := f.files[id]
	f.mu.Unlock()
	var rows int64
	for _, rec := range recs {
		rows += rec.NumRows()
		fn(rec)
	}
	return rows, nil
}

// release lets go of every batch kept.
func (f *testFormat) release() {
	for _, recs := range f.files {
		for _, rec := range recs {
			rec.Release()
		}
	}
	f.files = nil
}

type testFile struct {
	format *testFormat
	id     int
	w      io.Writer
	rows   int64
}

type testGroup struct{ rec arrow.Record }

func (g testGroup) NumRows() int64 { return g.rec.NumRows() }

func (t *testFile) Encode(rec arrow.Record) (RowGroup, error) {
	rec.Retain()
	return testGroup{rec}, nil
}

func (t *testFile) Commit(g RowGroup) error {
	rec := g.(testGroup).rec
	t.format.mu.Lock()
	t.format.files[t.id] = append(t.format.files[t.id], rec)
	t.format.mu.Unlock()
	t.rows += rec.NumRows()
	return nil
}

func (t *testFile) Rest()       {}
func (t *testFile) Wake()       {}
func (t *testFile) Rows() int64 { return t.rows }
func (t *testFile) Close() error {
	_, err := fmt.Fprintf(t.w, "test file %d", t.id)
	return err
}

// kinds is rows of every column kind the tables use, with nulls.
func kinds(rows int) arrow.Record {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: table.TimestampMs, Nullable: true},
		{Name: "name", Type: table.DictString, Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "n32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "n64", Type: arrow.PrimitiveTypes.Int64},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
	}, nil)
	ts, name, text := table.NewTimestamps(mem), table.NewDict(mem), table.NewStr(mem)
	n32, n64, f, flag := table.NewInt32(mem), table.NewInt64(mem), table.NewFloat64(mem), table.NewBool(mem)
	for r := range rows {
		if r%3 != 0 {
			ts.Set(r, arrow.Timestamp(1700000000000+int64(r)))
		}
		if r%5 != 0 {
			name.Set(r, []byte(fmt.Sprintf("name-%d", r%7)))
		}
		text.Set(r, []byte(fmt.Sprintf("line %d", r)))
		if r%2 == 0 {
			n32.Set(r, int32(r))
		}
		n64.Set(r, int64(r)*1000)
		if r%11 != 0 {
			f.Set(r, float64(r)/4)
		}
		if r%37 == 0 {
			flag.Set(r)
		}
	}
	cols := []arrow.Array{ts.Finish(rows), name.Finish(rows), text.Finish(rows), n32.Finish(rows),
		n64.Finish(rows), f.Finish(rows), flag.Finish(rows)}
	rec := array.NewRecord(schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// gather copies the rows of runs of every column kind, nulls included.
func TestGather(t *testing.T) {
	rec := kinds(3000)
	defer rec.Release()
	runs := []run{{start: 0, end: 7}, {start: 100, end: 101}, {start: 998, end: 1500}, {start: 2999, end: 3000}}
	out, err := gather(memory.NewGoAllocator(), rec, runs)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	row := 0
	for _, r := range runs {
		for i := r.start; i < r.end; i++ {
			for c := range rec.Columns() {
				if got, want := out.Column(c).ValueStr(row), rec.Column(c).ValueStr(i); got != want {
					t.Fatalf("column %s, row %d (from %d): %v; want %v", rec.Schema().Field(c).Name, row, i, got, want)
				}
			}
			row++
		}
	}
	if int(out.NumRows()) != row {
		t.Errorf("%d rows; want %d", out.NumRows(), row)
	}
}
