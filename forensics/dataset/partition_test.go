package dataset

import (
	"github.com/flinkdx/flinkdx/forensics/table"

	col "github.com/flinkdx/flinkdx/forensics/schema"

	"bytes"
	"fmt"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

func TestEscapePartition(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"tm-1.example.com", "tm-1.example.com"},
		{"", DefaultPartition},
		{"../x", "..%2Fx"},
		{"/etc/passwd", "%2Fetc%2Fpasswd"},
		{"a=b c", "a%3Db%20c"},
		{"..", ".."}, // the folder is "host=..", which names nothing else
		{"ünï", "%C3%BCn%C3%AF"},
		{"a\x00b\\c", "a%00b%5Cc"},
	} {
		got := EscapePartition(c.in)
		if got != c.want {
			t.Errorf("EscapePartition(%q) = %q; want %q", c.in, got, c.want)
		}
		if back := UnescapePartition(got); back != c.in {
			t.Errorf("UnescapePartition(%q) = %q; want %q", got, back, c.in)
		}
	}
	long := strings.Repeat("/", 300)
	got := EscapePartition(long)
	if len(got) > maxPartitionValue || strings.Contains(got, "/") {
		t.Errorf("EscapePartition(300 slashes) = %q (%d bytes)", got, len(got))
	}
	if other := EscapePartition(long + "x"); other == got {
		t.Errorf("two long values share the folder %q", got)
	}
}

