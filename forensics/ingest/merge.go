package ingest

import (
	"fmt"
	"path"
	"sort"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/input"
)

// ShardManifest is the name of the manifest a shard writes.
func ShardManifest(s Shard) string { return fmt.Sprintf("manifest.shard-%d-of-%d.json", s.I, s.N) }

// Compatible says whether rows of a run with this schema version and time
// zone may join the dataset m describes.
func (m *Manifest) Compatible(schemaVersion int, timezone, redaction string) error {
	if m.Redaction != redaction {
		return fmt.Errorf("the dataset's secrets were %s; this run's would be %s", m.Redaction, redaction)
	}
	if m.SchemaVersion != schemaVersion {
		return fmt.Errorf("the dataset has schema version %d; this flinkdx writes %d", m.SchemaVersion, schemaVersion)
	}
	if m.Timezone != timezone {
		return fmt.Errorf("the dataset's log times were read in time zone %s, not %s", m.Timezone, timezone)
	}
	return nil
}

// Merge combines manifests of one dataset: an earlier run and the one that
// added to it, or the shards of a sharded ingest. Inputs are listed once
// (by path and content), a file that two manifests list (the same unit
// read twice) once, and an empty placeholder file only while its table
// has no other.
func Merge(ms ...*Manifest) (*Manifest, error) {
	if len(ms) == 0 {
		return nil, fmt.Errorf("nothing to merge")
	}
	first := ms[0]
	out := &Manifest{
		Tool: first.Tool, Version: first.Version, SchemaVersion: first.SchemaVersion, Timezone: first.Timezone, Redaction: first.Redaction,
		Inputs: []input.Input{}, Streams: []Stream{}, Skipped: []Skipped{}, Errors: []Failure{},
		Tables: map[string]dataset.TableInfo{},
	}
	seenInput := map[[2]string]bool{}
	seenFile := map[string]bool{}
	for _, m := range ms {
		if err := m.Compatible(first.SchemaVersion, first.Timezone, first.Redaction); err != nil {
			return nil, err
		}
		out.Version = m.Version
		for _, i := range m.Inputs {
			k := [2]string{i.Path, i.SHA256}
			if !seenInput[k] {
				seenInput[k] = true
				out.Inputs = append(out.Inputs, i)
			}
		}
		out.Streams = append(out.Streams, m.Streams...)
		out.Skipped = append(out.Skipped, m.Skipped...)
		out.Errors = append(out.Errors, m.Errors...)
		out.GC = append(out.GC, m.GC...)
		out.Totals.Unchanged += m.Totals.Unchanged
		out.Totals.Redacted += m.Totals.Redacted
		out.Totals.NotUTF8 += m.Totals.NotUTF8
		for name, info := range m.Tables {
			t := out.Tables[name]
			for _, f := range info.Files {
				if !seenFile[f.Path] {
					seenFile[f.Path] = true
					t.Files = append(t.Files, f)
				}
			}
			out.Tables[name] = t
		}
	}
	for name, t := range out.Tables {
		if len(t.Files) > 1 {
			kept := t.Files[:0]
			for _, f := range t.Files {
				if !(IsPlaceholder(f.Path) && f.Rows == 0) {
					kept = append(kept, f)
				}
			}
			t.Files = kept
			out.Tables[name] = t
		}
	}
	sort.SliceStable(out.GC, func(i, j int) bool { return out.GC[i].JVM < out.GC[j].JVM })
	out.total()
	return out, nil
}

// IsPlaceholder says a dataset file is the empty file a table with no rows
// gets.
func IsPlaceholder(p string) bool { return path.Base(p) == "part-empty.parquet" }

// Files lists every file the manifest holds, by path in the dataset.
func (m *Manifest) Files() map[string]bool {
	keep := map[string]bool{}
	for _, t := range m.Tables {
		for _, f := range t.Files {
			keep[f.Path] = true
		}
	}
	return keep
}
