package flinklog

import (
	"bytes"
	"time"
)

// header is a parsed header line.
type header struct {
	wall  int64 // milliseconds since the epoch, read as if the clock were UTC
	zoned bool  // the timestamp carried its own offset (wall is then UTC)
	// clock says the timestamp had a time of day but no date (logback's
	// "HH:mm:ss.SSS"): wall is then milliseconds since midnight.
	clock bool
	// timeless says the line had no usable time (a "%r" count of
	// milliseconds since the process started, or none at all).
	timeless bool
	jvm      bool // a line the JVM printed (jvmLines): logger "jvm"
	level    Level
	logger   []byte
	thread   []byte
	context  []byte
	message  []byte
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
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != ' ' && b[10] != 'T') {
		return 0, false, 0, false
	}
	y, ok1 := digits(b, 4)
	mo, ok2 := digits(b[5:], 2)
	d, ok3 := digits(b[8:], 2)
	clock, m, ok4 := parseClock(b[11:])
	if !(ok1 && ok2 && ok3 && ok4) || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, false, 0, false
	}
	n = 11 + m
	ms = daysFromCivil(y, mo, d)*86400000 + clock
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
// impossibleDate says a line starts with a yyyy-MM-dd date whose day is
// past its month's end.
func impossibleDate(b []byte) bool {
	if len(b) < 11 || b[4] != '-' || b[7] != '-' || (b[10] != ' ' && b[10] != 'T') {
		return false
	}
	y, ok1 := digits(b, 4)
	mo, ok2 := digits(b[5:], 2)
	d, ok3 := digits(b[8:], 2)
	return ok1 && ok2 && ok3 && mo >= 1 && mo <= 12 && d > daysIn(y, mo) && d <= 31
}

// daysIn is the number of days of month m (1-12) of year y: a date past
// it (2025-02-29) is no date, not the next month's first.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

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

// The time layouts a header may start with, tried in turn (each is a few
// byte comparisons): Flink's "yyyy-MM-dd HH:mm:ss,SSS" (and ISO 8601),
// Hadoop's "yy/MM/dd HH:mm:ss", logback's time of day "HH:mm:ss.SSS",
// log4j's "%r" (milliseconds since start, before a "[thread]"), and none
// at all when the line starts with its level ("INFO  [] - …", what
// BashJavaUtils prints).
func parseTime(b []byte, h *header) (n int, ok bool) {
	if len(b) == 0 {
		return 0, false
	}
	switch c := b[0]; {
	case isDigit(c):
		if ms, zoned, n, ok := parseTimestamp(b); ok {
			h.wall, h.zoned = ms, zoned
			return n, true
		}
		if ms, n, ok := parseSlashDate(b); ok {
			h.wall = ms
			return n, true
		}
		if ms, n, ok := parseClock(b); ok && n < len(b) && b[n] == ' ' {
			h.wall, h.clock = ms, true
			return n, true
		}
		if n := relativeMillis(b); n > 0 {
			h.timeless = true
			return n, true
		}
	case c >= 'A' && c <= 'Z':
		if lv, _ := parseLevel(b[:min(len(b), 9)]); lv != NoLevel {
			h.timeless = true
			return 0, true
		}
	case c == '[':
		if bracketedLevel(b) != NoLevel {
			h.timeless = true
			return 0, true
		}
	}
	return 0, false
}

// bracketedLevel reads a "[ERROR]" at the start of b (Flink's scripts and
// some layouts write the level so).
func bracketedLevel(b []byte) Level {
	if len(b) < 6 || b[0] != '[' {
		return NoLevel
	}
	end := bytes.IndexByte(b[:min(len(b), 12)], ']')
	if end < 0 {
		return NoLevel
	}
	lv, n := parseLevel(b[1:end])
	if n != end-1 {
		return NoLevel
	}
	return lv
}

// jvmLines are what the JVM itself prints when it cannot start or
// crashes, on the console a Flink log often captures: each is an event of
// its own (logger "jvm"), for the detectors to read.
var jvmLines = []string{
	"# There is insufficient memory for the Java Runtime Environment to continue",
	"# A fatal error has been detected by the Java Runtime Environment",
	"# Native memory allocation (mmap) failed",
	"# Native memory allocation (malloc) failed",
	"Error occurred during initialization of VM",
	"Error: Could not create the Java Virtual Machine.",
	"Error: A fatal exception has occurred. Program will exit.",
	"Exception in thread \"",
}

// jvmLine makes a header of a line the JVM printed (jvmLines, or its
// "… VM warning: … (errno=12)" lines).
func jvmLine(b []byte, h *header) bool {
	// Every such line starts with one of these (a stack frame, most of
	// what is not a header, never does).
	if len(b) == 0 || b[0] != '#' && b[0] != 'E' && b[0] != 'O' && b[0] != 'J' {
		return false
	}
	for _, l := range jvmLines {
		if bytes.HasPrefix(b, []byte(l)) {
			*h = header{timeless: true, level: Error, jvm: true, message: b}
			return true
		}
	}
	if bytes.Contains(b[:min(len(b), 48)], []byte(" VM warning: ")) {
		*h = header{timeless: true, level: Warn, jvm: true, message: b}
		return true
	}
	return false
}

