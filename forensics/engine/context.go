package engine

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/scan"
	"github.com/flinkdx/flinkdx/forensics/schema"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// Line is one log event shown around a piece of evidence.
type Line struct {
	Line  int64  `json:"line"`
	Time  int64  `json:"ts_ms,omitempty"`
	Level string `json:"level,omitempty"`
	Text  string `json:"text"`
}

// ContextLines is how many events are shown before and after an event
// that is evidence.
const ContextLines = 3

// ContextKey names a piece of evidence in Result.Context: its file and
// line.
func ContextKey(source string, line int64) string {
	return source + ":" + strconv.FormatInt(line, 10)
}

// contextKeys names the log events whose context a result carries: every
// log event a finding cites, and every job state change on the timeline.
func contextKeys(findings []Finding, tl *Timeline) []string {
	var keys []string
	for _, fd := range findings {
		for _, e := range fd.Evidence {
			if e.Table == schema.Logs && e.Line > 0 {
				keys = append(keys, ContextKey(e.Source, e.Line))
			}
		}
	}
	if tl != nil {
		for _, s := range tl.States {
			if s.Line > 0 {
				keys = append(keys, ContextKey(s.Source, s.Line))
			}
		}
	}
	return keys
}

// evidenceContext reads the logs table of a dataset (files in format f)
// back once and returns, for every event keys names, the events of its
// file around it (the event itself included), keyed by ContextKey.
func evidenceContext(files Files, f dataset.Format, keys []string) (map[string][]Line, error) {
	c := newContextCollector(keys)
	if len(c.wanted) == 0 {
		return c.lines(), nil
	}
	_, err := dataset.ReadTables(files, f, []string{schema.Logs}, scan.Projection, func(_ string, rec arrow.Record) { c.observe(rec) })
	return c.lines(), err
}

// contextCollector keeps, for each wanted log event, the events of its
// file just before and after it. A file's events may come in any order
// (a dataset spreads them over partition folders), so each set keeps the
// nearest ones by line number.
type contextCollector struct {
	wanted map[string][]int64 // by source: the cited lines, sorted
	cites  map[string][]*around
	open   int         // wanted events whose context is not complete yet
	done   atomic.Bool // every wanted event was seen, with the events after it
}

// around is what is kept of one cited event.
type around struct {
	self          *Line
	before, after []Line // by line number
}

// newContextCollector wants the events named by keys ("source:line");
// keys that name no line are left out.
func newContextCollector(keys []string) *contextCollector {
	c := &contextCollector{wanted: map[string][]int64{}, cites: map[string][]*around{}}
	for _, k := range keys {
		i := strings.LastIndexByte(k, ':')
		if i < 0 {
			continue
		}
		n, err := strconv.ParseInt(k[i+1:], 10, 64)
		if err != nil || n <= 0 {
			continue
		}
		c.wanted[k[:i]] = append(c.wanted[k[:i]], n)
	}
	for s, ls := range c.wanted {
		sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
		ls = slices.Compact(ls)
		c.wanted[s] = ls
		c.cites[s] = make([]*around, len(ls))
		for k := range ls {
			c.cites[s][k] = &around{}
		}
		c.open += len(ls)
	}
	c.done.Store(c.open == 0)
	return c
}

// nearer puts l into set (at most ContextLines long) if it is nearer than
// what the set holds; it says whether it did.
func nearer(set *[]Line, l Line, before bool) bool {
	s := *set
	if len(s) == ContextLines {
		if before && l.Line <= s[0].Line || !before && l.Line >= s[len(s)-1].Line {
			return false
		}
		if before {
			s = s[1:]
		} else {
			s = s[:len(s)-1]
		}
	}
	k := sort.Search(len(s), func(k int) bool { return s[k].Line > l.Line })
	s = slices.Insert(slices.Clip(s), k, l)
	*set = s
	return true
}

// observe reads a batch of the logs table.
func (c *contextCollector) observe(rec arrow.Record) {
	defer c.check()
	src, lines := schema.Array[*array.Dictionary](rec, "source"), schema.Array[*array.Int64](rec, "line")
	// The message is a string read back from a dataset, and binary as
	// ingest makes it.
	ts, level, msg := schema.Array[*array.Timestamp](rec, "ts"), schema.Array[*array.Dictionary](rec, "level"), schema.Array[table.ByteArray](rec, "message")
	if src == nil || lines == nil || msg == nil {
		return
	}
	line := lines.Int64Values()
	offs, data := msg.ValueOffsets(), msg.ValueBytes()
	// The batch's sources, once: most are not cited at all.
	names := make([]string, src.Dictionary().Len())
	for k := range names {
		names[k] = src.Dictionary().ValueStr(k)
	}
	codes := src.Indices().(*array.Int32).Int32Values()
	for i := 0; i < int(rec.NumRows()); i++ {
		source := names[codes[i]]
		cited, ok := c.wanted[source]
		if !ok {
			continue
		}
		sets := c.cites[source]
		n := line[i]
		k := sort.Search(len(cited), func(k int) bool { return cited[k] >= n })
		mk := func() Line {
			l := Line{Line: n, Text: string(data[offs[i]-offs[0] : offs[i+1]-offs[0]])}
			if ts != nil && ts.IsValid(i) {
				l.Time = int64(ts.Value(i))
			}
			if level != nil && level.IsValid(i) {
				l.Level = strings.Clone(level.ValueStr(i)) // it aliases the batch
			}
			return l
		}
		var l *Line
		get := func() Line {
			if l == nil {
				v := mk()
				l = &v
			}
			return *l
		}
		up := k
		if k < len(cited) && cited[k] == n {
			v := get()
			sets[k].self = &v
			up = k + 1
		}
		// Before the cited lines above it, nearest first; once it is not
		// near enough for one, it is not for those further up.
		for j := up; j < len(cited); j++ {
			if s := sets[j]; len(s.before) == ContextLines && n <= s.before[0].Line || !nearer(&s.before, get(), true) {
				break
			}
		}
		for j := k - 1; j >= 0; j-- {
			if s := sets[j]; len(s.after) == ContextLines && n >= s.after[len(s.after)-1].Line || !nearer(&s.after, get(), false) {
				break
			}
		}
	}
}

// check counts the wanted events whose context is complete. In a stream,
// a file's events come in order: once an event was seen with the events
// after it, nothing later changes its context, and a reader may stop when
// done says so.
func (c *contextCollector) check() {
	if c.open == 0 {
		return
	}
	open := 0
	for _, sets := range c.cites {
		for _, a := range sets {
			if a.self == nil || len(a.after) < ContextLines {
				open++
			}
		}
	}
	c.open = open
	c.done.Store(open == 0)
}

// lines returns the context of every wanted event that was seen.
func (c *contextCollector) lines() map[string][]Line {
	out := map[string][]Line{}
	for s, ls := range c.wanted {
		for k, n := range ls {
			a := c.cites[s][k]
			if a.self == nil {
				continue
			}
			lines := append(append(append([]Line{}, a.before...), *a.self), a.after...)
			out[ContextKey(s, n)] = lines
		}
	}
	return out
}
