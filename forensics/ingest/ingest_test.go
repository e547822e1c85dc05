package ingest

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"testing"
	"testing/fstest"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/flinkdx/flinkdx/forensics/table"
)

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readParquet returns every row of a Parquet file as column name → value.
func readParquet(t *testing.T, data []byte) (*parquet.Schema, []map[string]any) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	r := parquet.NewReader(f)
	defer r.Close()
	var rows []map[string]any
	for {
		row := map[string]any{}
		if err := r.Read(&row); err != nil {
			if err == io.EOF {
				break
			}
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	return f.Schema(), rows
}

func runIngest(t *testing.T, fsys fstest.MapFS, paths []string, opt Options) (*Manifest, *dataset.MemOutput) {
	t.Helper()
	out := dataset.NewMemOutput()
	ds := dataset.New(out, parquetfile.Format{}, nil, 2)
	ds.RowGroupsPerFile = 2
	if opt.Allocator == nil {
		// Buffers full of 0xA5: nothing may read bytes it did not write.
		opt.Allocator = &table.PoolAllocator{Poison: true}
	}
	in := New(ds, opt)
	in.Files(&input.Walker{FS: fsys}, paths)
	m, err := in.Finish(out)
	if err != nil {
		t.Fatal(err)
	}
	return m, out
}

// The excerpts go through the whole pipeline: every line is in logs or raw,
// the manifest's counts match the Parquet files, and the values survive.
func TestIngestExcerpts(t *testing.T) {
	fsys := fstest.MapFS{}
	const dir = "../../testdata/flinklog/excerpts/"
	ents, _ := os.ReadDir(dir)
	var totalLines int64
	for _, e := range ents {
		data := readFile(t, dir+e.Name())
		fsys["excerpts/"+e.Name()] = &fstest.MapFile{Data: data}
		totalLines += int64(bytes.Count(data, []byte("\n")))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			totalLines++
		}
	}
	m, out := runIngest(t, fsys, []string{"excerpts"}, Options{Version: "test", BatchRows: 3})
	if m.Totals.Lines != totalLines {
		t.Errorf("manifest counts %d lines; the files have %d", m.Totals.Lines, totalLines)
	}
	var logRows, rawRows int64
	var sawTransition bool
	for _, f := range m.Tables["logs"].Files {
		schema, rows := readParquet(t, out.Files[f.Path])
		if int64(len(rows)) != f.Rows {
			t.Errorf("%s: %d rows; manifest says %d", f.Path, len(rows), f.Rows)
		}
		ts := schema.Fields()[0]
		if lt := ts.Type().LogicalType(); ts.Name() != "ts" || lt == nil || lt.String() != "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)" {
			t.Errorf("first column %s %v; want ts TIMESTAMP(MILLIS, UTC)", ts.Name(), lt)
		}
		for _, r := range rows {
			logRows++
			if r["state_to"] == "FAILED" && r["job_id"] == "075a25a83a5ce14f82280f00b96508df" {
				sawTransition = true
				if r["ts"] != time.Date(2023, 6, 27, 16, 28, 29, 146e6, time.UTC).UnixMilli() {
					t.Errorf("ts = %#v", r["ts"])
				}
				if r["line"] != int64(4) || r["role"] != "jobmanager" {
					t.Errorf("row %v", r)
				}
			}
		}
	}
	for _, f := range m.Tables["raw"].Files {
		_, rows := readParquet(t, out.Files[f.Path])
		rawRows += int64(len(rows))
	}
	if !sawTransition {
		t.Error("the FAILING to FAILED transition is not in the logs table")
	}
	logEvents := int64(0)
	for _, st := range m.Streams {
		if st.Kind == "flink-log" || st.Kind == "text" {
			logEvents += st.Events
		}
	}
	if logRows != logEvents || rawRows != m.Totals.Unparsed || m.Tables["logs"].Rows != logRows {
		t.Errorf("logs %d raw %d; manifest totals %+v tables %+v", logRows, rawRows, m.Totals, m.Tables)
	}
	if len(m.Tables["logs"].Files) < 2 {
		t.Errorf("with 3-row batches and 2 row groups a file, want several part files: %+v", m.Tables["logs"].Files)
	}
	var mf Manifest
	if err := json.Unmarshal(out.Files["manifest.json"], &mf); err != nil {
		t.Fatal(err)
	}
	if mf.SchemaVersion != SchemaVersion || mf.Timezone != "UTC" || len(mf.Inputs) != len(ents) || mf.Inputs[0].SHA256 == "" {
		t.Errorf("manifest %+v", mf)
	}
}

// Same inputs, same dataset, byte for byte; stale parts are removed.
func TestIngestDeterministic(t *testing.T) {
	data := readFile(t, "../../testdata/flinklog/opsagent/input.log")
	fsys := fstest.MapFS{"a/jobmanager.log": {Data: data}, "a/taskmanager.log": {Data: data}}
	_, out1 := runIngest(t, fsys, []string{"a"}, Options{Version: "test", BatchRows: 4})
	_, out2 := runIngest(t, fsys, []string{"a"}, Options{Version: "test", BatchRows: 4})
	if len(out1.Files) != len(out2.Files) {
		t.Fatalf("%d files vs %d", len(out1.Files), len(out2.Files))
	}
	for name, b := range out1.Files {
		if !bytes.Equal(b, out2.Files[name]) {
			t.Errorf("%s differs between runs", name)
		}
	}
}

// An empty run still writes every table, so readers find each schema.
func TestIngestEmptyTables(t *testing.T) {
	m, out := runIngest(t, fstest.MapFS{"x.log": {Data: []byte("not a flink log\n")}}, []string{"x.log"}, Options{})
	if m.Tables["logs"].Rows != 0 || len(m.Tables["logs"].Files) != 1 || m.Tables["raw"].Rows != 1 {
		t.Errorf("tables %+v", m.Tables)
	}
	for _, name := range []string{"logs", "gc", "raw"} {
		files := m.Tables[name].Files
		if len(files) == 0 {
			t.Fatalf("no %s file", name)
		}
		data, ok := out.Files[files[0].Path]
		if !ok {
			t.Fatalf("%s is in the manifest, not in the dataset", files[0].Path)
		}
		if _, rows := readParquet(t, data); int64(len(rows)) != files[0].Rows {
			t.Errorf("%s: %d rows; the manifest says %d", files[0].Path, len(rows), files[0].Rows)
		}
	}
	if p := m.Tables["logs"].Files[0].Path; p != "logs/date=__HIVE_DEFAULT_PARTITION__/host=__HIVE_DEFAULT_PARTITION__/part-empty.parquet" {
		t.Errorf("the empty logs table's file is %s; want it in the null partition", p)
	}
}
