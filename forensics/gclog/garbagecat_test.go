package gclog

import (
	"math"
	"testing"
)

// Stopped time and throughputs as garbagecat counts them, against the
// figures its own tests state (mgm3746/garbagecat, TestJvmRun.java:
// testApplicationStoppedTimeNoTimestamps, testStoppedTime,
// testSummaryStatsPartialLog, testSummaryStatsStoppedTime) for the
// datasets of testdata/gc/garbagecat.tar.gz. Durations in microseconds,
// the run in milliseconds, the throughputs in whole percent.
//
// The GC pause total of dataset41 and dataset98 (JDK 8 G1 with details)
// is not compared: garbagecat adds each pause's "[Other: … ms]" to the
// pause the log states (82616 µs against the log's 20963 + 41453), and
// flinkdx keeps the log's figure; their GC throughput is compared where
// that does not change it.
func TestGarbagecatFigures(t *testing.T) {
	arc := archive(t, "garbagecat.tar.gz")
	for _, c := range []struct {
		file                       string
		gcTotal, stopped           int64 // µs; gcTotal -1: not compared
		stoppedEvents              int64 // -1: not stated
		run                        int64 // ms
		gcThroughput, stoppedThrou float64
	}{
		{"dataset96.txt", 2097502, 1830511, -1, 31703, 93, 94},
		{"dataset103.txt", 2568199604, 2721420359, 151, 2827917, 9, 4},
		{"dataset98.txt", -1, 1064937, 6, 2920, -1, 64},
		{"dataset41.txt", -1, 1064937, 6, 3884, 98, 73},
	} {
		var data []byte
		for name, d := range arc {
			if len(name) >= len(c.file) && name[len(name)-len(c.file):] == c.file {
				data = d
			}
		}
		if data == nil {
			t.Fatalf("%s not in the archive", c.file)
		}
		st := parse(t, c.file, data).stats
		us := func(s float64) int64 { return int64(math.Round(s * 1e6)) }
		// Within 1 µs per event summed.
		if d := us(st.GCPause) - c.gcTotal; c.gcTotal >= 0 && (d < -st.GCPauses || d > st.GCPauses) {
			t.Errorf("%s: GC pauses %d µs; garbagecat %d", c.file, us(st.GCPause), c.gcTotal)
		}
		if d := us(st.StoppedTotal) - c.stopped; d < -st.StoppedEvents || d > st.StoppedEvents {
			t.Errorf("%s: stopped %d µs in %d events; garbagecat %d", c.file, us(st.StoppedTotal), st.StoppedEvents, c.stopped)
		}
		if c.stoppedEvents >= 0 && st.StoppedEvents != c.stoppedEvents {
			t.Errorf("%s: %d stopped-time events; garbagecat %d", c.file, st.StoppedEvents, c.stoppedEvents)
		}
		if int64(math.Round(st.RunDuration*1000)) != c.run {
			t.Errorf("%s: run %.3f s; garbagecat %d ms", c.file, st.RunDuration, c.run)
		}
		if c.gcThroughput >= 0 && st.GCThroughput != c.gcThroughput || st.StoppedThroughput != c.stoppedThrou {
			t.Errorf("%s: throughput GC %.0f %%, stopped %.0f %%; garbagecat %.0f %%, %.0f %%", c.file,
				st.GCThroughput, st.StoppedThroughput, c.gcThroughput, c.stoppedThrou)
		}
	}
}
