package platform

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// FuzzPods: any YAML or JSON never panics.
func FuzzPods(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/container/is-healthy_pods/*.yaml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"kind":"PodList","items":[{"kind":"Pod","status":{"containerStatuses":[{"state":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = ReadPods("fuzz.yaml", data, &collect{})
	})
}

// FuzzLines: every line is a row, raw or blank; origins inside the input.
func FuzzLines(f *testing.F) {
	if b, err := os.ReadFile("../../testdata/container/cadvisor/kernel-oom-lines.txt"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("Container [pid=1,containerID=container_1_2_3_4] is running beyond physical memory limits. Current usage: 1 GB of 1 GB physical memory used; 2 GB of 4 GB virtual memory used.\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &collect{}
		l := NewLines(c, nil, 2025)
		if err := l.Parse("fuzz.log", input.NewLineReader(bufio.NewReader(bytes.NewReader(data)), 0)); err != nil {
			t.Fatal(err)
		}
		if l.Counts.Rows+l.Counts.Unparsed+l.Counts.Blank != l.Counts.Lines {
			t.Fatalf("counts %+v", l.Counts)
		}
		for _, r := range c.rows {
			if r.Line < 1 || r.Offset < 0 || r.Offset >= int64(len(data)) {
				t.Fatalf("row at line %d offset %d outside the input", r.Line, r.Offset)
			}
		}
	})
}
