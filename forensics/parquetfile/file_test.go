package parquetfile

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// sample builds one column of every kind the tables use, with nulls, over
// rows rows.
func sample(rows int) (*arrow.Schema, []arrow.Array) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: table.TimestampMs, Nullable: true},
		{Name: "name", Type: table.DictString, Nullable: true},
		{Name: "text", Type: arrow.BinaryTypes.String},
		{Name: "n32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "n64", Type: arrow.PrimitiveTypes.Int64},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "maybe", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
	ts, name, text := table.NewTimestamps(mem), table.NewDict(mem), table.NewStr(mem)
	n32, n64, f := table.NewInt32(mem), table.NewInt64(mem), table.NewFloat64(mem)
	flag, maybe := table.NewBool(mem), array.NewBooleanBuilder(mem)
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
		if r%37 == 0 || r%1000 == 999 {
			flag.Set(r)
		}
		if r%13 == 0 {
			maybe.AppendNull()
		} else {
			maybe.Append(r%4 == 0)
		}
	}
	cols := []arrow.Array{ts.Finish(rows), name.Finish(rows), text.Finish(rows), n32.Finish(rows),
		n64.Finish(rows), f.Finish(rows), flag.Finish(rows), maybe.NewArray()}
	return schema, cols
}

// TestParquetRoundTrip encodes every column kind, with nulls, through
// reused row-group writers and from a sliced batch (non-zero array
// offsets, which shift validity and boolean bitmaps), and reads every cell
// back.
func TestParquetRoundTrip(t *testing.T) {
	const rows = 10000
	schema, cols := sample(rows)
	whole := array.NewRecord(schema, cols, rows)
	defer whole.Release()

	var buf bytes.Buffer
	pf, err := NewFile(&buf, "t", schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Uneven slices: offsets not multiples of 8, and several row groups
	// through the same (reused) row-group writers.
	cuts := []int64{0, 3, 4099, 4100, 8197, rows}
	for i := 1; i < len(cuts); i++ {
		rec := whole.NewSlice(cuts[i-1], cuts[i])
		g, err := pf.Encode(rec)
		rec.Release()
		if err != nil {
			t.Fatal(err)
		}
		if err := pf.Commit(g); err != nil {
			t.Fatal(err)
		}
	}
	if err := pf.Close(); err != nil {
		t.Fatal(err)
	}

	file, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if file.NumRows() != rows {
		t.Fatalf("%d rows; want %d", file.NumRows(), rows)
	}
	// Every row group's column chunks name their column (reused row-group
	// writers must not leave another file's or row group's metadata).
	md := file.Metadata()
	if len(md.RowGroups) != len(cuts)-1 {
		t.Errorf("%d row groups; want %d", len(md.RowGroups), len(cuts)-1)
	}
	for g, rg := range md.RowGroups {
		for c, cc := range rg.Columns {
			if p := cc.MetaData.PathInSchema; len(p) != 1 || p[0] != schema.Field(c).Name {
				t.Errorf("row group %d column %d: path %q", g, c, p)
			}
		}
	}
	r := parquet.NewReader(file)
	got := make([]parquet.Row, 1)
	for row := range rows {
		if n, err := r.ReadRows(got); n != 1 {
			t.Fatalf("row %d: %v", row, err)
		}
		for c, v := range got[0] {
			want := cellOf(t, cols[c], row)
			if v.IsNull() != (want == nil) {
				t.Fatalf("row %d column %s: null %v; want %v", row, schema.Field(c).Name, v.IsNull(), want)
			}
			if want != nil && fmt.Sprint(want) != fmt.Sprint(valueOf(v)) {
				t.Fatalf("row %d column %s: %v; want %v", row, schema.Field(c).Name, valueOf(v), want)
			}
		}
	}
}

func cellOf(t *testing.T, a arrow.Array, row int) any {
	if a.IsNull(row) {
		return nil
	}
	switch a := a.(type) {
	case *array.Timestamp:
		return int64(a.Value(row))
	case *array.Dictionary:
		return cellOf(t, a.Dictionary(), a.GetValueIndex(row))
	case *array.String:
		return a.Value(row)
	case *array.Binary:
		return string(a.Value(row))
	case *array.Int32:
		return a.Value(row)
	case *array.Int64:
		return a.Value(row)
	case *array.Float64:
		return a.Value(row)
	case *array.Boolean:
		return a.Value(row)
	}
	t.Fatalf("unexpected array %T", a)
	return nil
}

func valueOf(v parquet.Value) any {
	switch v.Kind() {
	case parquet.Int32:
		return v.Int32()
	case parquet.Int64:
		return v.Int64()
	case parquet.Double:
		return v.Double()
	case parquet.Boolean:
		return v.Boolean()
	default:
		return string(v.ByteArray())
	}
}

// Read is the writer's inverse: every cell comes back with its
// type and nulls, string columns as dictionaries unless asked plain, and
// only the columns asked for.
func TestRead(t *testing.T) {
	const rows = 7000
	schema, cols := sample(rows)
	rec := array.NewRecord(schema, cols, rows)
	defer rec.Release()
	var buf bytes.Buffer
	pf, err := NewFile(&buf, "t", schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range [][2]int64{{0, 4096}, {4096, rows}} {
		part := rec.NewSlice(cut[0], cut[1])
		g, err := pf.Encode(part)
		part.Release()
		if err != nil {
			t.Fatal(err)
		}
		if err := pf.Commit(g); err != nil {
			t.Fatal(err)
		}
	}
	pf.Close()

	var got []arrow.Record
	n, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), dataset.ReadOptions{Plain: map[string]bool{"text": true}}, func(r arrow.Record) {
		r.Retain()
		got = append(got, r)
	})
	if err != nil || n != rows || len(got) != 2 {
		t.Fatalf("%d rows in %d batches, %v", n, len(got), err)
	}
	if !got[0].Schema().Equal(schema) {
		t.Fatalf("schema\n%v\nwant\n%v", got[0].Schema(), schema)
	}
	row := 0
	for _, g := range got {
		for i := 0; i < int(g.NumRows()); i++ {
			for c := range cols {
				want, have := cellOf(t, cols[c], row), cellOf(t, g.Column(c), i)
				if fmt.Sprint(want) != fmt.Sprint(have) {
					t.Fatalf("row %d column %s: %v; want %v", row, schema.Field(c).Name, have, want)
				}
			}
			row++
		}
		g.Release()
	}

	// Only the columns asked for; "text" as a dictionary when not plain.
	n, err = Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), dataset.ReadOptions{Columns: map[string]bool{"text": true, "n64": true}}, func(r arrow.Record) {
		if r.NumCols() != 2 || r.Schema().Field(0).Name != "text" || r.Schema().Field(0).Type != table.DictString {
			t.Errorf("projected schema %v", r.Schema())
		}
	})
	if err != nil || n != rows {
		t.Fatalf("projected: %d rows, %v", n, err)
	}
	if _, err := Read(bytes.NewReader([]byte("not parquet at all")), 18, dataset.ReadOptions{}, func(arrow.Record) {}); err == nil {
		t.Error("garbage read as Parquet")
	}
}

