package input

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzOpen: the archive walker never panics and never hands on more text
// than a bounded expansion of its input.
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
		Open("fuzz", bytes.NewReader(data), r, Options{MaxDepth: 4})
		for p := range r.texts {
			if len(p) < 4 || p[:4] != "fuzz" {
				t.Fatalf("stream path %q does not name its input", p)
			}
		}
	})
}
