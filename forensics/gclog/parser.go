package gclog

import (
	"bytes"
	"math"
	"time"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// Options configure a Parser.
type Options struct {
	// Location is the zone of datestamps that carry none (UTC if nil).
	Location *time.Location
}

// Counts sum up what the parser saw in a stream.
type Counts struct {
	Lines       int64 // lines read
	EventLines  int64 // lines that are part of an event
	Noise       int64 // lines understood but carrying no event: headers, heap dumps, phase details
	PhaseStarts int64 // "Concurrent Mark" / "CMS-concurrent-mark-start": the start of a phase whose end is an event
	Unparsed    int64 // lines no rule understood (sent to Sink.Raw)
	Events      int64
}

// Parser turns GC log lines into events. One Parser reads the files of one
// JVM in order (a rotated set is one JVM); Reset starts another JVM.
type Parser struct {
	sink Sink
	loc  *time.Location
	// The JVM being read.
	collector string
	start     int64 // ms since the epoch at uptime 0
	hasStart  bool

	counts Counts
	name   string
	// JDK 8 records spanning lines.
	rec      []byte
	recOpen  bool
	recDepth int
	recEv    Event
	recLines int32
	recText  int32 // lines of the record that are not noise
	ri       recordInfo
	// The event last completed, held for its detail lines.
	pend    Event
	hasPend bool
	// Unified logging: what detail lines said about each GC id, until its
	// summary line.
	details map[int64]*Event
	// ujl is set once a unified-logging line was read; statsBlock while in
	// the statistics Shenandoah prints at exit.
	ujl, statsBlock bool
	detOrd          []int64
	detFree         []*Event
	ev              Event
	tmp             Event // embedded events
	raw             RawLine
}

// NewParser makes a Parser.
func NewParser(sink Sink, opt Options) *Parser {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	return &Parser{sink: sink, loc: loc, details: map[int64]*Event{}}
}

// Reset forgets the JVM: its collector and start time.
func (p *Parser) Reset() {
	p.collector, p.hasStart = "", false
}

// Counts returns the counts since the last call and zeroes them.
func (p *Parser) Counts() Counts {
	c := p.counts
	p.counts = Counts{}
	return c
}

// Collector is the collector of the JVM, once known.
func (p *Parser) Collector() string { return p.collector }

// Parse reads one stream to its end.
func (p *Parser) Parse(name string, lr *input.LineReader) error {
	p.name = name
	for lr.Next() {
		p.counts.Lines++
		p.line(lr.Line(), lr.Num(), lr.Offset(), lr.Truncated())
	}
	p.closeRecord(true)
	p.flush()
	p.flushDetails()
	return lr.Err()
}

func (p *Parser) line(b []byte, num, off, truncated int64) {
	if truncated > 0 {
		p.closeRecord(true)
		p.flush()
		p.rawLine(b, num, off, "line longer than the limit", truncated)
		return
	}
	if p.recOpen {
		p.continueRecord(b, num, off)
		return
	}
	if p.hasPend && p.detail(b) {
		p.pend.Lines++
		p.counts.EventLines++
		return
	}
	if len(b) > 1 && b[0] == '[' {
		if d, ok := p.decorations(b); ok {
			p.ujl, p.statsBlock = true, false
			p.unified(b, &d, num, off) // flushes the held event itself
			return
		}
	}
	// Unified logging without decorations (-Xlog:gc:file::none, or
	// copied without them): "GC(771) Pause Young (Normal) … 260.683ms".
	if undecorated(b) {
		p.ujl, p.statsBlock = true, false
		d := decor{msg: b, tags: []byte("gc")}
		p.unified(b, &d, num, off)
		return
	}
	// A JDK 8-style line: its decorations are read once.
	e := &p.recEv
	e.reset()
	e.Line, e.Offset = num, off
	rest := p.prefix(b, e)
	if p.hasPend && (p.prefixedDetail(rest) || p.concurrentLine(rest, e)) {
		p.pend.Lines++
		p.counts.EventLines++
		return
	}
	p.flush()
	if len(trimSpace(b)) == 0 {
		p.counts.Noise++
		return
	}
	p.legacy(b, rest, e)
}

// prefix reads the decorations of a JDK 8 line: an optional datestamp
// (PrintGCDateStamps), an optional uptime (PrintGCTimeStamps) and an
// optional "#12: " (PrintGCID), each followed by ": ".
func (p *Parser) prefix(b []byte, e *Event) []byte {
	for {
		b = trimLeftSpace(b)
		if ms, n := datestamp(b, p.loc); n > 0 && n+1 < len(b) && b[n] == ':' {
			e.Time, e.HasTime = ms, true
			b = b[n+1:]
			continue
		}
		if v, n := number(b); n > 0 && n+1 < len(b) && b[n] == ':' && (b[n+1] == ' ' || b[n+1] == '[') {
			e.Uptime = v
			b = b[n+1:]
			continue
		}
		if len(b) > 2 && b[0] == '#' {
			if v, n := integer(b[1:]); n > 0 && 1+n < len(b) && b[1+n] == ':' {
				e.GCID = v
				b = b[n+2:]
				continue
			}
		}
		return b
	}
}

func trimLeftSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	return b
}

