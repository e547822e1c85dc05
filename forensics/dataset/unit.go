package dataset

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
)

// maxOpenFolders bounds the partition folders of one table a unit keeps a
// part file open in; the least recently written is closed when another
// one opens (a later batch for it starts a new part file). Each open
// folder holds a file descriptor (Go raises the soft limit to the hard one).
const maxOpenFolders = 64

// pendingID stands for a unit's id in the names of its part files until
// it commits; EscapePartition never makes braces.
const pendingID = "{unit}"

// Pending says a file is a unit's part file, created under a name that
// changes when the unit commits (OutputFile.CommitAs): an Output that
// cannot rename writes it aside until then.
func Pending(name string) bool { return strings.Contains(name, pendingID) }

// Unit writes the rows read from one unit of input (a file, or a group of
// small files) into partition folders. Its part files stay invisible until
// Commit names them after the unit's content:
//
//	<table>/date=2024-03-01/host=tm-1/part-<id>-0000.parquet
//
// so re-reading the same input gives the same files, two units never write
// the same file, and a run that dies leaves no part file half-written or
// unaccounted for. A Unit is used by one goroutine.
//
// Rows of several folders may alternate (a scrape of twenty hosts, a
// JobManager's events about each TaskManager): each folder's rows wait in
// slices of their batches until it has a row group's worth, or until the
// rows waiting in all folders reach twice that, when every folder writes
// what it has. Memory stays bounded, and row groups stay large.
type Unit struct {
	ds     *Dataset
	tables map[string]*unitTable
	order  []string
	runs   []run
	// GroupRows is the rows a folder gathers before it writes them as
	// a row group (65536 if 0).
	GroupRows int
	// Gather makes even a batch that is all one folder's wait for a row
	// group's worth (small batches: files being compacted).
	Gather bool
}

type unitTable struct {
	name    string
	schema  *arrow.Schema
	p       partitioner
	open    []*unitFolder // most recently written last
	seq     map[string]int
	all     []*TableWriter
	pending map[string]*pendingRows
	waiting int // rows pending in all folders
	folders []string
	tick    int // writes to the table's folders
}

type pendingRows struct {
	pieces []pendingPiece
	rows   int
}

// pendingPiece is rows of one batch waiting for a folder.
type pendingPiece struct {
	rec  arrow.Record // retained
	runs []run
}

type unitFolder struct {
	folder string
	w      *TableWriter
	last   int // the table's write count when it was last written
}

// Unit starts a unit.
func (d *Dataset) Unit() *Unit { return &Unit{ds: d, tables: map[string]*unitTable{}} }

func (u *Unit) groupRows() int {
	if u.GroupRows > 0 {
		return u.GroupRows
	}
	return 65536
}