// partitionSample is rows over three days and three hosts, some without a
// time (they belong with the row before them) and some without a host.
func partitionSample(mem memory.Allocator) (*arrow.Schema, arrow.Record) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: table.TimestampMs, Nullable: true},
		{Name: "host", Type: table.DictString, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	day0 := time.Date(2024, 3, 1, 23, 0, 0, 0, time.UTC).UnixMilli()
	ts, host, n := table.NewTimestamps(mem), table.NewDict(mem), table.NewInt64(mem)
	hosts := []string{"tm-1", "../x", ""}
	const rows = 3000
	for r := range rows {
		if r%10 != 3 {
			ts.Set(r, arrow.Timestamp(day0+int64(r)*60_000)) // a minute apart: 50 h
		}
		if h := hosts[r/250%3]; h != "" {
			host.Set(r, []byte(h))
		}
		n.Set(r, int64(r))
	}
	cols := []arrow.Array{ts.Finish(rows), host.Finish(rows), n.Finish(rows)}
	rec := array.NewRecord(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return schema, rec
}

// TestUnitPartitions writes a batch through a unit: every row lands in the
// folder of its day and host, exactly once, part files are named after the
// unit only when it commits, and nothing escapes the table.table's folder.
func TestUnitPartitions(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	schema, rec := partitionSample(mem)
	out := NewMemOutput()
	format := newTestFormat()
	ds := New(out, format, nil, 2)
	ds.RowGroupsPerFile = 2
	u := ds.Unit()
	layout := Layout{Time: "ts", Host: "host"}
	// Small batches, so folders are opened, closed and opened again.
	for off := int64(0); off < rec.NumRows(); off += 100 {
		b := rec.NewSlice(off, min(off+100, rec.NumRows()))
		if err := u.Write("logs", schema, layout, b); err != nil {
			t.Fatal(err)
		}
		b.Release()
	}
	for name := range out.Files {
		t.Fatalf("%s is visible before the unit commits", name)
	}
	files, err := u.Commit("0123abcd")
	if err != nil {
		t.Fatal(err)
	}
	seen := make([]bool, rec.NumRows())
	var total int64
	folders := map[string]bool{}
	for _, f := range files["logs"] {
		if !strings.HasPrefix(f.Path, "logs/date=") || !strings.Contains(path.Base(f.Path), "part-0123abcd-") {
			t.Errorf("file %s: not a named partition file", f.Path)
		}
		folders[path.Dir(f.Path)] = true
		kv := PartitionValues(f.Path)
		data, ok := out.Files[f.Path]
		if !ok {
			t.Fatalf("%s is in the list but not written", f.Path)
		}
		rows, err := format.Read(bytes.NewReader(data), int64(len(data)), ReadOptions{}, func(r arrow.Record) {
			ns := col.Array[*array.Int64](r, "n")
			for i := 0; i < int(r.NumRows()); i++ {
				row := ns.Value(i)
				if seen[row] {
					t.Errorf("row %d written twice", row)
				}
				seen[row] = true
				want := wantFolder(row)
				if got := kv["date"] + "/" + kv["host"]; got != want {
					t.Errorf("row %d in %s; want %s", row, got, want)
				}
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
		if rows != f.Rows {
			t.Errorf("%s: %d rows; the list says %d", f.Path, rows, f.Rows)
		}
		total += rows
	}
	if total != rec.NumRows() {
		t.Errorf("%d rows written; want %d", total, rec.NumRows())
	}
	for row, ok := range seen {
		if !ok {
			t.Errorf("row %d lost", row)
		}
	}
	for _, want := range []string{"logs/date=2024-03-01/host=tm-1", "logs/date=2024-03-02/host=..%2Fx",
		"logs/date=2024-03-03/host=" + DefaultPartition} {
		if !folders[want] {
			t.Errorf("no folder %s; have %v", want, folders)
		}
	}
	format.release()
	rec.Release()
	mem.AssertSize(t, 0)
}

// wantFolder is where row r of partitionSample belongs: the day of its own
// time, or of the row before it when it has none.
func wantFolder(r int64) string {
	if r%10 == 3 {
		r--
	}
	day0 := time.Date(2024, 3, 1, 23, 0, 0, 0, time.UTC)
	day := day0.Add(time.Duration(r) * time.Minute).Format(time.DateOnly)
	return day + "/" + []string{"tm-1", "../x", ""}[r/250%3]
}

// TestUnitAbort: an aborted unit leaves nothing behind.
func TestUnitAbort(t *testing.T) {
	schema, rec := partitionSample(memory.NewGoAllocator())
	dir := t.TempDir()
	ds := New(DirOutput{Root: dir}, newTestFormat(), nil, 1)
	u := ds.Unit()
	if err := u.Write("logs", schema, Layout{Time: "ts", Host: "host"}, rec); err != nil {
		t.Fatal(err)
	}
	u.Abort()
	files, err := DirOutput{Root: dir}.List("logs")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 0 {
		t.Errorf("an aborted unit left %v", files)
	}
}

func TestPartitionValues(t *testing.T) {
	kv := PartitionValues("logs/date=2024-03-01/host=..%2Fx/part-1-0000.parquet")
	if fmt.Sprint(kv) != "map[date:2024-03-01 host:../x]" {
		t.Errorf("PartitionValues = %v", kv)
	}
	if kv := PartitionValues("findings/part-00000.parquet"); kv != nil {
		t.Errorf("PartitionValues of an unpartitioned file = %v", kv)
	}
}

// Rows of many folders that alternate row by row (a scrape of every host)
// wait per folder and are written as large row groups: one part file per
// folder, not one per run.
func TestUnitAlternatingFolders(t *testing.T) {
	mem := memory.NewGoAllocator()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: table.TimestampMs, Nullable: true},
		{Name: "host", Type: table.DictString, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	out := NewMemOutput()
	format := newTestFormat()
	ds := New(out, format, nil, 2)
	u := ds.Unit()
	u.GroupRows = 500
	const rows, hosts = 200, 20
	t0 := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC).UnixMilli()
	for b := 0; b < 30; b++ {
		ts, host, n := table.NewTimestamps(mem), table.NewDict(mem), table.NewInt64(mem)
		for r := range rows {
			row := b*rows + r
			ts.Set(r, arrow.Timestamp(t0+int64(row)))
			host.Set(r, []byte(fmt.Sprintf("tm-%02d", row%hosts)))
			n.Set(r, int64(row))
		}
		cols := []arrow.Array{ts.Finish(rows), host.Finish(rows), n.Finish(rows)}
		rec := array.NewRecord(schema, cols, rows)
		for _, c := range cols {
			c.Release()
		}
		if err := u.Write("metrics", schema, Layout{Time: "ts", Host: "host"}, rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	files, err := u.Commit("u")
	if err != nil {
		t.Fatal(err)
	}
	if len(files["metrics"]) != hosts {
		t.Errorf("%d part files for %d folders", len(files["metrics"]), hosts)
	}
	for _, f := range files["metrics"] {
		if f.Rows != 30*rows/hosts {
			t.Errorf("%s: %d rows; want %d", f.Path, f.Rows, 30*rows/hosts)
		}
		host := PartitionValues(f.Path)["host"]
		data := out.Files[f.Path]
		_, err := format.Read(bytes.NewReader(data), int64(len(data)), ReadOptions{}, func(r arrow.Record) {
			h := col.Array[*array.Dictionary](r, "host")
			for i := 0; i < int(r.NumRows()); i++ {
				if got := h.Dictionary().(*array.String).Value(h.GetValueIndex(i)); got != host {
					t.Fatalf("%s holds a row of %s", f.Path, got)
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
