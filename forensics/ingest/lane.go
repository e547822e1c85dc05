package ingest

import (
	"bytes"
	"io"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/redact"
	"github.com/flinkdx/flinkdx/forensics/table"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// lane reads inputs one after another into units of the dataset: it is
// the input.Handler of the walk, hands each text stream to its format, and
// holds the tables' builders, which the formats make the first time they
// need them. An Ingester runs one lane per file read at once.
type lane struct {
	opt  Options
	unit *dataset.Unit // nil: no dataset, rows are only counted
	rows map[string]int64
	// raw takes the lines no parser understood, from every format.
	raw *table.RawBuilder
	// builders holds the tables' builders by table, in the order made.
	builders map[string]table.Builder
	order    []string
	// state holds what each format keeps between streams (its parsers),
	// by format.
	state map[string]any
	// secretArg says the last Flink log event was a secret flag of the
	// "Program Arguments:" banner ("--password"): the next one is its
	// value.
	secretArg bool
	// m collects the streams, skips and failures of the input being read;
	// the writer goroutine owns its redaction and UTF-8 counts until the
	// unit ends.
	m        Manifest
	redactor redact.Redactor
	pipe     chan batch
	piped    chan struct{}
	err      error
	path     string
	// Notable holds the notable events of the input being read.
	Notable []Notable
}

var _ input.Handler = (*lane)(nil)

func newLane(opt Options) *lane {
	l := &lane{opt: opt, builders: map[string]table.Builder{}, state: map[string]any{}}
	l.raw = table.NewRawBuilder(opt.Allocator)
	l.builders[schema.Raw], l.order = l.raw, []string{schema.Raw}
	return l
}

// builderOf returns the lane's builder of a table, made by mk the first
// time it is asked for.
func builderOf[B table.Builder](l *lane, name string, mk func() B) B {
	if b, ok := l.builders[name]; ok {
		return b.(B)
	}
	b := mk()
	l.builders[name] = b
	// raw last: a batch's unparsed lines go out after its rows.
	l.order = append(l.order[:len(l.order)-1], name, schema.Raw)
	return b
}

// stateOf returns what a format keeps on the lane, made by mk the first
// time it is asked for.
func stateOf[T any](l *lane, format string, mk func() *T) *T {
	if s, ok := l.state[format]; ok {
		return s.(*T)
	}
	s := mk()
	l.state[format] = s
	return s
}

// cut writes a table's batch when it is full.
func (l *lane) cut(name string) {
	if b := l.builders[name]; b != nil && l.full(b) {
		l.flush(name)
	}
}

// full says a builder holds a whole batch. (The sinks of the big tables
// test their own builder after each row: no lookup, no call through an
// interface.)
func (l *lane) full(b table.Builder) bool {
	return b.Rows() >= l.opt.BatchRows || b.Size() >= l.opt.BatchBytes
}

// cutRaw writes the raw table's batch when it is full.
func (l *lane) cutRaw() {
	if l.full(l.raw) {
		l.flush(schema.Raw)
	}
}

// cutAll writes every full batch.
func (l *lane) cutAll() {
	for _, name := range l.order {
		l.cut(name)
	}
}

// flush writes a table's batch, if it has rows.
func (l *lane) flush(name string) {
	b := l.builders[name]
	if b == nil || b.Rows() == 0 {
		return
	}
	rec := b.NewRecord()
	l.write(name, rec)
	rec.Release()
}

func (l *lane) flushAll() {
	for _, name := range l.order {
		l.flush(name)
	}
}

// release frees the builders.
func (l *lane) release() {
	for _, name := range l.order {
		l.builders[name].Release()
	}
}

// write hands a batch to the lane's writer goroutine, which works on it
// while the lane parses on.
func (l *lane) write(name string, rec arrow.Record) {
	rec.Retain()
	l.pipe <- batch{name, rec}
}

// batch is a table's batch on its way to the unit.
type batch struct {
	table string
	rec   arrow.Record
}

// writeBatches is the lane's writer goroutine: each batch, in order, gets
// its strings made UTF-8 and its secrets masked (unless NoRedact), goes to
// the observer and into the unit being written.
func (l *lane) writeBatches(pipe <-chan batch, done chan<- struct{}) {
	for b := range pipe {
		l.process(b.table, b.rec)
		b.rec.Release()
	}
	close(done)
}

func (l *lane) process(name string, rec arrow.Record) {
	t := tableSpec(name)
	rec, fixed := validUTF8(l.opt.Allocator, rec)
	l.m.Totals.NotUTF8 += int64(fixed)
	defer rec.Release()
	if !l.opt.NoRedact {
		var n int
		rec, n = redactRecord(&l.redactor, l.opt.Allocator, rec, t.Secrets)
		l.m.Totals.Redacted += int64(n)
		defer rec.Release()
	}
	if l.opt.Observe != nil {
		l.opt.Observe(name, rec)
	}
	if l.unit == nil {
		l.rows[name] += rec.NumRows()
		return
	}
	if err := l.unit.Write(name, t.Schema, t.Layout, rec); err != nil && l.err == nil {
		l.err = err
	}
}

// notable keeps a notable event of the input being read.
func (l *lane) notable(n Notable) {
	if len(l.Notable) < maxNotable {
		l.Notable = append(l.Notable, n)
	}
}

// redacted is text as the dataset will hold it.
func (l *lane) redacted(text []byte) string {
	if l.opt.NoRedact {
		return string(text)
	}
	out, _ := l.redactor.TextAll(text)
	return string(out)
}

// headSize is how much of a stream is looked at to tell what it is.
const headSize = 64 << 10

// Text reads one text stream with the format its head shows.
func (l *lane) Text(f *input.File) error {
	bs, _ := f.R.Peek(headSize)
	h := &Head{Path: f.Path, Bytes: bs}
	_, h.Host = flinklog.FromName(f.Path)
	h.Role, h.Log = flinklog.Classify(f.Path, bs)
	format := formatOf(h)
	if format.Skip != "" {
		l.Skip(f.Path, input.Text, format.Skip)
		return nil
	}
	l.path = f.Path
	st := &Stream{Path: f.Path, Kind: format.Kind, Encoding: f.Encoding, CRLineEnds: f.CRLineEnds}
	err := format.Read(l, f, h, st)
	if err != nil {
		st.Error = err.Error()
	}
	l.m.Streams = append(l.m.Streams, *st)
	l.cutAll()
	return err
}

// timeSpan records a stream's first and last time.
func timeSpan(st *Stream, has bool, min, max int64) {
	if has {
		st.First = time.UnixMilli(min).UTC().Format(time.RFC3339Nano)
		st.Last = time.UnixMilli(max).UTC().Format(time.RFC3339Nano)
	}
}

// Skip records a stream that is not text.
func (l *lane) Skip(path string, format input.Format, reason string) {
	l.m.Skipped = append(l.m.Skipped, Skipped{Path: path, Format: format.String(), Reason: reason})
}

// Fail records an error that stopped reading part of the input.
func (l *lane) Fail(path string, err error) {
	l.m.Errors = append(l.m.Errors, Failure{Path: path, Error: err.Error()})
}

// countingReader counts the bytes and lines read.
type countingReader struct {
	r        io.Reader
	n, nl    int64
	lastByte byte
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.nl += int64(bytes.Count(p[:n], []byte{'\n'}))
	if n > 0 {
		c.lastByte = p[n-1]
	}
	return n, err
}

// lines counts a last line without a line end too.
func (c *countingReader) lines() int64 {
	if c.n > 0 && c.lastByte != '\n' {
		return c.nl + 1
	}
	return c.nl
}

// firstByte is a stream's first byte that is not space or a byte order
// mark (0 if none).
func firstByte(head []byte) byte {
	head = bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(head) == 0 {
		return 0
	}
	return head[0]
}
