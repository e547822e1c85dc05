package ingest

import (
	"testing"
	"testing/fstest"
	"time"
)

// GC logs go to the gc table with their origin; rotated files of a JVM are
// joined in order into one JVM's statistics; datestamps missing from a
// line are derived from the uptime once another line gave both clocks.
func TestIngestGCLogs(t *testing.T) {
	fsys := fstest.MapFS{
		"tm-1/gc.log.0": {Data: []byte(
			"2025-03-14T09:00:10.000+0000: 3.200: [GC (Allocation Failure) [PSYoungGen: 1228800K->102400K(1433600K)] 1409024K->383024K(4229120K), 0.0312345 secs] [Times: user=0.11 sys=0.01, real=0.03 secs] \n" +
				"2025-03-14T09:00:10.032+0000: 3.232: Total time for which application threads were stopped: 0.0315000 seconds, Stopping threads took: 0.0000200 seconds\n")},
		"tm-1/gc.log": {Data: []byte(
			"OpenJDK 64-Bit Server VM (25.402-b06) for linux-amd64 JRE (1.8.0_402-b06)\n" +
				"13.500: [Full GC (Ergonomics) [PSYoungGen: 102400K->0K(1433600K)] [ParOldGen: 2700000K->2600000K(2796544K)] 2802400K->2600000K(4230144K), [Metaspace: 98304K->98304K(1140736K)], 12.8431180 secs] [Times: user=48.80 sys=0.40, real=12.84 secs] \n" +
				"not a GC line\n")},
		"tm-1/taskmanager.log": {Data: []byte("2025-03-14 09:00:07,250 INFO  org.apache.flink.runtime.taskexecutor.TaskManagerRunner      [] - Starting TaskManager\n")},
	}
	m, out := runIngest(t, fsys, []string{"tm-1"}, Options{Version: "test"})
	if m.Tables["gc"].Rows != 3 || m.Tables["logs"].Rows != 1 || m.Totals.Unparsed != 1 {
		t.Fatalf("tables %+v totals %+v", m.Tables, m.Totals)
	}
	kinds := map[string]string{}
	for _, s := range m.Streams {
		kinds[s.Path] = s.Kind
		if s.Kind == "gc-log" && (s.JVM != "tm-1/gc.log" || s.Collector != "Parallel") {
			t.Errorf("stream %+v", s)
		}
	}
	if kinds["tm-1/gc.log"] != "gc-log" || kinds["tm-1/gc.log.0"] != "gc-log" || kinds["tm-1/taskmanager.log"] != "flink-log" {
		t.Errorf("kinds %v", kinds)
	}
	if len(m.GC) != 1 || m.GC[0].Events != 3 || m.GC[0].FullGCs != 1 {
		t.Fatalf("GC stats %+v", m.GC)
	}
	var full map[string]any
	for _, f := range m.Tables["gc"].Files {
		_, rows := readParquet(t, out.Files[f.Path])
		for i, r := range rows {
			if i == 0 && r["source"] != "tm-1/gc.log.0" {
				t.Errorf("first row from %v; the rotated file .0 is older", r["source"])
			}
			if r["kind"] == "full" {
				full = r
			}
		}
	}
	if full == nil {
		t.Fatal("no full GC row")
	}
	// 09:00:10.000 at uptime 3.2 s: the JVM started at 09:00:06.800, so
	// uptime 13.5 s is 09:00:20.300.
	want := map[string]any{
		"ts": time.Date(2025, 3, 14, 9, 0, 20, 300e6, time.UTC).UnixMilli(), "ts_derived": true, "uptime_s": 13.5,
		"source": "tm-1/gc.log", "line": int64(2), "jvm": "tm-1/gc.log", "collector": "Parallel",
		"name": "Full GC", "cause": "Ergonomics", "pause_ms": 12843.118,
		"heap_before": int64(2802400) << 10, "heap_after": int64(2600000) << 10, "old_after": int64(2600000) << 10,
		"meta_capacity": int64(1140736) << 10, "user_s": 48.8, "real_s": 12.84, "system_gc": false,
	}
	for k, v := range want {
		if got := full[k]; got != v {
			t.Errorf("%s = %#v; want %#v", k, got, v)
		}
	}
}
