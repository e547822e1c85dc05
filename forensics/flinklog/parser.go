package flinklog

import (
	"bytes"
	"fmt"
	"time"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// Options configure a Parser.
type Options struct {
	// Location is the zone of timestamps that carry none (Flink's layouts
	// carry none); nil means UTC.
	Location *time.Location
	// MaxEvent is the size at which a growing event is emitted and its
	// remaining lines go to a continued event (4 MiB if 0), which bounds
	// memory on a runaway multi-line message.
	MaxEvent int
	// Layout, if set, is the PatternLayout the logs were written with
	// (--layout); lines it does not fit are read as without it.
	Layout *Layout
	// Date, if not zero, is the day of logs whose lines carry only a time
	// of day and whose file name gives none (--date).
	Date time.Time
}

// Parser reads Flink logs. A Parser is reused across files; it is not safe
// for concurrent use.
type Parser struct {
	opt     Options
	zone    *zone
	sink    Sink
	streams []*stream
	raw     RawLine
	ev      Event
	hdr     header
	// day is the date a file's name gives (days since 1970-01-01), for
	// headers that have only a time of day; hasDay says there is one.
	day    int64
	hasDay bool
}

// stream is the event being assembled for one prefix (one container in a
// "docker compose logs" file; the whole file otherwise).
type stream struct {
	prefix   []byte
	open     bool
	headless bool
	head     []byte // the header line, owned
	hdr      header // slices into head
	detail   []byte
	line     int64
	offset   int64
	lines    int32
	trunc    bool
	ooo      bool
	cont     bool
	hasLast  bool
	last     int64
	// exception and deepest cause, as offsets into detail
	excLine, causeLine [2]int
	causes             []byte // the "Caused by:" lines so far
}

// NewParser makes a parser that hands what it finds to sink.
func NewParser(sink Sink, opt Options) *Parser {
	if opt.MaxEvent <= 0 {
		opt.MaxEvent = 4 << 20
	}
	return &Parser{opt: opt, zone: newZone(opt.Location), sink: sink}
}

// Parse reads one file's lines to the end. It returns the read error that
// stopped it, if any, naming the line it reached.
func (p *Parser) Parse(name string, lr *input.LineReader) error {
	p.streams = p.streams[:0]
	p.day, p.hasDay = dateFromName(name)
	if !p.hasDay && !p.opt.Date.IsZero() {
		y, m, d := p.opt.Date.Date()
		p.day, p.hasDay = daysFromCivil(y, int(m), d), true
	}
	for lr.Next() {
		p.line(lr)
	}
	for _, s := range p.streams {
		p.flush(s)
	}
	if err := lr.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", name, lr.Num()+1, err)
	}
	return nil
}

// streamFor returns the stream of a prefix, starting it if need be.
func (p *Parser) streamFor(prefix []byte) *stream {
	if s := p.known(prefix); s != nil {
		return s
	}
	s := &stream{prefix: append([]byte(nil), prefix...)}
	p.streams = append(p.streams, s)
	return s
}

// known returns the stream of a prefix seen before in this file, or nil.
func (p *Parser) known(prefix []byte) *stream {
	for _, s := range p.streams {
		if bytes.Equal(s.prefix, prefix) {
			return s
		}
	}
	return nil
}

func (p *Parser) line(lr *input.LineReader) {
	b := lr.Line()
	if p.isHeader(b) {
		p.header(p.streamFor(nil), b, lr)
		return
	}
	// A prefix added by "kubectl logs --prefix", "docker compose logs" or
	// "kubectl logs --timestamps" counts when a header follows it, when it
	// was seen before, or when a stack trace line follows it (a trace of
	// that container whose header is not in the file).
	if prefix, rest, ok := splitPrefix(b); ok {
		if p.isHeader(rest) {
			p.header(p.streamFor(prefix), rest, lr)
			return
		}
		if prefix == nil || p.known(prefix) != nil || stackLine(rest) {
			p.continuation(p.streamFor(prefix), rest, lr)
			return
		}
	}
	p.continuation(p.streamFor(nil), b, lr)
}

