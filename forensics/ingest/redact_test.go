package ingest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

// The HistoryServer archives of 40CoderPlus/flink-history-server carry a
// real-looking S3 access key in the job's configuration (Flink masked
// s3.secret.key itself, not s3.access.key). By default it is in no file of
// the dataset and the config table says "******"; --no-redact keeps it;
// the manifest says which.
func TestRedactHistoryServerAccessKey(t *testing.T) {
	const key = "1YA71JMTU41W8K9HI5YV"
	fsys := fstest.MapFS{}
	dir := "../../testdata/metrics/historyserver_archives_40CoderPlus"
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		fsys["hs/"+e.Name()] = &fstest.MapFile{Data: data}
	}
	if !bytes.Contains(fsys["hs/ea71b9a630c2d7102310c234cfb85933.json"].Data, []byte(key)) {
		t.Fatal("the archive no longer holds the key this test looks for")
	}
	for _, noRedact := range []bool{false, true} {
		m, out := runIngest(t, fsys, []string{"hs"}, Options{Version: "test", NoRedact: noRedact})
		found, accessValue := false, ""
		for name, data := range out.Files {
			if bytes.Contains(data, []byte(key)) {
				found = true // stored plain (a dictionary or an uncompressed page)
			}
			if !strings.HasSuffix(name, ".parquet") {
				continue
			}
			_, err := parquetfile.Read(bytes.NewReader(data), int64(len(data)), dataset.ReadOptions{}, func(rec arrow.Record) {
				keys := -1
				if idx := rec.Schema().FieldIndices("key"); len(idx) == 1 {
					keys = idx[0]
				}
				for c, col := range rec.Columns() {
					for i := 0; i < col.Len(); i++ {
						v, ok := text(col, i)
						if !ok {
							break
						}
						if strings.Contains(v, key) {
							found = true
						}
						if k, _ := text(rec.Column(max(keys, 0)), i); keys >= 0 && rec.Schema().Field(c).Name == "value" && k == "s3.access.key" {
							accessValue = v
						}
					}
				}
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		switch {
		case !noRedact && (found || accessValue != "******" || m.Redaction != "masked" || m.Totals.Redacted < 2):
			t.Errorf("masked: key found %v, s3.access.key = %q, manifest %q, %d masked", found, accessValue, m.Redaction, m.Totals.Redacted)
		case noRedact && (!found || accessValue != key || m.Redaction != "kept" || m.Totals.Redacted != 0):
			t.Errorf("--no-redact: key found %v, s3.access.key = %q, manifest %q, %d masked", found, accessValue, m.Redaction, m.Totals.Redacted)
		}
	}
}

// text is a string cell of a plain or dictionary column.
func text(a arrow.Array, i int) (string, bool) {
	switch c := a.(type) {
	case *array.String:
		return c.Value(i), true
	case *array.Binary:
		return string(c.Value(i)), true
	case *array.Dictionary:
		if d, ok := c.Dictionary().(*array.String); ok {
			if c.IsNull(i) {
				return "", true
			}
			return d.Value(c.GetValueIndex(i)), true
		}
	}
	return "", false
}
