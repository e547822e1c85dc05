package dataset

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// Output is where a dataset is written: a directory on disk (DirOutput) or
// memory (MemOutput, for tests and the browser).
type Output interface {
	// Create starts a file at a slash-separated path under the dataset
	// root. It appears under that name only when committed.
	Create(name string) (OutputFile, error)
	// List names the files under a folder of the dataset, its subfolders
	// included, by their slash-separated path in it (none if it does not
	// exist).
	List(dir string) ([]string, error)
	Remove(name string) error
}

// OutputFile is a file being written.
type OutputFile interface {
	io.Writer
	// Commit makes the file visible under its name, atomically.
	Commit() error
	// CommitAs makes the file visible under another name in the same
	// folder, atomically.
	CommitAs(name string) error
	// Close finishes writing (to disk) and lets go of the file; Commit or
	// CommitAs may follow.
	Close() error
	// Abort discards the file.
	Abort()
}

// FileInfo is one Parquet file of a table.
type FileInfo struct {
	Path  string `json:"path"`
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
}

// TableInfo is what the manifest says of a table.
type TableInfo struct {
	Rows  int64      `json:"rows"`
	Files []FileInfo `json:"files"`
}

// Dataset writes tables into an Output. A table is written either whole by
// one TableWriter (Table: DIR/<table>/part-NNNNN.parquet) or unit by unit
// (Unit: a unit's rows go into Hive-style partition folders, and its part
// files are named after the unit's content when it commits).
type Dataset struct {
	out    Output
	format Format
	meta   map[string]string
	sem    chan struct{} // bounds the row groups being encoded at once
	tables map[string]*TableWriter
	order  []string
	// RowGroupsPerFile starts a new part file after this many row groups.
	RowGroupsPerFile int
	// Allocator holds batches joined from slices (table.Pool if nil).
	Allocator memory.Allocator
}

// NewDataset starts a dataset of files in format f (parquetfile.Format).
// meta is written into every file's key-value metadata. workers bounds the
// goroutines that encode row groups at once (GOMAXPROCS if 0).
func New(out Output, f Format, meta map[string]string, workers int) *Dataset {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return &Dataset{out: out, format: f, meta: meta, sem: make(chan struct{}, workers), tables: map[string]*TableWriter{}, RowGroupsPerFile: 64}
}

// mem holds the batches a unit joins from slices.
func (d *Dataset) mem() memory.Allocator {
	if d.Allocator != nil {
		return d.Allocator
	}
	return table.Pool
}

// Output is where the dataset is written.
func (d *Dataset) Output() Output { return d.out }

func (d *Dataset) newWriter(name string, s *arrow.Schema, path func(seq int) string, deferred bool) *TableWriter {
	t := &TableWriter{
		ds: d, name: name, schema: s, path: path, deferred: deferred,
		queue: make(chan *job, cap(d.sem)),
		done:  make(chan struct{}),
	}
	go t.commitLoop()
	return t
}

// Table returns the writer of a table written whole, starting it on first
// use.
func (d *Dataset) Table(name string, s *arrow.Schema) *TableWriter {
	if t, ok := d.tables[name]; ok {
		return t
	}
	t := d.newWriter(name, s, func(seq int) string { return fmt.Sprintf("%s/part-%05d.parquet", name, seq) }, false)
	d.tables[name] = t
	d.order = append(d.order, name)
	return t
}

// Empty writes a table's empty file: in the folder of its null partition
// if it has partitions, so it sits beside files written later.
func (d *Dataset) Empty(name string, s *arrow.Schema, l Layout) (FileInfo, error) {
	dir := name
	if l.Time != "" {
		dir += "/date=" + DefaultPartition
	}
	if l.Host != "" {
		dir += "/host=" + DefaultPartition
	}
	t := d.newWriter(name, s, func(int) string { return dir + "/part-empty.parquet" }, false)
	info, err := t.close()
	if err != nil {
		return FileInfo{}, err
	}
	return info.Files[0], nil
}

// Close finishes every table written whole and says what was written.
func (d *Dataset) Close() (map[string]TableInfo, error) {
	infos := map[string]TableInfo{}
	var firstErr error
	for _, name := range d.order {
		info, err := d.tables[name].close()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		infos[name] = info
	}
	return infos, firstErr
}