// isHeader says a line starts an event (p.hdr then holds it): by the
// layout the user gave, else by the layouts flinkdx knows.
func (p *Parser) isHeader(b []byte) bool {
	if p.opt.Layout != nil && p.opt.Layout.parse(b, &p.hdr) {
		return true
	}
	return parseHeader(b, &p.hdr) || jvmLine(b, &p.hdr)
}

func (p *Parser) header(s *stream, b []byte, lr *input.LineReader) {
	p.flush(s)
	s.head = append(s.head[:0], b...)
	h := p.hdr
	s.hdr = header{
		wall: h.wall, zoned: h.zoned, clock: h.clock, timeless: h.timeless, jvm: h.jvm, level: h.level,
		logger:  rebase(h.logger, b, s.head),
		thread:  rebase(h.thread, b, s.head),
		context: rebase(h.context, b, s.head),
		message: rebase(h.message, b, s.head),
	}
	if h.jvm {
		s.hdr.logger = jvmLogger
	}
	if n := lr.Truncated(); n > 0 && cap(b)-cap(h.message)+len(h.message) == len(b) {
		// The message ran to the end of a line that was cut: it says so.
		mark := cutMark(len(b), n)
		start := cap(b) - cap(h.message)
		s.head = append(s.head, mark...)
		s.hdr.message = s.head[start:]
	}
	s.open, s.headless, s.cont = true, false, false
	s.begin(lr)
	if s.hdr.clock {
		// A time of day: the date is the file name's, or unknown.
		if !p.hasDay {
			s.hdr.timeless = true
			return
		}
		s.hdr.wall += p.day * 86400000
	}
	if s.hdr.timeless {
		return
	}
	t := s.hdr.wall
	if !s.hdr.zoned {
		t = p.zone.toUTC(t)
	}
	s.hdr.wall = t
	s.ooo = s.hasLast && t < s.last
	if !s.hasLast || t > s.last {
		s.last, s.hasLast = t, true
	}
}

func (s *stream) begin(lr *input.LineReader) {
	s.detail = s.detail[:0]
	s.line, s.offset, s.lines = lr.Num(), lr.Offset(), 1
	s.trunc = lr.Truncated() > 0
	s.excLine, s.causeLine = [2]int{}, [2]int{}
	s.causes = s.causes[:0]
}

// rebase re-points sub, a slice of from, at the same bytes in to.
func rebase(sub, from, to []byte) []byte {
	if sub == nil {
		return nil
	}
	off := cap(from) - cap(sub)
	return to[off : off+len(sub)]
}

func (p *Parser) continuation(s *stream, b []byte, lr *input.LineReader) {
	if impossibleDate(b) {
		// A header but for its date (2025-02-29): kept as it is, saying
		// why, rather than read as the day after or as part of the event
		// before.
		if s.open {
			p.flush(s)
			s.open = false
		}
		p.raw = RawLine{Line: lr.Num(), Offset: lr.Offset(), Text: b, Reason: "impossible date " + string(b[:10]),
			OriginalLength: lr.Truncated()}
		p.sink.Raw(&p.raw)
		return
	}
	if !s.open {
		if !stackLine(b) {
			p.raw = RawLine{Line: lr.Num(), Offset: lr.Offset(), Text: b, Reason: "no header line before it",
				OriginalLength: lr.Truncated()}
			p.sink.Raw(&p.raw)
			return
		}
		// A stack trace whose header is not in this file (cut, or in the
		// rotated file before): a headless event.
		s.head = append(s.head[:0], b...)
		s.hdr = header{message: s.head}
		s.open, s.headless, s.cont = true, true, false
		s.begin(lr)
		return
	}
	if len(s.detail)+len(b) > p.opt.MaxEvent && len(s.detail) > 0 {
		p.flush(s)
		s.open, s.cont = true, true
		s.begin(lr)
		s.lines = 0
	}
	if len(s.detail) > 0 || s.lines > 1 {
		s.detail = append(s.detail, '\n')
	}
	start := len(s.detail)
	s.detail = append(s.detail, b...)
	s.lines++
	if n := lr.Truncated(); n > 0 {
		s.trunc = true
		s.detail = append(s.detail, cutMark(len(b), n)...)
	}
	// The event's exception and its deepest cause.
	t := bytes.TrimLeft(s.detail[start:], " \t")
	off := len(s.detail) - len(t)
	switch {
	case len(t) == 0 || t[0] == 'a' && bytes.HasPrefix(t, []byte("at ")):
	case bytes.HasPrefix(t, causedBy):
		s.causeLine = [2]int{off + len(causedBy), len(s.detail)}
		s.addCause(s.detail[s.causeLine[0]:s.causeLine[1]])
	case s.excLine[1] == 0:
		if _, _, ok := exceptionLine(t); ok {
			s.excLine = [2]int{off, len(s.detail)}
		}
	}
}

