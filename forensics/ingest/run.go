package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// Shard is one of N deterministic parts of the inputs: shard I of N reads
// the rotated sets whose name hashes to I (0 <= I < N), so N machines given
// the same paths split them without talking to each other.
type Shard struct{ I, N int }

// Has says the shard reads the file named name.
func (s Shard) Has(name string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New32a()
	io.WriteString(h, input.RotationSet(name))
	return int(h.Sum32()%uint32(s.N)) == s.I
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// defaultUnitBytes is the input a unit of single files gathers before it
// is written: enough for row groups of a useful size, few enough
// partition folders at once.
const defaultUnitBytes = 16 << 20

// Ingester reads inputs into a dataset. Files are read by up to Jobs lanes
// at once, a unit (one file, or a few small ones, never splitting a rotated
// set) per lane at a time; the manifest lists everything in input order,
// and the files a unit writes are named after its content, so the dataset
// does not depend on how many lanes ran.
type Ingester struct {
	opt   Options
	ds    *dataset.Dataset
	m     Manifest
	files map[string][]dataset.FileInfo
	rows  map[string]int64 // by table, when there is no dataset
	lanes []*lane          // every lane started, for their GC statistics
	free  []*lane
	err   error
	// reader is the unit open for inputs given as streams (Reader).
	reader    *lane
	readerIns []input.Input
	observeMu sync.Mutex
	// Notable holds the first maxNotable notable events, in input order.
	Notable []Notable
}

// New starts an ingest into a dataset. With no dataset (nil) nothing is
// written: the batches only go to opt.Observe, and the manifest counts
// each table's rows (the browser's analysis, which needs no Parquet).
func New(ds *dataset.Dataset, opt Options) *Ingester {
	if opt.BatchRows <= 0 {
		opt.BatchRows = 65536
	}
	if opt.BatchBytes <= 0 {
		opt.BatchBytes = 32 << 20
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.Allocator == nil {
		opt.Allocator = table.Pool
	}
	if opt.Jobs <= 0 {
		opt.Jobs = runtime.GOMAXPROCS(0)
	}
	if opt.UnitBytes <= 0 {
		opt.UnitBytes = defaultUnitBytes
	}
	in := &Ingester{opt: opt, ds: ds, files: map[string][]dataset.FileInfo{}, rows: map[string]int64{}}
	if obs := opt.Observe; obs != nil && opt.Jobs > 1 {
		// Lanes hand batches over one at a time.
		in.opt.Observe = func(t string, rec arrow.Record) {
			in.observeMu.Lock()
			defer in.observeMu.Unlock()
			obs(t, rec)
		}
	}
	in.m = Manifest{
		Tool: "flinkdx", Version: opt.Version, SchemaVersion: SchemaVersion,
		Timezone: opt.Location.String(),
		Inputs:   []input.Input{}, Streams: []Stream{}, Skipped: []Skipped{}, Errors: []Failure{},
	}
	if opt.Shard.N > 1 {
		s := opt.Shard
		in.m.Shard = &s
	}
	in.m.Redaction = Redaction(opt.NoRedact)
	return in
}

func (in *Ingester) lane() *lane {
	if n := len(in.free); n > 0 {
		l := in.free[n-1]
		in.free = in.free[:n-1]
		return l
	}
	l := newLane(in.opt)
	in.lanes = append(in.lanes, l)
	return l
}

// unitResult is what a lane read from one unit.
type unitResult struct {
	inputs  []input.Input
	m       Manifest // streams, skips, failures
	notable []Notable
	files   map[string][]dataset.FileInfo
	rows    map[string]int64 // by table, when there is no dataset
	err     error
}

// begin starts a unit on a lane (of ds, if not nil).
func (l *lane) begin(ds *dataset.Dataset) {
	l.unit, l.rows = nil, map[string]int64{}
	if ds != nil {
		l.unit = ds.Unit()
		l.unit.GroupRows = l.opt.BatchRows
	}
	l.m = Manifest{}
	l.Notable = nil
	l.err = nil
	// Batches wait for the writer goroutine two at most.
	l.pipe, l.piped = make(chan batch, 2), make(chan struct{})
	go l.writeBatches(l.pipe, l.piped)
}

// end writes a unit's last batches and commits its files under a name made
// from its inputs' content.
func (l *lane) end(inputs []input.Input) unitResult {
	l.flushAll()
	close(l.pipe)
	<-l.piped
	r := unitResult{inputs: inputs, m: l.m, notable: l.Notable, rows: l.rows, err: l.err}
	switch {
	case l.unit == nil:
	case r.err != nil:
		l.unit.Abort()
	default:
		r.files, r.err = l.unit.Commit(unitID(inputs))
	}
	l.unit = nil
	return r
}

// unitID names a unit's files: a digest of its inputs' names and content.
func unitID(inputs []input.Input) string {
	h := sha256.New()
	for _, i := range inputs {
		fmt.Fprintf(h, "%s\x00%s\x00", i.Path, i.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func (in *Ingester) add(r unitResult) {
	in.m.Inputs = append(in.m.Inputs, r.inputs...)
	in.m.Streams = append(in.m.Streams, r.m.Streams...)
	in.m.Skipped = append(in.m.Skipped, r.m.Skipped...)
	in.m.Errors = append(in.m.Errors, r.m.Errors...)
	in.m.Totals.Redacted += r.m.Totals.Redacted
	in.m.Totals.NotUTF8 += r.m.Totals.NotUTF8
	for _, n := range r.notable {
		if len(in.Notable) < maxNotable {
			in.Notable = append(in.Notable, n)
		}
	}
	for t, fs := range r.files {
		in.files[t] = append(in.files[t], fs...)
	}
	for t, n := range r.rows {
		in.rows[t] += n
	}
	if r.err != nil && in.err == nil {
		in.err = r.err
	}
}

// Files reads the named files and directory trees of a walker's file
// system: those of this shard, and not already in the dataset.
func (in *Ingester) Files(w *input.Walker, paths []string) {
	files, errs := w.Files(paths)
	for _, err := range errs {
		in.m.Errors = append(in.m.Errors, Failure{Path: "", Error: err.Error()})
	}
	files = in.pick(w, files)
	units := in.units(w, files)
	results := make([]unitResult, len(units))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(in.opt.Jobs, len(units)) {
		l := in.lane()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				l.begin(in.ds)
				var ins []input.Input
				for _, name := range units[i] {
					ins = append(ins, w.Read(name, l))
				}
				results[i] = l.end(ins)
			}
		}()
		defer func() { in.free = append(in.free, l) }()
	}
	for i := range units {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, r := range results {
		in.add(r)
	}
}

// pick drops the files of other shards and those whose content the dataset
// holds already (only files of a size seen before are hashed to check).
func (in *Ingester) pick(w *input.Walker, files []string) []string {
	known := map[string]bool{}
	sizes := map[int64]bool{}
	for _, k := range in.opt.Known {
		if k.Error == "" {
			known[k.SHA256] = true
			sizes[k.Size] = true
		}
	}
	var out []string
	for _, f := range files {
		if !in.opt.Shard.Has(f) {
			continue
		}
		if len(known) > 0 {
			if info, err := fs.Stat(w.FS, f); err == nil && sizes[info.Size()] {
				if sum, err := hashFile(w.FS, f); err == nil && known[sum] {
					in.m.Totals.Unchanged++
					continue
				}
			}
		}
		out = append(out, f)
	}
	return out
}

func hashFile(fsys fs.FS, name string) (string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// units groups files, in order, into units: a rotated set of several
// files is a unit of its own (its GC log parser carries state from one
// file to the next, and its rows fill the folders of one host), and single
// files are gathered until they hold about UnitBytes (of compressed input,
// when compressed).
func (in *Ingester) units(w *input.Walker, files []string) [][]string {
	var units [][]string
	var cur []string
	var size int64
	for i := 0; i < len(files); {
		set := input.RotationSet(files[i])
		j := i + 1
		for j < len(files) && input.RotationSet(files[j]) == set {
			j++
		}
		if j-i > 1 {
			if len(cur) > 0 {
				units = append(units, cur)
				cur, size = nil, 0
			}
			units = append(units, files[i:j])
			i = j
			continue
		}
		cur = append(cur, files[i])
		if info, err := fs.Stat(w.FS, files[i]); err == nil {
			size += info.Size()
		}
		if size >= in.opt.UnitBytes {
			units = append(units, cur)
			cur, size = nil, 0
		}
		i = j
	}
	if len(cur) > 0 {
		units = append(units, cur)
	}
	return units
}

// Reader reads one input given as a stream (the browser, HTTP bodies).
// Such inputs make one unit, written when the ingest finishes.
func (in *Ingester) Reader(name string, r io.Reader) {
	if in.reader == nil {
		in.reader = in.lane()
		in.reader.begin(in.ds)
	}
	in.readerIns = append(in.readerIns, input.Read(name, r, in.reader, in.opt.Input, nil))
}

// Finish writes the last batches, closes the dataset and returns the
// manifest (also written as manifest.json into out, unless there is no
// dataset).
func (in *Ingester) Finish(out dataset.Output) (*Manifest, error) {
	if in.reader != nil {
		in.add(in.reader.end(in.readerIns))
		in.reader = nil
	}
	for _, l := range in.lanes {
		l.release()
		for _, f := range formats {
			if f.Finish != nil {
				f.Finish(l, &in.m)
			}
		}
	}
	sort.SliceStable(in.m.GC, func(i, j int) bool { return in.m.GC[i].JVM < in.m.GC[j].JVM })
	if in.opt.Finally != nil {
		if err := in.opt.Finally(in.ds); err != nil && in.err == nil {
			in.err = err
		}
	}
	if in.ds == nil {
		in.m.Tables = map[string]dataset.TableInfo{}
		for _, t := range Tables() {
			in.m.Tables[t.Name] = dataset.TableInfo{Rows: in.rows[t.Name], Files: []dataset.FileInfo{}}
		}
		in.m.total()
		return &in.m, in.err
	}
	tables, err := in.ds.Close()
	if err == nil {
		err = in.err
	}
	for _, t := range Tables() {
		tables[t.Name] = dataset.TableInfo{Files: in.files[t.Name]}
	}
	in.m.Tables = tables
	in.m.total()
	m := &in.m
	if prev := in.opt.Previous; prev != nil && err == nil {
		merged, merr := Merge(prev, m)
		if merr != nil {
			err = merr
		} else {
			merged.Shard, merged.Totals.Unchanged = m.Shard, m.Totals.Unchanged
			m = merged
		}
	}
	if err == nil {
		err = m.placeholders(in.ds)
	}
	m.total()
	if err != nil {
		return m, err
	}
	name := "manifest.json"
	if m.Shard != nil {
		name = ShardManifest(*m.Shard)
	}
	if err := WriteManifestAs(out, name, m); err != nil {
		return m, err
	}
	return m, nil
}

// ThisRun sums up what this run read (Finish's manifest sums up the whole
// dataset when the run added to one).
func (in *Ingester) ThisRun() Totals { return in.m.Totals }

// placeholders gives every table of ingest with no file an empty one, in
// its null partition, so a reader globbing the table finds its schema.
func (m *Manifest) placeholders(ds *dataset.Dataset) error {
	for _, t := range Tables() {
		info := m.Tables[t.Name]
		if len(info.Files) > 0 {
			continue
		}
		f, err := ds.Empty(t.Name, t.Schema, t.Layout)
		if err != nil {
			return err
		}
		m.Tables[t.Name] = dataset.TableInfo{Files: []dataset.FileInfo{f}}
	}
	return nil
}

// total sums up the manifest's tables and streams.
func (m *Manifest) total() {
	for name, info := range m.Tables {
		if len(info.Files) == 0 {
			continue // no dataset: the rows were counted as they went by
		}
		info.Rows = 0
		sort.Slice(info.Files, func(i, j int) bool { return info.Files[i].Path < info.Files[j].Path })
		for _, f := range info.Files {
			info.Rows += f.Rows
		}
		m.Tables[name] = info
	}
	t := &m.Totals
	t.Inputs = len(m.Inputs)
	t.Bytes, t.Lines, t.Text, t.Events, t.Unparsed = 0, 0, 0, 0, 0
	for _, i := range m.Inputs {
		t.Bytes += i.Size
	}
	t.Streams = len(m.Streams)
	for _, s := range m.Streams {
		t.Lines += s.Lines
		t.Text += s.Bytes
		t.Events += s.Events
		t.Unparsed += s.Unparsed
	}
	t.Skipped, t.Errors = len(m.Skipped), len(m.Errors)
}
