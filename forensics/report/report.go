// Package report renders findings for a person or a program: text for a
// terminal, Markdown for a ticket, JSON for jq.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flinkdx/flinkdx/forensics/scan"
	"github.com/flinkdx/flinkdx/forensics/schema"
)

// Counts counts findings by severity.
func Counts(fs []scan.Finding) (crit, warn, info int) {
	for _, f := range fs {
		switch f.Severity {
		case scan.Critical:
			crit++
		case scan.Warning:
			warn++
		default:
			info++
		}
	}
	return
}

func when(f scan.Finding) string {
	if f.Start == 0 {
		return ""
	}
	s := time.UnixMilli(f.Start).UTC().Format("2006-01-02 15:04:05.000")
	if f.End > f.Start {
		s += " .. " + time.UnixMilli(f.End).UTC().Format("15:04:05.000")
	}
	return s
}

func ref(e scan.Evidence) string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d", e.Source, e.Line)
	case e.Table != "" && e.Table != schema.Logs:
		return fmt.Sprintf("%s @%d (%s)", e.Source, e.Offset, e.Table)
	}
	return fmt.Sprintf("%s @%d", e.Source, e.Offset)
}

// WriteText prints findings as a report, in the order an operator works a
// case; shown evidence per finding is bounded by perFinding.
func WriteText(w io.Writer, fs []scan.Finding, perFinding int) {
	c, wa, in := Counts(fs)
	fmt.Fprintf(w, "Findings: %d critical, %d warning, %d info\n", c, wa, in)
	var section scan.Section
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
			fmt.Fprintf(w, "    at %s", ref(e))
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
func more(f scan.Finding, shown int) int {
	if f.Count > len(f.Evidence) {
		return f.Count - shown
	}
	return len(f.Evidence) - shown
}

// WriteMarkdown prints findings as Markdown.
func WriteMarkdown(w io.Writer, fs []scan.Finding, perFinding int) {
	c, wa, in := Counts(fs)
	fmt.Fprintf(w, "# Findings\n\n%d critical, %d warning, %d info\n", c, wa, in)
	var section scan.Section
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
			fmt.Fprintf(w, "- evidence: `%s` %s\n", ref(e), mdEscape(shorten(strings.ReplaceAll(e.Text, "\n", " "), 160)))
		}
		fmt.Fprintf(w, "- remedy: %s\n", mdEscape(f.Remedy))
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", "\\|", "*", "\\*", "_", "\\_", "`", "'").Replace(s)
}

// Document is what --format json writes: one JSON document.
type Document struct {
	Incidents []scan.Incident `json:"incidents"`
	Findings  []scan.Finding  `json:"findings"`
	// Timeline and Summary are "analyze"'s: the notable events and what
	// was read.
	Timeline any `json:"timeline,omitempty"`
	Summary  any `json:"summary,omitempty"`
}

// WriteJSON prints a document as JSON, the only thing on w.
func WriteJSON(w io.Writer, d Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if d.Findings == nil {
		d.Findings = []scan.Finding{}
	}
	if d.Incidents == nil {
		d.Incidents = []scan.Incident{}
	}
	return enc.Encode(d)
}

// alone lists the warnings (and worse) no incident holds, in the
// findings' order.
func alone(incidents []scan.Incident, fs []scan.Finding) []scan.Finding {
	in := map[int]bool{}
	for _, inc := range incidents {
		for _, i := range inc.Findings {
			in[i] = true
		}
	}
	var out []scan.Finding
	for i, f := range fs {
		if !in[i] && f.Severity >= scan.Warning {
			out = append(out, f)
		}
	}
	return out
}

// shownAlone is how many warnings on their own the first screen names
// when there is no incident to tell.
const shownAlone = 3

// WriteVerdicts prints the incidents' verdicts: the first thing a report
// says, what happened. With no incident, it names the warnings on their
// own (a task that failed on the job's own exception is one).
func WriteVerdicts(w io.Writer, incidents []scan.Incident, fs []scan.Finding) {
	rest := alone(incidents, fs)
	if len(incidents) == 0 {
		if len(rest) == 0 {
			fmt.Fprintln(w, "What happened: no incident.")
			return
		}
		fmt.Fprintf(w, "What happened: no incident; %d warning(s) on their own:\n", len(rest))
		for _, line := range aloneLines(rest) {
			fmt.Fprintf(w, "  - %s\n", wrap(line, 112, "    "))
		}
		return
	}
	fmt.Fprintf(w, "What happened: %d incident(s)\n", len(incidents))
	for k, inc := range incidents {
		when := ""
		if inc.Start > 0 {
			when = " " + time.UnixMilli(inc.Start).UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(w, "\n%d. %s%s\n", k+1, strings.ToUpper(inc.Level), when)
		fmt.Fprintf(w, "   %s\n", wrap(inc.Verdict, 116, "   "))
		fmt.Fprintf(w, "   do: %s\n", wrap(inc.Remedy, 100, "       "))
	}
	if len(rest) > 0 {
		fmt.Fprintf(w, "\n%d warning(s) linked to no incident are with the findings below.\n", len(rest))
	}
}

// aloneLines are the warnings on their own as the first screen names
// them, when and what, the first shownAlone of them and a line for the
// rest.
func aloneLines(rest []scan.Finding) []string {
	var lines []string
	for i, f := range rest {
		if i == shownAlone {
			return append(lines, fmt.Sprintf("… and %d more with the findings below.", len(rest)-shownAlone))
		}
		line := f.Summary
		if f.Start > 0 {
			line = time.UnixMilli(f.Start).UTC().Format("2006-01-02 15:04:05") + "  " + line
		}
		lines = append(lines, line)
	}
	return lines
}

// MarkdownVerdicts prints the verdicts as Markdown.
func MarkdownVerdicts(w io.Writer, incidents []scan.Incident, fs []scan.Finding) {
	fmt.Fprintf(w, "# What happened\n\n")
	if len(incidents) == 0 {
		rest := alone(incidents, fs)
		if len(rest) == 0 {
			fmt.Fprintf(w, "No incident.\n\n")
			return
		}
		fmt.Fprintf(w, "No incident; %d warning(s) on their own:\n\n", len(rest))
		for _, line := range aloneLines(rest) {
			fmt.Fprintf(w, "- %s\n", mdEscape(line))
		}
		fmt.Fprintln(w)
		return
	}
	for k, inc := range incidents {
		fmt.Fprintf(w, "%d. **%s** %s\n   *Do:* %s\n", k+1, strings.ToUpper(inc.Level), mdEscape(inc.Verdict), mdEscape(inc.Remedy))
	}
	fmt.Fprintln(w)
}

// wrap breaks s into lines of at most n bytes, at blanks, each after the
// first with indent.
func wrap(s string, n int, indent string) string {
	var b strings.Builder
	line := 0
	for i, word := range strings.Fields(s) {
		if i > 0 {
			if line+1+len(word) > n {
				b.WriteString("\n" + indent)
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(word)
		line += len(word)
	}
	return b.String()
}

// shorten cuts s to at most n bytes, at a character's start.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
