package gclog

import (
	"bytes"
	"strings"
	"testing"
)

// Fuzz targets, one per dialect, seeded from the corpus. Invariants: no
// panic, every line is accounted for (in an event, known noise or raw),
// and every origin lies inside the input.

func seed(f *testing.F, unified bool) {
	n := 0
	for _, arc := range []string{"gcviewer-openjdk.tar.gz", "garbagecat.tar.gz"} {
		for name, data := range archive(f, arc) {
			if len(data) > 16<<10 || strings.HasSuffix(name, ".txt") == false {
				continue
			}
			if isUnified := bytes.HasPrefix(data, []byte("[")); isUnified != unified {
				continue
			}
			f.Add(data)
			n++
		}
	}
	if n == 0 {
		f.Fatal("no seeds")
	}
}

func checkInvariants(t *testing.T, data []byte) {
	p := parse(t, "fuzz", data)
	c := p.counts
	if got := c.EventLines + c.Noise + c.Unparsed; got != c.Lines {
		t.Fatalf("%d lines read, %d accounted for (%+v)", c.Lines, got, c)
	}
	for _, e := range p.c.events {
		if e.Line < 1 || e.Line > c.Lines || e.Offset < 0 || e.Offset >= int64(len(data)) {
			t.Fatalf("event %q at line %d offset %d outside the input (%d lines, %d bytes)", e.Name, e.Line, e.Offset, c.Lines, len(data))
		}
		if e.Kind > Stall {
			t.Fatalf("bad kind %d", e.Kind)
		}
	}
	for _, r := range p.c.raw {
		if r.Line < 1 || r.Line > c.Lines || r.Offset < 0 || r.Offset > int64(len(data)) {
			t.Fatalf("raw line %d offset %d outside the input", r.Line, r.Offset)
		}
	}
	p.stats.Finish() // must not panic on any input
}

func FuzzLegacy(f *testing.F) {
	seed(f, false)
	f.Fuzz(checkInvariants)
}

func FuzzUnified(f *testing.F) {
	seed(f, true)
	f.Fuzz(checkInvariants)
}