// maxCause bounds a cause's line in Causes, and maxCauses the whole.
const maxCause, maxCauses = 300, 4096

// addCause adds a "Caused by:" line's rest to the event's chain.
func (s *stream) addCause(c []byte) {
	c = bytes.TrimSpace(c)
	if len(c) > maxCause {
		c = c[:maxCause]
	}
	if len(s.causes)+len(c)+1 > maxCauses {
		return
	}
	if len(s.causes) > 0 {
		s.causes = append(s.causes, '\n')
	}
	s.causes = append(s.causes, c...)
}

// cutMark ends a line that was longer than the line length limit: what
// is kept of it, and how long it was.
func cutMark(kept int, original int64) string {
	return fmt.Sprintf(" [flinkdx: line cut at %d of %d bytes]", kept, original)
}

// stackLine says a line is part of a Java stack trace: a frame, an
// exception, a cause, or the "... N more" line.
func stackLine(b []byte) bool {
	t := bytes.TrimLeft(b, " \t")
	switch {
	case bytes.HasPrefix(t, []byte("at ")) && bytes.IndexByte(t, '(') > 0:
		return true
	case bytes.HasPrefix(t, causedBy), bytes.HasPrefix(t, []byte("Suppressed: ")):
		return true
	case bytes.HasPrefix(t, []byte("... ")) && bytes.HasSuffix(t, []byte(" more")):
		return true
	}
	_, _, ok := exceptionLine(t)
	return ok
}

func (p *Parser) flush(s *stream) {
	if !s.open {
		return
	}
	s.open = false
	e := &p.ev
	*e = Event{
		Time: s.hdr.wall, HasTime: !s.headless && !s.hdr.timeless, Level: s.hdr.level,
		Logger: s.hdr.logger, Thread: s.hdr.thread, Context: s.hdr.context,
		Prefix: s.prefix, Message: s.hdr.message, Detail: s.detail,
		Line: s.line, Offset: s.offset, Lines: s.lines,
		Truncated: s.trunc, OutOfOrder: s.ooo && !s.headless && !s.hdr.timeless, Continued: s.cont,
	}
	e.Fields.reset()
	extract(e.Message, &e.Fields)
	if cls, msg, ok := exceptionLine(e.Message); ok {
		e.Exception, e.ExceptionMessage = cls, msg
	} else if cls, msg, ok := exceptionLine(bytes.TrimPrefix(bytes.TrimLeft(e.Message, " \t"), causedBy)); ok && s.headless && s.excLine[1] == 0 {
		// A trace that starts at a "Caused by:" (its top cut off).
		e.Exception, e.ExceptionMessage = cls, msg
	} else if cls, msg, ok := failureCause(e.Message); ok && s.excLine[1] == 0 {
		// "… switched from RUNNING to FAILED with failure cause:
		// java.lang.RuntimeException: …" with no trace after it.
		e.Exception, e.ExceptionMessage = cls, msg
	} else if s.excLine[1] > 0 {
		e.Exception, e.ExceptionMessage, _ = exceptionLine(s.detail[s.excLine[0]:s.excLine[1]])
	}
	if s.causeLine[1] > 0 {
		if cls, msg, ok := exceptionLine(s.detail[s.causeLine[0]:s.causeLine[1]]); ok {
			e.RootCause, e.RootCauseMessage = cls, msg
		}
		e.Causes = s.causes
	}
	if e.Host == nil && len(s.prefix) > 0 {
		e.Host = s.prefix
	}
	p.sink.Event(e)
}