// legacy handles a JDK 8-style line outside a record.
func (p *Parser) legacy(b, rest []byte, e *Event) {
	num, off := e.Line, e.Offset
	p.learnStart(e)
	switch {
	case (b[0] == ' ' || b[0] == '\t') && len(rest) > 1 && rest[0] == '[' && isNoiseRecord(rest[1:]):
		p.counts.Noise++ // a detail line of an event not understood
	case len(rest) > 0 && rest[0] == '[':
		p.statsBlock = false
		p.rec = p.rec[:0]
		p.recOpen, p.recDepth, p.recLines, p.recText = true, 0, 0, 0
		p.feed(rest, num, off)
	case hasPrefix(rest, "Total time for which application threads were stopped: "):
		p.stopped(rest, e)
	case stampsThenStopped(rest) > 0:
		// Another thread's timestamps got in the way:
		// "2021-10-27T10:52:38.345-0400: 2021-10-27T10:52:38.345-04000.181: : Total time ...".
		p.stopped(rest[stampsThenStopped(rest):], e)
	case hasPrefix(rest, "Application time: ") || hasPrefix(rest, "Concurrent time: ") || rotationLine(rest, p):
		p.counts.Noise++
	case p.ujl && len(rest) == len(b):
		// Undecorated lines in a unified log continue the message above.
		p.counts.Noise++
	case p.statsBlock && len(rest) == len(b):
		p.counts.Noise++
	case legacyNoise(rest, b):
		p.statsBlock = p.statsBlock || hasPrefix(rest, "GC STATISTICS") || hasPrefix(rest, "All times are wall-clock")
		p.counts.Noise++
		p.learnCollector(rest)
		p.concurrentIn(rest, num, off)
	case (b[0] == ' ' || b[0] == '\t') && len(rest) > 1 && rest[0] == '[':
		// An indented detail line whose event was not understood.
		p.counts.Noise++
	default:
		if indexConcurrent(rest) >= 0 {
			p.counts.Noise++
			p.concurrentIn(rest, num, off)
			return
		}
		p.rawLine(b, num, off, "not a GC log line", 0)
	}
}

// stopped reads "Total time for which application threads were stopped:
// 0.0003502 seconds, Stopping threads took: 0.0000424 seconds".
func (p *Parser) stopped(rest []byte, e *Event) {
	rest = rest[len("Total time for which application threads were stopped: "):]
	v, n := number(rest)
	if n == 0 {
		p.rawLine(nil, e.Line, e.Offset, "stopped time without a number", 0)
		return
	}
	e.Kind, e.Pause, e.Lines = Safepoint, v, 1
	e.Name = "Total time for which application threads were stopped"
	if k := index(rest, "Stopping threads took: "); k >= 0 {
		if t, m := number(rest[k+len("Stopping threads took: "):]); m > 0 {
			e.TTSP = t
		}
	}
	p.counts.EventLines++
	p.emit(e)
}

