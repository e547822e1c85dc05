package api

import (
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/flinkdx/flinkdx/forensics/scan"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// Line is one log event shown around a piece of evidence.
type Line struct {
	Line  int64  `json:"line"`
	Time  int64  `json:"ts_ms,omitempty"`
	Level string `json:"level,omitempty"`
	Text  string `json:"text"`
}

// contextLines is how many events are shown before and after an event
// that is evidence.
const contextLines = 3

// contextKey names a piece of evidence: its file and line.
func contextKey(source string, line int64) string {
	return source + ":" + strconv.FormatInt(line, 10)
}

// evidenceContext reads the logs table back once and returns, for every
// log event a finding cites, the events of its file around it (the
// event itself included), keyed by contextKey.
func evidenceContext(files scan.Files, findings []scan.Finding) (map[string][]Line, error) {
	wanted := map[string][]int64{} // by source: the cited lines, sorted
	for _, f := range findings {
		for _, e := range f.Evidence {
			if e.Table == "logs" && e.Line > 0 {
				wanted[e.Source] = append(wanted[e.Source], e.Line)
			}
		}
	}
	out := map[string][]Line{}
	if len(wanted) == 0 {
		return out, nil
	}
	for s := range wanted {
		slices := wanted[s]
		sort.Slice(slices, func(i, j int) bool { return slices[i] < slices[j] })
	}
	// Per source, the events seen so far that may still be context: the
	// last few, and after a cited line, the next few.
	type pending struct {
		key   string
		after int
	}
	recent := map[string][]Line{}
	open := map[string][]pending{}
	_, err := scan.ReadTables(files, []string{"logs"}, func(_ string, rec arrow.Record) {
		src, lines := table.Column[*array.Dictionary](rec, "source"), table.Column[*array.Int64](rec, "line")
		ts, level, msg := table.Column[*array.Timestamp](rec, "ts"), table.Column[*array.Dictionary](rec, "level"), table.Column[*array.String](rec, "message")
		if src == nil || lines == nil || msg == nil {
			return
		}
		line := lines.Int64Values()
		// The batch's sources, once: most are not cited at all.
		names := make([]string, src.Dictionary().Len())
		for k := range names {
			names[k] = src.Dictionary().ValueStr(k)
		}
		codes := src.Indices().(*array.Int32).Int32Values()
		for i := 0; i < int(rec.NumRows()); i++ {
			source := names[codes[i]]
			cited, ok := wanted[source]
			if !ok {
				continue
			}
			l := Line{Line: line[i], Text: strings.Clone(msg.Value(i))}
			if ts != nil && ts.IsValid(i) {
				l.Time = int64(ts.Value(i))
			}
			if level != nil && level.IsValid(i) {
				l.Level = level.ValueStr(i)
			}
			// Events after a cited one.
			ps := open[source][:0]
			for _, p := range open[source] {
				out[p.key] = append(out[p.key], l)
				if p.after > 1 {
					ps = append(ps, pending{p.key, p.after - 1})
				}
			}
			open[source] = ps
			if k := sort.Search(len(cited), func(k int) bool { return cited[k] >= l.Line }); k < len(cited) && cited[k] == l.Line {
				key := contextKey(source, l.Line)
				if _, done := out[key]; !done {
					out[key] = append(append([]Line{}, recent[source]...), l)
					open[source] = append(open[source], pending{key, contextLines})
				}
			}
			r := append(recent[source], l)
			if len(r) > contextLines {
				r = r[len(r)-contextLines:]
			}
			recent[source] = r
		}
	})
	return out, err
}
