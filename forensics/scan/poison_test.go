package scan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// No finding keeps a string into a batch's buffers: the batches are built
// in buffers that are filled with 0xA5 when they are given back, and the
// findings must be those of a run whose buffers are never reused. (The
// detectors see each batch once and must copy what they keep.)
func TestFindingsOutliveTheirBatches(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, dir := range []string{"../../testdata/flinklog", "../../testdata/metrics", "../../testdata/container",
		"../../testdata/slf4j", "../../testdata/flinkrest", "../../testdata/demo"} {
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".golden.json") {
				data, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				fsys[strings.TrimPrefix(p, "../../")] = &fstest.MapFile{Data: data}
			}
			return nil
		})
	}
	run := func(poison bool, jobs int) string {
		s := New(DefaultConfig())
		out := dataset.NewMemOutput()
		opt := ingest.Options{Version: "test", Jobs: jobs, UnitBytes: 1 << 16,
			Observe: func(name string, rec arrow.Record) { s.Observe(name, rec) }}
		if poison {
			opt.Allocator = &table.PoolAllocator{Poison: true}
		} else {
			opt.Allocator = goAllocator{}
		}
		in := ingest.New(dataset.New(out, parquetfile.Format{}, nil, 2), opt)
		in.Files(&input.Walker{FS: fsys}, []string{"testdata"})
		if _, err := in.Finish(out); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(s.Findings())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := run(false, 1)
	if !strings.Contains(want, "container.killed") || !strings.Contains(want, "job.restart") {
		t.Fatalf("the samples' findings miss what they show: %.300s", want)
	}
	for _, jobs := range []int{1, 3} {
		if got := run(true, jobs); got != want {
			i := 0
			for i < len(got) && i < len(want) && got[i] == want[i] {
				i++
			}
			t.Errorf("-j %d: findings differ from byte %d: %q; want %q", jobs, i, got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)])
		}
	}
}

// goAllocator never reuses memory.
type goAllocator struct{}

func (goAllocator) Allocate(n int) []byte { return make([]byte, n) }
func (goAllocator) Reallocate(n int, b []byte) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	nb := make([]byte, n)
	copy(nb, b)
	return nb
}
func (goAllocator) Free([]byte) {}