// feed appends text to the open record; when its brackets balance, the
// record is parsed and whatever follows on the line is read as a new line.
func (p *Parser) feed(text []byte, num, off int64) {
	p.recLines++
	p.recText++
	for len(text) > 0 {
		// Noise inside a record runs to the end of the line: tenuring
		// distribution, adaptive size policy, heap dumps.
		if mayHoldNoise(text) {
			if k := noiseInRecord(text); k >= 0 {
				text = text[:k]
			}
		}
		depth, closedAt := p.recDepth, closingAt(text, p.recDepth)
		if closedAt < 0 {
			depth = depthAfter(text, depth)
		}
		if closedAt < 0 {
			p.rec = append(p.rec, text...)
			p.rec = append(p.rec, '\n')
			p.recDepth = depth
			return
		}
		end := closedAt + 1
		// Keep " [Times: ...]" that follows on the line.
		after := trimLeftSpace(text[end:])
		if hasPrefix(after, "[Times: ") {
			if j := closing(after); j >= 0 {
				end = len(text) - len(after) + j + 1
			}
		}
		p.rec = append(p.rec, text[:end]...)
		p.recDepth = 0
		p.closeRecord(false)
		text = trimSpace(text[end:])
		if len(text) == 0 {
			return
		}
		// Another record on the same line.
		e := &p.recEv
		e.reset()
		e.Line, e.Offset = num, off
		text = p.prefix(text, e)
		if len(text) == 0 || text[0] != '[' {
			return // trailing text of the record, e.g. a stray comma
		}
		p.rec = p.rec[:0]
		p.recOpen, p.recLines, p.recText = true, 0, 0
	}
}

// continueRecord handles a line while a record is open.
func (p *Parser) continueRecord(b []byte, num, off int64) {
	t := trimLeftSpace(b)
	if noiseLine(t) || histogramLine(t) || len(t) < len(b) && len(t) > 0 && t[0] != '[' && t[0] != ':' && t[0] != ',' && !isDigit(t[0]) && t[0] != '(' {
		// Tenuring distribution, a heap dump, statistics: noise, but a
		// concurrent phase may hide in it.
		p.recLines++
		p.concurrentIn(t, num, off)
		return
	}
	// A complete concurrent record on its own line inside another one.
	tmp := &p.tmp
	tmp.reset()
	rest := p.prefix(t, tmp)
	if len(rest) > 0 && isConcurrentRecord(rest) && closing(rest) == len(trimSpace(rest))-1 {
		tmp.Line, tmp.Offset = num, off
		p.counts.EventLines++
		p.embedded(rest, tmp, 1)
		return
	}
	if len(rest) < len(t) && newRecord(rest) && !contains(p.rec, "Remark") && !contains(p.rec, "YG occupancy") {
		// (A CMS remark logs the young collection it starts with on a line
		// of its own, as "[GC (CMS Final Remark) 1.158: [ParNew: ...".)
		// A new event with its own timestamp: the open record was cut off
		// (the JVM died, or the log was cut there).
		p.closeRecord(true)
		p.line(b, num, off, 0)
		return
	}
	if p.recText >= 64 {
		// A record that never closes: give it up.
		p.closeRecord(true)
		p.line(b, num, off, 0)
		return
	}
	p.feed(b, num, off)
}

func isConcurrentRecord(b []byte) bool {
	return hasPrefix(b, "[CMS-concurrent") || hasPrefix(b, "[GC concurrent")
}

