package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/engine"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestAnalyzeDemo(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI("analyze", "../../testdata/demo/incident.tar.gz", "-o", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"9 streams", "0 lines unparsed",
		"switched from state FAILING to FAILED", "cause: java.lang.OutOfMemoryError: Java heap space",
		"incident.tar.gz!incident/jobmanager/jobmanager.log:64",
		"incident.tar.gz!incident/taskmanager-1/gc.log (Parallel): 103 GC pauses, 114.6 s (throughput 87 %); threads stopped 114.6 s in 103 safepoints",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Within a finding, no row is shown twice, and what is not shown is
	// counted right (the report said "… -1 more" and showed the job's
	// FAILED line twice: once as the state change, once as its cause's row).
	var refs map[string]bool
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "  CRITICAL ") || strings.HasPrefix(line, "  WARNING ") || strings.HasPrefix(line, "  INFO "):
			refs = map[string]bool{}
		case strings.HasPrefix(line, "    at ") && refs != nil:
			// A log line's SOURCE:LINE (a table's rows of one document
			// share a SOURCE @OFFSET).
			ref, _, _ := strings.Cut(strings.TrimPrefix(line, "    at "), "  ")
			if refs[ref] && !strings.Contains(ref, " @") {
				t.Errorf("%s shown twice in one finding:\n%s", ref, out)
			}
			refs[ref] = true
		case strings.HasPrefix(line, "    … ") && (strings.Contains(line, "… -") || strings.Contains(line, "… 0 more")):
			t.Errorf("report says %q", line)
		}
	}
	// The pause spike on TaskManager 1 comes before its heartbeat times out.
	spike := strings.Index(out, "Pause Full (Ergonomics) stopped the JVM for 12.8 s from 09:13:52.000")
	heartbeat := strings.Index(out, "Heartbeat of TaskManager with id 10.0.3.21:35011-7a1c2e timed out")
	if spike < 0 || heartbeat < 0 || spike > heartbeat {
		t.Errorf("timeline lacks the GC spike before the heartbeat timeout (at %d, %d):\n%s", spike, heartbeat, out)
	}
	var m engine.Manifest
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.Tables["logs"].Rows != 57 || m.Tables["gc"].Rows != 330 || m.Tables["metrics"].Rows != 1257 || m.Tables["checkpoints"].Rows != 5 ||
		m.Tables["jobs"].Rows != 1 || m.Tables["exceptions"].Rows != 4 || len(m.Inputs) != 1 || len(m.GC) != 2 || m.Totals.Unparsed != 0 {
		t.Errorf("manifest tables %+v totals %+v", m.Tables, m.Totals)
	}
	for _, f := range m.Tables["logs"].Files {
		if _, err := os.Stat(filepath.Join(dir, f.Path)); err != nil {
			t.Error(err)
		}
	}
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	if code, _, _ := runCLI("ingest"); code != exitUsage {
		t.Errorf("no arguments: exit %d", code)
	}
	if code, _, _ := runCLI("ingest", "x.log"); code != exitUsage {
		t.Errorf("no -o: exit %d", code)
	}
	if code, _, _ := runCLI("ingest", "--help"); code != exitOK {
		t.Errorf("--help: exit %d", code)
	}
	if code, _, errs := runCLI("ingest", filepath.Join(dir, "missing.log"), "-o", filepath.Join(dir, "o1")); code != exitFailed || !strings.Contains(errs, "missing.log") {
		t.Errorf("missing input: exit %d, %s", code, errs)
	}
	// A truncated archive: what was read is kept, the run is partial.
	data, err := os.ReadFile("../../testdata/demo/incident.tar.gz")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.tar.gz")
	os.WriteFile(cut, data[:len(data)*2/3], 0o644)
	code, out, errs := runCLI("ingest", cut, "-o", filepath.Join(dir, "o2"))
	if code != exitPartial || !strings.Contains(errs, "cut.tar.gz") || !strings.Contains(out, "events") {
		t.Errorf("truncated archive: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, _ := runCLI("ingest", "../../testdata/demo/incident.tar.gz", "-o", filepath.Join(dir, "o3"), "--tz", "Mars/Olympus"); code != exitUsage {
		t.Errorf("bad --tz: exit %d", code)
	}
	for _, bad := range [][]string{{"--max-ratio", "-5"}, {"--max-ratio", "0"}, {"--max-size", "0"}, {"--max-size", "-1GiB"}} {
		if code, _, errs := runCLI(append([]string{"ingest", "../../testdata/demo/incident.tar.gz", "-o", filepath.Join(dir, "o4")}, bad...)...); code != exitUsage || !strings.Contains(errs, bad[0]) {
			t.Errorf("%s %s: exit %d %s", bad[0], bad[1], code, errs)
		}
	}
	if code, out, _ := runCLI("version"); code != exitOK || !strings.HasPrefix(out, "flinkdx ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestGCStats(t *testing.T) {
	code, out, errs := runCLI("gcstats", "../../testdata/demo/incident.tar.gz")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"incident.tar.gz!incident/taskmanager-1/gc.log (Parallel, unified)",
		"max 12843.1 ms",
		"incident.tar.gz!incident/taskmanager-2/gc.log (Parallel, unified)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "6 other text streams ignored") { // logs, metrics, the archive
		t.Errorf("the Flink logs are not GC logs:\n%s", out)
	}
	code, out, _ = runCLI("gcstats", "--json", "--window", "30s", "../../testdata/demo/incident.tar.gz")
	var stats []map[string]any
	if err := json.Unmarshal([]byte(out), &stats); code != exitOK || err != nil || len(stats) != 2 {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	tm1 := stats[0]
	if tm1["full_gcs"].(float64) < 10 || tm1["window_s"].(float64) != 30 || tm1["max_overhead_pct"].(float64) < 80 {
		t.Errorf("taskmanager-1 %v", tm1)
	}
	if code, _, errs := runCLI("gcstats", "../../testdata/flinklog/excerpts"); code != exitFailed || !strings.Contains(errs, "no GC log") {
		t.Errorf("no GC logs: exit %d, %s", code, errs)
	}
}

// scan reads a dataset back; thresholds and the severity ladder come from
// flags and a config file (flags win); --fail-on sets the exit status.
func TestScanCLI(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := runCLI("ingest", "../../testdata/demo/incident.tar.gz", "-o", dir); code != exitOK {
		t.Fatalf("ingest: %d %s", code, errs)
	}
	code, out, errs := runCLI("scan", dir, "--format", "json", "--fail-on", "critical")
	if code != exitFindings {
		t.Fatalf("scan --fail-on critical: exit %d %s", code, errs)
	}
	var doc struct {
		Findings []map[string]any `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	fs := doc.Findings
	rules := map[string]string{}
	for _, f := range fs {
		rules[f["rule"].(string)] = f["severity"].(string)
	}
	for _, r := range []string{"job.restarts-exhausted", "heartbeat.timeout", "backpressure.root", "skew.key", "throughput.declining", "gc.pause-spike", "checkpoint.expired"} {
		if rules[r] == "" {
			t.Errorf("read back: no %s in %v", r, rules)
		}
	}
	// The ladder: the file sets two rules, the flag overrides one of them.
	cfg := filepath.Join(dir, "flinkdx.json")
	os.WriteFile(cfg, []byte(`{"pause-spike": "20s", "severity": {"skew.key": "off", "gc.pause-spike": "info", "checkpoint.expired": "info"}}`), 0o644)
	code, out, errs = runCLI("scan", dir, "--format", "json", "--config", cfg, "--severity", "checkpoint.expired=critical")
	if code != exitOK {
		t.Fatalf("scan --config: exit %d %s", code, errs)
	}
	doc.Findings = nil
	json.Unmarshal([]byte(out), &doc)
	fs = doc.Findings
	rules = map[string]string{}
	for _, f := range fs {
		rules[f["rule"].(string)] = f["severity"].(string)
	}
	if _, ok := rules["skew.key"]; ok {
		t.Errorf("skew.key is off: %v", rules)
	}
	if rules["checkpoint.expired"] != "critical" || rules["gc.pause-spike"] != "" && rules["gc.pause-spike"] != "info" {
		t.Errorf("ladder not applied: %v", rules)
	}
	if code, _, errs := runCLI("scan", dir, "--severity", "skew.key=loud"); code != exitUsage || !strings.Contains(errs, "skew.key=loud") {
		t.Errorf("bad level: exit %d %s", code, errs)
	}
}

// The weeks-of-archives workflow: shards ingested apart, copied into one
// directory and merged; then more input added; the scan of the result is
// the scan of one run over everything; stale files are pruned.
func TestShardMergeAddScan(t *testing.T) {
	inputs := []string{"../../testdata/flinklog/excerpts", "../../testdata/metrics", "../../testdata/container"}
	dir := t.TempDir()
	one := filepath.Join(dir, "one")
	if code, _, errs := runCLI(append([]string{"ingest", "-o", one, "--quiet"}, append(inputs, "../../testdata/demo")...)...); code != exitOK {
		t.Fatalf("ingest: exit %d: %s", code, errs)
	}
	merged := filepath.Join(dir, "merged")
	for i := range 3 {
		shard := filepath.Join(dir, "shard"+string(rune('0'+i)))
		args := append([]string{"ingest", "-o", shard, "--quiet", "--shard", string(rune('0'+i)) + "/3"}, inputs...)
		if code, _, errs := runCLI(args...); code != exitOK {
			t.Fatalf("shard %d: exit %d: %s", i, code, errs)
		}
		copyTree(t, shard, merged)
	}
	if code, _, errs := runCLI("scan", merged); code == exitOK || !strings.Contains(errs, "not a dataset") {
		t.Errorf("scan before merge: exit %d: %s", code, errs)
	}
	if code, out, errs := runCLI("merge", merged); code != exitOK || !strings.Contains(out, "3 shard manifests of 3") {
		t.Fatalf("merge: exit %d: %s%s", code, out, errs)
	}
	// More input later: only it is read.
	code, out, errs := runCLI("ingest", "-o", merged, "../../testdata/demo")
	if code != exitOK || !strings.Contains(out, "added to the dataset") {
		t.Fatalf("adding: exit %d: %s%s", code, out, errs)
	}
	scanJSON := func(dir string) string {
		code, out, errs := runCLI("scan", dir, "--format", "json")
		if code != exitOK {
			t.Fatalf("scan %s: exit %d: %s", dir, code, errs)
		}
		return out
	}
	if a, b := scanJSON(merged), scanJSON(one); a != b {
		t.Errorf("findings of the merged dataset differ from one run's:\n%.2000s\n---\n%.2000s", a, b)
	}
	// A half-written file of a run that died, and a stale part: both go.
	stale := filepath.Join(merged, "logs", "date=2020-01-01", "host=x", "part-dead-0000.parquet")
	temp := filepath.Join(merged, "logs", "date=2020-01-01", "host=x", ".part-{unit}-0000.parquet.tmp-123")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, []byte("PAR1"), 0o644)
	os.WriteFile(temp, []byte("PAR1"), 0o644)
	if code, _, errs := runCLI("ingest", "-o", merged, "../../testdata/demo", "--quiet"); code != exitOK {
		t.Fatalf("re-run: exit %d: %s", code, errs)
	}
	for _, p := range []string{stale, temp} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s survived the run", p)
		}
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		os.MkdirAll(filepath.Join(to, filepath.Dir(rel)), 0o755)
		return os.WriteFile(filepath.Join(to, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// analyze without -o writes nothing and reports the same findings as with
// a dataset.
func TestAnalyzeWithoutDataset(t *testing.T) {
	demo := "../../testdata/demo/incident.tar.gz"
	code, with, errs := runCLI("analyze", demo, "-o", t.TempDir(), "--format", "json")
	if code != exitOK {
		t.Fatalf("with -o: exit %d: %s", code, errs)
	}
	before, _ := os.ReadDir(".")
	code, without, errs := runCLI("analyze", demo, "--format", "json")
	if code != exitOK {
		t.Fatalf("without -o: exit %d: %s", code, errs)
	}
	after, _ := os.ReadDir(".")
	if len(after) != len(before) {
		t.Errorf("analyze without -o left files: %d entries, were %d", len(after), len(before))
	}
	// With --format json, stdout is the JSON alone (for jq); what was
	// read goes to stderr.
	if !strings.Contains(errs, "(nothing written: no -o)") || !strings.Contains(errs, "logs 57 rows") {
		t.Errorf("summary without -o:\n%.600s", errs)
	}
	// One JSON document: the incidents, the findings, the timeline and
	// what was read.
	var parsed struct {
		Incidents []map[string]any `json:"incidents"`
		Findings  []map[string]any `json:"findings"`
		Timeline  []map[string]any `json:"timeline"`
		Summary   map[string]any   `json:"summary"`
	}
	if err := json.Unmarshal([]byte(without), &parsed); err != nil || len(parsed.Findings) == 0 || len(parsed.Incidents) == 0 ||
		len(parsed.Timeline) == 0 || parsed.Summary == nil {
		t.Errorf("stdout of --format json is not one document of incidents, findings, timeline and summary (%v):\n%.300s", err, without)
	}
	if without != with {
		t.Errorf("findings differ without -o:\n%.800s\nwant\n%.800s", without, with)
	}
	if code, _, _ := runCLI("ingest", demo); code != exitUsage {
		t.Errorf("ingest without -o: exit %d; want %d", code, exitUsage)
	}
}

// The demo's report answers first: its first 15 lines hold both
// incidents' verdicts: TaskManager 1's heap filled up (leak, GC overhead,
// OutOfMemoryError), its heartbeat was missed, and the job failed for
// good; and, apart, the watermark in 2050.
func TestDemoVerdicts(t *testing.T) {
	code, out, errs := runCLI("analyze", "../../testdata/demo/incident.tar.gz")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(out, "\n")
	first := strings.Join(lines[:min(15, len(lines))], "\n")
	for _, want := range []string{"What happened: 2 incident(s)", "1. CRITICAL", "taskmanager-1/gc.log: the heap left after full GCs rose",
		"GC overhead limit exceeded", "heartbeat of TaskManager 10.0.3.21:35011-7a1c2e timed out", "failed for good",
		"2. CRITICAL", "watermark jumped to 2050-01-01"} {
		if !strings.Contains(strings.Join(strings.Fields(first), " "), want) {
			t.Errorf("the first 15 lines lack %q:\n%s", want, first)
		}
	}
	// Each fact once: no finding is its own cause.
	_, js, _ := runCLI("analyze", "../../testdata/demo/incident.tar.gz", "--format", "json")
	var doc struct {
		Findings []struct {
			Rule, Subject string
			Causes        []struct{ Rule, Subject string }
		}
	}
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range doc.Findings {
		for _, c := range f.Causes {
			if c.Rule == f.Rule && c.Subject == f.Subject {
				t.Errorf("%s %s is its own cause", f.Rule, f.Subject)
			}
		}
	}
}

// With no incident, the first lines still say what happened: the warnings
// on their own, here a task that failed on the job's own exception (a real
// case: apache/streampark#1707), in text and in Markdown.
func TestNoIncidentSaysWhatHappened(t *testing.T) {
	const real = "../../testdata/incidents/streampark-1707-user-exception-task-failed.log"
	for _, format := range []string{"text", "markdown"} {
		code, out, errs := runCLI("analyze", real, "--format", format)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", format, code, errs)
		}
		lines := strings.Split(out, "\n")
		first := strings.Join(strings.Fields(strings.Join(lines[:min(6, len(lines))], " ")), " ")
		for _, want := range []string{"o incident; 1 warning(s) on their own", "2022-09-28 18:54:22", "a task failed with java.lang.ArrayIndexOutOfBoundsException: 5"} {
			if !strings.Contains(first, want) {
				t.Errorf("%s: the first lines lack %q:\n%s", format, want, strings.Join(lines[:min(6, len(lines))], "\n"))
			}
		}
	}
}
