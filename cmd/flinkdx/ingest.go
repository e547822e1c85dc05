package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/flinkdx/flinkdx/forensics/report"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// parseInterspersed parses flags that may come before, between or after
// parseCommand parses a command's flags, wherever they stand among its
// arguments. done says the command ends there, with code: it printed its
// help (--help), or its arguments are wrong (ok says whether the paths
// left are what it takes; if not, it prints its usage).
func parseCommand(fs *flag.FlagSet, args []string, ok func(paths []string) bool) (paths []string, code int, done bool) {
	paths, err := parseInterspersed(fs, args)
	switch {
	case err == flag.ErrHelp:
		return nil, exitOK, true
	case err != nil:
		return nil, exitUsage, true
	case !ok(paths):
		fs.Usage()
		return nil, exitUsage, true
	}
	return paths, 0, false
}

// one says a command was given exactly one path.
func one(paths []string) bool { return len(paths) == 1 }

// the positional arguments ("ingest a.log -o out b.log").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runIngest(args []string, stdout, stderr io.Writer, analyze bool) int {
	name := "ingest"
	if analyze {
		name = "analyze"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	oHelp := "dataset directory, or s3://BUCKET/PREFIX (gs://, azblob://), to write (required)"
	if analyze {
		oHelp = "dataset directory to write (without it nothing is written: the report only, faster and in less memory)"
	}
	out := fs.String("o", "", oHelp)
	tz := fs.String("tz", "UTC", "time zone of log timestamps that carry none (IANA name, e.g. Europe/Berlin)")
	dateFlag := fs.String("date", "", "the day (2025-03-14) of logs whose lines carry only a time of day and whose file names give no date")
	layoutFlag := fs.String("layout", "", "the log4j/logback PatternLayout the Flink logs were written with, when flinkdx does not read them (e.g. '%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n')")
	jobs := fs.Int("j", 0, "files read at once (default: number of CPUs)")
	shardFlag := fs.String("shard", "", "read only shard `I/N` of the inputs (0 <= I < N), for N machines writing one dataset; \"flinkdx merge\" joins them. k8s: I is a Kubernetes Indexed Job's JOB_COMPLETION_INDEX and N its JOB_COMPLETIONS (k8s/N gives N)")
	fresh := fs.Bool("fresh", false, "replace what DIR holds instead of adding to it")
	noRedact := fs.Bool("no-redact", false, "keep secrets (passwords, access keys, tokens, credentials in URLs and headers) as they are; by default they are masked before anything is written or printed, and the manifest says which")
	maxRatio := fs.Int("max-ratio", 1000, "stop reading an input whose decompressed bytes pass this many times its size (64 MiB free): decompression bombs")
	maxSize := fs.String("max-size", "1TiB", "stop reading an input whose decompressed bytes pass this")
	compression := fs.String("compression", "zstd", "compression of the Parquet pages: "+strings.Join(parquetfile.Codecs, ", ")+" (zstd: the smallest files for about 15 % more CPU than none; docs/performance.md)")
	memLimit := fs.String("memory-limit", "auto", "soft limit of the Go heap (e.g. 512MiB; auto: 128 MiB + 128 MiB per file read at once; off: none): memory stays flat however large the input")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	stats := fs.Bool("stats", false, "print throughput and peak memory (for benchmarks)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to this file (for performance reports)")
	memprofile := fs.String("memprofile", "", "write a heap profile, taken before the dataset is closed, to this file")
	var sf *scanFlags
	if analyze {
		sf = addScanFlags(fs)
	}
	fs.Usage = func() {
		what := "Reads Flink logs, plain or compressed, single files, directory trees or archives,\nand writes a Parquet dataset (one folder per table, and manifest.json)."
		what += "\n\nA PATH or DIR may be in object storage: s3://BUCKET/PREFIX, with ?endpoint=URL for\nan S3-compatible store (versitygw, SeaweedFS, Ceph, R2) and ?region=; gs://BUCKET/PREFIX\n(Cloud Storage's XML API, HMAC keys); azblob://CONTAINER/PREFIX. Credentials come from\nthe environment, never the URL: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE\nor an instance role; AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with\nAZURE_STORAGE_KEY or an identity (AZURE_CLIENT_ID …, managed, az login)."
		usage := "PATH... -o DIR"
		if analyze {
			what = "Ingests like \"flinkdx ingest\", then prints what the inputs show. Without -o it\nwrites nothing and only reports."
			usage = "PATH... [-o DIR]"
		}
		fmt.Fprintf(stderr, "Usage: flinkdx %s %s [flags]\n\n%s\n\nFlags:\n", name, usage, what)
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExit status: 0 complete, 1 failed, 2 usage error, 3 partial (some input unreadable).\n")
	}
	paths, code, done := parseCommand(fs, args, func(p []string) bool { return len(p) > 0 && (*out != "" || analyze) })
	if done {
		return code
	}
	// analyze with no -o keeps no dataset: nothing to write or hash.
	keep := *out != ""
	if sf != nil {
		if err := sf.settle(fs); err != nil {
			fmt.Fprintf(stderr, "flinkdx %s: %v\n", name, err)
			return exitUsage
		}
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx %s: cannot use --tz %q: %v\n", name, *tz, err)
		return exitUsage
	}
	var layout *engine.Layout
	if *layoutFlag != "" {
		if layout, err = engine.CompileLayout(*layoutFlag); err != nil {
			fmt.Fprintf(stderr, "flinkdx %s: --layout: %v\n", name, err)
			return exitUsage
		}
	}
	var day time.Time
	if *dateFlag != "" {
		if day, err = time.Parse(time.DateOnly, *dateFlag); err != nil {
			fmt.Fprintf(stderr, "flinkdx %s: --date %q: want YYYY-MM-DD\n", name, *dateFlag)
			return exitUsage
		}
	}
	if err := setMemoryLimit(*memLimit, lanes(paths, *jobs)); err != nil {
		fmt.Fprintf(stderr, "flinkdx %s: --memory-limit: %v\n", name, err)
		return exitUsage
	}
	if err := parquetfile.CheckCodec(*compression); err != nil {
		fmt.Fprintf(stderr, "flinkdx %s: --compression: %v\n", name, err)
		return exitUsage
	}
	if *maxRatio < 1 {
		fmt.Fprintf(stderr, "flinkdx %s: --max-ratio %d: want a ratio of at least 1\n", name, *maxRatio)
		return exitUsage
	}
	limits := input.Options{MaxRatio: *maxRatio, NoHash: !keep}
	if limits.MaxBytes, err = parseBytes(*maxSize); err != nil || limits.MaxBytes <= 0 {
		if err == nil {
			err = fmt.Errorf("%q: want a size above 0", *maxSize)
		}
		fmt.Fprintf(stderr, "flinkdx %s: --max-size: %v\n", name, err)
		return exitUsage
	}
	var shard engine.Shard
	if *shardFlag != "" {
		if shard, err = parseShard(*shardFlag, os.Getenv); err != nil {
			fmt.Fprintf(stderr, "flinkdx %s: --shard: %v\n", name, err)
			return exitUsage
		}
		if analyze {
			fmt.Fprintf(stderr, "flinkdx %s: --shard is for ingest; scan the merged dataset\n", name)
			return exitUsage
		}
	}
	var st store
	if keep {
		if st, err = openStore(*out); err != nil {
			fmt.Fprintf(stderr, "flinkdx %s: -o: %v\n", name, err)
			return exitUsage
		}
		id := ""
		if shard.N > 1 {
			id = fmt.Sprintf("%d-of-%d", shard.I, shard.N)
		}
		unlock, err := st.Lock(id)
		if err != nil {
			fmt.Fprintf(stderr, "flinkdx %s: %v\n", name, err)
			return exitFailed
		}
		defer unlock()
	}
	// A dataset already in DIR is added to: inputs it holds are not read
	// again. "analyze" reports on its inputs alone, so it starts afresh.
	var prev *engine.Manifest
	if !*fresh && !analyze && keep {
		manifest := "manifest.json"
		if shard.N > 1 {
			manifest = engine.ShardManifest(shard)
		}
		prev, err = readManifestFile(st, manifest)
		if err != nil {
			fmt.Fprintf(stderr, "flinkdx %s: %v\n", name, err)
			return exitFailed
		}
		if prev != nil {
			if err := prev.Compatible(engine.SchemaVersion, loc.String(), engine.Redaction(*noRedact)); err != nil {
				fmt.Fprintf(stderr, "flinkdx %s: %s: %v; ingest into a new directory, or give --fresh to replace it\n", name, *out, err)
				return exitUsage
			}
			// The findings of a scan do not cover what is added.
			delete(prev.Tables, schema.Findings)
		}
	}

	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "flinkdx %s: %v\n", name, err)
			return exitUsage
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "flinkdx %s: %v\n", name, err)
			return exitFailed
		}
		defer pprof.StopCPUProfile()
	}

	start := time.Now()
	opt := engine.Options{Version: version, Location: loc, Layout: layout, Date: day, Detect: analyze, Beside: 8,
		Jobs: *jobs, Shard: shard, Previous: prev, NoRedact: *noRedact, Input: limits}
	if sf != nil {
		opt.Scan = sf.cfg
	}
	if keep {
		opt.Format, opt.Output = parquetfile.Format{Codec: *compression}, st
		if shard.N <= 1 {
			opt.Written = func(ds *dataset.Dataset, m *engine.Manifest) error { return prune(st, ds, m) }
		}
	}
	if *memprofile != "" {
		opt.Finishing = func() { writeHeapProfile(*memprofile, stderr) }
	}
	fsys, paths, err := inputFS(paths)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx %s: %v\n", name, err)
		return exitUsage
	}
	w := &input.Walker{FS: fsys, Options: limits}
	stop := func() {}
	if !*quiet && isTerminal(stderr) {
		stop = progress(stderr, w, start)
	}
	res, err := engine.Run(engine.Paths(w, paths), opt)
	stop()
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx %s: %v\n", name, err)
		return exitFailed
	}
	m := res.Manifest
	for _, e := range m.Errors {
		fmt.Fprintf(stderr, "flinkdx %s: %s\n", name, e.Error)
	}
	status := exitOK
	// What happened first (analyze): the verdicts, the timeline, the
	// findings; what was read last. JSON is one document on stdout.
	inventory := func(w io.Writer) { printSummary(w, m, res.ThisRun, where(st), time.Since(start), analyze) }
	switch {
	case !analyze:
		if !*quiet {
			inventory(stdout)
		}
	case *quiet:
	case sf.format == "json":
		status = sf.report(stdout, res, report.Document{Timeline: res.Notable, Summary: summaryOf(m, res.ThisRun)}, nil)
		inventory(stderr)
	default:
		status = sf.report(stdout, res, report.Document{}, func() { printTimeline(stdout, res.Notable) })
		fmt.Fprintln(stdout)
		inventory(stdout)
	}
	if analyze && *quiet {
		sf.format = "none"
		status = sf.report(stdout, res, report.Document{}, nil)
	}
	if *stats {
		secs := time.Since(start).Seconds()
		fmt.Fprintf(stdout, "stats: %d input bytes, %d text bytes in %.3fs: %.1f MB/s of text, peak RSS %s\n",
			res.ThisRun.Bytes, res.ThisRun.Text, secs, float64(res.ThisRun.Text)/1e6/secs, mib(peakRSS()))
	}
	switch {
	case m.Totals.Inputs == 0 && m.Totals.Unchanged == 0 || m.Totals.Streams == 0 && len(m.Errors) > 0:
		return exitFailed
	case !m.Complete():
		return exitPartial
	}
	return status
}

