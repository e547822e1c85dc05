package main

import (
	"flag"
	"fmt"
	"io"
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
	st, err := openStore(dir)
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitUsage
	}
	shards, err := st.Shards()
	if err == nil && len(shards) == 0 {
		err = fmt.Errorf("%s holds no shard manifests (manifest.shard-I-of-N.json)", dir)
	}
	if err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitFailed
	}
	sort.Strings(shards)
	var ms []*engine.Manifest
	if m, err := readManifestFile(st, "manifest.json"); err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitFailed
	} else if m != nil {
		ms = append(ms, m)
	}
	of := 0
	seen := map[int]bool{}
	for _, s := range shards {
		m, err := readManifestFile(st, s)
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
			size, err := st.Size(f.Path)
			if err != nil || size != f.Bytes {
				fmt.Fprintf(stderr, "flinkdx merge: %s: missing or not the size its shard wrote (%d bytes); copy the shard's directory into %s again\n", f.Path, f.Bytes, dir)
				return exitFailed
			}
		}
	}
	if err := engine.WriteManifest(st, merged); err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitFailed
	}
	for _, s := range shards {
		st.Remove(s)
	}
	if err := prune(st, dataset.New(st, parquetfile.Format{}, nil, 1), merged); err != nil {
		fmt.Fprintf(stderr, "flinkdx merge: %v\n", err)
		return exitFailed
	}
	if !*quiet {
		fmt.Fprintf(stdout, "flinkdx merge: %d shard manifests of %d into %s/manifest.json: %d inputs, %d lines, %d events\n",
			len(shards), of, st, merged.Totals.Inputs, merged.Totals.Lines, merged.Totals.Events)
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