// embedded parses a concurrent record found inside another record or
// line; lines is how many lines it has to itself (0 or 1).
func (p *Parser) embedded(rec []byte, e *Event, lines int32) {
	p.learnStart(e)
	parseRecord(rec, e, &p.ri)
	e.Lines = lines
	if p.ri.start {
		if e.Kind != Concurrent {
			return
		}
		p.counts.PhaseStarts++
		e.Flags |= PhaseStart
	}
	p.setCollector(e)
	p.emit(e)
}

// closeRecord parses the record gathered so far; broken says it did not
// close (its lines go to raw).
func (p *Parser) closeRecord(broken bool) {
	if !p.recOpen {
		return
	}
	p.recOpen = false
	e := &p.recEv
	if broken {
		p.rawLine(p.rec, e.Line, e.Offset, "GC record that does not close", 0)
		p.counts.Unparsed += int64(p.recLines) - 1
		// The concurrent phases logged inside it are whole.
		p.concurrentIn(p.rec[1:], e.Line, e.Offset)
		return
	}
	// Concurrent phases logged in the middle of this record.
	rec := p.rec
	for {
		k := indexConcurrent(rec[1:])
		if k < 0 {
			break
		}
		k++
		j := closing(rec[k:])
		if j < 0 {
			break
		}
		c := &p.tmp
		c.reset()
		c.Line, c.Offset = e.Line, e.Offset
		// Its timestamps precede it: "1.234: [CMS-concurrent-...".
		from := timestampsBefore(rec[:k])
		p.prefix(rec[from:k], c)
		p.embedded(rec[k:k+j+1], c, 0)
		end := k + j + 1
		if after := trimLeftSpace(rec[end:]); hasPrefix(after, "[Times: ") {
			if t := closing(after); t >= 0 {
				end = len(rec) - len(after) + t + 1
			}
		}
		rec = append(rec[:from], rec[end:]...)
	}
	// CMSScavengeBeforeRemark: a young collection inside the remark.
	scavenge := 0.0
	if y := index(rec, "[YG occupancy"); y >= 0 {
		if k := index(rec[y+1:], "[GC"); k >= 0 {
			k += y + 1
			if j := closing(rec[k:]); j > 0 {
				c := &p.tmp
				c.reset()
				c.Line, c.Offset = e.Line, e.Offset
				from := timestampsBefore(rec[:k])
				p.prefix(rec[from:k], c)
				p.learnStart(c)
				parseRecord(rec[k:k+j+1], c, &p.ri)
				end := k + j + 1
				if after := trimLeftSpace(rec[end:]); hasPrefix(after, "[Times: ") {
					if t := closing(after); t >= 0 {
						times(after, c)
						end = len(rec) - len(after) + t + 1
					}
				}
				p.setCollector(c)
				p.emit(c)
				if !math.IsNaN(c.Pause) {
					scavenge = c.Pause
				}
				rec = append(rec[:from], rec[end:]...)
			}
		}
	}
	e.Lines = p.recLines
	parseRecord(rec, e, &p.ri)
	if scavenge > 0 && !math.IsNaN(e.Pause) {
		e.Pause -= scavenge // the remark's time included the scavenge
	}
	p.counts.EventLines += int64(p.recLines)
	if p.ri.start || hasSuffixTrim(rec, "start]") {
		if e.Kind != Concurrent {
			p.counts.Noise += int64(p.recLines)
			p.counts.EventLines -= int64(p.recLines)
			return // the start of a pause: its end is the event
		}
		p.counts.PhaseStarts++
		e.Flags |= PhaseStart
	}
	if len(p.ri.name) == 0 || !knownRecord(p.ri.name) {
		p.counts.EventLines -= int64(p.recLines)
		if isNoiseRecord(p.ri.name) {
			p.counts.Noise += int64(p.recLines)
			return
		}
		p.rawLine(rec, e.Line, e.Offset, "unknown GC record", 0)
		p.counts.Unparsed += int64(p.recLines) - 1
		return
	}
	p.setCollector(e)
	p.flush()
	p.pend, p.hasPend = *e, true
}

