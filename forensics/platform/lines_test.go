package platform

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
)

type collect struct {
	rows []Container
	raw  []RawLine
}

func (c *collect) Container(x *Container) { c.rows = append(c.rows, *x) }
func (c *collect) Raw(r *RawLine)         { c.raw = append(c.raw, *r) }

// Every line of cadvisor's kernel OOM test lines is read: the process,
// the pid, the memory, the cgroup and container.
func TestKernelOOMLines(t *testing.T) {
	data, err := os.ReadFile("../../testdata/container/cadvisor/kernel-oom-lines.txt")
	if err != nil {
		t.Fatal(err)
	}
	c := &collect{}
	l := NewLines(c, nil, 2025)
	if err := l.Parse("kernel-oom-lines.txt", input.NewLineReader(bufio.NewReader(bytes.NewReader(data)), 0)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(strings.TrimSpace(string(data)), "\n") + 1
	if len(c.raw) != 0 || len(c.rows) != lines {
		t.Fatalf("%d rows of %d lines, raw %v", len(c.rows), lines, c.raw)
	}
	type want struct {
		line    int64
		state   string
		pid     int64
		process string
		usage   int64
	}
	for _, w := range []want{
		{1, "oom-invoked", -1, "ruby", -1},
		{2, "killed", 19667, "evil-program2", (1414008 + 4) << 10},
		{3, "killed", 966, "manager", -1},
		{4, "killed", 1234, "%s", (1414008 + 4) << 10},
		{6, "killed", 13536, "memorymonster", -1},
		{9, "killed", 1532, "badsysprogram", -1},
		{12, "killed", 1381, "gunpowder-memho", -1},
		{13, "killed", 1381, "gunpowder-memho", (18624 + 2140) << 10},
	} {
		r := c.rows[w.line-1]
		if r.Line != w.line || r.State != w.state || r.PID != w.pid || r.Process != w.process || r.MemoryUsage != w.usage {
			t.Errorf("line %d: %+v; want %+v", w.line, r, w)
		}
	}
	cg := c.rows[2]
	if cg.Pod != "fbdfe8e3-1c87-4ff2-907c-b2ec8e25d012" || cg.Container != "ef807430361e6e82b45db92e2e9b6fbec98f419b12c591e655c1a725565e73a8" || cg.Message != "CONSTRAINT_MEMCG" {
		t.Errorf("cgroup v2 line: %+v", cg)
	}
	sys := c.rows[3]
	if sys.Host != "localhost" || !sys.HasTime || sys.ExitCode != 137 {
		t.Errorf("syslog line: %+v", sys)
	}
}

func TestYARNAndFlinkLines(t *testing.T) {
	l := NewLines(&collect{}, nil, 2025)
	for _, tc := range []struct {
		line, reason string
		exit         int64
		container    string
	}{
		{"Container [pid=25462,containerID=container_e05_1539768712372_0002_01_000002] is running beyond physical memory limits. Current usage: 4.1 GB of 4 GB physical memory used; 6.2 GB of 8.4 GB virtual memory used. Killing container.",
			"running beyond physical memory limits", 0, "container_e05_1539768712372_0002_01_000002"},
		// Hadoop 3's wording (itinycheng's blog, testdata/incidents).
		{"Container [pid=97191,containerID=container_e03_1559725928417_0577_01_001065] is running 168853504B beyond the 'PHYSICAL' memory limit. Current usage: 6.2 GB of 6 GB physical memory used; 9.8 GB of 60 GB virtual memory used. Killing container.",
			"running beyond physical memory limits", 0, "container_e03_1559725928417_0577_01_001065"},
		{"Container container_1539768712372_0002_01_000003 was killed: Container killed on request. Exit code is 143",
			"container exit", 143, "container_1539768712372_0002_01_000003"},
		{"Worker flink-taskmanager-1-1 is terminated. Diagnostics: Pod terminated, container termination statuses: [flink-main-container(exitCode=137, reason=OOMKilled, message=null)], pod status: Failed(reason=null, message=null)",
			"OOMKilled", 137, "flink-taskmanager-1-1"},
	} {
		c, ok := l.Line([]byte(tc.line))
		if !ok || c.Reason != tc.reason || c.ExitCode != tc.exit || c.Container != tc.container {
			t.Errorf("%q: %+v", tc.line, c)
		}
	}
}
