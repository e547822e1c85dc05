package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/engine"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

// runMerge joins the manifests of the shards written into one dataset
// directory (and its manifest.json, if there is one) into manifest.json.
func runMerge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	fs.Usage = func() {
		fmt.Fprintf(stderr, `Usage: flinkdx merge DIR [flags]

Joins a sharded ingest: each of N machines ran "flinkdx ingest --shard I/N"
into DIR (a shared volume, or its own directory copied into DIR afterwards:
part files are named after their content, so copies never collide). merge
checks that every file the shards' manifests list is in DIR, and writes one
manifest.json for "flinkdx scan" and the viewer.

Flags:
`)
		fs.PrintDefaults()
	}
	paths, code, done := parseCommand(fs, args, one)
	if done {
		return code
	}
	dir := paths[0]
	shards, err := filepath.Glob(filepath.Join(dir, "manifest.shard-*.json"))
	if err == nil && len(shards) == 0 {
		err = fmt.Errorf("%s holds no shard manifests (manifest.shard-I-of-N.json)", dir)
	}
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitFailed
	}
	sort.Strings(shards)
	var ms []*engine.Manifest
	if m, err := readManifestFile(dir, "manifest.json"); err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitFailed
	} else if m != nil {
		ms = append(ms, m)
	}
	of := 0
	seen := map[int]bool{}
	for _, s := range shards {
		m, err := readManifestFile(dir, filepath.Base(s))
		if err != nil {
			fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
			return exitFailed
		}
		if m.Shard == nil {
			fmt.Fprintf(stderr, "flinkdx merge: %s is not a shard's manifest\n", s)
			return exitFailed
		}
		if of != 0 && m.Shard.N != of {
			fmt.Fprintf(stderr, "flinkdx merge: %s is a shard of %d; the others are of %d\n", s, m.Shard.N, of)
			return exitFailed
		}
		of = m.Shard.N
		seen[m.Shard.I] = true
		ms = append(ms, m)
	}
	merged, err := engine.Merge(ms...)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitFailed
	}
	// Every file listed must be there, whole.
	for _, t := range merged.Tables {
		for _, f := range t.Files {
			st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path)))
			if err != nil || st.Size() != f.Bytes {
				fmt.Fprintf(stderr, "flinkdx merge: %s: missing or not the size its shard wrote (%d bytes); copy the shard's directory into %s again\n", f.Path, f.Bytes, dir)
				return exitFailed
			}
		}
	}
	out := dataset.DirOutput{Root: dir}
	if err := engine.WriteManifest(out, merged); err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitFailed
	}
	for _, s := range shards {
		os.Remove(s)
	}
	if err := prune(out, dataset.New(out, parquetfile.Format{}, nil, 1), merged); err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitFailed
	}
	if !*quiet {
		fmt.Fprintf(stdout, "flinkdx merge: %d shard manifests of %d into %s/manifest.json: %d inputs, %d lines, %d events\n",
			len(shards), of, dir, merged.Totals.Inputs, merged.Totals.Lines, merged.Totals.Events)
		if len(seen) < of {
			var missing []int
			for i := 0; i < of; i++ {
				if !seen[i] {
					missing = append(missing, i)
				}
			}
			fmt.Fprintf(stdout, "  shards not merged yet: %v (run merge again when they are in)\n", missing)
		}
	}
	return exitOK
}
