package gclog

import (
	"strings"
	"time"
	"unsafe"
)

// Scanning helpers over byte slices. Each returns how many bytes it read
// (0 when the text does not match).

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}

// number reads a decimal like 12, 0.0279814 or 0,0279814 (a comma is a
// decimal point in some locales).
func number(b []byte) (float64, int) {
	var mant uint64
	i, digits := 0, 0
	for i < len(b) && isDigit(b[i]) {
		if digits < 18 {
			mant = mant*10 + uint64(b[i]-'0')
			digits++
		}
		i++
	}
	if i == 0 {
		return 0, 0
	}
	frac := 0
	if i+1 < len(b) && (b[i] == '.' || b[i] == ',') && isDigit(b[i+1]) {
		i++
		for i < len(b) && isDigit(b[i]) {
			if digits < 18 {
				mant = mant*10 + uint64(b[i]-'0')
				digits++
				frac++
			}
			i++
		}
	}
	return float64(mant) / pow10[frac], i
}

// integer reads a non-negative integer.
func integer(b []byte) (int64, int) {
	var v int64
	i := 0
	for i < len(b) && isDigit(b[i]) && i < 18 {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	return v, i
}

// size reads a memory size such as 3967K, 21.5G, 0.0B or "369 K", in bytes.
func size(b []byte) (int64, int) {
	v, n := number(b)
	if n == 0 {
		return 0, 0
	}
	i := n
	if i < len(b) && b[i] == ' ' && i+1 < len(b) && unit(b[i+1]) > 0 {
		i++
	}
	if i >= len(b) {
		return 0, 0
	}
	u := unit(b[i])
	if u == 0 {
		return 0, 0
	}
	i++
	if i < len(b) && b[i] == 'B' && u > 1 { // KB, MB, GB
		i++
	}
	return int64(v * float64(u)), i
}

func unit(c byte) int64 {
	switch c {
	case 'B':
		return 1
	case 'K', 'k':
		return 1 << 10
	case 'M':
		return 1 << 20
	case 'G':
		return 1 << 30
	case 'T':
		return 1 << 40
	}
	return 0
}

// sizes reads "before->after(capacity)", "before(cap)->after(cap)" (G1
// detail lines), "before->after" or "used(capacity)".
func sizes(b []byte) (Sizes, int) {
	s := noSizes
	v, n := size(b)
	if n == 0 {
		return s, 0
	}
	s.Before = v
	i := n
	if c, m := paren(b[i:]); m > 0 {
		s.Capacity = c
		i += m
	}
	if i+2 <= len(b) && b[i] == '-' && b[i+1] == '>' {
		v, n := size(b[i+2:])
		if n == 0 {
			return s, i
		}
		s.After = v
		i += 2 + n
		if c, m := paren(b[i:]); m > 0 {
			s.Capacity = c
			i += m
		}
		return s, i
	}
	if s.Capacity < 0 {
		return noSizes, 0 // a lone number is not a size
	}
	// "used(capacity)": occupancy with nothing collected.
	s.After = s.Before
	return s, i
}

// paren reads "(size)".
func paren(b []byte) (int64, int) {
	if len(b) < 3 || b[0] != '(' {
		return 0, 0
	}
	v, n := size(b[1:])
	if n == 0 || 1+n >= len(b) || b[1+n] != ')' {
		return 0, 0
	}
	return v, n + 2
}

// duration reads "0.0123 secs", "0.0123 sec", "7.033ms", "12.3 ms",
// "1234us", "0.5s", in seconds.
func duration(b []byte) (float64, int) {
	v, n := number(b)
	if n == 0 {
		return 0, 0
	}
	i := n
	if i < len(b) && b[i] == ' ' {
		i++
	}
	rest := b[i:]
	switch {
	case hasPrefix(rest, "secs"):
		return v, i + 4
	case hasPrefix(rest, "sec"):
		return v, i + 3
	case hasPrefix(rest, "ms"):
		return v / 1e3, i + 2
	case hasPrefix(rest, "us"):
		return v / 1e6, i + 2
	case hasPrefix(rest, "µs"):
		return v / 1e6, i + len("µs")
	case hasPrefix(rest, "ns"):
		return v / 1e9, i + 2
	case hasPrefix(rest, "s"):
		return v, i + 1
	}
	return 0, 0
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

func index(b []byte, s string) int {
	return strings.Index(unsafe.String(unsafe.SliceData(b), len(b)), s)
}

func contains(b []byte, s string) bool { return index(b, s) >= 0 }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// datestamp reads 2014-04-09T15:26:52.201+0200 (also with a space for
// the T, a +02:00 or Z zone, or no zone, which means loc), in ms since the
// epoch.
func datestamp(b []byte, loc *time.Location) (int64, int) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return 0, 0
	}
	d := func(i, n int) int {
		v := 0
		for j := i; j < i+n; j++ {
			if !isDigit(b[j]) {
				return -1
			}
			v = v*10 + int(b[j]-'0')
		}
		return v
	}
	year, mon, day, hh, mm, ss := d(0, 4), d(5, 2), d(8, 2), d(11, 2), d(14, 2), d(17, 2)
	if year < 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 {
		return 0, 0
	}
	i, ms := 19, 0
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		i++
		scale := 100
		for i < len(b) && isDigit(b[i]) {
			ms += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
	}
	offset, zoned := 0, false
	switch {
	case i < len(b) && b[i] == 'Z':
		zoned = true
		i++
	case i+5 <= len(b) && (b[i] == '+' || b[i] == '-'):
		sign := 1
		if b[i] == '-' {
			sign = -1
		}
		j := i + 1
		h := d(j, 2)
		j += 2
		if j < len(b) && b[j] == ':' {
			j++
		}
		if h >= 0 && j+2 <= len(b) {
			if m := d(j, 2); m >= 0 {
				offset, zoned, i = sign*(h*3600+m*60), true, j+2
			}
		}
	}
	if zoned || loc == nil || loc == time.UTC {
		ms64 := daysFromCivil(year, mon, day)*86400000 + int64(hh*3600+mm*60+ss-offset)*1000 + int64(ms)
		return ms64, i
	}
	t := time.Date(year, time.Month(mon), day, hh, mm, ss, 0, loc)
	return t.UnixMilli() + int64(ms), i
}

// daysFromCivil is the number of days from 1970-01-01 to a date of the
// proleptic Gregorian calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