// parseShard reads --shard: I/N, or k8s (a Kubernetes Indexed Job: I is
// the pod's JOB_COMPLETION_INDEX, N the JOB_COMPLETIONS its manifest sets
// beside completions, which Kubernetes does not pass on), or k8s/N.
func parseShard(v string, env func(string) string) (engine.Shard, error) {
	var s engine.Shard
	if rest, ok := strings.CutPrefix(v, "k8s"); ok {
		idx := env("JOB_COMPLETION_INDEX")
		if idx == "" {
			return s, fmt.Errorf("%q: JOB_COMPLETION_INDEX is not set: run it in a Kubernetes Job with completionMode: Indexed", v)
		}
		n := env("JOB_COMPLETIONS")
		if m, ok := strings.CutPrefix(rest, "/"); ok {
			n = m
		} else if rest != "" {
			return s, fmt.Errorf("%q: want k8s or k8s/N", v)
		}
		if n == "" {
			return s, fmt.Errorf("%q: JOB_COMPLETIONS is not set: set it in the Job's env to its completions, or give k8s/N", v)
		}
		v = idx + "/" + n
	}
	i, n, _ := strings.Cut(v, "/")
	var err1, err2 error
	s.I, err1 = strconv.Atoi(i)
	s.N, err2 = strconv.Atoi(n)
	if err1 != nil || err2 != nil || s.N < 1 || s.I < 0 || s.I >= s.N {
		return s, fmt.Errorf("%q: want I/N with 0 <= I < N", v)
	}
	return s, nil
}