// splitPrefix recognises a container prefix at the start of a line:
// "[pod/NAME/CONTAINER] " (kubectl logs --prefix), "SERVICE  | " (docker
// compose logs) and an RFC 3339 time and a blank (kubectl logs --timestamps).
func splitPrefix(b []byte) (prefix, rest []byte, ok bool) {
	if len(b) < 3 {
		return nil, nil, false
	}
	if b[0] == '[' {
		if e := bytes.IndexByte(b, ']'); e > 1 && e+1 < len(b) && b[e+1] == ' ' && bytes.IndexByte(b[1:e], ' ') < 0 {
			return b[1:e], b[e+2:], true
		}
		return nil, nil, false
	}
	if isDigit(b[0]) {
		// A host's time before the log's own line (Docker Desktop, a
		// collector): "2023-06-14 15:48:58 2023-06-14 07:48:58,551 WARN …",
		// or before a line of its stack trace.
		if _, _, n, ok := parseTimestamp(b); ok && b[10] == ' ' && n < len(b) && b[n] == ' ' {
			if rest := b[n+1:]; len(rest) > 0 && (isDigit(rest[0]) || stackLine(rest)) {
				return nil, rest, true
			}
		}
		if _, _, n, ok := parseTimestamp(b); ok && b[10] == 'T' && n < len(b) && b[n] == ' ' {
			rest := b[n+1:]
			// Kubernetes' CRI log files: "<time> stdout F <line>" (P for
			// a part of a long line).
			if len(rest) >= 9 && (bytes.HasPrefix(rest, []byte("stdout ")) || bytes.HasPrefix(rest, []byte("stderr "))) &&
				(rest[7] == 'F' || rest[7] == 'P') && rest[8] == ' ' {
				rest = rest[9:]
			}
			return nil, rest, true
		}
		// A console's time of day before each line (Jenkins: "08:59:51 ").
		if _, n, ok := parseClock(b); ok && n == 8 && n+1 < len(b) && b[n] == ' ' {
			return nil, b[n+1:], true
		}
		return nil, nil, false
	}
	// pytest's "E   " before each line of a failure it shows.
	if b[0] == 'E' && len(b) > 4 && b[1] == ' ' && b[2] == ' ' && b[3] == ' ' {
		return nil, bytes.TrimLeft(b[1:], " "), true
	}
	lim := min(len(b), 96)
	if i := bytes.IndexByte(b[:lim], '|'); i > 0 && i+1 < len(b) {
		name := bytes.TrimRight(b[:i], " ")
		if len(name) == 0 || bytes.IndexByte(name, ' ') >= 0 {
			return nil, nil, false
		}
		rest := b[i+1:]
		if len(rest) > 0 && rest[0] == ' ' {
			rest = rest[1:]
		}
		return name, rest, true
	}
	return nil, nil, false
}

var failureCauseMark = []byte("with failure cause: ")

// failureCause reads the exception a state change names on its own line.
func failureCause(m []byte) (cls, msg []byte, ok bool) {
	k := bytes.Index(m, failureCauseMark)
	if k < 0 {
		return nil, nil, false
	}
	return exceptionLine(m[k+len(failureCauseMark):])
}
