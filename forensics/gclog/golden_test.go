package gclog

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// goldenEvent is an Event as the golden files hold it (NaN as null).
type goldenEvent struct {
	Line        int64     `json:"line"`
	Offset      int64     `json:"offset"`
	Lines       int32     `json:"lines"`
	Time        *int64    `json:"ts,omitempty"`
	Derived     bool      `json:"derived,omitempty"`
	Uptime      *float64  `json:"uptime,omitempty"`
	GCID        *int64    `json:"gc_id,omitempty"`
	Collector   string    `json:"collector,omitempty"`
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	Cause       string    `json:"cause,omitempty"`
	Pause       *float64  `json:"pause,omitempty"`
	Concurrent  *float64  `json:"concurrent,omitempty"`
	Heap        *Sizes    `json:"heap,omitempty"`
	Young       *Sizes    `json:"young,omitempty"`
	Old         *Sizes    `json:"old,omitempty"`
	Meta        *Sizes    `json:"meta,omitempty"`
	CPU         []float64 `json:"cpu,omitempty"`
	SafepointOp string    `json:"safepoint_op,omitempty"`
	TTSP        *float64  `json:"ttsp,omitempty"`
	Flags       []string  `json:"flags,omitempty"`
}

func num(v float64) *float64 {
	if math.IsNaN(v) {
		return nil
	}
	return &v
}

func sz(s Sizes) *Sizes {
	if !s.Known() {
		return nil
	}
	return &s
}

func golden(e *Event) goldenEvent {
	g := goldenEvent{Line: e.Line, Offset: e.Offset, Lines: e.Lines, Derived: e.Derived, Uptime: num(e.Uptime),
		Collector: e.Collector, Kind: e.Kind.String(), Name: e.Name, Cause: e.Cause, Pause: num(e.Pause),
		Concurrent: num(e.Concurrent), Heap: sz(e.Heap), Young: sz(e.Young), Old: sz(e.Old), Meta: sz(e.Meta),
		SafepointOp: e.SafepointOp, TTSP: num(e.TTSP), Flags: e.Flags.Names()}
	if e.HasTime {
		g.Time = &e.Time
	}
	if e.GCID >= 0 {
		g.GCID = &e.GCID
	}
	if !math.IsNaN(e.User) {
		g.CPU = []float64{e.User, e.Sys, e.Real}
	}
	return g
}

// TestGolden compares the events of a few samples, one per dialect and
// collector family, with the reviewed output in testdata/gc/golden.
func TestGolden(t *testing.T) {
	for _, name := range []string{
		"SampleSun1_5_0AdaptiveSizePolicy.txt",
		"SampleSun1_6_0G1_Detailed-young.txt",
		"SampleSun1_7_0_51_CMS_PrintApplStoppedTime_TenuringDist.txt",
		"SampleSun1_7_0G1_DateStamp_Detailed-mixedLine2.txt",
		"unified-jvm-logging/sample-ujl-g1-gc-defaults.txt",
		"unified-jvm-logging/Sample-ujl-shenandoah-jdk17.txt",
		"unified-jvm-logging/sample-ujl-zgc-gc-other.txt",
		"unified-jvm-logging/sample-ujl-serial-gc-all,safepoint,os+cpu.txt",
	} {
		t.Run(path.Base(name), func(t *testing.T) {
			p := gcviewer(t, name)
			out := struct {
				Counts Counts        `json:"counts"`
				Events []goldenEvent `json:"events"`
				Raw    []string      `json:"raw"`
			}{Counts: p.counts, Events: []goldenEvent{}, Raw: []string{}}
			for i := range p.c.events {
				out.Events = append(out.Events, golden(&p.c.events[i]))
			}
			for _, r := range p.c.raw {
				out.Raw = append(out.Raw, string(r.Text))
			}
			got, err := json.MarshalIndent(out, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			file := testdata + "golden/" + path.Base(name) + ".json"
			if *update {
				os.MkdirAll(testdata+"golden", 0o755)
				if err := os.WriteFile(file, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Errorf("events differ from %s (go test -update to rewrite, then review the diff)", file)
			}
		})
	}
}
