package scan

import (
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// origin reads the origin columns every table has.
type origin struct {
	table        string
	source, text schema.StrCol
	line, offset schema.Int64Col
	ts           schema.Int64Col
}

func originOf(table string, rec arrow.Record, textColumn string) origin {
	return origin{table: table, source: schema.Str(rec, "source"), text: schema.Str(rec, textColumn),
		line: schema.Int64(rec, "line"), offset: schema.Int64(rec, "offset"), ts: schema.Int64(rec, "ts")}
}

// at is the evidence of row i (strings copied: they outlive the batch).
func (o origin) at(i int) Evidence {
	e := Evidence{Table: o.table, Source: strings.Clone(o.source.Get(i))}
	e.Line, _ = o.line.Get(i)
	e.Offset, _ = o.offset.Get(i)
	e.Time, _ = o.ts.Get(i)
	if o.text.OK() {
		e.Text = shorten(o.text.Get(i), 300)
	}
	return e
}

// into overwrites e with row i's evidence, copying a string only when it
// differs from the one e holds: a detector that keeps "the latest sample"
// costs no allocation per row.
func (o origin) into(e *Evidence, i int) {
	e.Table = o.table
	if src := o.source.Get(i); src != e.Source {
		e.Source = strings.Clone(src)
	}
	e.Line, _ = o.line.Get(i)
	e.Offset, _ = o.offset.Get(i)
	e.Time, _ = o.ts.Get(i)
	if o.text.OK() {
		if t := o.text.Get(i); len(t) > 300 || t != e.Text {
			e.Text = shorten(t, 300)
		}
	}
}

// interned holds each text once: detectors that keep a row's strings past
// its batch, over and over (a source, a cause repeated by a restart loop),
// copy each distinct one once.
type interned map[string]string

// of returns s, copied the first time it is seen (s may alias a batch).
func (m interned) of(s string) string {
	if v, ok := m[s]; ok {
		return v
	}
	v := strings.Clone(s)
	m[v] = v
	return v
}

// times says how often, for a summary: "once", "twice", "3 times".
func times(n int) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return strconv.Itoa(n) + " times"
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return strings.Clone(s)
	}
	return strings.Clone(s[:n]) + "…"
}

// byKey gathers findings by a key (a job, a TaskManager, a vertex).
type byKey struct {
	m     map[string]*Finding
	order []string
}

func (b *byKey) get(key string, mk func() Finding) *Finding {
	if b.m == nil {
		b.m = map[string]*Finding{}
	}
	f, ok := b.m[key]
	if !ok {
		key = strings.Clone(key) // keys may alias a batch's buffers
		nf := mk()
		f = &nf
		b.m[key] = f
		b.order = append(b.order, key)
	}
	return f
}

func (b *byKey) all() []Finding {
	out := make([]Finding, 0, len(b.order))
	for _, k := range b.order {
		out = append(out, *b.m[k])
	}
	return out
}
