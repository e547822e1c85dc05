package flinklog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flinkdx/flinkdx/forensics/input"
)

var update = flag.Bool("update", false, "rewrite golden files")

const testdata = "../../testdata/flinklog"

// collected is an event as the golden files show it.
type collected struct {
	Time        string `json:"ts,omitempty"`
	Level       string `json:"level,omitempty"`
	Logger      string `json:"logger,omitempty"`
	Thread      string `json:"thread,omitempty"`
	Context     string `json:"context,omitempty"`
	Prefix      string `json:"prefix,omitempty"`
	Message     string `json:"message"`
	Detail      string `json:"detail,omitempty"`
	Line        int64  `json:"line"`
	Offset      int64  `json:"offset"`
	Lines       int32  `json:"lines"`
	OutOfOrder  bool   `json:"out_of_order,omitempty"`
	Truncated   bool   `json:"truncated,omitempty"`
	Continued   bool   `json:"continued,omitempty"`
	JobID       string `json:"job_id,omitempty"`
	JobName     string `json:"job_name,omitempty"`
	StateOf     string `json:"state_of,omitempty"`
	From        string `json:"from,omitempty"`
	To          string `json:"to,omitempty"`
	Task        string `json:"task,omitempty"`
	Subtask     *int32 `json:"subtask,omitempty"`
	Parallelism *int32 `json:"parallelism,omitempty"`
	Attempt     string `json:"attempt,omitempty"`
	TaskManager string `json:"taskmanager,omitempty"`
	Container   string `json:"container,omitempty"`
	Host        string `json:"host,omitempty"`
	Checkpoint  *int64 `json:"checkpoint,omitempty"`
	Exception   string `json:"exception,omitempty"`
	ExcMessage  string `json:"exception_message,omitempty"`
	RootCause   string `json:"root_cause,omitempty"`
	RootMessage string `json:"root_cause_message,omitempty"`
}

type collectedRaw struct {
	Line   int64  `json:"line"`
	Offset int64  `json:"offset"`
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

type collector struct {
	Role     Role           `json:"role"`
	Events   []collected    `json:"events"`
	RawLines []collectedRaw `json:"raw"`
}

func (c *collector) Event(e *Event) {
	x := collected{
		Level: e.Level.String(), Logger: string(e.Logger), Thread: string(e.Thread), Context: string(e.Context),
		Prefix: string(e.Prefix), Message: string(e.Message), Detail: string(e.Detail),
		Line: e.Line, Offset: e.Offset, Lines: e.Lines, OutOfOrder: e.OutOfOrder, Truncated: e.Truncated, Continued: e.Continued,
		JobID: string(e.JobID), JobName: string(e.JobName), StateOf: string(e.StateOf), From: string(e.From), To: string(e.To),
		Task: string(e.Task), Attempt: string(e.Attempt), TaskManager: string(e.TaskManager), Container: string(e.Container),
		Host: string(e.Host), Exception: string(e.Exception), ExcMessage: string(e.ExceptionMessage),
		RootCause: string(e.RootCause), RootMessage: string(e.RootCauseMessage),
	}
	if e.HasTime {
		x.Time = time.UnixMilli(e.Time).UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if e.Subtask >= 0 {
		s, p := e.Subtask, e.Parallelism
		x.Subtask, x.Parallelism = &s, &p
	}
	if e.Checkpoint >= 0 {
		c := e.Checkpoint
		x.Checkpoint = &c
	}
	c.Events = append(c.Events, x)
}

func (c *collector) Raw(r *RawLine) {
	c.RawLines = append(c.RawLines, collectedRaw{Line: r.Line, Offset: r.Offset, Text: string(r.Text), Reason: r.Reason})
}

func lineReader(data []byte, maxLine int) *input.LineReader {
	return input.NewLineReader(bufio.NewReader(bytes.NewReader(data)), maxLine)
}

func parseBytes(t testing.TB, name string, data []byte, loc *time.Location) *collector {
	t.Helper()
	role, _ := Classify(name, data)
	c := &collector{Role: role, Events: []collected{}, RawLines: []collectedRaw{}}
	p := NewParser(c, Options{Location: loc})
	if err := p.Parse(name, lineReader(data, 0)); err != nil {
		t.Fatal(err)
	}
	return c
}

// expectGolden compares got, as indented JSON, with a golden file
// (rewritten with -update).
func expectGolden(t *testing.T, golden string, got any) {
	t.Helper()
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *update {
		if err := os.WriteFile(golden, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, data) {
		t.Errorf("%s differs from the parse (run go test -update and review the diff):\n%s", golden, firstDiff(string(want), string(data)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + itoa(i+1) + ":\n want: " + al[i] + "\n got:  " + bl[i]
		}
	}
	return "lengths differ"
}

func itoa(i int) string { return string(appendInt(nil, int64(i))) }

func appendInt(b []byte, n int64) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// Every excerpt parses to its golden file, and every line is accounted for:
// folded into an event, or kept as raw.
func TestExcerptsGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testdata, "excerpts", "*.log"))
	if len(files) != 7 {
		t.Fatalf("found %d excerpts; want 7", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			c := parseBytes(t, filepath.Base(f), data, time.UTC)
			lines := countLines(data)
			var got int64
			for _, e := range c.Events {
				got += int64(e.Lines)
			}
			got += int64(len(c.RawLines))
			if got != lines {
				t.Errorf("events and raw hold %d lines; the file has %d", got, lines)
			}
			expectGolden(t, strings.TrimSuffix(f, ".log")+".golden.json", c)
		})
	}
}

