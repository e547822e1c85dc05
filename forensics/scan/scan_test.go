package scan

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

// analyze ingests files in memory and runs the detectors on the batches,
// as "flinkdx analyze" does.
func analyze(t *testing.T, cfg Config, files map[string][]byte) []Finding {
	t.Helper()
	fsys := fstest.MapFS{}
	var names []string
	for n, b := range files {
		fsys[n] = &fstest.MapFile{Data: b}
		names = append(names, n)
	}
	s := New(cfg)
	out := dataset.NewMemOutput()
	ds := dataset.New(out, parquetfile.Format{}, nil, 1)
	in := ingest.New(ds, ingest.Options{Version: "test", Observe: func(name string, rec arrow.Record) { s.Observe(name, rec) }})
	in.Files(&input.Walker{FS: fsys}, names)
	if _, err := in.Finish(out); err != nil {
		t.Fatal(err)
	}
	return s.Findings()
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func has(fs []Finding, rule string, sev Severity, summary string) *Finding {
	for i := range fs {
		if fs[i].Rule == rule && fs[i].Severity >= sev && strings.Contains(fs[i].Summary, summary) {
			return &fs[i]
		}
	}
	return nil
}

func rules(fs []Finding) string {
	var s []string
	for _, f := range fs {
		s = append(s, f.Level+" "+f.Rule+": "+f.Summary)
	}
	return strings.Join(s, "\n")
}

const excerpts = "../../testdata/flinklog/excerpts/"

// Each excerpt of a real incident yields the finding it documents, with
// evidence lines inside the excerpt.
func TestExcerptFindings(t *testing.T) {
	for _, tc := range []struct {
		file, rule, summary string
		sev                 Severity
	}{
		{"apache_iceberg_issue3695_yarn_beyond_physical_memory.log", "container.killed", "running beyond physical memory limits", Critical},
		{"apache_hudi_issue9339_yarn_exit143_vmem.log", "container.killed", "exit code 143", Critical},
		// The excerpt is cut before the failure (the direct-buffer
		// OutOfMemoryError): the finding says so rather than blaming the
		// JobException.
		{"DTStack_chunjun_issue1750_failing_to_failed_recovery_suppressed.log", "job.restarts-exhausted", "NoRestartBackoffTimeStrategy; the failure that caused it is not in the log", Critical},
		{"apache_flink-cdc_issue273_checkpoint_expired_threshold.log", "checkpoint.expired", "expired before completing", Warning},
		{"apache_flink-cdc_issue273_checkpoint_expired_threshold.log", "checkpoint.tolerable-threshold", "tolerates", Critical},
		{"j3-signalroom_kickstarter_issue796_heartbeat_timeout.log", "heartbeat.timeout", "timed out", Critical},
		{"delta-io_connectors_issue362_running_to_restarting.log", "job.restart", "RUNNING → RESTARTING", Warning},
		{"apache_flink_pr8322_checkpoint_decline_failing.log", "checkpoint.declined", "declined by a task", Warning},
	} {
		t.Run(tc.rule+"/"+tc.file[:20], func(t *testing.T) {
			fs := analyze(t, DefaultConfig(), map[string][]byte{tc.file: read(t, excerpts+tc.file)})
			f := has(fs, tc.rule, tc.sev, tc.summary)
			if f == nil {
				t.Fatalf("no %s %q finding; got\n%s", tc.rule, tc.summary, rules(fs))
			}
			if len(f.Evidence) == 0 || !strings.HasSuffix(f.Evidence[len(f.Evidence)-1].Source, tc.file) || f.Evidence[0].Line == 0 && f.Evidence[0].Offset == 0 && tc.rule != "container.killed" {
				t.Errorf("evidence %+v", f.Evidence)
			}
		})
	}
}

// The checkpoint declined in PR 8322's log takes the job to FAILING.
func TestDeclineThenFailing(t *testing.T) {
	data := read(t, excerpts+"apache_flink_pr8322_checkpoint_decline_failing.log")
	if !strings.Contains(string(data), "to FAILING") {
		t.Skip("excerpt without the job's FAILING line")
	}
	fs := analyze(t, DefaultConfig(), map[string][]byte{"x.log": data})
	if has(fs, "checkpoint.declined", Warning, "") == nil {
		t.Errorf("findings:\n%s", rules(fs))
	}
}

// The OpenTelemetry receiver's /jobs/:id response: the job restarted once.
func TestRESTJobRestart(t *testing.T) {
	fs := analyze(t, DefaultConfig(), map[string][]byte{"jobs_with_id.json": read(t, "../../testdata/metrics/otel_flinkmetricsreceiver/jobs_with_id.json")})
	f := has(fs, "job.restart", Warning, "State machine job")
	if f == nil || f.Start != 1651445645389 || f.Count != 1 {
		t.Fatalf("findings:\n%s", rules(fs))
	}
}

// Healthy inputs give no warning: a TaskManager's healthy GC log, a
// metric dump, a log without failures.
func TestHealthyInputs(t *testing.T) {
	demo := map[string][]byte{}
	gz := read(t, "../../testdata/demo/incident.tar.gz")
	collectDemo(t, gz, demo)
	healthy := map[string][]byte{
		"tm-2/gc.log":  demo["incident/taskmanager-2/gc.log"],
		"metrics.prom": read(t, "../../testdata/metrics/datadog_flink/metrics.txt"),
		"jm.log": []byte("2025-03-14 09:00:01,112 INFO  org.apache.flink.runtime.entrypoint.ClusterEntrypoint  [] - Starting StandaloneSessionClusterEntrypoint.\n" +
			"2025-03-14 09:01:13,412 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Job clickstream-enrichment (5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3) switched from state CREATED to RUNNING.\n" +
			"2025-03-14 09:02:14,806 INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator    [] - Completed checkpoint 1 for job 5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3 (48211730 bytes, checkpointDuration=1376 ms, finalizationTime=12 ms).\n"),
	}
	if len(healthy["tm-2/gc.log"]) == 0 {
		t.Fatal("no healthy GC log in the demo")
	}
	fs := analyze(t, DefaultConfig(), healthy)
	for _, f := range fs {
		if f.Severity >= Warning {
			t.Errorf("healthy input gave %s %s: %s", f.Level, f.Rule, f.Summary)
		}
	}
}

// The demo tells the incident end to end: the GC stall on TaskManager 1
// before its heartbeat timed out, the restarts and their causes, the OOM,
// the job failing for good, the backpressure root, the watermark jump,
// the failed checkpoints and the state growing.
func TestDemoStory(t *testing.T) {
	fs := analyze(t, DefaultConfig(), map[string][]byte{"incident.tar.gz": read(t, "../../testdata/demo/incident.tar.gz")})
	for _, w := range []struct {
		rule, summary string
		sev           Severity
	}{
		{"heartbeat.timeout", "before it, on its JVM: full Pause Full (Ergonomics)", Critical},
		{"job.restart", "Heartbeat of TaskManager", Warning},
		{"job.restart", "OutOfMemoryError: Java heap space", Warning},
		{"job.restarts-exhausted", "FixedDelayRestartBackoffTimeStrategy", Critical},
		{"job.failed", "root cause java.lang.OutOfMemoryError", Critical},
		{"jvm.oom", "GC overhead limit", Critical},
		{"gc.pause-spike", "longest 12.8 s", Critical},
		{"gc.overhead", "of a 1m0s window stopped", Critical},
		{"backpressure.root", "SessionAggregator) -> Sink: Elasticsearch (subtask 1) is the root", Warning},
		{"watermark.future-jump", "2050-01-01", Critical},
		{"checkpoint.expired", "expired before completing", Warning},
		{"checkpoint.failed", "Could not complete snapshot 5", Warning},
		{"state.unbounded", "only grows", Warning},
		{"skew.key", "subtask 1 of Window(TumblingEventTimeWindows(60000), EventTimeTrigger, SessionAggregator) -> Sink: Elasticsearch carries 5.", Warning},
		{"throughput.declining", "Source: Kafka Source -> Map emits 1800 records/s per subtask, down 64 %", Warning},
		{"throughput.external-calls", "Sink: Elasticsearch talks to an external system", Warning},
		{"gc.heap-leak", "heap left after full GCs rose from 2392 MiB to 2722 MiB", Warning},
		// The causal chain across files: the OOM on TaskManager 1 before
		// its heartbeat timed out, that before the first restart; the
		// checkpoint expired in a GC pause during the backpressure.
		{"heartbeat.timeout", "preceded by: jvm.oom", Critical},
		{"job.restart", "preceded by: heartbeat.timeout TaskManager 10.0.3.21:35011-7a1c2e", Warning},
		{"checkpoint.expired", "gc.pause-spike", Warning},
		{"checkpoint.expired", "it happened during backpressure.root", Warning},
	} {
		if has(fs, w.rule, w.sev, w.summary) == nil {
			t.Errorf("no %s %q in\n%s", w.rule, w.summary, rules(fs))
		}
	}
	// Timeline first, environment last.
	if fs[0].Section != 1 || fs[len(fs)-1].Section != 5 {
		t.Errorf("order: first %s, last %s", fs[0].Rule, fs[len(fs)-1].Rule)
	}
}

type files map[string][]byte

func (f files) Text(file *input.File) error {
	b := make([]byte, 0, 1<<16)
	buf := make([]byte, 32<<10)
	for {
		n, err := file.R.Read(buf)
		b = append(b, buf[:n]...)
		if err != nil {
			break
		}
	}
	f[filepath.ToSlash(file.Path[strings.Index(file.Path, "!")+1:])] = b
	return nil
}
func (files) Skip(string, input.Format, string) {}
func (files) Fail(string, error)                {}

func collectDemo(t *testing.T, gz []byte, into map[string][]byte) {
	if err := input.Open("demo.tar.gz", strings.NewReader(string(gz)), files(into), input.Options{}); err != nil {
		t.Fatal(err)
	}
}

// A GC log that gives only the JVM's uptime (no -XX:+PrintGCDateStamps)
// names the uptime of its longest pause, where a dated one names the time.
// The lines are ops-agent's Cassandra GC sample
// (testdata/gc/opsagent_cassandra-gc), with and without their dates.
func TestGCMomentWithoutDates(t *testing.T) {
	dated := read(t, "../../testdata/gc/opsagent_cassandra-gc/input.log")
	var undated []byte
	for _, l := range bytes.SplitAfter(dated, []byte("\n")) {
		if _, rest, ok := bytes.Cut(l, []byte("+0000: ")); ok {
			undated = append(undated, rest...)
		}
	}
	for _, c := range []struct {
		name string
		log  []byte
		want string
	}{
		{"dated", dated, "longest 0.4 s at 2025-07-22 10:25:55.893"},
		{"undated", undated, "longest 0.4 s at uptime 432.693 s"},
	} {
		// One full GC of 0.4 s is no spike at the default 1 s (playbook):
		// a threshold under it makes one.
		cfg := DefaultConfig()
		cfg.Set("pause-spike", "300ms")
		fs := analyze(t, cfg, map[string][]byte{"gc.log": c.log})
		if has(fs, "gc.pause-spike", Warning, c.want) == nil {
			t.Errorf("%s: no gc.pause-spike %q in\n%s", c.name, c.want, rules(fs))
		}
	}
}

// Container findings name what was killed in words, whatever the source
// leaves out: a YARN line naming no container, a pod evicted as a whole, a
// start error with no known meaning of its exit code.
func TestContainerSummaries(t *testing.T) {
	files := map[string][]byte{
		"yarn.log":         read(t, "../../testdata/flinklog/excerpts/apache_hudi_issue9339_yarn_exit143_vmem.log"),
		"evicted.yaml":     read(t, "../../testdata/container/is-healthy_pods/evicted.yaml"),
		"start-error.yaml": read(t, "../../testdata/container/is-healthy_pods/start-error.yaml"),
	}
	fs := analyze(t, DefaultConfig(), files)
	for _, want := range []struct{ rule, subject, summary string }{
		{"container.killed", "", "a container in yarn.log: container exit, exit code 143 (killed by SIGTERM"},
		{"container.killed", "evicted-pod", "evicted-pod: Evicted"},
		{"container.exit", "run-migrations-jn647/migrations", "run-migrations-jn647/migrations: StartError, exit code 128"},
	} {
		f := has(fs, want.rule, Warning, want.summary)
		if f == nil || f.Subject != want.subject {
			t.Errorf("no %s of %q saying %q in\n%s", want.rule, want.subject, want.summary, rules(fs))
		}
	}
	for _, f := range fs {
		if strings.Contains(f.Summary, "()") || strings.HasPrefix(f.Summary, ":") || strings.Contains(f.Subject+" ", "/ ") {
			t.Errorf("%s: subject %q, summary %q", f.Rule, f.Subject, f.Summary)
		}
	}
}

// checkpoint.slow compares completed checkpoints' durations with the
// checkpoint timeout: from a HistoryServer archive (40CoderPlus, its
// checkpoints/config says 600000 ms; its checkpoints took 15–372 ms) and
// from the demo's JobManager log ("checkpointDuration=5684 ms", no timeout
// given: Flink's default, 10 min). The real durations are far below 80 %,
// so the threshold is lowered to reach them.
func TestCheckpointSlow(t *testing.T) {
	archive := map[string][]byte{"hs.json": read(t, "../../testdata/metrics/historyserver_archives_40CoderPlus/939b749e4c3d0dacb209c2b77a7b33c6.json")}
	if f := has(analyze(t, DefaultConfig(), archive), "checkpoint.slow", Info, ""); f != nil {
		t.Errorf("checkpoints of 15–372 ms against a 10 min timeout: %s", f.Summary)
	}
	cfg := DefaultConfig()
	cfg.Set("checkpoint-slow", "0.05") // 300 ms of 600000
	f := has(analyze(t, cfg, archive), "checkpoint.slow", Warning, "2 checkpoint(s) took 0.05 % or more of the 10m0s timeout (slowest: checkpoint 2, 372ms)")
	if f == nil || f.Subject != "939b749e4c3d0dacb209c2b77a7b33c6" || len(f.Evidence) != 2 {
		t.Errorf("archive: %+v\n%s", f, rules(analyze(t, cfg, archive)))
	}

	demo := map[string][]byte{}
	collectDemo(t, read(t, "../../testdata/demo/incident.tar.gz"), demo)
	cfg.Set("checkpoint-slow", "0.9") // 5400 ms of the default 600000
	fs := analyze(t, cfg, demo)
	f = has(fs, "checkpoint.slow", Warning, "2 checkpoint(s) took 0.9 % or more of the 10m0s timeout (slowest: checkpoint 4, 6.762s)")
	if f == nil || f.Evidence[0].Line == 0 || !strings.Contains(f.Evidence[0].Text, "checkpoint 2 took 5.684s of a 10m0s timeout") {
		t.Errorf("demo: %+v\n%s", f, rules(fs))
	}
}

func TestFlinkDuration(t *testing.T) {
	for in, want := range map[string]int64{"600000": 600000, "10 min": 600000, "30s": 30000, "1 h": 3600000, "250 ms": 250, "2d": 172800000} {
		if got, ok := flinkDuration(in); !ok || got != want {
			t.Errorf("flinkDuration(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "ten minutes", "5 fortnights"} {
		if _, ok := flinkDuration(bad); ok {
			t.Errorf("flinkDuration(%q) read", bad)
		}
	}
	for line, want := range map[string]string{
		"Completed checkpoint 2 for job 5f3c (392004118 bytes, checkpointDuration=5684 ms, finalizationTime=31 ms).": "5684",
		"Completed checkpoint 7 for job 0a1b (43520 bytes in 1215 ms).":                                              "1215",
	} {
		if m := ckptDuration.FindStringSubmatch(line); m == nil || m[1] != want {
			t.Errorf("%q: duration %v; want %s", line, m, want)
		}
	}
}
