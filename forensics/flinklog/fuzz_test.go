package flinklog

import (
	"testing"
	"time"
)

// FuzzParse: the parser never panics, every line of the input is accounted
// for (folded into an event or kept raw), and every origin lies inside the
// input.
func FuzzParse(f *testing.F) {
	for _, b := range corpusLogs(f) {
		f.Add(b)
	}
	f.Add([]byte("2024-01-01 00:00:00,000 INFO  x - a\n\tat y(Z.java:1)\n"))
	f.Add([]byte("tm-1  | 2024-01-01T00:00:00.000Z ERROR [t] x [ctx] - a\r\ntm-1  | \tat b\n[pod/a/b] 2024-01-01 00:00:00 WARN x - c"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := parseBytes(t, "fuzz.log", data, time.UTC)
		lines := countLines(data)
		var got int64
		for _, e := range c.Events {
			got += int64(e.Lines)
			if e.Offset < 0 || e.Offset >= int64(len(data)) || e.Line < 1 || e.Line > lines {
				t.Fatalf("event origin line %d offset %d outside the input (%d bytes)", e.Line, e.Offset, len(data))
			}
		}
		for _, r := range c.RawLines {
			if r.Offset < 0 || r.Offset > int64(len(data)) || r.Line < 1 || r.Line > lines {
				t.Fatalf("raw origin line %d offset %d outside the input", r.Line, r.Offset)
			}
		}
		got += int64(len(c.RawLines))
		if got != lines {
			t.Fatalf("%d lines accounted for; the input has %d", got, lines)
		}
	})
}

// FuzzLayout: any pattern compiles or is refused, and a compiled one reads
// any line without panicking.
func FuzzLayout(f *testing.F) {
	f.Add("%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n", "2023-03-08 15:25:09,154 ERROR org.a.B [] - x")
	f.Add("%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n", "23:02:57.795 [Thread-1] ERROR o.a.B - y")
	f.Add("%r [%t] %p %c %x - %m%n", "28659 [main] INFO a.B - z")
	f.Add("%d{ISO8601}{UTC} %p %c{1}:%L - %m", "2024-05-01T10:00:00,250Z INFO Foo:12 - w")
	f.Fuzz(func(t *testing.T, pattern, line string) {
		l, err := CompileLayout(pattern)
		if err != nil {
			return
		}
		var h header
		l.parse([]byte(line), &h)
	})
}