// lanes is how many files the ingest can read at once: -j (the CPUs if 0),
// and no more than the paths given unless one of them is a directory (an
// archive is read by one lane).
func lanes(paths []string, jobs int) int {
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			return jobs
		}
	}
	return max(1, min(jobs, len(paths)))
}

// setMemoryLimit sets the Go runtime's soft memory limit: the collector
// works harder as the heap nears it instead of letting it grow to twice
// what is live, so peak memory does not creep up with the input's size.
// GOMEMLIMIT, when set, wins over "auto".
//
// The limit is a base for what the run holds anyway plus a share per lane
// for what a lane reading a file keeps live (the batch being built, the
// ones waiting for the writer, the row groups being encoded): enough that
// the collector does not run back to back, little enough that an 8 GiB
// log peaks where a 1 GiB one does. How it was sized is in
// docs/performance.md.
func setMemoryLimit(v string, lanes int) error {
	switch {
	case v == "off":
		return nil
	case v == "auto":
		if os.Getenv("GOMEMLIMIT") != "" {
			return nil
		}
		debug.SetMemoryLimit(int64(128+128*lanes) << 20)
		if os.Getenv("GOGC") == "" {
			// Collect at half again what is live, not twice: what is live
			// is mostly batch buffers without pointers, cheap to mark. (A
			// quarter is too little: the runtime then hands freed pages
			// back to the system and faults them in again.)
			debug.SetGCPercent(50)
		}
		return nil
	}
	n, err := parseBytes(v)
	if err != nil {
		return err
	}
	debug.SetMemoryLimit(n)
	return nil
}

