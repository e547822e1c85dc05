package flinklog

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The layouts Flink has shipped and the ones operators use, each with the
// event the first line must become.
func TestLayouts(t *testing.T) {
	type want struct {
		ts, level, logger, thread, context, prefix, message string
		lines                                               int32
	}
	for _, tc := range []struct {
		name, in string
		want     []want
	}{
		{"log4j2 with []",
			"2024-03-01 10:00:00,123 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor           [] - Hello.\n",
			[]want{{ts: "2024-03-01T10:00:00.123Z", level: "INFO", logger: "org.apache.flink.runtime.taskexecutor.TaskExecutor", message: "Hello.", lines: 1}}},
		{"log4j1 without [] and irregular padding",
			"2019-05-17 15:43:08,068 WARN   org.apache.flink.runtime.checkpoint.CheckpointCoordinator     - Hi there\n",
			[]want{{ts: "2019-05-17T15:43:08.068Z", level: "WARN", logger: "org.apache.flink.runtime.checkpoint.CheckpointCoordinator", message: "Hi there", lines: 1}}},
		{"thread after the level, MDC filled",
			"2021-07-26 17:01:57,627 ERROR [Checkpoint Timer] org.apache.flink.X [job-7] - Boom\n",
			[]want{{ts: "2021-07-26T17:01:57.627Z", level: "ERROR", logger: "org.apache.flink.X", thread: "Checkpoint Timer", context: "job-7", message: "Boom", lines: 1}}},
		{"thread before the level, nested brackets",
			"2021-07-26 17:01:57.627 [Source: Kafka -> Map (1/4)#0] DEBUG o.a.f.s.r.t.StreamTask - x\n",
			[]want{{ts: "2021-07-26T17:01:57.627Z", level: "DEBUG", logger: "o.a.f.s.r.t.StreamTask", thread: "Source: Kafka -> Map (1/4)#0", message: "x", lines: 1}}},
		{"ISO 8601 with a zone and %c: layout",
			"2024-03-01T10:00:00.5+02:00 FATAL Foo: it broke\n",
			[]want{{ts: "2024-03-01T08:00:00.500Z", level: "FATAL", logger: "Foo", message: "it broke", lines: 1}}},
		{"WARNING and SEVERE normalised",
			"2024-03-01 10:00:00,000 WARNING a.B - w\n2024-03-01 10:00:01,000 SEVERE a.B - s\n",
			[]want{{ts: "2024-03-01T10:00:00.000Z", level: "WARN", logger: "a.B", message: "w", lines: 1},
				{ts: "2024-03-01T10:00:01.000Z", level: "ERROR", logger: "a.B", message: "s", lines: 1}}},
		{"docker compose logs, interleaved stack traces",
			"jobmanager-1   | 2024-03-01 10:00:00,000 ERROR a.JM [] - jm failed\n" +
				"taskmanager-1  | 2024-03-01 10:00:00,001 ERROR a.TM [] - tm failed\n" +
				"jobmanager-1   | java.lang.IllegalStateException: jm\n" +
				"taskmanager-1  | java.lang.OutOfMemoryError: Java heap space\n" +
				"jobmanager-1   | \tat a.JM.run(JM.java:1)\n",
			[]want{
				{ts: "2024-03-01T10:00:00.000Z", level: "ERROR", logger: "a.JM", prefix: "jobmanager-1", message: "jm failed", lines: 3},
				{ts: "2024-03-01T10:00:00.001Z", level: "ERROR", logger: "a.TM", prefix: "taskmanager-1", message: "tm failed", lines: 2},
			}},
		{"kubectl logs --prefix",
			"[pod/flink-taskmanager-0/flink-main-container] 2024-03-01 10:00:00,000 INFO  a.B [] - up\n" +
				"[pod/flink-taskmanager-0/flink-main-container] \tat x.Y(Y.java:1)\n",
			[]want{{ts: "2024-03-01T10:00:00.000Z", level: "INFO", logger: "a.B", prefix: "pod/flink-taskmanager-0/flink-main-container", message: "up", lines: 2}}},
		{"kubectl logs --timestamps",
			"2024-03-01T10:00:00.123456789Z 2024-03-01 10:00:00,120 INFO  a.B [] - up\n" +
				"2024-03-01T10:00:00.123456790Z \tat x.Y(Y.java:1)\n",
			[]want{{ts: "2024-03-01T10:00:00.120Z", level: "INFO", logger: "a.B", message: "up", lines: 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := parseBytes(t, "x.log", []byte(tc.in), time.UTC)
			if len(c.RawLines) != 0 || len(c.Events) != len(tc.want) {
				t.Fatalf("events %+v raw %+v", c.Events, c.RawLines)
			}
			for i, w := range tc.want {
				e := c.Events[i]
				got := want{e.Time, e.Level, e.Logger, e.Thread, e.Context, e.Prefix, e.Message, e.Lines}
				if got != w {
					t.Errorf("event %d:\n got  %+v\n want %+v", i, got, w)
				}
			}
			if strings.Contains(tc.name, "docker") {
				if e := c.Events[0]; !strings.Contains(e.Detail, "IllegalStateException") || strings.Contains(e.Detail, "OutOfMemoryError") {
					t.Errorf("stack traces were folded into the wrong container's event: %q", e.Detail)
				}
			}
		})
	}
}

// --tz applies to timestamps without a zone, daylight saving included.
func TestTimezone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	in := "2024-01-15 12:00:00,000 INFO a.B - winter\n2024-07-15 12:00:00,000 INFO a.B - summer\n"
	c := parseBytes(t, "x.log", []byte(in), berlin)
	if c.Events[0].Time != "2024-01-15T11:00:00.000Z" || c.Events[1].Time != "2024-07-15T10:00:00.000Z" {
		t.Errorf("got %s and %s", c.Events[0].Time, c.Events[1].Time)
	}
}

