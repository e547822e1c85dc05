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

// A secret in a job's or a task's name (dictionary columns) is masked as
// it is in the message beside it: no file of the dataset holds it.
func TestRedactNames(t *testing.T) {
	const pass, token = "Zq8SecretPassw0rd", "tkn4f9e8d7c6b5a4"
	log := "2024-03-01 10:00:00,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph [] - Job etl token=" + token +
		" (5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3) switched from state RUNNING to FAILING.\n" +
		"2024-03-01 10:00:01,000 INFO  org.apache.flink.runtime.taskmanager.Task [] - Source: JdbcSource(url=jdbc:mysql://app:" + pass +
		"@db/app) -> Map (1/2)#0 (9b1e0c7a2f3d4e5f6a7b8c9d0e1f2a3b_bc764cd8ddf7a0cff126f51c16239658_0_0) switched from RUNNING to FAILED.\n"
	// Rows with neither '=' nor ':' in their text: a token alone, a TAB,
	// a PEM key in a stack trace's detail.
	const gh, pem = "ghp_Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
	tm := "2024-03-01 10:00:02,000 INFO  org.apache.flink.X [] - cloning with " + gh + "\n" +
		"2024-03-01 10:00:03,000 INFO  org.apache.flink.X [] - password\t" + pass + "\n" +
		"2024-03-01 10:00:04,000 ERROR org.apache.flink.X [] - cannot load the key\n" +
		"-----BEGIN PRIVATE KEY-----\n" + pem + "\n-----END PRIVATE KEY-----\n\tat org.apache.flink.X.load(X.java:1)\n"
	fsys := fstest.MapFS{"jobmanager.log": &fstest.MapFile{Data: []byte(log)}, "taskmanager.log": &fstest.MapFile{Data: []byte(tm)}}
	m, out := runIngest(t, fsys, []string{"jobmanager.log", "taskmanager.log"}, Options{Version: "test"})
	if m.Totals.Redacted < 2 {
		t.Errorf("%d masked", m.Totals.Redacted)
	}
	names := 0
	for name, data := range out.Files {
		if bytes.Contains(data, []byte(pass)) || bytes.Contains(data, []byte(token)) || bytes.Contains(data, []byte(gh)) || bytes.Contains(data, []byte(pem)) {
			t.Errorf("%s holds a secret as bytes", name)
		}
		if !strings.HasSuffix(name, ".parquet") {
			continue
		}
		parquetfile.Read(bytes.NewReader(data), int64(len(data)), dataset.ReadOptions{}, func(rec arrow.Record) {
			for c, col := range rec.Columns() {
				field := rec.Schema().Field(c).Name
				for i := 0; i < col.Len(); i++ {
					v, ok := text(col, i)
					if !ok {
						break
					}
					if strings.Contains(v, pass) || strings.Contains(v, token) || strings.Contains(v, gh) || strings.Contains(v, pem) {
						t.Errorf("%s.%s: %q", name, field, v)
					}
					if (field == "job_name" || field == "task") && strings.Contains(v, "******") {
						names++
					}
				}
			}
		})
	}
	if names < 2 {
		t.Errorf("%d job or task names masked", names)
	}
}

// Flink's "Program Arguments:" banner logs a flag and its value on two
// lines: the value of a secret flag is masked, the others kept.
func TestRedactProgramArguments(t *testing.T) {
	const pass = "hunter2Secret"
	var log strings.Builder
	for _, arg := range []string{"Program Arguments:", "    --input", "    s3://bucket/in", "    --password", "    " + pass, "    --parallelism", "    4"} {
		log.WriteString("2024-03-01 10:00:00,000 INFO  org.apache.flink.runtime.entrypoint.ClusterEntrypoint [] - " + arg + "\n")
	}
	fsys := fstest.MapFS{"jobmanager.log": &fstest.MapFile{Data: []byte(log.String())}}
	m, out := runIngest(t, fsys, []string{"jobmanager.log"}, Options{Version: "test"})
	var kept []string
	for name, data := range out.Files {
		if bytes.Contains(data, []byte(pass)) {
			t.Errorf("%s holds the password", name)
		}
		if strings.HasSuffix(name, ".parquet") && strings.HasPrefix(name, "logs/") {
			parquetfile.Read(bytes.NewReader(data), int64(len(data)), dataset.ReadOptions{}, func(rec arrow.Record) {
				col := rec.Column(rec.Schema().FieldIndices("message")[0])
				for i := 0; i < col.Len(); i++ {
					v, _ := text(col, i)
					kept = append(kept, strings.TrimSpace(v))
				}
			})
		}
	}
	if got := strings.Join(kept, "|"); got != "Program Arguments:|--input|s3://bucket/in|--password|******|--parallelism|4" || m.Totals.Redacted != 1 {
		t.Errorf("messages %s; %d masked", got, m.Totals.Redacted)
	}
}