// prune removes the files of the dataset's tables that neither its
// manifest nor a shard's (not merged yet) holds: files of an interrupted
// run, of an older layout, or findings that no longer apply.
func prune(st store, ds *dataset.Dataset, m *engine.Manifest) error {
	keep := m.Files()
	shards, err := st.Shards()
	if err != nil {
		return err
	}
	for _, s := range shards {
		sm, err := readManifestFile(st, s)
		if err != nil {
			return err
		}
		for f := range sm.Files() {
			keep[f] = true
		}
	}
	return ds.Prune(engine.TableNames(), keep)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress redraws one status line on a terminal until stopped.
func progress(w io.Writer, walker *input.Walker, start time.Time) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				n := walker.BytesRead.Load()
				secs := time.Since(start).Seconds()
				fmt.Fprintf(w, "\r\033[K%s read, %.1f MB/s", mib(n), float64(n)/1e6/secs)
			}
		}
	}()
	return func() { close(done); <-finished }
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func printSummary(w io.Writer, m *engine.Manifest, run engine.Totals, dir string, took time.Duration, analyze bool) {
	t := m.Totals
	fmt.Fprintf(w, "flinkdx %s: %d inputs, %s read, %s of text in %.2fs (%.1f MB/s of text), timezone %s\n",
		m.Version, run.Inputs, mib(run.Bytes), mib(run.Text), took.Seconds(), float64(run.Text)/1e6/took.Seconds(), m.Timezone)
	if t.Inputs != run.Inputs {
		fmt.Fprintf(w, "  added to the dataset, which now holds %d inputs, %s of text\n", t.Inputs, mib(t.Text))
	}
	fmt.Fprintf(w, "  %d streams, %d lines: %d events, %d lines unparsed (kept in raw)", t.Streams, t.Lines, t.Events, t.Unparsed)
	if t.Skipped > 0 {
		fmt.Fprintf(w, ", %d skipped", t.Skipped)
	}
	if t.Errors > 0 {
		fmt.Fprintf(w, ", %d errors", t.Errors)
	}
	if t.Unchanged > 0 {
		fmt.Fprintf(w, "; %d files not read again (their content is in the dataset)", t.Unchanged)
	}
	if m.Shard != nil {
		fmt.Fprintf(w, "; shard %s (%s)", m.Shard, engine.ShardManifest(*m.Shard))
	}
	fmt.Fprintln(w)
	if len(m.Streams) <= 40 || analyze {
		for _, s := range m.Streams {
			role := s.Role
			if role == "" {
				role = "-"
			}
			span := ""
			if s.First != "" {
				span = "  " + s.First + " .. " + s.Last
			}
			fmt.Fprintf(w, "  %-60s %-11s %-9s %7d events %5d unparsed%s\n", s.Path, s.Kind, role, s.Events, s.Unparsed, span)
		}
	}
	for _, s := range m.Skipped {
		fmt.Fprintf(w, "  skipped %s: %s\n", s.Path, s.Reason)
	}
	for _, g := range m.GC {
		// GC pauses and the stopped time (which includes them) apart,
		// each with its throughput, as garbagecat counts them.
		fmt.Fprintf(w, "  GC %s (%s): %d GC pauses, %.1f s", g.JVM, g.Collector, g.GCPauses, g.GCPause)
		if g.RunDuration > 0 {
			fmt.Fprintf(w, " (throughput %.0f %%)", g.GCThroughput)
		}
		if g.StoppedEvents > 0 {
			fmt.Fprintf(w, "; threads stopped %.1f s in %d safepoints", g.StoppedTotal, g.StoppedEvents)
			if g.RunDuration > 0 {
				fmt.Fprintf(w, " (throughput %.0f %%)", g.StoppedThroughput)
			}
		}
		fmt.Fprintf(w, "; longest %.1f s, worst %.0f s window %.0f %% in GC\n", g.MaxPause, g.Window, g.MaxOverhead)
	}
	names := make([]string, 0, len(m.Tables))
	for n := range m.Tables {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d rows", n, m.Tables[n].Rows))
	}
	if dir == "" {
		fmt.Fprintf(w, "  read %s (nothing written: no -o)\n", strings.Join(parts, ", "))
		return
	}
	fmt.Fprintf(w, "  wrote %s: %s, manifest.json\n", dir, strings.Join(parts, ", "))
}