// indexConcurrent finds an embedded concurrent record.
func indexConcurrent(b []byte) int {
	from := 0
	for {
		k := index(b[from:], "concurrent")
		if k < 0 {
			return -1
		}
		k += from
		switch {
		case k >= 5 && string(b[k-5:k]) == "[CMS-":
			return k - 5
		case k >= 4 && string(b[k-4:k]) == "[GC ":
			return k - 4
		}
		from = k + 1
	}
}

// timestampsBefore returns where the datestamp/uptime decorations that end
// b begin.
func timestampsBefore(b []byte) int {
	i := len(b)
	for i > 0 && b[i-1] == ' ' {
		i--
	}
	for {
		j := i
		if j > 0 && b[j-1] == ':' {
			j--
			k := j
			for k > 0 && (isDigit(b[k-1]) || b[k-1] == '.' || b[k-1] == ',' || b[k-1] == '-' || b[k-1] == '+' || b[k-1] == 'T') {
				k--
			}
			if k < j {
				i = k
				for i > 0 && b[i-1] == ' ' {
					i--
				}
				continue
			}
		}
		return i
	}
}

// knownRecord says a record name is a GC event.
func knownRecord(name []byte) bool {
	switch {
	case hasPrefix(name, "GC"), hasPrefix(name, "Full GC"), hasPrefix(name, "CMS-concurrent"), hasPrefix(name, "ASCMS-concurrent"),
		hasPrefix(name, "Pause "), hasPrefix(name, "Concurrent "):
		return true
	}
	return false
}

// isNoiseRecord says a bracketed record is known and carries no event.
func isNoiseRecord(name []byte) bool {
	for _, s := range []string{"G1Ergonomics", "Times", "Heap", "Eden", "Parallel Time", "GC Worker", "Ext Root",
		"Update RS", "Scan RS", "Object Copy", "Termination", "Code Root", "Clear CT", "Other", "Choose CSet",
		"Ref Proc", "Ref Enq", "Free CSet", "String Dedup", "Redirty Cards", "Humongous", "Expand the heap",
		"Unloading", "Finalize Marking", "Cleaning", "Class Histogram"} {
		if hasPrefix(name, s) {
			return true
		}
	}
	return false
}

// detail says a line belongs to the event just completed: G1's detail
// block ("   [Parallel Time: ...]", "   [Eden: ...]", "       Avg: ..."),
// " [Times: ...]", Shenandoah's indented lines, a heap dump.
func (p *Parser) detail(b []byte) bool {
	if len(b) == 0 || (b[0] != ' ' && b[0] != '\t') {
		return false
	}
	t := trimLeftSpace(b)
	if len(t) == 0 {
		return false
	}
	p.detailText(t)
	return true
}

// detailText reads a detail line of the held event, without its indent.
func (p *Parser) detailText(t []byte) {
	switch {
	case hasPrefix(t, "[Eden: "):
		g1Eden(t[1:], &p.pend)
	case hasPrefix(t, "[Times: "):
		times(t, &p.pend)
	case hasPrefix(t, "[ "): // JDK 6 G1: "   [ 4096K->3936K(16M)]"
		if s, n := sizes(trimLeftSpace(t[1:])); n > 0 {
			p.pend.Heap = s
		}
	default:
		p.concurrentIn(t, p.pend.Line, p.pend.Offset)
	}
}

// prefixedDetail says a line is a G1 detail line with a timestamp before
// it, as when another thread's output got in the way.
func (p *Parser) prefixedDetail(rest []byte) bool {
	if len(rest) < 2 || rest[0] != '[' {
		return false
	}
	name, _, _ := header(rest[1:], nil)
	if !isNoiseRecord(name) {
		return false
	}
	p.detailText(rest)
	return true
}