// Prune removes the Parquet files under the named table folders that keep
// does not hold (files of a run that was interrupted, or of an older
// layout), and temporary files left by a crash.
func (d *Dataset) Prune(tables []string, keep map[string]bool) error {
	for _, name := range tables {
		files, err := d.out.List(name)
		if err != nil {
			return err
		}
		for _, f := range files {
			p := name + "/" + f
			base := path.Base(f)
			stale := strings.HasSuffix(base, ".parquet") && !keep[p] ||
				strings.HasPrefix(base, ".") && strings.Contains(base, ".parquet.tmp-")
			if stale {
				if err := d.out.Remove(p); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// TableWriter writes batches of one table into a sequence of part files: it
// encodes row groups on up to `workers` goroutines (shared by the whole
// dataset) and writes them in order, starting a new part file every
// RowGroupsPerFile row groups. Memory is bounded by the number of batches
// in flight, never by the input.
type TableWriter struct {
	ds       *Dataset
	name     string
	schema   *arrow.Schema
	path     func(seq int) string
	deferred bool // parts are committed by their Unit, under their final names
	queue    chan *job
	done     chan struct{}
	part     *part
	parts    int

	mu       sync.Mutex
	err      error
	files    []FileInfo
	finished []*part // deferred parts, closed and waiting for their names
}

type part struct {
	path   string
	seq    int
	file   OutputFile
	buf    *bufio.Writer
	count  *countingWriter
	pq     FileWriter
	groups int
	rows   int64 // of a closed deferred part
}

type job struct {
	rec   arrow.Record
	part  *part
	close bool // no batch: close part
	res   chan encoded
}

type encoded struct {
	g   RowGroup
	err error
}

func (t *TableWriter) setErr(err error) {
	t.mu.Lock()
	if t.err == nil {
		t.err = err
	}
	t.mu.Unlock()
}

func (t *TableWriter) failed() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// Write queues a batch; the writer takes its own reference.
func (t *TableWriter) Write(rec arrow.Record) error {
	if err := t.failed(); err != nil {
		return err
	}
	if rec.NumRows() == 0 {
		return nil
	}
	if t.part != nil && t.part.groups >= t.ds.RowGroupsPerFile {
		t.queue <- &job{part: t.part, close: true}
		t.part = nil
	}
	if t.part == nil {
		if err := t.startPart(); err != nil {
			t.setErr(err)
			return err
		}
	}
	rec.Retain()
	j := &job{rec: rec, part: t.part, res: make(chan encoded, 1)}
	t.part.groups++
	t.ds.sem <- struct{}{}
	go func() {
		g, err := j.part.pq.Encode(j.rec)
		<-t.ds.sem
		j.res <- encoded{g, err}
	}()
	t.queue <- j
	return nil
}

// rest makes the open part let go of its buffers while other writers
// run, or (false) keep them again.
func (t *TableWriter) rest(on bool) {
	if t.part == nil {
		return
	}
	if on {
		t.part.pq.Rest()
	} else {
		t.part.pq.Wake()
	}
}

func (t *TableWriter) startPart() error {
	p := &part{path: t.path(t.parts), seq: t.parts}
	t.parts++
	f, err := t.ds.out.Create(p.path)
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", p.path, err)
	}
	p.file = f
	p.count = &countingWriter{w: f}
	bufSize := 1 << 20
	if t.deferred {
		// Partition folders: many may be open at once.
		bufSize = 256 << 10
	}
	p.buf = bufio.NewWriterSize(p.count, bufSize)
	p.pq, err = t.ds.format.Create(p.buf, t.name, t.schema, t.ds.meta)
	if err != nil {
		f.Abort()
		return err
	}
	t.part = p
	return nil
}

func (t *TableWriter) commitLoop() {
	defer close(t.done)
	for j := range t.queue {
		if j.close {
			t.finishPart(j.part)
			continue
		}
		r := <-j.res
		j.rec.Release()
		if t.failed() != nil {
			continue
		}
		if r.err != nil {
			t.setErr(fmt.Errorf("%s: %w", j.part.path, r.err))
			continue
		}
		if err := j.part.pq.Commit(r.g); err != nil {
			t.setErr(fmt.Errorf("%s: %w", j.part.path, err))
		}
	}
}

func (t *TableWriter) finishPart(p *part) {
	if t.failed() != nil {
		p.file.Abort()
		return
	}
	err := p.pq.Close()
	if err == nil {
		err = p.buf.Flush()
	}
	if err == nil && t.deferred {
		err = p.file.Close()
	}
	if err == nil && t.deferred {
		// The footer is written and the file closed: keep only what the
		// commit needs.
		p.rows, p.buf, p.pq = p.pq.Rows(), nil, nil
		t.mu.Lock()
		t.finished = append(t.finished, p)
		t.mu.Unlock()
		return
	}
	if err == nil {
		err = p.file.Commit()
	}
	if err != nil {
		p.file.Abort()
		t.setErr(fmt.Errorf("cannot write %s: %w", p.path, err))
		return
	}
	t.mu.Lock()
	t.files = append(t.files, FileInfo{Path: p.path, Rows: p.pq.Rows(), Bytes: p.count.n})
	t.mu.Unlock()
}

// finish closes the open part and waits for the writer to be done.
func (t *TableWriter) finish() {
	if t.part != nil {
		t.queue <- &job{part: t.part, close: true}
		t.part = nil
	}
	close(t.queue)
	<-t.done
}

// close finishes the table. A table that received no rows still gets one
// (empty) file, so readers globbing DIR/<table>/*.parquet find its schema.
func (t *TableWriter) close() (TableInfo, error) {
	if t.part == nil && t.parts == 0 && t.failed() == nil {
		if err := t.startPart(); err != nil {
			t.setErr(err)
		}
	}
	t.finish()
	info := TableInfo{Files: t.files}
	sort.Slice(info.Files, func(i, j int) bool { return info.Files[i].Path < info.Files[j].Path })
	for _, f := range info.Files {
		info.Rows += f.Rows
	}
	return info, t.failed()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Name is the table's name.
func (w *TableWriter) Name() string { return w.name }
