package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/engine"
)

// Every threshold of every detector is a flag of scan, analyze and view,
// and a key of their config file; its help says its default.
func TestThresholdFlags(t *testing.T) {
	for _, cmd := range []string{"scan", "analyze", "view"} {
		var help bytes.Buffer
		run([]string{cmd, "--help"}, &bytes.Buffer{}, &help)
		for _, th := range engine.Thresholds() {
			if !strings.Contains(help.String(), "-"+th.Name+" ") && !strings.Contains(help.String(), "-"+th.Name+"\n") {
				t.Errorf("%s: no flag --%s", cmd, th.Name)
			}
			if !strings.Contains(help.String(), "(default "+th.Default+")") {
				t.Errorf("%s --%s: the help does not say its default %s", cmd, th.Name, th.Default)
			}
		}
	}
	// The config file sets a threshold; a flag wins over it.
	dir := t.TempDir()
	conf := filepath.Join(dir, "thresholds.json")
	os.WriteFile(conf, []byte(`{"pause-spike": "3s", "checkpoint-large": "2GiB", "restart-loop": 7}`), 0o644)
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	sf := addScanFlags(fs)
	if err := fs.Parse([]string{"--config", conf, "--pause-spike", "5s"}); err != nil {
		t.Fatal(err)
	}
	if err := sf.settle(fs); err != nil {
		t.Fatal(err)
	}
	if sf.cfg.Duration("pause-spike").String() != "5s" || sf.cfg.Bytes("checkpoint-large") != 2<<30 || sf.cfg.Int("restart-loop") != 7 {
		t.Errorf("pause-spike %v, checkpoint-large %d, restart-loop %d", sf.cfg.Duration("pause-spike"), sf.cfg.Bytes("checkpoint-large"), sf.cfg.Int("restart-loop"))
	}
	os.WriteFile(conf, []byte(`{"pause-spik": "3s"}`), 0o644)
	fs = flag.NewFlagSet("scan", flag.ContinueOnError)
	sf = addScanFlags(fs)
	fs.Parse([]string{"--config", conf})
	if err := sf.settle(fs); err == nil || !strings.Contains(err.Error(), "unknown threshold") {
		t.Errorf("a misspelt key: %v", err)
	}
}

// --layout reads a log written with a layout flinkdx does not infer; a
// layout that cannot be compiled is a usage error.
func TestLayoutFlag(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "taskmanager.log")
	os.WriteFile(log, []byte("06.12.2026 10:00:00 <INFO> com.example.Job | started\n"+
		"06.12.2026 10:00:05 <ERROR> com.example.Job | Task failed\n"+
		"java.lang.OutOfMemoryError: Metaspace\n\tat com.example.Job.map(Job.java:10)\n"), 0o644)
	_, _, without := runCLI("analyze", log, "--format", "json")
	code, with, read := runCLI("analyze", log, "--format", "json", "--layout", "%d{dd.MM.yyyy HH:mm:ss} <%p> %c | %m%n")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, read)
	}
	// Read with the layout: two events in time, the second with its
	// trace; without it, the lines are not events.
	if !strings.Contains(read, "2 events") || !strings.Contains(read, "2026-12-06T10:00:00Z .. 2026-12-06T10:00:05Z") ||
		strings.Contains(without, "2 events") || !strings.Contains(with, "JVM metaspace") {
		t.Errorf("with --layout:\n%s\nwithout:\n%s", read, without)
	}
	if code, _, errs := runCLI("analyze", log, "--layout", "%d{yyyy-MMM-dd} %m"); code != exitUsage || !strings.Contains(errs, "--layout") {
		t.Errorf("a bad layout: exit %d, %s", code, errs)
	}
}

// --date dates a log whose lines carry only a time of day.
func TestDateFlag(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "jobmanager.log")
	os.WriteFile(log, []byte("16:03:22,877 ERROR org.apache.flink.runtime.jobmanager.JobManager                - RECEIVED SIGNAL 15: SIGTERM\n"), 0o644)
	_, _, undated := runCLI("analyze", log, "--format", "json")
	_, _, dated := runCLI("analyze", log, "--format", "json", "--date", "2015-11-20")
	if strings.Contains(undated, "2015-11-20") || !strings.Contains(dated, "2015-11-20T16:03:22.877Z") {
		t.Errorf("without --date:\n%s\nwith:\n%s", undated, dated)
	}
	if code, _, _ := runCLI("analyze", log, "--date", "20/11/2015"); code != exitUsage {
		t.Errorf("a bad --date: exit %d", code)
	}
}

func TestParseShard(t *testing.T) {
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	for _, c := range []struct {
		flag string
		vars map[string]string
		i, n int
		err  string
	}{
		{flag: "2/8", i: 2, n: 8},
		{flag: "k8s", vars: map[string]string{"JOB_COMPLETION_INDEX": "3", "JOB_COMPLETIONS": "8"}, i: 3, n: 8},
		{flag: "k8s/4", vars: map[string]string{"JOB_COMPLETION_INDEX": "0"}, i: 0, n: 4},
		{flag: "k8s", vars: map[string]string{"JOB_COMPLETION_INDEX": "8", "JOB_COMPLETIONS": "8"}, err: "want I/N with 0 <= I < N"},
		{flag: "k8s", vars: map[string]string{"JOB_COMPLETIONS": "8"}, err: "JOB_COMPLETION_INDEX is not set"},
		{flag: "k8s", vars: map[string]string{"JOB_COMPLETION_INDEX": "1"}, err: "JOB_COMPLETIONS is not set"},
		{flag: "k8s8", vars: map[string]string{"JOB_COMPLETION_INDEX": "1"}, err: "want k8s or k8s/N"},
		{flag: "1/2x", err: "want I/N"},
		{flag: "-1/2", err: "want I/N"},
	} {
		s, err := parseShard(c.flag, env(c.vars))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %v: %v; want %q", c.flag, c.vars, err, c.err)
			}
			continue
		}
		if err != nil || s.I != c.i || s.N != c.n {
			t.Errorf("%s %v: %+v, %v; want %d/%d", c.flag, c.vars, s, err, c.i, c.n)
		}
	}
}
