package ingest

import (
	"sort"
	"sync"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/table"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// A Format is a kind of text stream ingest reads: how it is told from the
// others by its first bytes, which tables it writes, and how it reads a
// stream into them. Each format is one file, format_*.go, which registers
// it; a new format touches its own file and its test only.
type Format struct {
	// Kind names the streams the format reads, as the manifest records it.
	Kind string
	// Rank orders the sniffing: the formats are asked in rising rank, and
	// the first whose Sniff says yes reads the stream. Flink logs, which
	// read any text, come last.
	Rank int
	// Sniff says a stream is of this format, from its head.
	Sniff func(h *Head) bool
	// Tables are the tables the format writes first (another format may
	// write rows into them too: a Flink log's metric reports go to the
	// metrics table).
	Tables []TableSpec
	// Read reads a stream into the lane's tables; st is its manifest entry,
	// with Path and Kind set, to fill in.
	Read func(l *lane, f *input.File, h *Head, st *Stream) error
	// Skip, if set instead of Read, says why the streams of this format
	// are not read (they are listed as skipped).
	Skip string
	// Finish, if set, adds what the format kept across a lane's streams to
	// the manifest, once every input was read (the GC statistics).
	Finish func(l *lane, m *Manifest)
}

// Head is what the formats look at to tell a stream's format: its path and
// its first bytes.
type Head struct {
	Path  string
	Bytes []byte
	// Log says the stream's name or first lines are a Flink log's.
	Log  bool
	Role flinklog.Role
	Host string
	json int8 // 0: not looked at yet, 1 yes, -1 no
}

// JSON says the stream is a JSON document (looked at once).
func (h *Head) JSON() bool {
	if h.json == 0 {
		h.json = -1
		if looksLikeJSON(h.Bytes) {
			h.json = 1
		}
	}
	return h.json > 0
}

var formats []Format

// register adds a format; each format's file calls it from init.
func register(f Format) {
	formats = append(formats, f)
	sort.SliceStable(formats, func(i, j int) bool { return formats[i].Rank < formats[j].Rank })
}

// Formats lists the formats, in the order they are asked.
func Formats() []Format { return formats }

// rawTable is the table of the lines no parser understood: every format
// writes into it, through the lane's raw builder.
var rawTable = TableSpec{Name: schema.Raw, Schema: table.RawSchema, Layout: dataset.Layout{}}

// Tables are the tables ingest writes, with their schema and layout: the
// formats' and raw.
var Tables = sync.OnceValue(func() []TableSpec {
	var ts []TableSpec
	seen := map[string]bool{}
	add := func(t TableSpec) {
		if !seen[t.Name] {
			seen[t.Name] = true
			ts = append(ts, t)
		}
	}
	for _, f := range formats {
		for _, t := range f.Tables {
			add(t)
		}
		if f.Kind == "flink-log" {
			add(rawTable)
		}
	}
	add(rawTable)
	return ts
})

// tableSpec finds a table ingest writes.
func tableSpec(name string) TableSpec {
	for _, t := range Tables() {
		if t.Name == name {
			return t
		}
	}
	panic("ingest: no table " + name)
}

// formatOf finds the format that reads a stream.
func formatOf(h *Head) *Format {
	for i := range formats {
		if formats[i].Sniff(h) {
			return &formats[i]
		}
	}
	return nil
}
