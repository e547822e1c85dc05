// Package gclog parses HotSpot GC logs: the JDK 8 and earlier -XX:+PrintGC*
// dialect and JDK 9+ unified logging (-Xlog:gc*), for the Serial, Parallel,
// CMS, G1, Shenandoah and ZGC collectors, into one event per collection,
// concurrent phase or safepoint. Stats sums the events up per JVM.
package gclog

import "math"

// Kind says what an event is.
type Kind uint8

const (
	Young       Kind = iota // a young (minor) collection
	Mixed                   // a G1 mixed collection
	Full                    // a full collection
	InitialMark             // CMS initial mark
	Remark                  // CMS or G1 remark
	Cleanup                 // G1 cleanup
	Pause                   // another stop-the-world phase (ZGC, Shenandoah)
	Concurrent              // a concurrent phase; the application runs
	Safepoint               // a safepoint / VM operation
	Stall                   // a thread stalled for memory (ZGC allocation stall)
)

var kindNames = [...]string{"young", "mixed", "full", "initial-mark", "remark", "cleanup", "pause", "concurrent", "safepoint", "stall"}

func (k Kind) String() string { return kindNames[k] }

// StopTheWorld says the event stopped the application.
func (k Kind) StopTheWorld() bool { return k != Concurrent && k != Stall }

// Flag marks trouble an event reports.
type Flag uint16

const (
	PromotionFailed       Flag = 1 << iota // promotion failed (young objects did not fit the old generation)
	ConcurrentModeFailure                  // CMS concurrent mode failure / interrupted
	ToSpaceExhausted                       // G1 to-space exhausted / overflow, evacuation failure
	Humongous                              // caused by a humongous allocation
	AllocationStall                        // ZGC / Shenandoah allocation stall or failure
	SystemGC                               // explicit System.gc()
	InitialMarkCycle                       // the pause also started a concurrent cycle
	CycleEnd                               // the concurrent phase ends a cycle
	PhaseStart                             // the start of a concurrent phase (its end is another event)
)

var flagNames = [...]string{"promotion-failed", "concurrent-mode-failure", "to-space-exhausted",
	"humongous", "allocation-stall", "system-gc", "initial-mark", "cycle-end", "phase-start"}

// Names lists the flags set.
func (f Flag) Names() []string {
	var s []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			s = append(s, n)
		}
	}
	return s
}

// Sizes are the occupancy before and after a collection and the capacity
// after it, in bytes; -1 when not logged.
type Sizes struct{ Before, After, Capacity int64 }

var noSizes = Sizes{-1, -1, -1}

// Known says any of the sizes was logged.
func (s Sizes) Known() bool { return s.Before >= 0 || s.After >= 0 || s.Capacity >= 0 }

// Event is one GC event. Durations are in seconds; NaN when not logged.
type Event struct {
	// Origin: first line (1-based), its byte offset, and how many lines
	// the event spans.
	Line, Offset int64
	Lines        int32
	// Time is the wall clock in ms since the epoch, when HasTime; Derived
	// says it was computed from the uptime and the JVM's start.
	Time             int64
	HasTime, Derived bool
	// Uptime is the JVM uptime in seconds (NaN when not logged).
	Uptime          float64
	GCID            int64 // GC(n) / #n; -1 when not logged
	Unified         bool  // logged by JDK 9+ unified logging
	Collector       string
	Kind            Kind
	Name            string // the collector's own name for the event: "Pause Young", "CMS-concurrent-mark"
	Cause           string // "Allocation Failure", "System.gc()", "G1 Humongous Allocation"
	Pause           float64
	Concurrent      float64
	Heap            Sizes
	Young           Sizes
	Old             Sizes
	Meta            Sizes
	User, Sys, Real float64
	// SafepointOp names the VM operation of a safepoint; TTSP is the time
	// it took to reach the safepoint.
	SafepointOp string
	TTSP        float64
	Flags       Flag
	// oldCollected says a nested record collected the old generation.
	oldCollected bool
}

func (e *Event) reset() {
	*e = Event{Uptime: math.NaN(), GCID: -1, Pause: math.NaN(), Concurrent: math.NaN(),
		Heap: noSizes, Young: noSizes, Old: noSizes, Meta: noSizes,
		User: math.NaN(), Sys: math.NaN(), Real: math.NaN(), TTSP: math.NaN()}
}

// RawLine is a line no parser understood.
type RawLine struct {
	Line, Offset   int64
	Text           []byte
	Reason         string
	OriginalLength int64
}

// Sink receives what the parser finds.
type Sink interface {
	Event(e *Event)
	Raw(r *RawLine)
}
