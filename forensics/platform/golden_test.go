package platform

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The rows of every is-healthy pod and every kernel OOM line, pinned.
func TestPlatformGolden(t *testing.T) {
	out := map[string][]Container{}
	files, _ := filepath.Glob("../../testdata/container/is-healthy_pods/*.yaml")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		c := &collect{}
		if _, _, err := ReadPods(f, data, c); err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = c.rows
	}
	data, _ := os.ReadFile("../../testdata/container/cadvisor/kernel-oom-lines.txt")
	c := &collect{}
	if err := NewLines(c, nil, 2025).Parse("kernel", input.NewLineReader(bufio.NewReader(bytes.NewReader(data)), 0)); err != nil {
		t.Fatal(err)
	}
	out["kernel-oom-lines.txt"] = c.rows
	got, _ := json.MarshalIndent(out, "", " ")
	file := "../../testdata/golden/containers.json"
	if *update {
		os.WriteFile(file, append(got, '\n'), 0o644)
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Errorf("rows differ from %s (go test -update, then review the diff)", file)
	}
}
