package input

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen: the archive walker never panics, names every stream after its
// input (member names are labels), and never hands on more text than the
// bomb limits allow.
func FuzzOpen(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/*/*")
	for _, p := range files {
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || st.Size() > 1<<20 {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add(gz(f, tarOf(f, "a.log", logA)))
	f.Add(zipOf(f, zip.Deflate, "a.log", logA, "b.log", logB))
	f.Add(zipOf(f, zip.Store, "a.log", logA))
	f.Add(zst(f, []byte(logA)))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newRecorder()
		opt := Options{MaxDepth: 4, MaxRatio: 100, slack: 1 << 20}
		Open("fuzz", bytes.NewReader(data), r, opt)
		total := 0
		for p, text := range r.texts {
			if len(p) < 4 || p[:4] != "fuzz" {
				t.Fatalf("stream path %q does not name its input", p)
			}
			total += len(text)
		}
		// What a layer produced past the limit is at most one read.
		if limit := 100*len(data) + 1<<20 + 4*opt.bufferSize(); total > limit {
			t.Fatalf("%d bytes of text from %d bytes of input; the limits allow %d", total, len(data), limit)
		}
	})
}