// concurrentLine handles a line that is one concurrent record, logged
// between an event and its details; rest is the line after its
// decorations, read into e.
func (p *Parser) concurrentLine(rest []byte, e *Event) bool {
	rest = trimSpace(rest)
	if len(rest) > 0 && rest[0] == ':' { // ":    [GC concurrent-mark-start]" after a cut timestamp
		rest = trimSpace(rest[1:])
	}
	if len(rest) == 0 || rest[0] != '[' || !isConcurrentRecord(rest) || closing(rest) != len(rest)-1 {
		return false
	}
	p.embedded(rest, e, 1)
	p.pend.Lines-- // the caller counts the line into the held event
	return true
}

// concurrentIn emits the concurrent records found in the middle of a line
// of other output (a heap dump, a detail line).
func (p *Parser) concurrentIn(b []byte, num, off int64) {
	for {
		k := indexConcurrent(b)
		if k < 0 {
			return
		}
		j := closing(b[k:])
		if j < 0 {
			return
		}
		c := &p.tmp
		c.reset()
		c.Line, c.Offset = num, off
		from := timestampsBefore(b[:k])
		p.prefix(b[from:k], c)
		p.embedded(b[k:k+j+1], c, 0)
		b = b[k+j+1:]
	}
}

// flush emits the held event.
func (p *Parser) flush() {
	if p.hasPend {
		p.hasPend = false
		p.emit(&p.pend)
	}
}

// emit finishes an event's time and hands it over.
func (p *Parser) emit(e *Event) {
	if !e.HasTime && p.hasStart && !math.IsNaN(e.Uptime) {
		e.Time, e.HasTime, e.Derived = p.start+int64(math.Round(e.Uptime*1000)), true, true
	}
	if e.Collector == "" {
		e.Collector = p.collector
	}
	p.counts.Events++
	p.sink.Event(e)
}

// learnStart learns the JVM's start from a line with both clocks.
func (p *Parser) learnStart(e *Event) {
	if !p.hasStart && e.HasTime && !e.Derived && !math.IsNaN(e.Uptime) {
		p.start, p.hasStart = e.Time-int64(math.Round(e.Uptime*1000)), true
	}
}

// setCollector settles the collector of an event and of the JVM.
func (p *Parser) setCollector(e *Event) {
	switch {
	case e.Collector == "ParNew" && p.collector == "CMS":
		e.Collector = "CMS"
	case e.Collector == "":
		e.Collector = p.collector
	case p.collector == "" || p.collector == "ParNew" && e.Collector == "CMS" || p.collector == "Serial" && e.Collector != "Serial":
		p.collector = e.Collector
	}
}

// learnCollector reads the collector from a header line.
func (p *Parser) learnCollector(b []byte) {
	if !hasPrefix(b, "CommandLine flags: ") {
		return
	}
	for _, f := range [...]struct{ flag, name string }{
		{"-XX:+UseG1GC", "G1"}, {"-XX:+UseConcMarkSweepGC", "CMS"}, {"-XX:+UseParallelGC", "Parallel"},
		{"-XX:+UseParallelOldGC", "Parallel"}, {"-XX:+UseSerialGC", "Serial"},
		{"-XX:+UseShenandoahGC", "Shenandoah"}, {"-XX:+UseZGC", "ZGC"}, {"-XX:+UseParNewGC", "ParNew"},
	} {
		if contains(b, f.flag) {
			p.collector = f.name
			return
		}
	}
}

func (p *Parser) rawLine(b []byte, num, off int64, reason string, orig int64) {
	p.raw = RawLine{Line: num, Offset: off, Text: b, Reason: reason, OriginalLength: orig}
	p.counts.Unparsed++
	p.sink.Raw(&p.raw)
}

// noiseInRecord finds where noise starts inside a record line: text the
// JVM printed in the middle of an event (adaptive size policy, G1
// ergonomics without brackets). It returns -1 when there is none.
func noiseInRecord(b []byte) int {
	for i, c := range b {
		if noiseStart[c] && noiseAt(b[i:]) {
			return i
		}
	}
	return -1
}

