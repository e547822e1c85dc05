package flinklog

import (
	"bytes"
	"time"
)

// header is a parsed header line.
type header struct {
	wall    int64 // milliseconds since the epoch, read as if the clock were UTC
	zoned   bool  // the timestamp carried its own offset (wall is then UTC)
	level   Level
	logger  []byte
	thread  []byte
	context []byte
	message []byte
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digits(b []byte, n int) (int, bool) {
	if len(b) < n {
		return 0, false
	}
	v := 0
	for _, c := range b[:n] {
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseTimestamp reads "2006-01-02 15:04:05,000" at the start of b (also
// with 'T' for the blank, '.' for the comma, 0–9 fraction digits and an
// optional zone "Z", "+01:00" or "+0100"). It returns the time as epoch
// milliseconds of the wall clock read as UTC, whether a zone was given, and
// the bytes consumed.
func parseTimestamp(b []byte) (ms int64, zoned bool, n int, ok bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != ' ' && b[10] != 'T') ||
		b[13] != ':' || b[16] != ':' {
		return 0, false, 0, false
	}
	y, ok1 := digits(b, 4)
	mo, ok2 := digits(b[5:], 2)
	d, ok3 := digits(b[8:], 2)
	h, ok4 := digits(b[11:], 2)
	mi, ok5 := digits(b[14:], 2)
	s, ok6 := digits(b[17:], 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 {
		return 0, false, 0, false
	}
	n = 19
	frac := 0
	if n < len(b) && (b[n] == ',' || b[n] == '.') && n+1 < len(b) && isDigit(b[n+1]) {
		n++
		scale := 100
		for n < len(b) && isDigit(b[n]) {
			frac += int(b[n]-'0') * scale
			scale /= 10
			n++
		}
	}
	ms = (daysFromCivil(y, mo, d)*86400+int64(h*3600+mi*60+s))*1000 + int64(frac)
	if n < len(b) {
		switch b[n] {
		case 'Z':
			return ms, true, n + 1, true
		case '+', '-':
			if off, m, ok := parseOffset(b[n:]); ok {
				return ms - off*1000, true, n + m, true
			}
		}
	}
	return ms, false, n, true
}

// parseOffset reads "+01:00" or "+0100"; it returns seconds east of UTC.
func parseOffset(b []byte) (int64, int, bool) {
	if len(b) < 5 {
		return 0, 0, false
	}
	hh, ok := digits(b[1:], 2)
	if !ok {
		return 0, 0, false
	}
	rest, n := b[3:], 3
	if rest[0] == ':' {
		rest, n = rest[1:], 4
	}
	mm, ok := digits(rest, 2)
	if !ok {
		return 0, 0, false
	}
	off := int64(hh*3600 + mm*60)
	if b[0] == '-' {
		off = -off
	}
	return off, n + 2, true
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// zone turns wall-clock milliseconds into UTC for a location, caching the
// offset per wall-clock hour (offsets change on the hour or half hour at
// most, so the cache is exact for whole-hour zones and re-checked otherwise).
type zone struct {
	loc      *time.Location
	utc      bool
	hour     int64
	offsetMs int64
}

func newZone(loc *time.Location) *zone {
	if loc == nil {
		loc = time.UTC
	}
	return &zone{loc: loc, utc: loc == time.UTC, hour: -1 << 62}
}

func (z *zone) toUTC(wall int64) int64 {
	if z.utc {
		return wall
	}
	h := floorDiv(wall, 1800_000) // half hours cover every zone offset change in use
	if h != z.hour {
		t := time.UnixMilli(wall).UTC()
		local := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), z.loc)
		z.offsetMs = wall - local.UnixMilli()
		z.hour = h
	}
	return wall - z.offsetMs
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// parseLevel reads a level word at the start of b and returns its length.
func parseLevel(b []byte) (Level, int) {
	end := bytes.IndexByte(b, ' ')
	if end < 0 {
		end = len(b)
	}
	w := b[:end]
	switch string(w) {
	case "INFO":
		return Info, end
	case "WARN":
		return Warn, end
	case "ERROR":
		return Error, end
	case "DEBUG":
		return Debug, end
	case "TRACE":
		return Trace, end
	case "FATAL":
		return Fatal, end
	case "WARNING":
		return Warn, end
	case "SEVERE":
		return Error, end
	case "CRITICAL":
		return Fatal, end
	}
	return NoLevel, 0
}

// closeBracket finds the ']' that closes the '[' at b[0], allowing nested
// brackets; it returns -1 if there is none.
func closeBracket(b []byte) int {
	depth := 0
	for i, c := range b {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

func skipSpaces(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// parseHeader reads a header line: a timestamp, then in any order a level,
// a "[thread]", a logger and a "[context]", then " - " and the message.
// Without a level it is not a header.
func parseHeader(b []byte, h *header) bool {
	ms, zoned, n, ok := parseTimestamp(b)
	if !ok {
		return false
	}
	*h = header{wall: ms, zoned: zoned}
	i := skipSpaces(b, n)
	for tokens := 0; tokens < 6 && i < len(b); tokens++ {
		c := b[i]
		switch {
		case c == '[':
			end := closeBracket(b[i:])
			if end < 0 {
				h.message = b[i:]
				return h.level != NoLevel
			}
			inner := b[i+1 : i+end]
			if h.logger == nil && h.thread == nil {
				h.thread = inner
			} else if len(inner) > 0 {
				h.context = inner
			}
			i = skipSpaces(b, i+end+1)
			continue
		case c == '-' && (i+1 == len(b) || b[i+1] == ' '):
			i++
			if i < len(b) {
				i++
			}
			h.message = b[i:]
			return h.level != NoLevel
		}
		if h.level == NoLevel {
			if lv, m := parseLevel(b[i:]); lv != NoLevel {
				h.level = lv
				i = skipSpaces(b, i+m)
				continue
			}
		}
		if h.logger == nil && h.level != NoLevel || h.logger == nil && tokens == 0 {
			end := bytes.IndexByte(b[i:], ' ')
			if end < 0 {
				end = len(b) - i
			}
			tok := b[i : i+end]
			if !looksLikeLogger(tok) {
				break
			}
			i = skipSpaces(b, i+end)
			if tok[len(tok)-1] == ':' { // "%c: %m" layouts
				h.logger = tok[:len(tok)-1]
				h.message = b[i:]
				return h.level != NoLevel
			}
			h.logger = tok
			continue
		}
		break
	}
	if h.level == NoLevel {
		return false
	}
	h.message = b[min(i, len(b)):]
	return true
}

// looksLikeLogger accepts a Java class or category name (letters, digits,
// '.', '$', '_', '-', a trailing ':').
func looksLikeLogger(t []byte) bool {
	if len(t) == 0 {
		return false
	}
	c := t[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$') {
		return false
	}
	for _, c := range t[1:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '.' || c == '$' || c == '_' || c == '-' || c == ':') {
			return false
		}
	}
	return true
}