// What the excerpts must show, independent of the golden files.
func TestExcerptsFacts(t *testing.T) {
	load := func(name string) *collector {
		data, err := os.ReadFile(filepath.Join(testdata, "excerpts", name))
		if err != nil {
			t.Fatal(err)
		}
		return parseBytes(t, name, data, time.UTC)
	}
	c := load("DTStack_chunjun_issue1750_failing_to_failed_recovery_suppressed.log")
	if len(c.Events) != 2 || c.Events[0].Time != "" || c.Events[0].Lines != 3 {
		t.Fatalf("want a headless 3-line event then the transition, got %+v", c.Events)
	}
	e := c.Events[1]
	if e.StateOf != "job" || e.From != "FAILING" || e.To != "FAILED" || e.JobID != "075a25a83a5ce14f82280f00b96508df" ||
		e.JobName != "Flink_Job" || e.Exception != "org.apache.flink.runtime.JobException" ||
		e.ExcMessage != "Recovery is suppressed by NoRestartBackoffTimeStrategy" || e.Lines != 6 {
		t.Errorf("transition event: %+v", e)
	}

	c = load("delta-io_connectors_issue362_running_to_restarting.log")
	if len(c.Events) != 2 {
		t.Fatalf("events: %+v", c.Events)
	}
	if e := c.Events[0]; e.StateOf != "task" || e.Task != "OperationRouterTag" || *e.Subtask != 1 || *e.Parallelism != 2 ||
		e.Attempt != "1e235bcbf07d0b28c6b80b3a1d707ab9" || e.From != "RUNNING" || e.To != "CANCELING" {
		t.Errorf("task transition: %+v", e)
	}
	if e := c.Events[1]; !e.OutOfOrder || e.To != "RESTARTING" || e.Lines != 9 {
		t.Errorf("the second event is earlier, is folded with the unindented frames and must be flagged: %+v", e)
	}

	c = load("apache_flink-cdc_issue273_checkpoint_expired_threshold.log")
	if e := c.Events[1]; e.Thread != "74" || *e.Checkpoint != 17 || e.JobID != "9ee5f488e87f39d44f7cd9e6da6ff1cd" {
		t.Errorf("thread column and checkpoint: %+v", e)
	}
	if e := c.Events[2]; e.Exception != "org.apache.flink.util.FlinkRuntimeException" {
		t.Errorf("exception: %+v", e)
	}

	c = load("j3-signalroom_kickstarter_issue796_heartbeat_timeout.log")
	if len(c.Events) != 1 || c.Events[0].Exception != "java.util.concurrent.TimeoutException" ||
		c.Events[0].TaskManager != "172.18.0.3:33783-3e38f6" || c.Events[0].Host != "172.18.0.3" || c.Events[0].Lines != 13 {
		t.Errorf("headless heartbeat timeout: %+v", c.Events)
	}

	c = load("apache_iceberg_issue3695_yarn_beyond_physical_memory.log")
	if e := c.Events[0]; e.Container != "container_e10_1634010428940_125776_01_000003" || e.Lines != 4 ||
		e.TaskManager != "container_e10_1634010428940_125776_01_000003" {
		t.Errorf("worker termination with the process-tree dump folded: %+v", e)
	}

	c = load("apache_hudi_issue9339_yarn_exit143_vmem.log")
	if len(c.Events) != 0 || len(c.RawLines) != 10 {
		t.Errorf("a file with no Flink header keeps every line raw: %d events, %d raw", len(c.Events), len(c.RawLines))
	}
}

