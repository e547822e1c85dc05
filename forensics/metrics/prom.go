package metrics

import (
	"math"
	"strconv"
	"time"
	"unsafe"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// Parser reads metric dumps. It keeps strings it made before, so the
// labels of the next scrape cost no allocation.
type Parser struct {
	sink   Sink
	loc    *time.Location
	s      Sample
	raw    RawLine
	strs   map[string]string
	dots   []byte
	format Format
	// scrape is the time of the samples that carry none: from a comment
	// or the file's name.
	scrape    int64
	hasScrape bool
	counts    Counts
	// prev holds the values of the labels of the previous line by
	// position: consecutive lines mostly repeat them.
	prev [24]struct {
		b []byte
		s string
	}
	// otherKey and others cache the JSON of the labels that are not
	// Flink's variables, by their text.
	otherKey []byte
	others   map[string]string
}

// Counts sum up a stream.
type Counts struct {
	Lines, Samples, Noise, Unparsed int64
}

// NewParser makes a Parser; loc is the zone of timestamps without one.
func NewParser(sink Sink, loc *time.Location) *Parser {
	if loc == nil {
		loc = time.UTC
	}
	return &Parser{sink: sink, loc: loc, strs: map[string]string{}, others: map[string]string{}}
}

// Counts returns the counts since the last call and zeroes them.
func (p *Parser) Counts() Counts {
	c := p.counts
	p.counts = Counts{}
	return c
}

// str returns b as a string made once per distinct value (bounded).
func (p *Parser) str(b []byte) string {
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	if len(p.strs) >= 1<<16 {
		clear(p.strs)
	}
	s := string(b)
	p.strs[s] = s
	return s
}

// ParsePrometheus reads Prometheus text exposition or OpenMetrics: one
// scrape or many concatenated. A comment holding a time ("# 2025-03-14T09:00:15Z",
// as scrape loggers write) sets the time of the samples after it that carry
// none; so does a time in the file's name.
func (p *Parser) ParsePrometheus(name string, lr *input.LineReader) error {
	p.format = Prometheus
	p.scrape, p.hasScrape = TimeInName(name, p.loc)
	for lr.Next() {
		p.counts.Lines++
		p.promLine(lr.Line(), lr.Num(), lr.Offset(), lr.Truncated())
	}
	return lr.Err()
}

func (p *Parser) promLine(b []byte, num, off, truncated int64) {
	if truncated > 0 {
		p.rawLine(b, num, off, "line longer than the limit", truncated)
		return
	}
	if len(b) == 0 {
		p.counts.Noise++
		return
	}
	if b[0] == '#' {
		p.comment(b)
		p.counts.Noise++
		return
	}
	s := &p.s
	s.reset()
	s.Line, s.Offset, s.Format = num, off, p.format
	i := 0
	for i < len(b) && nameByte(b[i]) {
		i++
	}
	if i == 0 {
		p.rawLine(b, num, off, "not a metric sample", 0)
		return
	}
	scope, short := splitScope(b[:i], p.dots)
	if scope != "" {
		p.dots = short
	}
	s.Scope, s.Name = scope, p.str(short)
	if i < len(b) && b[i] == '{' {
		n, ok := p.labels(b[i+1:])
		if !ok {
			p.rawLine(b, num, off, "bad labels", 0)
			return
		}
		i += 1 + n
	}
	rest := trimSpace(b[i:])
	v, n := valueToken(rest)
	if n == 0 {
		p.rawLine(b, num, off, "no value", 0)
		return
	}
	val, ok := parseValue(v)
	if !ok {
		p.rawLine(b, num, off, "bad value", 0)
		return
	}
	s.Value = val
	rest = trimSpace(rest[n:])
	if len(rest) > 0 && rest[0] != '#' { // "#" starts an OpenMetrics exemplar
		t, n := valueToken(rest)
		ts, err := strconv.ParseFloat(unsafeString(t), 64)
		if err != nil || n == 0 {
			p.rawLine(b, num, off, "bad timestamp", 0)
			return
		}
		if ts < 1e11 { // OpenMetrics: seconds
			ts *= 1e3
		}
		s.Time, s.HasTime = int64(math.Round(ts)), true
	} else if p.hasScrape {
		s.Time, s.HasTime = p.scrape, true
	}
	Normalise(s)
	p.counts.Samples++
	p.sink.Sample(s)
}

// comment reads "# TYPE", "# EOF" (OpenMetrics) and time comments.
func (p *Parser) comment(b []byte) {
	t := trimSpace(b[1:])
	switch {
	case hasPrefix(t, "EOF"), hasPrefix(t, "UNIT "):
		p.format = OpenMetrics
	case hasPrefix(t, "HELP "), hasPrefix(t, "TYPE "):
	default:
		if ms, ok := findTime(t, p.loc); ok {
			p.scrape, p.hasScrape = ms, true
		}
	}
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':'
}

// labels reads `k="v",k2="v2",}` (a trailing comma is allowed, as Flink
// writes it) and returns the bytes read including the closing brace.
func (p *Parser) labels(b []byte) (int, bool) {
	s := &p.s
	i := 0
	var val []byte
	p.otherKey = p.otherKey[:0]
	for pos := 0; ; pos++ {
		for i < len(b) && (b[i] == ' ' || b[i] == ',') {
			i++
		}
		if i < len(b) && b[i] == '}' {
			if len(s.Labels) > 0 {
				js, ok := p.others[string(p.otherKey)]
				if !ok {
					if len(p.others) >= 1<<14 {
						clear(p.others)
					}
					js = string(s.LabelsJSON(nil))
					p.others[string(p.otherKey)] = js
				}
				s.LabelsText = js
			}
			return i + 1, true
		}
		start := i
		for i < len(b) && nameByte(b[i]) {
			i++
		}
		if i == start || i+1 >= len(b) || b[i] != '=' || b[i+1] != '"' {
			return 0, false
		}
		key := b[start:i]
		i += 2
		vs := i
		escaped := false
		for i < len(b) && b[i] != '"' {
			if b[i] == '\\' {
				escaped = true
				i++
			}
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		v := b[vs:i]
		i++
		if escaped {
			val = unescape(val[:0], v)
			v = val
		}
		var vstr string
		if pos < len(p.prev) && string(p.prev[pos].b) == string(v) {
			vstr = p.prev[pos].s
		} else {
			vstr = p.str(v)
			if pos < len(p.prev) {
				p.prev[pos].b = append(p.prev[pos].b[:0], v...)
				p.prev[pos].s = vstr
			}
		}
		if !setVariable(s, unsafeString(key), vstr) {
			s.Labels = append(s.Labels, Label{p.str(key), vstr})
			p.otherKey = append(append(append(append(p.otherKey, key...), 0), v...), 0)
		}
	}
}

func unescape(dst, v []byte) []byte {
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
			switch v[i] {
			case 'n':
				dst = append(dst, '\n')
			default:
				dst = append(dst, v[i])
			}
			continue
		}
		dst = append(dst, v[i])
	}
	return dst
}

func valueToken(b []byte) ([]byte, int) {
	i := 0
	for i < len(b) && b[i] != ' ' && b[i] != '\t' {
		i++
	}
	return b[:i], i
}

// parseValue reads a sample value: a float (1.23E8), NaN, +Inf, -Inf, or
// Flink's "NaN" string.
func parseValue(v []byte) (float64, bool) {
	switch string(v) {
	case "NaN", "nan", "\"NaN\"":
		return math.NaN(), true
	case "+Inf", "Inf", "inf":
		return math.Inf(1), true
	case "-Inf", "-inf":
		return math.Inf(-1), true
	}
	f, err := strconv.ParseFloat(unsafeString(v), 64)
	return f, err == nil
}

func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func (p *Parser) rawLine(b []byte, num, off int64, reason string, orig int64) {
	p.raw = RawLine{Line: num, Offset: off, Text: b, Reason: reason, OriginalLength: orig}
	p.counts.Unparsed++
	p.sink.Raw(&p.raw)
}