// noiseAt says b starts with a noise marker.
func noiseAt(b []byte) bool {
	for _, m := range noiseMarkers {
		if m[0] == b[0] && hasPrefix(b, m) {
			return true
		}
	}
	return false
}

var noiseMarkers = []string{"AdaptiveSizeStart:", "AdaptiveSizePolicy::", "AdaptiveSizeStop:", "Desired survivor size",
	"{Heap before GC", "{Heap after GC", "Before GC:", "After GC:"}

var noiseStart = func() (t [256]bool) {
	for _, m := range noiseMarkers {
		t[m[0]] = true
	}
	return t
}()

// noiseLine says a whole line is noise inside a record.
func noiseLine(t []byte) bool {
	for _, s := range legacyNoiseInRecord {
		if hasPrefix(t, s) {
			return true
		}
	}
	return false
}

var legacyNoiseInRecord = []string{
	"Desired survivor size", "- age ", "AdaptiveSize", "PSAdaptiveSize", "avg_survived_padded_avg",
	"avg_promoted_", "avg_pretenured", "  avg_", "PSYoungGen::", "PSAdaptiveSizePolicy",
	"Statistics for BinaryTreeDictionary", "Total Free Space:", "Max   Chunk Size:", "Number of Blocks:",
	"Av.  Block  Size:", "Tree      Height:", "Before GC:", "After GC:", "-------------",
	"Statistics for IndexedFreeLists", "CMS: Large ", "CMS: large ", "Tenuring distribution",
	"new threshold", "collection: ", "ParNew threads", "  ", "{Heap", "Heap after", "Heap before", "}",
	"size[", "demand: ", "free=", "Statistics for",
}

// legacyNoise says a line outside any record is known output of a JDK 8
// (or older) JVM that carries no event.
func legacyNoise(rest, line []byte) bool {
	if line[0] == ' ' || line[0] == '\t' {
		return true // heap dumps (PrintHeapAtGC), indented statistics
	}
	for _, s := range legacyNoisePrefixes {
		if hasPrefix(rest, s) {
			return true
		}
	}
	return noiseLine(rest) || histogramLine(rest)
}

var legacyNoisePrefixes = []string{
	"OpenJDK ", "Java HotSpot", "Memory: ", "CommandLine flags: ", "{Heap before", "Heap after", "Heap",
	"}", "GC log file created", "GC log file has reached the maximum size", "Desired survivor size",
	"- age ", "AdaptiveSize", "PSAdaptiveSize", "Regions: ", "Humongous object threshold", "Max TLAB size",
	"GC threads:", "Heuristics ", "Shenandoah ", "Pacer for ", "Initialize Shenandoah heap", "Reference processing",
	"Soft Max Heap Size", "Trigger: ", "Free: ", "Evacuation Reserve", "Cancelling GC", "Failed to allocate",
	"Adaptive CSet Selection", "Collectable Garbage", "Using ", "String Deduplication", "par new generation",
	"PSYoungGen ", "ParOldGen ", "PSOldGen ", "PSPermGen ", "concurrent mark-sweep", "concurrent-mark-sweep",
	"def new generation", "tenured generation", "garbage-first heap", "Metaspace ", "class space",
	"compacting perm gen", "eden space", "from space", "to space", "object space", "the space", "region size",
	"No shared spaces", "Finished ", "Statistics for", "Total Free Space", "Max   Chunk Size", "Number of Blocks",
	"Av.  Block  Size", "Tree      Height", "Before GC:", "After GC:", "----", "CMS: Large", "CMS: large",
	"Tenuring distribution", "GC locker:", "Concurrent marking:", "Total ", "Shenandoah",
	// PrintCMSInitiationStatistics, PrintFLSStatistics
	"CMSCollector shouldConcurrentCollect", "time_until_cms_gen_full", "free=", "contiguous_available=",
	"promotion_rate=", "cms_allocation_rate=", "occupancy=", "initiatingOccupancy=", "initiatingPermOccupancy=",
	"size[", "CMS: abort preclean", "GC STATISTICS", "All times are wall-clock", "Reserved region:",
	"/proc/meminfo:", "Allocation pacing accrued:", "Cancelling concurrent GC", "Status: ", "demand: ",
}

