package input

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// recorder is a Handler that keeps what it is given.
type recorder struct {
	texts   map[string]string
	order   []string
	skipped map[string]string
	failed  map[string]string
}

func newRecorder() *recorder {
	return &recorder{texts: map[string]string{}, skipped: map[string]string{}, failed: map[string]string{}}
}

func (r *recorder) Text(f *File) error {
	b, err := io.ReadAll(f.R)
	r.texts[f.Path] = string(b)
	r.order = append(r.order, f.Path)
	return err
}
func (r *recorder) Skip(path string, format Format, reason string) { r.skipped[path] = format.String() }
func (r *recorder) Fail(path string, err error)                    { r.failed[path] = err.Error() }

func gz(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

func zst(t testing.TB, data []byte) []byte {
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return w.EncodeAll(data, nil)
}

func tarOf(t testing.TB, files ...string) []byte {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for i := 0; i < len(files); i += 2 {
		w.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg})
		w.Write([]byte(files[i+1]))
	}
	w.Close()
	return b.Bytes()
}

func zipOf(t testing.TB, method uint16, files ...string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for i := 0; i < len(files); i += 2 {
		f, err := w.CreateHeader(&zip.FileHeader{Name: files[i], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(files[i+1]))
	}
	w.Close()
	return b.Bytes()
}

const logA = "2024-01-01 00:00:00,000 INFO  a - one\n2024-01-01 00:00:01,000 INFO  a - two\n"
const logB = "2024-01-02 00:00:00,000 WARN  b - three\n"

func TestOpenFormats(t *testing.T) {
	bz, err := os.ReadFile("../../testdata/input/taskmanager.log.bz2")
	if err != nil {
		t.Fatal(err)
	}
	nested := tarOf(t, "logs/jm.log", logA, "inner.tar.gz", string(gz(t, tarOf(t, "tm/taskmanager.log", logB))))
	for _, tc := range []struct {
		name string
		data []byte
		want map[string]string
	}{
		{"plain.log", []byte(logA), map[string]string{"plain.log": logA}},
		{"a.gz", gz(t, []byte(logA)), map[string]string{"a.gz": logA}},
		{"a.zst", zst(t, []byte(logA)), map[string]string{"a.zst": logA}},
		{"tm.bz2", bz, map[string]string{"tm.bz2": "2024-01-01 00:00:00,000 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor [] - bzip2 line one\n2024-01-01 00:00:01,000 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor [] - bzip2 line two\n"}},
		{"x.tar", tarOf(t, "a.log", logA, "./dir/b.log", logB), map[string]string{"x.tar!a.log": logA, "x.tar!dir/b.log": logB}},
		{"x.tgz", gz(t, tarOf(t, "a.log", logA)), map[string]string{"x.tgz!a.log": logA}},
		{"x.tar.zst", zst(t, tarOf(t, "a.log", logA)), map[string]string{"x.tar.zst!a.log": logA}},
		{"deflate.zip", zipOf(t, zip.Deflate, "a.log", logA, "sub/b.log.gz", string(gz(t, []byte(logB)))),
			map[string]string{"deflate.zip!a.log": logA, "deflate.zip!sub/b.log.gz": logB}},
		{"stored.zip", zipOf(t, zip.Store, "a.log", logA), map[string]string{"stored.zip!a.log": logA}},
		{"nested.tar", nested, map[string]string{"nested.tar!logs/jm.log": logA, "nested.tar!inner.tar.gz!tm/taskmanager.log": logB}},
		{"zip-in-tar.tar", tarOf(t, "bundle.zip", string(zipOf(t, zip.Deflate, "a.log", logA))),
			map[string]string{"zip-in-tar.tar!bundle.zip!a.log": logA}},
		{"evil.tar", tarOf(t, "../../etc/passwd", logA, "/abs/x.log", logB),
			map[string]string{"evil.tar!etc/passwd": logA, "evil.tar!abs/x.log": logB}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRecorder()
			if err := Open(tc.name, bytes.NewReader(tc.data), r, Options{}); err != nil {
				t.Fatal(err)
			}
			if len(r.failed) > 0 || len(r.skipped) > 0 {
				t.Fatalf("failed %v skipped %v", r.failed, r.skipped)
			}
			if !reflect.DeepEqual(r.texts, tc.want) {
				t.Errorf("got %q; want %q", r.texts, tc.want)
			}
		})
	}
}

