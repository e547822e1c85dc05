package gclog

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
)

type collect struct {
	events []Event
	raw    []RawLine
}

func (c *collect) Event(e *Event) { c.events = append(c.events, *e) }
func (c *collect) Raw(r *RawLine) {
	r2 := *r
	r2.Text = append([]byte(nil), r.Text...)
	c.raw = append(c.raw, r2)
}

func parseFile(t testing.TB, path string) (*collect, Counts) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := &collect{}
	p := NewParser(c, Options{})
	if err := p.Parse(path, input.NewLineReader(bufio.NewReader(f), 0)); err != nil {
		t.Fatal(err)
	}
	return c, p.Counts()
}

func TestDevCoverage(t *testing.T) {
	dir := os.Getenv("GCCORPUS")
	if dir == "" {
		t.Skip()
	}
	var files []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".txt") && !strings.Contains(p, "PROVENANCE") && !strings.Contains(p, "CLASSIFICATION") || strings.HasSuffix(p, "input.log") {
			files = append(files, p)
		}
		return nil
	})
	reasons := map[string]int{}
	var tot, un int64
	for _, f := range files {
		c, n := parseFile(t, f)
		tot += n.Lines
		un += n.Unparsed
		if n.Unparsed > 0 {
			fmt.Printf("%6d/%6d %s\n", n.Unparsed, n.Lines, f)
		}
		for _, r := range c.raw {
			s := string(r.Text)
			if len(s) > 70 {
				s = s[:70]
			}
			reasons[r.Reason+" | "+s]++
		}
	}
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	for k, v := range reasons {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v })
	for i, x := range kvs {
		if i > 60 {
			break
		}
		fmt.Printf("%5d %s\n", x.v, x.k)
	}
	fmt.Printf("total %d lines, %d unparsed (%.2f%%)\n", tot, un, 100*float64(un)/float64(tot))
}
