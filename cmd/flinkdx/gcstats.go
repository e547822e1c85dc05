package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/input"
)

func runGCStats(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gcstats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the statistics as JSON")
	tz := fs.String("tz", "UTC", "time zone of GC log datestamps that carry none")
	window := fs.Duration("window", time.Minute, "sliding window of the GC overhead figures")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: flinkdx gcstats PATH... [flags]\n\nReads the GC logs among PATHs (files, trees, archives; rotated files of one JVM\nare joined) and prints per-JVM pause and throughput statistics.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	paths, code, done := parseCommand(fs, args, func(p []string) bool { return len(p) > 0 && *window > 0 })
	if done {
		return code
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx gcstats: cannot use --tz %q: %v\n", *tz, err)
		return exitUsage
	}
	fsys, paths, err := inputFS(paths)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx gc: %v\n", err)
		return exitUsage
	}
	g := engine.ReadGC(&input.Walker{FS: fsys}, paths, loc, *window)
	for _, e := range g.Errors {
		fmt.Fprintf(stderr, "flinkdx gcstats: %s\n", e)
	}
	if len(g.JVMs) == 0 {
		fmt.Fprintf(stderr, "flinkdx gcstats: no GC log among the inputs\n")
		return exitFailed
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(g.JVMs); err != nil {
			fmt.Fprintf(stderr, "flinkdx gcstats: %v\n", err)
			return exitFailed
		}
	} else {
		for _, st := range g.JVMs {
			printGCStats(stdout, st)
		}
		fmt.Fprintf(stdout, "%d GC log lines, %d not understood; %d other text streams ignored\n", g.Lines, g.Unparsed, len(g.Others))
	}
	if len(g.Errors) > 0 {
		return exitPartial
	}
	return exitOK
}

func ms(s float64) string { return fmt.Sprintf("%.1f ms", s*1e3) }

func printGCStats(w io.Writer, st *engine.GCStats) {
	coll := st.Collector
	if coll == "" {
		coll = "collector unknown"
	}
	fmt.Fprintf(w, "%s (%s, %s)", st.JVM, coll, st.Dialect)
	if st.First != 0 {
		fmt.Fprintf(w, "  %s .. %s", time.UnixMilli(st.First).UTC().Format(time.RFC3339), time.UnixMilli(st.Last).UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "\n")
	var kinds []string
	for k, n := range st.ByKind {
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "  events     %d: %s\n", st.Events, strings.Join(kinds, ", "))
	fmt.Fprintf(w, "  pauses     %d: total %.3f s (GC %.3f s, of which full %.3f s; safepoints beyond GC %.3f s)\n",
		st.Pauses, st.TotalPause, st.GCPause, st.FullGCPause, st.SafepointPause)
	fmt.Fprintf(w, "             max %s, p50 %s, p95 %s, p99 %s\n", ms(st.MaxPause), ms(st.Percentiles.P50), ms(st.Percentiles.P95), ms(st.Percentiles.P99))
	fmt.Fprintf(w, "  throughput %.2f %% of %.1f s running; worst %.0f s window %.1f %% paused (ending at uptime %.1f s); windows over 10 %%: %d\n",
		st.Throughput, st.RunningTime, st.Window, st.MaxOverhead, st.MaxOverheadAt, st.WindowsOver10Pct)
	if st.RunDuration > 0 || st.StoppedEvents > 0 {
		fmt.Fprintf(w, "  garbagecat run %.3f s: GC throughput %.0f %%; stopped %.6f s in %d events, stopped throughput %.0f %%\n",
			st.RunDuration, st.GCThroughput, st.StoppedTotal, st.StoppedEvents, st.StoppedThroughput)
	}
	fmt.Fprintf(w, "  heap       max capacity %s, max used %s", mib(st.MaxHeap), mib(st.MaxHeapUsed))
	if st.TrendSpan >= 600 {
		if st.HeapAfterFullGCs > 1 {
			fmt.Fprintf(w, "; after %d full GCs trend %+.1f MiB/h", st.HeapAfterFullGCs, st.FullGCSlope/(1<<20))
		}
		fmt.Fprintf(w, "; after young GCs trend %+.1f MiB/h", st.AfterGCSlope/(1<<20))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  trouble    promotion failed %d, concurrent mode failure %d, to-space exhausted %d, humongous %d,\n"+
		"             allocation stalls %d, System.gc() %d, time to safepoint >= %.0f ms %d (max %s)\n",
		st.PromotionFail, st.ConcurrentFail, st.ToSpace, st.Humongous, st.Stalls, st.SystemGC,
		engine.LongTTSP*1e3, st.LongTTSP, ms(st.MaxTTSP))
}