func TestOpenSkipsAndFailures(t *testing.T) {
	r := newRecorder()
	bin := bytes.Repeat([]byte{0, 1, 2, 3, 0xff}, 100)
	if err := Open("x.tar", bytes.NewReader(tarOf(t, "a.bin", string(bin), "empty.log", "", "ok.log", logA)), r, Options{}); err != nil {
		t.Fatal(err)
	}
	if r.skipped["x.tar!a.bin"] != "binary" || r.skipped["x.tar!empty.log"] != "empty" || r.texts["x.tar!ok.log"] != logA {
		t.Errorf("skipped %v texts %v", r.skipped, r.texts)
	}

	// A truncated gzip: what came before the cut is handed on, and the
	// error names the file and the decompressed offset.
	big := strings.Repeat(logA, 2000)
	data := gz(t, []byte(big))
	r = newRecorder()
	err := Open("cut.log.gz", bytes.NewReader(data[:len(data)/2]), r, Options{})
	if err == nil || !strings.Contains(err.Error(), "cut.log.gz") || !strings.Contains(err.Error(), "decompressed bytes") {
		t.Fatalf("err = %v", err)
	}
	if got := r.texts["cut.log.gz"]; len(got) == 0 || !strings.HasPrefix(big, got) {
		t.Errorf("kept %d bytes before the cut; want a non-empty prefix", len(got))
	}

	// A corrupted zip member is reported by its CRC.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	fw, err := zw.CreateRaw(&zip.FileHeader{Name: "a.log", Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte(logA)),
		CompressedSize64: uint64(len(logA)), UncompressedSize64: uint64(len(logA))})
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(logA))
	zw.Close()
	z := zb.Bytes()
	i := bytes.Index(z, []byte("one"))
	z[i] = 'X'
	r = newRecorder()
	if err := Open("bad.zip", bytes.NewReader(z), r, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.failed["bad.zip!a.log"], "CRC") {
		t.Errorf("failed = %v", r.failed)
	}
}

func TestSortRotated(t *testing.T) {
	names := []string{
		"tm/taskmanager.log", "tm/taskmanager.log.1", "tm/taskmanager.log.10", "tm/taskmanager.log.2.gz",
		"gc/gc.log.1", "gc/gc.log.0", "gc/gc.log.2.current",
		"jm/jobmanager.log",
	}
	SortRotated(names)
	want := []string{
		"gc/gc.log.0", "gc/gc.log.1", "gc/gc.log.2.current",
		"jm/jobmanager.log",
		"tm/taskmanager.log.10", "tm/taskmanager.log.2.gz", "tm/taskmanager.log.1", "tm/taskmanager.log",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("got  %q\nwant %q", names, want)
	}
}