// Row groups carry min/max for the columns a query filters on (times,
// numbers, dictionary strings), so engines skip them.
func TestRowGroupStatistics(t *testing.T) {
	schema, cols := sample(1000)
	rec := array.NewRecord(schema, cols, 1000)
	defer rec.Release()
	var buf bytes.Buffer
	pf, err := NewFile(&buf, "t", schema, nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := pf.Encode(rec)
	if err == nil {
		err = pf.Commit(g)
	}
	if err == nil {
		err = pf.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	file, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, cc := range file.Metadata().RowGroups[0].Columns {
		name := cc.MetaData.PathInSchema[0]
		st := cc.MetaData.Statistics
		has := len(st.MinValue) > 0 && len(st.MaxValue) > 0
		switch name {
		case "ts", "name", "n64", "f":
			if !has {
				t.Errorf("%s: no min/max in the row group (%+v)", name, st)
			}
		}
		if name == "name" && (string(st.MinValue) != "name-0" || string(st.MaxValue) != "name-6") {
			t.Errorf("name: min %q max %q", st.MinValue, st.MaxValue)
		}
	}
}

// Each --compression writes pages in its codec, read back the same; the id
// columns carry bloom filters that rule out a value no row has and keep
// one that is there.
func TestCodecsAndBloomFilters(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "level", Type: table.DictString},
		{Name: "job_id", Type: table.DictString, Nullable: true},
		{Name: "message", Type: arrow.BinaryTypes.String},
	}, nil)
	const n = 5000
	mem := memory.NewGoAllocator()
	level, job, msg := table.NewDict(mem), table.NewDict(mem), table.NewStr(mem)
	for i := range n {
		level.SetString(i, []string{"INFO", "DEBUG", "WARN"}[i%3])
		if i%7 != 0 {
			job.SetString(i, fmt.Sprintf("job-%02d", i%40))
		}
		msg.Set(i, []byte(fmt.Sprintf("line %d", i)))
	}
	cols := []arrow.Array{level.Finish(n), job.Finish(n), msg.Finish(n)}
	rec := array.NewRecord(schema, cols, n)
	defer rec.Release()
	want := map[string]format.CompressionCodec{"zstd": format.Zstd, "lz4": format.Lz4Raw, "snappy": format.Snappy, "none": format.Uncompressed}
	for _, name := range Codecs {
		var buf bytes.Buffer
		fw, err := Format{Codec: name}.Create(&buf, "t", schema, nil)
		if err != nil {
			t.Fatal(err)
		}
		g, err := fw.Encode(rec)
		if err == nil {
			err = fw.Commit(g)
		}
		if err == nil {
			err = fw.Close()
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), dataset.ReadOptions{Plain: map[string]bool{"message": true}}, func(r arrow.Record) {
			if s := r.Column(2).(*array.String).Value(4999); s != "line 4999" {
				t.Errorf("%s: last message %q", name, s)
			}
		})
		if err != nil || got != n {
			t.Fatalf("%s: read back %d rows, %v", name, got, err)
		}
		file, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		for _, cc := range file.Metadata().RowGroups[0].Columns {
			if cc.MetaData.Codec != want[name] {
				t.Errorf("%s: column %s written with %v", name, cc.MetaData.PathInSchema[0], cc.MetaData.Codec)
			}
		}
		for i, col := range file.RowGroups()[0].ColumnChunks() {
			path := file.Metadata().RowGroups[0].Columns[i].MetaData.PathInSchema[0]
			bf := col.BloomFilter()
			if path == "message" {
				if bf != nil {
					t.Errorf("%s: free text has a bloom filter", name)
				}
				continue
			}
			if bf == nil {
				t.Errorf("%s: %s has no bloom filter", name, path)
				continue
			}
			present, absent := "WARN", "ERROR"
			if path == "job_id" {
				present, absent = "job-39", "job-40"
			}
			if ok, err := bf.Check(parquet.ValueOf(present)); err != nil || !ok {
				t.Errorf("%s: %s's bloom filter rules out %q, which is there (%v)", name, path, present, err)
			}
			kept := 0
			for k := range 1000 {
				if ok, _ := bf.Check(parquet.ValueOf(fmt.Sprintf("nope-%d", k))); ok {
					kept++
				}
			}
			if kept > 20 {
				t.Errorf("%s: %s's bloom filter (%d bytes) keeps %d of 1000 values that are not there", name, path, bf.Size(), kept)
			}
			if ok, _ := bf.Check(parquet.ValueOf(absent)); ok {
				t.Errorf("%s: %s's bloom filter keeps %q, which is not there", name, path, absent)
			}
		}
	}
}
