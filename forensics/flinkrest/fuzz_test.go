package flinkrest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzREST: any JSON (or not) never panics, and origins lie inside it.
func FuzzREST(f *testing.F) {
	files, _ := filepath.Glob(testdata + "*/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"archive":[{"path":"/jobs/overview","json":"{\"jobs\":[]}"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &collect{}
		r := NewReader(c)
		_ = r.Read("fuzz.json", bytes.NewReader(data)) // errors are fine; panics are not
		for _, j := range c.Jobs {
			if j.Offset < 0 || j.Offset > int64(len(data)) {
				t.Fatalf("job at offset %d outside the input", j.Offset)
			}
		}
	})
}