// A runaway multi-line event is split, every line kept; an overlong line is
// cut and flagged.
func TestLimits(t *testing.T) {
	var b strings.Builder
	b.WriteString("2024-01-01 00:00:00,000 INFO a.B - dump\n")
	for i := 0; i < 100; i++ {
		b.WriteString(strings.Repeat("x", 99) + "\n")
	}
	data := []byte(b.String())
	c := &collector{}
	p := NewParser(c, Options{MaxEvent: 1000})
	if err := p.Parse("x", lineReader(data, 64<<10)); err != nil {
		t.Fatal(err)
	}
	var lines int32
	for i, e := range c.Events {
		lines += e.Lines
		if e.Continued != (i > 0) || e.Message != "dump" || len(e.Detail) > 1100 {
			t.Errorf("event %d: continued %v, message %q, %d bytes", i, e.Continued, e.Message, len(e.Detail))
		}
	}
	if len(c.Events) < 10 || lines != 101 {
		t.Errorf("%d events holding %d lines; want the 101 lines split into about 10", len(c.Events), lines)
	}

	long := "2024-01-01 00:00:00,000 INFO a.B - " + strings.Repeat("y", 200<<10) + "\n"
	c = &collector{}
	p = NewParser(c, Options{})
	if err := p.Parse("x", lineReader([]byte(long), 100<<10)); err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != 1 || !c.Events[0].Truncated || len(c.Events[0].Message) >= 100<<10+100 ||
		!strings.HasSuffix(c.Events[0].Message, fmt.Sprintf(" [flinkdx: line cut at %d of %d bytes]", 100<<10, len(long)-1)) {
		t.Errorf("long line: %d events, truncated %v, ending %q", len(c.Events), len(c.Events) > 0 && c.Events[0].Truncated,
			c.Events[0].Message[max(0, len(c.Events[0].Message)-60):])
	}
}