// flushDetails forgets the unified-logging details of GC ids whose
// summary never came.
func (p *Parser) flushDetails() {
	clear(p.details)
	p.detOrd = p.detOrd[:0]
}

// rotationLine says a line is the JVM's note on GC log rotation:
// "2016-04-14 22:37:22 GC log file created logs/gc.log.1".
func rotationLine(b []byte, p *Parser) bool {
	if _, n := datestamp(b, p.loc); n > 0 && n < len(b) {
		return hasPrefix(b[n:], " GC log file ")
	}
	return false
}

// histogramLine says a line is part of a class histogram
// (PrintClassHistogram): "   1:       9249662      876131272  [C",
// "Total      63436440     3512847472".
func histogramLine(t []byte) bool {
	i := 0
	if hasPrefix(t, "Total ") {
		i = len("Total ")
	} else {
		_, n := integer(t)
		if n == 0 || n+1 >= len(t) || t[n] != ':' || t[n+1] != ' ' {
			return false
		}
		i = n + 1
	}
	// Two counts, instances and bytes, each after spaces.
	for k := 0; k < 2; k++ {
		j := i
		for j < len(t) && t[j] == ' ' {
			j++
		}
		_, n := integer(t[j:])
		if j == i || n == 0 {
			return false
		}
		i = j + n
	}
	return i == len(t) || t[i] == ' '
}

// newRecord says a line (after its timestamps) starts a GC event, not a
// part of one.
func newRecord(rest []byte) bool {
	return hasPrefix(rest, "[GC (") || hasPrefix(rest, "[GC pause") || hasPrefix(rest, "[Full GC") ||
		hasPrefix(rest, "[GC ") && len(rest) > 4 && isDigit(rest[4])
}

// stampsThenStopped finds "Total time for which application threads were
// stopped" after nothing but the characters of timestamps.
func stampsThenStopped(b []byte) int {
	k := index(b, "Total time for which application threads were stopped: ")
	if k <= 0 {
		return -1
	}
	for _, c := range b[:k] {
		if !isDigit(c) && c != '-' && c != ':' && c != 'T' && c != '.' && c != ',' && c != '+' && c != ' ' {
			return -1
		}
	}
	return k
}

// mayHoldNoise is a quick test that a line has no noise marker in it.
func mayHoldNoise(b []byte) bool {
	return bytes.IndexByte(b, '{') >= 0 || index(b, "Adaptive") >= 0 || index(b, "Desired") >= 0 || index(b, " GC:") >= 0 ||
		hasPrefix(b, "Before GC:") || hasPrefix(b, "After GC:")
}

// closingAt returns where the bracket that brings depth to 0 is in b, or
// -1. It jumps from bracket to bracket.
func closingAt(b []byte, depth int) int {
	i := 0
	for i < len(b) {
		k := bytes.IndexAny(b[i:], "[]")
		if k < 0 {
			return -1
		}
		i += k
		if b[i] == '[' {
			depth++
		} else {
			depth--
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return -1
}

// depthAfter is the bracket depth after b.
func depthAfter(b []byte, depth int) int {
	return depth + bytes.Count(b, []byte{'['}) - bytes.Count(b, []byte{']'})
}

// undecorated says a line is a unified-logging GC line without its
// decorations: "GC(<id>) " and a message.
func undecorated(b []byte) bool {
	if !hasPrefix(b, "GC(") {
		return false
	}
	v, n := integer(b[3:])
	return n > 0 && v >= 0 && 3+n+1 < len(b) && b[3+n] == ')' && b[4+n] == ' '
}
