package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/ingest"
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
		"incident.tar.gz!incident/taskmanager-1/gc.log (Parallel): 206 pauses",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The pause spike on TaskManager 1 comes before its heartbeat times out.
	spike := strings.Index(out, "Pause Full (Ergonomics) stopped the JVM for 12.8 s from 09:13:52.000")
	heartbeat := strings.Index(out, "Heartbeat of TaskManager with id 10.0.3.21:35011-7a1c2e timed out")
	if spike < 0 || heartbeat < 0 || spike > heartbeat {
		t.Errorf("timeline lacks the GC spike before the heartbeat timeout (at %d, %d):\n%s", spike, heartbeat, out)
	}
	var m ingest.Manifest
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
	var fs []map[string]any
	if err := json.Unmarshal([]byte(out), &fs); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
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
	fs = nil
	json.Unmarshal([]byte(out), &fs)
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