func TestWalker(t *testing.T) {
	fsys := fstest.MapFS{
		"case/tm-1/taskmanager.log":   {Data: []byte(logB)},
		"case/tm-1/taskmanager.log.1": {Data: gz(t, []byte(logA))},
		"case/jm.tar":                 {Data: tarOf(t, "jobmanager.log", logA)},
		"single.log":                  {Data: []byte(logA)},
	}
	w := &Walker{FS: fsys}
	files, errs := w.Files([]string{"single.log", "case", "missing"})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "missing") {
		t.Errorf("errs = %v", errs)
	}
	want := []string{"case/jm.tar", "case/tm-1/taskmanager.log.1", "case/tm-1/taskmanager.log", "single.log"}
	if !reflect.DeepEqual(files, want) {
		t.Fatalf("files %q; want %q", files, want)
	}
	r := newRecorder()
	var total int64
	for _, f := range files {
		in := w.Read(f, r)
		if in.Error != "" || len(in.SHA256) != 64 || in.Size != int64(len(fsys[f].Data)) {
			t.Errorf("input %+v", in)
		}
		total += in.Size
	}
	if w.BytesRead.Load() != total {
		t.Errorf("BytesRead %d; want %d", w.BytesRead.Load(), total)
	}
	if !reflect.DeepEqual(r.order, []string{"case/jm.tar!jobmanager.log", "case/tm-1/taskmanager.log.1", "case/tm-1/taskmanager.log", "single.log"}) {
		t.Errorf("order %q", r.order)
	}
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 300<<10) // longer than the limit: cut
	mid := strings.Repeat("y", 80<<10)   // longer than the buffer, not than the limit
	in := "a\r\nb\n\n" + long + "\n" + mid + "\nlast"
	lr := NewLineReader(bufio.NewReaderSize(strings.NewReader(in), 64<<10), 100<<10)
	type line struct {
		text      string
		num, off  int64
		truncated int64
	}
	var got []line
	for lr.Next() {
		got = append(got, line{string(lr.Line()), lr.Num(), lr.Offset(), lr.Truncated()})
	}
	if lr.Err() != nil {
		t.Fatal(lr.Err())
	}
	want := []line{
		{"a", 1, 0, 0}, {"b", 2, 3, 0}, {"", 3, 5, 0},
		{long[:100<<10], 4, 6, int64(len(long))},
		{mid, 5, int64(6 + len(long) + 1), 0},
		{"last", 6, int64(6 + len(long) + 1 + len(mid) + 1), 0},
	}
	if !reflect.DeepEqual(got, want) {
		for i := range got {
			g := got[i]
			if len(g.text) > 20 {
				g.text = g.text[:20] + "…"
			}
			t.Logf("%d: %+v", i, g)
		}
		t.Errorf("lines differ")
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		head []byte
		want Format
	}{
		{nil, Empty},
		{[]byte("2024-01-01 hello\n"), Text},
		{[]byte{0xfd, '7', 'z', 'X', 'Z', 0, 1}, Xz},
		{append([]byte("latin1 caf\xe9 log line\n"), bytes.Repeat([]byte("more text\n"), 10)...), Text},
		{bytes.Repeat([]byte{0x00, 0x01, 0x02}, 100), Binary},
	} {
		if got := Sniff(tc.head); got != tc.want {
			t.Errorf("Sniff(%q) = %v; want %v", tc.head[:min(len(tc.head), 16)], got, tc.want)
		}
	}
}

// Nesting counts archives, not codecs: a log inside eight .tar.gz inside
// one another is read; inside nine, the ninth is skipped as the tar it is.
func TestNestingLevels(t *testing.T) {
	nest := func(levels int) []byte {
		data := []byte(logA)
		name := "taskmanager.log"
		for i := 0; i < levels; i++ {
			data = gz(t, tarOf(t, name, string(data)))
			name = fmt.Sprintf("level%d.tar.gz", levels-i)
		}
		return data
	}
	for _, levels := range []int{8, 9} {
		r := newRecorder()
		if err := Open("case.tar.gz", bytes.NewReader(nest(levels)), r, Options{}); err != nil {
			t.Fatal(err)
		}
		read := 0
		for p, text := range r.texts {
			if strings.HasSuffix(p, "!taskmanager.log") && text == logA {
				read++
			}
		}
		if levels == 8 && (read != 1 || len(r.skipped) != 0) {
			t.Errorf("8 levels: the log read %d times, skipped %v", read, r.skipped)
		}
		if levels == 9 {
			var formats []string
			for _, f := range r.skipped {
				formats = append(formats, f)
			}
			if read != 0 || len(formats) != 1 || formats[0] != "tar" {
				t.Errorf("9 levels: the log read %d times, skipped %v", read, r.skipped)
			}
		}
	}
}
