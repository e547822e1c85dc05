package table

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
)

// maxOpenFolders bounds the partition folders of one table a unit writes
// at once; the least recently written is closed when another one opens (a
// later batch for it starts a new part file). Each open folder holds a
// Parquet writer's column buffers.
const maxOpenFolders = 4

// pendingID stands for a unit's id in the names of its part files until
// it commits; EscapePartition never makes braces.
const pendingID = "{unit}"

// Unit writes the rows read from one unit of input (a file, or a group of
// small files) into partition folders. Its part files stay invisible until
// Commit names them after the unit's content:
//
//	<table>/date=2024-03-01/host=tm-1/part-<id>-0000.parquet
//
// so re-reading the same input gives the same files, two units never write
// the same file, and a run that dies leaves no part file half-written or
// unaccounted for. A Unit is used by one goroutine.
type Unit struct {
	ds     *Dataset
	tables map[string]*unitTable
	order  []string
	runs   []run
}

type unitTable struct {
	name   string
	schema *arrow.Schema
	p      partitioner
	open   []*unitFolder // most recently written last
	seq    map[string]int
	all    []*TableWriter
}

type unitFolder struct {
	folder string
	w      *TableWriter
}

// Unit starts a unit.
func (d *Dataset) Unit() *Unit { return &Unit{ds: d, tables: map[string]*unitTable{}} }

// Write adds a batch of a table laid out by layout.
func (u *Unit) Write(name string, s *arrow.Schema, layout Layout, rec arrow.Record) error {
	if rec.NumRows() == 0 {
		return nil
	}
	t, ok := u.tables[name]
	if !ok {
		t = &unitTable{name: name, schema: s, p: partitioner{layout: layout}, seq: map[string]int{}}
		u.tables[name] = t
		u.order = append(u.order, name)
	}
	var err error
	u.runs, err = t.p.runs(rec, u.runs)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
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

func (u *Unit) writer(t *unitTable, folder string) *TableWriter {
	if n := len(t.open); n > 0 && t.open[n-1].folder == folder {
		return t.open[n-1].w
	}
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
	t.open = append(t.open, &unitFolder{folder: folder, w: w})
	t.all = append(t.all, w)
	return w
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
