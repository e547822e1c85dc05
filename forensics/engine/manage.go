package engine

import (
	"io/fs"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/ingest"
	"github.com/flinkdx/flinkdx/forensics/scan"
	"github.com/flinkdx/flinkdx/forensics/schema"
)

// What a host does to a dataset besides running a case: its manifest,
// the shards of a sharded ingest, compaction; and what it reads of the
// rules' settings.

// CompactStats says what Compact did.
type CompactStats = ingest.CompactStats

// FileMeta is the metadata every file of a dataset carries.
func FileMeta(version string) map[string]string { return ingest.FileMeta(version) }

// Redaction names how a run treats secrets, as the manifest records it.
func Redaction(noRedact bool) string { return ingest.Redaction(noRedact) }

// ShardManifest names the manifest of one shard of a sharded ingest.
func ShardManifest(s Shard) string { return ingest.ShardManifest(s) }

// Merge merges the manifests of a dataset's shards.
func Merge(ms ...*Manifest) (*Manifest, error) { return ingest.Merge(ms...) }

// WriteManifest writes a dataset's manifest.json.
func WriteManifest(out dataset.Output, m *Manifest) error { return ingest.WriteManifest(out, m) }

// Compact rewrites a dataset's small files into larger ones.
func Compact(ds *dataset.Dataset, src fs.FS, f dataset.Format, m *Manifest) (*Manifest, CompactStats, error) {
	return ingest.Compact(ds, src, f, m)
}

// TableNames lists the tables of a dataset: ingest's, and the findings.
func TableNames() []string {
	names := []string{schema.Findings}
	for _, t := range ingest.Tables() {
		names = append(names, t.Name)
	}
	return names
}

// ParseSeverity reads info, warning or critical.
func ParseSeverity(s string) (Severity, bool) { return scan.ParseSeverity(s) }

// ParseLadder reads "rule=level,…" severity overrides into a map.
func ParseLadder(s string, into map[string]Severity) error { return scan.ParseLadder(s, into) }