// Write adds a batch of a table laid out by layout.
func (u *Unit) Write(name string, s *arrow.Schema, layout Layout, rec arrow.Record) error {
	if rec.NumRows() == 0 {
		return nil
	}
	t, ok := u.tables[name]
	if !ok {
		t = &unitTable{name: name, schema: s, p: partitioner{layout: layout}, seq: map[string]int{}, pending: map[string]*pendingRows{}}
		u.tables[name] = t
		u.order = append(u.order, name)
	}
	var err error
	u.runs, err = t.p.runs(rec, u.runs)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if !u.Gather && u.eachFolderOnce(t) {
		// Each folder has one run of the batch, and nothing waits there
		// (the whole batch is one folder's, or a log read in time order
		// passed midnight): each run is written as it is, and what waits
		// elsewhere is of folders this batch left behind.
		if err := u.flushAll(t); err != nil {
			return err
		}
		for _, r := range u.runs {
			w := u.writer(t, r.folder)
			if r.start == 0 && r.end == int(rec.NumRows()) {
				err = w.Write(rec)
			} else {
				part := rec.NewSlice(int64(r.start), int64(r.end))
				err = w.Write(part)
				part.Release()
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range u.runs {
		p := t.pending[r.folder]
		if p == nil {
			p = &pendingRows{}
			t.pending[r.folder] = p
			t.folders = append(t.folders, r.folder)
		}
		if k := len(p.pieces); k > 0 && p.pieces[k-1].rec == rec {
			p.pieces[k-1].runs = append(p.pieces[k-1].runs, r)
		} else {
			rec.Retain()
			p.pieces = append(p.pieces, pendingPiece{rec: rec, runs: []run{r}})
		}
		p.rows += r.end - r.start
		t.waiting += r.end - r.start
		if p.rows >= u.groupRows() {
			if err := u.flush(t, r.folder); err != nil {
				return err
			}
		}
	}
	if t.waiting >= 2*u.groupRows() {
		return u.flushAll(t)
	}
	// Folders this batch has no rows for are not waited for: their rows
	// would hold the batches they are in (a day that has passed).
	kept := t.folders[:0]
	for _, f := range t.folders {
		p := t.pending[f]
		if p == nil || slices.Contains(kept, f) {
			continue
		}
		if p.pieces[len(p.pieces)-1].rec != rec {
			if err := u.flush(t, f); err != nil {
				return err
			}
			continue
		}
		kept = append(kept, f)
	}
	t.folders = kept
	return nil
}

// eachFolderOnce says every folder of the batch's runs has one run, few
// runs in all, and no rows waiting.
func (u *Unit) eachFolderOnce(t *unitTable) bool {
	if len(u.runs) > 4 {
		return false
	}
	for i, r := range u.runs {
		if t.pending[r.folder] != nil {
			return false
		}
		for _, q := range u.runs[:i] {
			if q.folder == r.folder {
				return false
			}
		}
	}
	return true
}

// flush writes the rows waiting for a folder as one batch.
func (u *Unit) flush(t *unitTable, folder string) error {
	p := t.pending[folder]
	if p == nil {
		return nil
	}
	delete(t.pending, folder)
	t.waiting -= p.rows
	recs := make([]arrow.Record, 0, len(p.pieces))
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	for _, piece := range p.pieces {
		var r arrow.Record
		if len(piece.runs) == 1 && piece.runs[0].start == 0 && piece.runs[0].end == int(piece.rec.NumRows()) {
			r = piece.rec
			r.Retain()
		} else {
			var err error
			if r, err = gather(u.ds.mem(), piece.rec, piece.runs); err != nil {
				for _, q := range p.pieces {
					q.rec.Release()
				}
				return fmt.Errorf("%s: cannot gather rows of %s: %w", t.name, folder, err)
			}
		}
		recs = append(recs, r)
	}
	for _, piece := range p.pieces {
		piece.rec.Release()
	}
	rec := recs[0]
	if len(recs) > 1 {
		cols := make([]arrow.Array, len(t.schema.Fields()))
		for c := range cols {
			parts := make([]arrow.Array, len(recs))
			for k, r := range recs {
				parts[k] = r.Column(c)
			}
			col, err := array.Concatenate(parts, u.ds.mem())
			if err != nil {
				for _, done := range cols[:c] {
					done.Release()
				}
				return fmt.Errorf("%s: cannot join rows of %s: %w", t.name, folder, err)
			}
			cols[c] = col
		}
		rec = array.NewRecord(t.schema, cols, int64(p.rows))
		for _, c := range cols {
			c.Release()
		}
		defer rec.Release()
	}
	return u.writer(t, folder).Write(rec)
}

// flushAll writes every folder's waiting rows, in the order the folders
// first had rows waiting.
func (u *Unit) flushAll(t *unitTable) error {
	folders := t.folders
	t.folders = nil
	for _, f := range folders {
		if err := u.flush(t, f); err != nil {
			return err
		}
	}
	return nil
}

func (u *Unit) writer(t *unitTable, folder string) *TableWriter {
	t.tick++
	if n := len(t.open); n > 0 && t.open[n-1].folder == folder {
		t.open[n-1].last = t.tick
		return t.open[n-1].w
	}
	defer t.closeIdle()
	// Another folder: the one written until now rests (lets go of its
	// buffers) until it is written again.
	if n := len(t.open); n > 0 {
		t.open[n-1].w.rest(true)
	}
	for i, f := range t.open {
		if f.folder == folder {
			copy(t.open[i:], t.open[i+1:])
			t.open[len(t.open)-1] = f
			f.w.rest(false)
			f.last = t.tick
			return f.w
		}
	}
	if len(t.open) == maxOpenFolders {
		t.open[0].w.finish()
		t.open = append(t.open[:0], t.open[1:]...)
	}
	dir := t.name
	if folder != "" {
		dir += "/" + folder
	}
	w := u.ds.newWriter(t.name, t.schema, func(int) string {
		// Parts of a folder opened again continue its numbering. The id
		// is not known yet: the file is created in its folder and named
		// when the unit commits.
		n := t.seq[folder]
		t.seq[folder]++
		return fmt.Sprintf("%s/part-%s-%04d.parquet", dir, pendingID, n)
	}, true)
	t.open = append(t.open, &unitFolder{folder: folder, w: w, last: t.tick})
	t.all = append(t.all, w)
	return w
}

// closeIdle closes the folders not written for a while: twice as many
// writes as there are open folders, and some. A day that has passed in a
// log read in time order is closed soon after; folders whose rows
// alternate (a scrape of every host) are each written once a round and
// stay open.
func (t *unitTable) closeIdle() {
	limit := 2*len(t.open) + 8
	kept := t.open[:0]
	for k, f := range t.open {
		if k < len(t.open)-1 && t.tick-f.last > limit {
			f.w.finish()
			continue
		}
		kept = append(kept, f)
	}
	clear(t.open[len(kept):])
	t.open = kept
}

// Commit finishes the unit and names its part files after id (a digest of
// the unit's content). It returns the files written, by table.
func (u *Unit) Commit(id string) (map[string][]FileInfo, error) {
	u.finish()
	var firstErr error
	files := map[string][]FileInfo{}
	for _, name := range u.order {
		t := u.tables[name]
		for _, w := range t.all {
			if err := w.failed(); err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			for _, p := range w.finished {
				final := strings.Replace(p.path, pendingID, id, 1)
				if firstErr != nil {
					p.file.Abort()
					continue
				}
				if err := p.file.CommitAs(final); err != nil {
					p.file.Abort()
					firstErr = fmt.Errorf("cannot write %s: %w", final, err)
					continue
				}
				files[name] = append(files[name], FileInfo{Path: final, Rows: p.rows, Bytes: p.count.n})
			}
		}
		sort.Slice(files[name], func(i, j int) bool { return files[name][i].Path < files[name][j].Path })
	}
	if firstErr != nil {
		u.abortFinished()
	}
	return files, firstErr
}

// Abort finishes the unit and discards everything it wrote.
func (u *Unit) Abort() {
	u.finish()
	u.abortFinished()
}

func (u *Unit) finish() {
	for _, name := range u.order {
		t := u.tables[name]
		if err := u.flushAll(t); err != nil {
			for _, w := range t.all {
				w.setErr(err)
			}
		}
		for _, f := range t.open {
			f.w.finish()
		}
		t.open = nil
	}
}

func (u *Unit) abortFinished() {
	for _, t := range u.tables {
		for _, w := range t.all {
			for _, p := range w.finished {
				p.file.Abort()
			}
			w.finished = nil
		}
	}
}
