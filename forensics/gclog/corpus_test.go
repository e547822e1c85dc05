package gclog

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// The corpus: GCViewer's and garbagecat's sample logs, as copied into
// testdata/gc (see its PROVENANCE.md).
const testdata = "../../testdata/gc/"

// collect keeps what a parser finds.
type collect struct {
	events []Event
	raw    []RawLine
}

func (c *collect) Event(e *Event) { c.events = append(c.events, *e) }
func (c *collect) Raw(r *RawLine) {
	r2 := *r
	r2.Text = bytes.Clone(r.Text)
	c.raw = append(c.raw, r2)
}

// parsed is one corpus file, parsed.
type parsed struct {
	name   string
	data   []byte
	c      *collect
	counts Counts
	stats  *Stats
}

func parse(t testing.TB, name string, data []byte) *parsed {
	t.Helper()
	c := &collect{}
	p := NewParser(c, Options{})
	if err := p.Parse(name, input.NewLineReader(bufio.NewReader(bytes.NewReader(data)), 0)); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	st := NewStats(name, 0)
	for i := range c.events {
		st.Add(&c.events[i])
	}
	st.Finish()
	return &parsed{name: name, data: data, c: c, counts: p.Counts(), stats: st}
}

// files is an input.Handler that keeps every text member of an archive.
type files map[string][]byte

func (f files) Text(file *input.File) error {
	b, err := io.ReadAll(file.R)
	f[file.Path] = b
	return err
}
func (f files) Skip(string, input.Format, string) {}
func (f files) Fail(p string, err error)          { panic(p + ": " + err.Error()) }

var corpus = map[string]files{}

// archive returns the members of a corpus archive by their path inside it.
func archive(t testing.TB, name string) files {
	t.Helper()
	if fs, ok := corpus[name]; ok {
		return fs
	}
	f, err := os.Open(testdata + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all := files{}
	if err := input.Open(name, f, all, input.Options{}); err != nil {
		t.Fatal(err)
	}
	fs := files{}
	for p, b := range all {
		fs[p[strings.Index(p, "!")+1:]] = b
	}
	corpus[name] = fs
	return fs
}

// gcviewer returns a file of GCViewer's samples, parsed.
func gcviewer(t testing.TB, name string) *parsed {
	t.Helper()
	fs := archive(t, "gcviewer-openjdk.tar.gz")
	b, ok := fs["openjdk/"+name]
	if !ok {
		t.Fatalf("no %s in the GCViewer samples", name)
	}
	return parse(t, name, b)
}

// TestCorpusLinesAccounted parses every sample log of GCViewer and
// garbagecat: no panic, every line is accounted for (in an event, known
// noise, or raw), every origin lies inside the file, and at least 99 % of
// the lines of the GC logs among them are understood.
func TestCorpusLinesAccounted(t *testing.T) {
	type share struct{ files, lines, unparsed int64 }
	table := map[string]*share{}
	var all share
	for _, arc := range []string{"gcviewer-openjdk.tar.gz", "garbagecat.tar.gz"} {
		for name, data := range archive(t, arc) {
			if strings.HasSuffix(name, "PROVENANCE.txt") || strings.HasSuffix(name, "CLASSIFICATION.txt") {
				continue
			}
			p := parse(t, name, data)
			c := p.counts
			if got := c.EventLines + c.Noise + c.Unparsed; got != c.Lines {
				t.Errorf("%s: %d lines read, %d accounted for (%+v)", name, c.Lines, got, c)
			}
			lines := int64(bytes.Count(data, []byte("\n")))
			if len(data) > 0 && data[len(data)-1] != '\n' {
				lines++
			}
			if c.Lines != lines {
				t.Errorf("%s: parser read %d lines of %d", name, c.Lines, lines)
			}
			for _, e := range p.c.events {
				if e.Line < 1 || e.Line > lines || e.Offset < 0 || e.Offset >= int64(len(data)) {
					t.Errorf("%s: event %s at line %d offset %d outside the file", name, e.Name, e.Line, e.Offset)
				}
			}
			if gc, _ := Detect(data[:min(len(data), 64<<10)]); gc == 0 {
				continue // not a GC log (garbagecat keeps some application logs)
			}
			key := "unified"
			if !p.stats.unified {
				key = "jdk8"
			}
			key += " " + p.stats.Collector
			s := table[key]
			if s == nil {
				s = &share{}
				table[key] = s
			}
			s.files++
			s.lines += c.Lines
			s.unparsed += c.Unparsed
			all.files++
			all.lines += c.Lines
			all.unparsed += c.Unparsed
		}
	}
	var keys []string
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "| dialect, collector | files | lines | understood |\n|---|---:|---:|---:|\n")
	for _, k := range keys {
		s := table[k]
		fmt.Fprintf(&b, "| %s | %d | %d | %.2f %% |\n", k, s.files, s.lines, 100*float64(s.lines-s.unparsed)/float64(s.lines))
	}
	understood := 100 * float64(all.lines-all.unparsed) / float64(all.lines)
	fmt.Fprintf(&b, "| all | %d | %d | %.2f %% |\n", all.files, all.lines, understood)
	t.Log("\n" + b.String())
	if understood < 99 {
		t.Errorf("%.2f %% of the GC log lines understood; want at least 99 %%", understood)
	}
	if os.Getenv("GC_COVERAGE") != "" {
		os.WriteFile(os.Getenv("GC_COVERAGE"), []byte(b.String()), 0o644)
	}
}

var _ = path.Base