var jvmLogger = []byte("jvm")

// parseSlashDate reads "yy/MM/dd HH:mm:ss" (with an optional fraction).
func parseSlashDate(b []byte) (int64, int, bool) {
	if len(b) < 17 || b[2] != '/' || b[5] != '/' || b[8] != ' ' {
		return 0, 0, false
	}
	y, ok1 := digits(b, 2)
	mo, ok2 := digits(b[3:], 2)
	d, ok3 := digits(b[6:], 2)
	ms, n, ok4 := parseClock(b[9:])
	if !(ok1 && ok2 && ok3 && ok4) || mo < 1 || mo > 12 || d < 1 || d > daysIn(2000+y, mo) {
		return 0, 0, false
	}
	return daysFromCivil(2000+y, mo, d)*86400000 + ms, 9 + n, true
}

// parseClock reads "HH:mm:ss" with an optional ",SSS" or ".SSS"; it
// returns milliseconds since midnight.
func parseClock(b []byte) (int64, int, bool) {
	if len(b) < 8 || b[2] != ':' || b[5] != ':' {
		return 0, 0, false
	}
	h, ok1 := digits(b, 2)
	mi, ok2 := digits(b[3:], 2)
	s, ok3 := digits(b[6:], 2)
	if !(ok1 && ok2 && ok3) || h > 23 || mi > 59 || s > 60 {
		return 0, 0, false
	}
	n, frac := 8, 0
	if n < len(b) && (b[n] == ',' || b[n] == '.') && n+1 < len(b) && isDigit(b[n+1]) {
		n++
		scale := 100
		for n < len(b) && isDigit(b[n]) {
			frac += int(b[n]-'0') * scale
			scale /= 10
			n++
		}
	}
	return int64(h*3600+mi*60+s)*1000 + int64(frac), n, true
}

// relativeMillis reads log4j's "%r", milliseconds since the process
// started, when a "[thread]" follows it: it returns the bytes it takes.
func relativeMillis(b []byte) int {
	i := 0
	for i < len(b) && i < 12 && isDigit(b[i]) {
		i++
	}
	if i == 0 || i+1 >= len(b) || b[i] != ' ' || b[i+1] != '[' {
		return 0
	}
	return i
}

// parseHeader reads a header line: a time (parseTime), then in any order
// a level, a "[thread]", a logger and a "[context]", then " - " and the
// message. Without a level it is not a header.
func parseHeader(b []byte, h *header) bool {
	*h = header{}
	n, ok := parseTime(b, h)
	if !ok {
		return false
	}
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
			if h.level == NoLevel {
				if lv, m := parseLevel(inner); lv != NoLevel && m == len(inner) {
					h.level = lv
					i = skipSpaces(b, i+end+1)
					continue
				}
			}
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
			next := skipSpaces(b, i+end)
			qualified := bytes.IndexByte(tok, '.') >= 0 || bytes.IndexByte(tok, '$') >= 0
			if tok[len(tok)-1] == ':' { // "%c: %m" layouts
				if string(tok) == "Source:" || string(tok) == "Sink:" {
					break // "Source: Custom Source -> …" is a task's name: a message
				}
				h.logger = tok[:len(tok)-1]
				h.message = b[next:]
				return h.level != NoLevel
			}
			// A short name ("JobMaster", %c{1}) is a logger when " - " or
			// a "[context]" follows it; else it is the message's first
			// word ("WARN Could not fulfill …").
			if !qualified && !(next < len(b) && (b[next] == '[' || b[next] == '-' && (next+1 == len(b) || b[next+1] == ' '))) && next < len(b) {
				break
			}
			i = next
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

// dateFromName finds a date in a file's name ("taskmanager.2024-03-01.log",
// "flink-20240301.log"): the day that a log whose lines carry only a time
// of day was written on.
func dateFromName(name string) (int64, bool) {
	base := name
	if i := lastSlash(name); i >= 0 {
		base = name[i+1:]
	}
	b := []byte(base)
	for i := 0; i+8 <= len(b); i++ {
		if i > 0 && isDigit(b[i-1]) || !isDigit(b[i]) {
			continue
		}
		var y, m, d int
		var ok1, ok2, ok3 bool
		switch {
		case i+10 <= len(b) && (b[i+4] == '-' || b[i+4] == '_' || b[i+4] == '.') && b[i+7] == b[i+4] && (i+10 == len(b) || !isDigit(b[i+10])):
			y, ok1 = digits(b[i:], 4)
			m, ok2 = digits(b[i+5:], 2)
			d, ok3 = digits(b[i+8:], 2)
		case i+8 == len(b) || !isDigit(b[i+8]):
			y, ok1 = digits(b[i:], 4)
			m, ok2 = digits(b[i+4:], 2)
			d, ok3 = digits(b[i+6:], 2)
		}
		if ok1 && ok2 && ok3 && y >= 2000 && y < 2100 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) {
			return daysFromCivil(y, m, d), true
		}
	}
	return 0, false
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' || s[i] == '!' || s[i] == '\\' {
			return i
		}
	}
	return -1
}
