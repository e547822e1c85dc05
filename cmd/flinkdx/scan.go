package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
	"github.com/flinkdx/flinkdx/forensics/report"
)

// scanFlags are the report and threshold flags "scan", "analyze" and
// "view" share. The threshold flags are made from the detectors' specs:
// one flag per threshold, under its name.
type scanFlags struct {
	format, failOn, config string
	evidence               int
	cfg                    engine.Config
}

func addScanFlags(fs *flag.FlagSet) *scanFlags {
	f := &scanFlags{cfg: engine.DefaultConfig()}
	fs.StringVar(&f.format, "format", "text", "report format: text, markdown or json")
	fs.StringVar(&f.failOn, "fail-on", "", "exit 4 when a finding is at least this severe: warning or critical")
	fs.StringVar(&f.config, "config", "", "JSON file of thresholds (the flag names below, e.g. {\"pause-spike\": \"2s\"})")
	fs.IntVar(&f.evidence, "evidence", 3, "evidence lines shown per finding in text and markdown")
	for _, t := range engine.Thresholds() {
		fs.Func(t.Name, fmt.Sprintf("%s (default %s)", t.Help, t.Default), func(v string) error { return f.cfg.Set(t.Name, v) })
	}
	fs.Func("severity", "override rules' severities: rule=info|warning|critical|off, comma-separated (repeatable)", func(v string) error {
		return engine.ParseLadder(v, f.cfg.Ladder)
	})
	return f
}

// settle reads the config file; flags given on the command line win over
// the file.
func (f *scanFlags) settle(fs *flag.FlagSet) error {
	if f.config != "" {
		data, err := os.ReadFile(f.config)
		if err != nil {
			return err
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return fmt.Errorf("%s: %w", f.config, err)
		}
		set := map[string]bool{}
		fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		for k, v := range m {
			if k == "severity" {
				// {"severity": {"rule": "level"}}: rules given by --severity win.
				rules, ok := v.(map[string]any)
				if !ok {
					return fmt.Errorf("%s: severity: want an object of rule: level", f.config)
				}
				file := map[string]engine.Severity{}
				for r, l := range rules {
					if err := engine.ParseLadder(r+"="+fmt.Sprint(l), file); err != nil {
						return fmt.Errorf("%s: severity: %w", f.config, err)
					}
				}
				for r, l := range file {
					if _, given := f.cfg.Ladder[r]; !given {
						f.cfg.Ladder[r] = l
					}
				}
				continue
			}
			if set[k] || fs.Lookup(k) == nil {
				if fs.Lookup(k) == nil {
					return fmt.Errorf("%s: unknown threshold %q", f.config, k)
				}
				continue
			}
			if err := fs.Set(k, fmt.Sprint(v)); err != nil {
				return fmt.Errorf("%s: %s: %w", f.config, k, err)
			}
		}
	}
	switch f.format {
	case "text", "markdown", "json":
	default:
		return fmt.Errorf("--format is text, markdown or json")
	}
	if f.failOn != "" {
		if _, ok := engine.ParseSeverity(f.failOn); !ok {
			return fmt.Errorf("--fail-on is warning or critical")
		}
	}
	return nil
}

func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSuffix(s, u.suf), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	return int64(v * float64(mult)), err
}

// report prints findings and returns the exit status --fail-on asks for.
// report prints what a case showed, the verdicts first, and returns the
// exit status --fail-on asks for. between, if set, prints what comes after
// the verdicts and before the findings (analyze's timeline).
func (f *scanFlags) report(w io.Writer, res *engine.Result, doc report.Document, between func()) int {
	fs := res.Findings
	switch f.format {
	case "none":
	case "json":
		doc.Incidents, doc.Findings = res.Incidents, fs
		report.WriteJSON(w, doc)
	case "markdown":
		report.MarkdownVerdicts(w, res.Incidents, fs)
		report.WriteMarkdown(w, fs, f.evidence)
	default:
		report.WriteVerdicts(w, res.Incidents, fs)
		if between != nil {
			between()
		}
		fmt.Fprintln(w)
		report.WriteText(w, fs, f.evidence)
	}
	if f.failOn != "" {
		min, _ := engine.ParseSeverity(f.failOn)
		for _, x := range fs {
			if x.Severity >= min {
				return exitFindings
			}
		}
	}
	return exitOK
}

