package flinklog

import (
	"bytes"
	"fmt"
	"strings"
)

// Layout is a log4j or logback PatternLayout ("%d{yyyy-MM-dd HH:mm:ss,SSS}
// %-5p %-60c %x - %m%n"), compiled to read the lines it wrote: what a user
// whose layout flinkdx does not infer passes with --layout, as it is in
// their log4j.properties or logback.xml. Lines the layout does not fit are
// read as without it.
type Layout struct {
	pattern string
	elems   []element
}

type elemKind int

const (
	literal elemKind = iota
	date
	relative
	level
	logger
	thread
	context // %x, %X, %mdc, %ndc
	other   // %F, %L, %M, %l …: read and dropped
	message
)

type element struct {
	kind elemKind
	lit  []byte // literal: its text
	date []dateField
}

// dateField is one field of a date pattern: a number of a width, or
// literal text.
type dateField struct {
	what  byte // 'y', 'M', 'd', 'H', 'm', 's', 'S', 'Z' (a zone), or 0: lit
	width int
	lit   string
}

var namedDates = map[string]string{
	"": "yyyy-MM-dd HH:mm:ss,SSS", "DEFAULT": "yyyy-MM-dd HH:mm:ss,SSS", "ISO8601": "yyyy-MM-dd'T'HH:mm:ss,SSS",
	"ABSOLUTE": "HH:mm:ss,SSS", "ISO8601_BASIC": "yyyyMMdd'T'HHmmss,SSS", "COMPACT": "yyyyMMddHHmmssSSS",
}

// CompileLayout reads a PatternLayout.
func CompileLayout(pattern string) (*Layout, error) {
	l := &Layout{pattern: pattern}
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			l.elems = append(l.elems, element{kind: literal, lit: lit})
			lit = nil
		}
	}
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c != '%' {
			lit = append(lit, c)
			continue
		}
		i++
		if i < len(pattern) && pattern[i] == '%' {
			lit = append(lit, '%')
			continue
		}
		// A format modifier: "-5", "20.30", ".-10".
		for i < len(pattern) && (pattern[i] == '-' || pattern[i] == '.' || isDigit(pattern[i])) {
			i++
		}
		j := i
		for j < len(pattern) && (pattern[j] >= 'a' && pattern[j] <= 'z' || pattern[j] >= 'A' && pattern[j] <= 'Z') {
			j++
		}
		word := pattern[i:j]
		var opts []string
		for j < len(pattern) && pattern[j] == '{' {
			k := strings.IndexByte(pattern[j:], '}')
			if k < 0 {
				return nil, fmt.Errorf("layout %q: an option opened at byte %d is not closed", pattern, j)
			}
			opts = append(opts, pattern[j+1:j+k])
			j += k + 1
		}
		i = j - 1
		if word == "" {
			return nil, fmt.Errorf("layout %q: a conversion without a name at byte %d", pattern, j)
		}
		e := element{}
		switch word {
		case "d", "date":
			f := ""
			if len(opts) > 0 {
				f = opts[0]
			}
			if named, ok := namedDates[f]; ok {
				f = named
			}
			fields, err := compileDate(f)
			if err != nil {
				return nil, fmt.Errorf("layout %q: %w", pattern, err)
			}
			e = element{kind: date, date: fields}
		case "r", "relative":
			e.kind = relative
		case "p", "le", "level":
			e.kind = level
		case "c", "lo", "logger", "C", "class":
			e.kind = logger
		case "t", "thread", "tn", "threadName":
			e.kind = thread
		case "x", "X", "mdc", "MDC", "ndc", "NDC", "notEmpty", "marker":
			e.kind = context
		case "m", "msg", "message":
			e.kind = message
		case "n":
			continue // the line's end
		case "ex", "throwable", "xEx", "rEx", "wEx":
			continue // the stack trace: the lines after
		default:
			e.kind = other
		}
		flush()
		l.elems = append(l.elems, e)
	}
	flush()
	hasTime := false
	for _, e := range l.elems {
		hasTime = hasTime || e.kind == date || e.kind == relative
	}
	if !hasTime {
		return nil, fmt.Errorf("layout %q has no %%d or %%r: flinkdx needs a line's time to tell where an event starts", pattern)
	}
	return l, nil
}

func (l *Layout) String() string { return l.pattern }

// compileDate reads a SimpleDateFormat pattern.
func compileDate(f string) ([]dateField, error) {
	var out []dateField
	for i := 0; i < len(f); {
		c := f[i]
		switch {
		case c == '\'':
			k := strings.IndexByte(f[i+1:], '\'')
			if k < 0 {
				return nil, fmt.Errorf("date %q: a quote is not closed", f)
			}
			out = append(out, dateField{lit: f[i+1 : i+1+k]})
			i += k + 2
		case strings.IndexByte("yMdHmsSZX", c) >= 0:
			j := i
			for j < len(f) && f[j] == c {
				j++
			}
			w := j - i
			if c == 'M' && w >= 3 {
				return nil, fmt.Errorf("date %q: month names are not read; use MM", f)
			}
			if c == 'X' {
				c = 'Z'
			}
			out = append(out, dateField{what: c, width: w})
			i = j
		default:
			out = append(out, dateField{lit: string(c)})
			i++
		}
	}
	return out, nil
}

