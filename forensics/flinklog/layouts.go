package flinklog

import (
	"bytes"
	"sync"
)

// Known layouts the line-by-line reader (parseHeader) cannot tell by
// itself, as the PatternLayouts that write them: each entry is one layout
// family and a real line it wrote (layouts_test.go reads it). A stream's
// first lines choose one (InferLayout); a new layout is one entry here.
var knownLayouts = []struct {
	pattern string
	example string // a line in the layout
}{
	// ChunJun (FlinkX): the date, then %r, the level, the thread and
	// "logger:msg" (DTStack/chunjun issue #939, testdata/incidents).
	{"%d{yyyy-MM-dd HH:mm:ss,SSS} - %r %-5p [%t] %c:%m%n",
		"2022-06-10 16:20:11,172 - 207898 INFO  [flink-akka.actor.default-dispatcher-42] org.apache.flink.runtime.resourcemanager.ResourceManager:Shut down cluster because application is in CANCELED"},
	// Milliseconds after the seconds with a blank, then bracketed thread,
	// logger and level (a custom layout that issue 18 names; its line
	// here follows the layout).
	{"%d{yyyy-MM-dd HH:mm:ss SSS} [%t] [%c] [%p] - %m%n",
		"2021-03-02 10:15:30 123 [flink-akka.actor.default-dispatcher-3] [org.apache.flink.runtime.jobmaster.JobMaster] [INFO] - Starting execution of job"},
}

var compiledLayouts = sync.OnceValue(func() []*Layout {
	var ls []*Layout
	for _, k := range knownLayouts {
		l, err := CompileLayout(k.pattern)
		if err != nil {
			panic("flinklog: known layout " + k.pattern + ": " + err.Error())
		}
		ls = append(ls, l)
	}
	return ls
})

// InferLayout picks, from the first bytes of a stream, the known layout
// that reads the most of its lines the reader cannot read by itself; nil
// when none reads a quarter of such lines that look like headers, or the
// reader reads the stream as well.
func InferLayout(head []byte) *Layout {
	var h header
	type score struct{ own, by int }
	var starts [][]byte
	own := 0
	for len(head) > 0 && len(starts) < 400 {
		line, rest, _ := bytes.Cut(head, []byte("\n"))
		head = rest
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 || !isDigit(line[0]) {
			continue // a header of these layouts starts with its time
		}
		if parseHeader(line, &h) {
			own++
			continue
		}
		starts = append(starts, line)
	}
	if len(starts) == 0 || len(starts) < own {
		return nil
	}
	var best *Layout
	bestN := 0
	for _, l := range compiledLayouts() {
		n := 0
		for _, line := range starts {
			if l.parse(line, &h) {
				n++
			}
		}
		if n > bestN {
			best, bestN = l, n
		}
	}
	if bestN*4 < len(starts) {
		return nil
	}
	return best
}

// SetLayout sets the layout of the next streams (InferLayout's, or the
// user's); nil: the reader alone.
func (p *Parser) SetLayout(l *Layout) { p.opt.Layout = l }

// Layout is the parser's layout (nil: none).
func (p *Parser) Layout() *Layout { return p.opt.Layout }
