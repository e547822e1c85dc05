package gclog

import (
	"bufio"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// A rotated set written by two runs of a JVM (the uptime starts again
// while the clock goes on) is two JVMs; the files of one run read newest
// first are not.
func TestRestartedJVM(t *testing.T) {
	run := func(files ...string) []string {
		b := NewBuilder(table.Pool, table.NewRawBuilder(table.Pool))
		defer b.Release()
		p := NewParser(b, Options{})
		for i, f := range files {
			b.SetFile("gc.log."+string(rune('0'+i)), "gc.log")
			parseString(t, p, f)
		}
		var names []string
		for _, st := range b.Stats {
			names = append(names, st.JVM)
		}
		return names
	}
	first := "[2025-03-14T09:00:06.811+0000][0.011s][info][gc] Using G1\n" +
		"[2025-03-14T09:05:06.811+0000][300.011s][info][gc] GC(1) Pause Young (Normal) (G1 Evacuation Pause) 100M->50M(1024M) 12.345ms\n"
	second := "[2025-03-14T10:00:06.811+0000][0.015s][info][gc] Using G1\n" +
		"[2025-03-14T10:00:16.811+0000][10.015s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 100M->50M(1024M) 10.000ms\n"
	if got := run(first, second); strings.Join(got, ",") != "gc.log,gc.log (run 2)" {
		t.Errorf("two runs: %v", got)
	}
	// The same run, its later file read first: the clock goes back too.
	later := "[2025-03-14T09:06:06.811+0000][360.011s][info][gc] GC(2) Pause Young (Normal) (G1 Evacuation Pause) 100M->50M(1024M) 11.000ms\n"
	if got := run(later, first); strings.Join(got, ",") != "gc.log" {
		t.Errorf("one run read newest first: %v", got)
	}
}

func parseString(t *testing.T, p *Parser, s string) {
	t.Helper()
	if err := p.Parse("gc.log", input.NewLineReader(bufio.NewReader(strings.NewReader(s)), 0)); err != nil {
		t.Fatal(err)
	}
}