// parse reads a line with the layout into h.
func (l *Layout) parse(b []byte, h *header) bool {
	*h = header{}
	i := 0
	for k, e := range l.elems {
		switch e.kind {
		case literal:
			n, ok := matchLiteral(b[i:], e.lit)
			if !ok {
				return false
			}
			i += n
		case date:
			ms, zoned, clock, n, ok := parseDate(b[i:], e.date)
			if !ok {
				return false
			}
			h.wall, h.zoned, h.clock = ms, zoned, clock
			i += n
		case relative:
			n := 0
			for i+n < len(b) && isDigit(b[i+n]) {
				n++
			}
			if n == 0 {
				return false
			}
			h.timeless = true
			i += n
		case level:
			i = skipSpaces(b, i)
			end := i
			for end < len(b) && b[end] >= 'A' && b[end] <= 'Z' {
				end++
			}
			lv, m := parseLevel(b[i:end])
			if lv == NoLevel || m != end-i {
				return false
			}
			h.level = lv
			i = end
		case message:
			h.message = b[min(i, len(b)):]
			return h.level != NoLevel
		default:
			i = skipSpaces(b, i)
			end := fieldEnd(b, i, l.elems[k+1:])
			v := bytes.TrimRight(b[i:end], " ")
			switch e.kind {
			case logger:
				h.logger = v
			case thread:
				h.thread = v
			case context:
				if len(v) > 0 {
					h.context = v
				}
			}
			i = end
		}
	}
	h.message = b[min(i, len(b)):]
	return h.level != NoLevel
}

// fieldEnd is where a field that runs to the next literal ends: the
// literal's first occurrence (its leading blanks are padding), or the
// next blank when no literal follows.
func fieldEnd(b []byte, i int, rest []element) int {
	if len(rest) > 0 && rest[0].kind == literal {
		anchor := bytes.TrimLeft(rest[0].lit, " ")
		if len(anchor) == 0 {
			if k := bytes.IndexByte(b[i:], ' '); k >= 0 {
				return i + k
			}
			return len(b)
		}
		if k := bytes.Index(b[i:], anchor); k >= 0 {
			end := i + k
			for end > i && b[end-1] == ' ' {
				end--
			}
			return end
		}
		return len(b)
	}
	if k := bytes.IndexByte(b[i:], ' '); k >= 0 {
		return i + k
	}
	return len(b)
}

// matchLiteral matches a literal, a blank in it matching any run of
// blanks (padding), or none after a padded field.
func matchLiteral(b, lit []byte) (int, bool) {
	i := 0
	for k := 0; k < len(lit); k++ {
		if lit[k] == ' ' {
			for i < len(b) && b[i] == ' ' {
				i++
			}
			continue
		}
		if i >= len(b) || b[i] != lit[k] {
			return 0, false
		}
		i++
	}
	return i, true
}

// parseDate reads a date by its fields.
func parseDate(b []byte, fields []dateField) (ms int64, zoned, clock bool, n int, ok bool) {
	y, mo, d, hh, mi, ss, frac := -1, -1, -1, 0, 0, 0, 0
	var off int64
	for _, f := range fields {
		if f.what == 0 {
			if !bytes.HasPrefix(b[n:], []byte(f.lit)) {
				return 0, false, false, 0, false
			}
			n += len(f.lit)
			continue
		}
		if f.what == 'Z' {
			switch {
			case n < len(b) && b[n] == 'Z':
				n++
			case n < len(b) && (b[n] == '+' || b[n] == '-'):
				o, m, ok := parseOffset(b[n:])
				if !ok {
					return 0, false, false, 0, false
				}
				off, n = o, n+m
			default:
				return 0, false, false, 0, false
			}
			zoned = true
			continue
		}
		w := f.width
		if f.what == 'S' {
			// Fractions: as many digits as there are.
			w = 0
			scale := 100
			for n < len(b) && isDigit(b[n]) {
				frac += int(b[n]-'0') * scale
				scale /= 10
				n++
				w++
			}
			if w == 0 {
				return 0, false, false, 0, false
			}
			continue
		}
		if f.what == 'y' && w == 2 {
			v, ok := digits(b[n:], 2)
			if !ok {
				return 0, false, false, 0, false
			}
			y, n = 2000+v, n+2
			continue
		}
		if f.what == 'y' {
			w = 4
		}
		if w == 1 {
			w = 2 // "d", "H": one or two digits
			if n+1 >= len(b) || !isDigit(b[n+1]) {
				w = 1
			}
		}
		v, ok := digits(b[n:], w)
		if !ok {
			return 0, false, false, 0, false
		}
		n += w
		switch f.what {
		case 'y':
			y = v
		case 'M':
			mo = v
		case 'd':
			d = v
		case 'H':
			hh = v
		case 'm':
			mi = v
		case 's':
			ss = v
		}
	}
	if hh > 23 || mi > 59 || ss > 60 {
		return 0, false, false, 0, false
	}
	day := int64(hh*3600+mi*60+ss)*1000 + int64(frac)
	if y < 0 || mo < 0 || d < 0 {
		return day, false, true, n, true // a time of day
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) {
		return 0, false, false, 0, false
	}
	return daysFromCivil(y, mo, d)*86400000 + day - off*1000, zoned, false, n, true
}
