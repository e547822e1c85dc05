// Command flinkdx is an offline forensics toolkit for Apache Flink jobs.
// This file only dispatches; each subcommand has its own file.
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit statuses.
const (
	exitOK       = 0
	exitFailed   = 1 // nothing useful could be done
	exitUsage    = 2 // the command line is wrong
	exitPartial  = 3 // done, but some input could not be read to its end
	exitFindings = 4 // done, and a finding is at --fail-on or worse
)

const usage = `flinkdx: offline forensics for Apache Flink jobs

Usage:
  flinkdx ingest PATH... -o DIR    read logs and archives into a Parquet dataset
  flinkdx analyze PATH... [-o DIR] ingest, then run the detectors and print the findings (no -o: write nothing)
  flinkdx merge DIR                join the shards ingested into DIR ("ingest --shard I/N")
  flinkdx compact DIR              rewrite each partition folder's small part files as one
  flinkdx scan DIR                 run the detectors over a dataset
  flinkdx gcstats PATH...          per-JVM GC pause and throughput statistics
  flinkdx view [DIR | PATH...]     the viewer on 127.0.0.1: timeline, findings, evidence
  flinkdx version                  print the version

PATH is a file, a directory tree, or an archive (.gz .zst .bz2 .tar .tgz
.tar.zst .zip, nested); formats are told from content, not names.
Run "flinkdx COMMAND --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "ingest":
		return runIngest(args[1:], stdout, stderr, false)
	case "analyze":
		return runIngest(args[1:], stdout, stderr, true)
	case "merge":
		return runMerge(args[1:], stdout, stderr)
	case "compact":
		return runCompact(args[1:], stdout, stderr)
	case "scan":
		return runScan(args[1:], stdout, stderr)
	case "gcstats":
		return runGCStats(args[1:], stdout, stderr)
	case "view":
		return runView(args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "flinkdx %s (schema %d)\n", version, schemaVersion())
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "flinkdx: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}
