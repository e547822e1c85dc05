package flinklog

import (
	"testing"
	"time"
)

// A PatternLayout compiled, on lines of real logs written with it.
func TestCompileLayout(t *testing.T) {
	for _, c := range []struct {
		pattern, line           string
		ts                      string // RFC 3339, or "" for a time of day
		level                   Level
		logger, thread, message string
	}{
		// Flink's log4j2 default (conf/log4j.properties).
		{"%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
			"2023-03-08 15:25:09,154 ERROR org.apache.flink.runtime.taskexecutor.TaskExecutor           [] - Task did not exit gracefully within 180 + seconds.",
			"2023-03-08T15:25:09.154Z", Error, "org.apache.flink.runtime.taskexecutor.TaskExecutor", "", "Task did not exit gracefully within 180 + seconds."},
		// Flink 0.10's console layout, time only (apache/flink PR #1400).
		{"%d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
			"16:03:22,877 ERROR org.apache.flink.runtime.jobmanager.JobManager                - RECEIVED SIGNAL 15: SIGTERM",
			"", Error, "org.apache.flink.runtime.jobmanager.JobManager", "", "RECEIVED SIGNAL 15: SIGTERM"},
		// logback's default.
		{"%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n",
			"23:02:57.795 [Thread-1] ERROR o.a.f.c.memory.MemorySegmentFactory - Cannot allocate direct memory segment",
			"", Error, "o.a.f.c.memory.MemorySegmentFactory", "Thread-1", "Cannot allocate direct memory segment"},
		// A thread with blanks, a logger and line after it.
		{"%d{yyyy-MM-dd HH:mm:ss} [%t] %-5p %c{1}:%L - %m%n",
			"2021-07-12 03:19:58 [Source: Custom Source -> Map (1/4)] WARN  ExecutionGraph:1452 - switched from RUNNING to FAILED",
			"2021-07-12T03:19:58Z", Warn, "ExecutionGraph", "Source: Custom Source -> Map (1/4)", "switched from RUNNING to FAILED"},
		// ISO 8601 with a zone.
		{"%d{ISO8601}{UTC} %p [%t] %c - %m%n",
			"2024-05-01T10:00:00,250 INFO [main] org.apache.flink.Foo - started",
			"2024-05-01T10:00:00.25Z", Info, "org.apache.flink.Foo", "main", "started"},
	} {
		l, err := CompileLayout(c.pattern)
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		var h header
		if !l.parse([]byte(c.line), &h) {
			t.Errorf("%s: does not read %q", c.pattern, c.line)
			continue
		}
		got := ""
		if !h.clock {
			got = time.UnixMilli(h.wall).UTC().Format(time.RFC3339Nano)
		}
		if got != c.ts || h.level != c.level || string(h.logger) != c.logger || string(h.thread) != c.thread || string(h.message) != c.message {
			t.Errorf("%s:\n got ts %q level %v logger %q thread %q message %q\nwant ts %q level %v logger %q thread %q message %q",
				c.pattern, got, h.level, h.logger, h.thread, h.message, c.ts, c.level, c.logger, c.thread, c.message)
		}
	}
	for _, bad := range []string{"%-5p %m%n", "%d{yyyy-MMM-dd} %m", "%d{yyyy %m"} {
		if _, err := CompileLayout(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

// With a layout, a stack trace still belongs to its event and a line the
// layout does not fit is read as without it.
func TestParseWithLayout(t *testing.T) {
	l, err := CompileLayout("%d{yyyy-MM-dd HH:mm:ss} %-5p %c{1}:%L - %m%n")
	if err != nil {
		t.Fatal(err)
	}
	log := "2021-07-12 03:19:58 WARN  ExecutionGraph:1452 - Job failed\n" +
		"java.lang.NullPointerException\n\tat com.example.Job.map(Job.java:10)\n" +
		"2021-07-12 03:19:59,000 INFO  org.apache.flink.runtime.Foo [] - a default line\n"
	c := &collector{}
	if err := NewParser(c, Options{Layout: l}).Parse("x.log", lineReader([]byte(log), 0)); err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != 2 || len(c.RawLines) != 0 || c.Events[0].Lines != 3 || c.Events[0].Exception != "java.lang.NullPointerException" ||
		c.Events[0].Logger != "ExecutionGraph" || c.Events[1].Logger != "org.apache.flink.runtime.Foo" {
		t.Errorf("events %+v, raw %d", c.Events, len(c.RawLines))
	}
}