// The ops-agent golden: every line parses to the level, logger, timestamp
// and message its expected outputs state; the OTel output read the log in
// America/Los_Angeles, the Fluent Bit output in UTC.
func TestOpsAgent(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testdata, "opsagent", "input.log"))
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		expected string
		loc      *time.Location
	}{{"output_otel.yaml", la}, {"output_fluentbit.yaml", time.UTC}} {
		t.Run(tc.expected, func(t *testing.T) {
			want := readOpsAgentExpected(t, filepath.Join(testdata, "opsagent", tc.expected))
			got := parseBytes(t, "input.log", data, tc.loc)
			if len(got.RawLines) != 0 {
				t.Errorf("unparsed lines: %+v", got.RawLines)
			}
			if len(want) == 0 || len(want) > len(got.Events) {
				t.Fatalf("expected %d entries, parsed %d events", len(want), len(got.Events))
			}
			for i, w := range want {
				g := got.Events[i]
				msg := strings.TrimPrefix(strings.TrimLeft(w.message, " "), "[] - ")
				ts, err := time.Parse(time.RFC3339Nano, w.timestamp)
				if err != nil {
					t.Fatal(err)
				}
				if g.Level != w.level || g.Logger != w.source || g.Message != msg ||
					g.Time != ts.UTC().Format("2006-01-02T15:04:05.000Z") {
					t.Errorf("entry %d: got %s %s %s %q; want %s %s %s %q", i, g.Time, g.Level, g.Logger, g.Message,
						ts.UTC().Format("2006-01-02T15:04:05.000Z"), w.level, w.source, msg)
				}
			}
		})
	}
}

type opsAgentEntry struct{ level, message, source, timestamp string }

// readOpsAgentExpected reads the entries of an expected-output YAML: each
// has jsonPayload level, message and source, then a timestamp.
func readOpsAgentExpected(t *testing.T, path string) []opsAgentEntry {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []opsAgentEntry
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ": ")
		if !ok {
			continue
		}
		if strings.HasPrefix(v, `"`) {
			v = strings.Trim(v, `"`)
		}
		switch k {
		case "level":
			out = append(out, opsAgentEntry{level: v})
		case "message":
			out[len(out)-1].message = v
		case "source":
			out[len(out)-1].source = v
		case "timestamp":
			if len(out) > 0 && out[len(out)-1].timestamp == "" {
				out[len(out)-1].timestamp = v
			}
		}
	}
	return out
}

// countLines counts lines as the line reader does: a last line without a
// line end counts, unless it is only NUL bytes (a hole the reader passes
// over).
func countLines(data []byte) int64 {
	n := int64(bytes.Count(data, []byte("\n")))
	last := data[bytes.LastIndexByte(data, '\n')+1:]
	if len(bytes.Trim(last, "\x00")) > 0 {
		n++
	}
	return n
}

// corpusLogs returns the content of every .log file under testdata.
func corpusLogs(t testing.TB) [][]byte {
	files, _ := filepath.Glob(filepath.Join(testdata, "*", "*.log"))
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// A header whose date does not exist (2025-02-29) is kept as a raw line
// that says why, neither moved to March 1st nor swallowed by the event
// before it.
func TestImpossibleDate(t *testing.T) {
	c := parseBytes(t, "taskmanager.log", []byte("2025-02-28 10:00:00,000 INFO  org.apache.flink.X [] - ok\n"+
		"2025-02-29 10:00:01,000 INFO  org.apache.flink.X [] - impossible\n"+
		"2025-04-31 10:00:01,000 INFO  org.apache.flink.X [] - impossible too\n"+
		"2024-02-29 10:00:02,000 INFO  org.apache.flink.X [] - a leap day\n"), time.UTC)
	if len(c.Events) != 2 || c.Events[1].Message != "a leap day" || strings.Contains(c.Events[0].Detail, "impossible") {
		t.Errorf("events %+v", c.Events)
	}
	if len(c.RawLines) != 2 || c.RawLines[0].Reason != "impossible date 2025-02-29" || c.RawLines[1].Line != 3 {
		t.Errorf("raw %+v", c.RawLines)
	}
}
