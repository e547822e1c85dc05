package scan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/table"
)

// Counts counts findings by severity.
func Counts(fs []Finding) (crit, warn, info int) {
	for _, f := range fs {
		switch f.Severity {
		case Critical:
			crit++
		case Warning:
			warn++
		default:
			info++
		}
	}
	return
}

func when(f Finding) string {
	if f.Start == 0 {
		return ""
	}
	s := time.UnixMilli(f.Start).UTC().Format("2006-01-02 15:04:05.000")
	if f.End > f.Start {
		s += " .. " + time.UnixMilli(f.End).UTC().Format("15:04:05.000")
	}
	return s
}

func (e Evidence) ref() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d", e.Source, e.Line)
	case e.Table != "" && e.Table != "logs":
		return fmt.Sprintf("%s @%d (%s)", e.Source, e.Offset, e.Table)
	}
	return fmt.Sprintf("%s @%d", e.Source, e.Offset)
}

// WriteText prints findings as a report, in the order an operator works a
// case; shown evidence per finding is bounded by perFinding.
func WriteText(w io.Writer, fs []Finding, perFinding int) {
	c, wa, in := Counts(fs)
	fmt.Fprintf(w, "Findings: %d critical, %d warning, %d info\n", c, wa, in)
	var section Section
	for _, f := range fs {
		if f.Section != section {
			section = f.Section
			fmt.Fprintf(w, "\n%d. %s\n", section, section)
		}
		fmt.Fprintf(w, "  %-8s %s  %s", strings.ToUpper(f.Level), f.Rule, f.Subject)
		if t := when(f); t != "" {
			fmt.Fprintf(w, "  [%s]", t)
		}
		fmt.Fprintf(w, "\n    %s\n", f.Summary)
		for i, e := range f.Evidence {
			if i == perFinding {
				fmt.Fprintf(w, "    … %d more\n", more(f, perFinding))
				break
			}
			fmt.Fprintf(w, "    at %s", e.ref())
			if e.Text != "" {
				fmt.Fprintf(w, "  %s", shorten(strings.ReplaceAll(e.Text, "\n", " "), 120))
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "    remedy: %s\n", f.Remedy)
	}
}

// more is how many rows of f's evidence were not shown: its count, when
// the evidence kept is only the first of them, or else the rows kept
// beyond those shown (a finding's evidence may hold rows besides its
// occurrences: the GC pause before a heartbeat timeout).
func more(f Finding, shown int) int {
	if f.Count > len(f.Evidence) {
		return f.Count - shown
	}
	return len(f.Evidence) - shown
}

// WriteMarkdown prints findings as Markdown.
func WriteMarkdown(w io.Writer, fs []Finding, perFinding int) {
	c, wa, in := Counts(fs)
	fmt.Fprintf(w, "# flinkdx findings\n\n%d critical, %d warning, %d info\n", c, wa, in)
	var section Section
	for _, f := range fs {
		if f.Section != section {
			section = f.Section
			fmt.Fprintf(w, "\n## %d. %s\n", section, section)
		}
		fmt.Fprintf(w, "\n### %s `%s` %s\n\n%s\n\n", strings.ToUpper(f.Level), f.Rule, mdEscape(f.Subject), mdEscape(f.Summary))
		if t := when(f); t != "" {
			fmt.Fprintf(w, "- when: %s\n", t)
		}
		for i, e := range f.Evidence {
			if i == perFinding {
				fmt.Fprintf(w, "- … %d more\n", more(f, perFinding))
				break
			}
			fmt.Fprintf(w, "- evidence: `%s` %s\n", e.ref(), mdEscape(shorten(strings.ReplaceAll(e.Text, "\n", " "), 160)))
		}
		fmt.Fprintf(w, "- remedy: %s\n", mdEscape(f.Remedy))
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", "\\|", "*", "\\*", "_", "\\_", "`", "'").Replace(s)
}

// WriteJSON prints findings as JSON.
func WriteJSON(w io.Writer, fs []Finding) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if fs == nil {
		fs = []Finding{}
	}
	return enc.Encode(fs)
}

// Schema is the findings table.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "rule", Type: arrow.BinaryTypes.String},
	{Name: "severity", Type: arrow.BinaryTypes.String},
	{Name: "section", Type: arrow.PrimitiveTypes.Int64},
	{Name: "start", Type: table.TimestampMs, Nullable: true},
	{Name: "end", Type: table.TimestampMs, Nullable: true},
	{Name: "subject", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "summary", Type: arrow.BinaryTypes.String},
	{Name: "remedy", Type: arrow.BinaryTypes.String},
	{Name: "count", Type: arrow.PrimitiveTypes.Int64},
	{Name: "evidence", Type: arrow.BinaryTypes.String}, // JSON array of {table, source, line, offset, ts_ms, text}
}, nil)

// Record builds the findings table.
func Record(mem memory.Allocator, fs []Finding) arrow.Record {
	r := table.NewRows(mem, Schema)
	defer r.Release()
	for _, f := range fs {
		r.Str(0, f.Rule)
		r.Str(1, f.Level)
		r.Int(2, int64(f.Section), true)
		r.Time(3, f.Start)
		r.Time(4, f.End)
		r.Str(5, f.Subject)
		r.Str(6, f.Summary)
		r.Str(7, f.Remedy)
		r.Int(8, int64(f.Count), true)
		ev, _ := json.Marshal(f.Evidence)
		r.Str(9, string(ev))
		r.End()
	}
	return r.NewRecord()
}
