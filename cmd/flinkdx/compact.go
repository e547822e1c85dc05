package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

func runCompact(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	compression := fs.String("compression", "zstd", "compression of the rewritten files' pages: "+strings.Join(parquetfile.Codecs, ", "))
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: flinkdx compact DIR [flags]

Rewrites the part files of each partition folder of a dataset that holds
more than one as one file with large row groups: each ingest run, each
unit of input and each shard writes its own files, and weeks of
incremental runs leave many small ones, which Spark, Trino and DuckDB open
one by one. The rows, the manifest's inputs and what "flinkdx scan" finds
stay the same. The new files are listed in manifest.json before the old
ones are removed, so a run that dies leaves the dataset its manifest
describes as it was (the next flinkdx run removes what it left).

Flags:
`)
		fs.PrintDefaults()
	}
	paths, code, done := parseCommand(fs, args, one)
	if done {
		return code
	}
	dir := paths[0]
	fail := func(err error) int {
		fmt.Fprintf(stderr, "flinkdx compact: %v\n", err)
		return exitFailed
	}
	if err := parquetfile.CheckCodec(*compression); err != nil {
		fmt.Fprintf(stderr, "flinkdx compact: --compression: %v\n", err)
		return exitUsage
	}
	st, err := openStore(dir)
	if err != nil {
		return fail(err)
	}
	if shards, _ := st.Shards(); len(shards) > 0 {
		return fail(fmt.Errorf("%s holds shards not merged yet (%s): run flinkdx merge first", st, shards[0]))
	}
	m, err := readManifestFile(st, "manifest.json")
	if err != nil {
		return fail(err)
	}
	if m == nil {
		return fail(fmt.Errorf("%s is not a dataset (no manifest.json)", st))
	}
	if m.SchemaVersion != engine.SchemaVersion {
		return fail(fmt.Errorf("the dataset has schema version %d; this flinkdx writes %d", m.SchemaVersion, engine.SchemaVersion))
	}
	ds := dataset.New(st, parquetfile.Format{Codec: *compression}, engine.FileMeta(version), 0)
	compacted, stats, err := engine.Compact(ds, st.FS(), parquetfile.Format{}, m)
	if err != nil {
		return fail(err)
	}
	if stats.Folders > 0 {
		if err := engine.WriteManifest(st, compacted); err != nil {
			return fail(err)
		}
		if err := prune(st, ds, compacted); err != nil {
			return fail(err)
		}
	}
	if !*quiet {
		fmt.Fprintf(stdout, "flinkdx compact: %d folders of %s: %d files → %d (%d rows rewritten)\n",
			stats.Folders, st, stats.FilesBefore, stats.FilesAfter, stats.Rows)
	}
	return exitOK
}