// summaryOf is what the JSON document says of what was read.
func summaryOf(m *engine.Manifest, run engine.Totals) map[string]any {
	return map[string]any{"version": m.Version, "timezone": m.Timezone, "this_run": run, "dataset": m.Totals,
		"streams": len(m.Streams), "skipped": len(m.Skipped), "errors": m.Errors, "gc": m.GC}
}

// printTimeline prints the notable events in time order: job state
// changes, task failures, errors and long GC pauses.
func printTimeline(w io.Writer, notable []engine.Notable) {
	if len(notable) == 0 {
		fmt.Fprintln(w, "\nTimeline: no job state changes, task failures or errors found.")
		return
	}
	sort.SliceStable(notable, func(i, j int) bool { return notable[i].Time.Before(notable[j].Time) })
	fmt.Fprintf(w, "\nTimeline (job state changes, task failures, errors; %d events):\n", len(notable))
	for _, n := range notable {
		summary := n.Summary
		if len(summary) > 160 {
			summary = summary[:157] + "..."
		}
		fmt.Fprintf(w, "  %s %-5s %s\n", n.Time.Format("2006-01-02 15:04:05.000"), n.Level, summary)
		if n.RootCause != "" {
			fmt.Fprintf(w, "  %23s cause: %s\n", "", n.RootCause)
		}
		fmt.Fprintf(w, "  %23s at %s:%d\n", "", n.Source, n.Line)
	}
}

// writeHeapProfile writes the live heap: what the pipeline holds once the
// input has been read.
func writeHeapProfile(path string, stderr io.Writer) {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx: %v\n", err)
		return
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fmt.Fprintf(stderr, "flinkdx: %v\n", err)
	}
}