func runScan(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addScanFlags(fs)
	var limit engine.Limit
	fs.Func("from", "scan only rows at or after this time (2025-03-14, 2025-03-14T09:10:00Z, \"2025-03-14 09:10\"; UTC unless it has an offset)", func(v string) (err error) {
		limit.From, err = parseTime(v)
		return err
	})
	fs.Func("to", "scan only rows before this time (like --from)", func(v string) (err error) {
		limit.To, err = parseTime(v)
		return err
	})
	fs.StringVar(&limit.Host, "host", "", "scan only this host's rows (and rows that name no host)")
	fs.StringVar(&limit.Job, "job", "", "scan only this job's rows, by id or name (and rows that name no job)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: flinkdx scan DATASET [flags]\n\nRuns the detectors of the playbook over a dataset written by \"flinkdx ingest\",\nprints the findings and writes them to DATASET/findings/.\n\n--from, --to, --host and --job limit the scan: partition folders outside the\nlimit are not read, rows outside it are left out (tables without a time, the\nREST snapshots, are not limited by time), and the findings are printed, not\nwritten into the dataset.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nExit status: 0 done, 1 failed, 2 usage error, 4 a finding at --fail-on or worse.\n")
	}
	paths, code, done := parseCommand(fs, args, one)
	if done {
		return code
	}
	if err := sf.settle(fs); err != nil {
		fmt.Fprintf(stderr, "flinkdx scan: %v\n", err)
		return exitUsage
	}
	dir := paths[0]
	st, err := openStore(dir)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx scan: %v\n", err)
		return exitUsage
	}
	m, err := readManifest(st)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx scan: %v\n", err)
		return exitFailed
	}
	start := time.Now()
	// With a limit, folders outside it are not read, and the findings are
	// not written into the dataset, which they do not describe whole.
	res, err := engine.Scan(storeFiles{st, m}, parquetfile.Format{}, m, engine.ScanOptions{Scan: sf.cfg, Limit: limit})
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx scan: %v\n", err)
		return exitFailed
	}
	findings := res.Findings
	if !limit.Set() {
		if err := engine.AddFindings(st, parquetfile.Format{}, version, m, findings); err != nil {
			fmt.Fprintf(stderr, "flinkdx scan: %v\n", err)
			return exitFailed
		}
	}
	status := sf.report(stdout, res, report.Document{}, nil)
	if sf.format == "text" {
		secs := time.Since(start).Seconds()
		rows := res.ThisRun.Lines
		fmt.Fprintf(stdout, "\nflinkdx scan %s: %d rows in %.2fs (%.0f rows/s), %d findings\n", st, rows, secs, float64(rows)/secs, len(findings))
	}
	return status
}

// parseTime reads a --from or --to time.
func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a time: want 2025-03-14, 2025-03-14T09:10:00Z or \"2025-03-14 09:10\"", v)
}

// readManifest reads a dataset's manifest.json.
func readManifest(st store) (*engine.Manifest, error) {
	m, err := readManifestFile(st, "manifest.json")
	if err == nil && m == nil {
		err = fmt.Errorf("%s is not a dataset: it has no manifest.json", st)
	}
	return m, err
}

// readManifestFile reads a manifest of a dataset (nil if there is none).
func readManifestFile(st store, name string) (*engine.Manifest, error) {
	data, err := st.ReadFile(name)
	if isMissing(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m engine.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", st, name, err)
	}
	return &m, nil
}
