package metrics

import (
	"path"
	"strconv"
	"time"
)

func digits(b []byte, n int) (int, bool) {
	if len(b) < n {
		return 0, false
	}
	v := 0
	for _, c := range b[:n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseTimeAt reads a date and time at the start of b: 2025-03-14T09:00:15Z,
// with a space or '_' for the T, hh:mm:ss or hhmmss, an optional fraction,
// and an optional zone (Z, +01:00, +0100; loc when none).
func parseTimeAt(b []byte, loc *time.Location) (int64, bool) {
	y, ok1 := digits(b, 4)
	if !ok1 || len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	mo, ok2 := digits(b[5:], 2)
	d, ok3 := digits(b[8:], 2)
	if !ok2 || !ok3 || len(b) < 13 || (b[10] != 'T' && b[10] != ' ' && b[10] != '_') {
		return 0, false
	}
	i := 11
	h, ok := digits(b[i:], 2)
	if !ok {
		return 0, false
	}
	i += 2
	sep := i < len(b) && b[i] == ':'
	if sep {
		i++
	}
	m, ok := digits(b[i:], 2)
	if !ok {
		return 0, false
	}
	i += 2
	if sep {
		if i >= len(b) || b[i] != ':' {
			return 0, false
		}
		i++
	}
	s, ok := digits(b[i:], 2)
	if !ok {
		return 0, false
	}
	i += 2
	ns := 0
	if i < len(b) && (b[i] == '.' || b[i] == ',') {
		i++
		scale := 100000000
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			ns += int(b[i]-'0') * scale
			scale /= 10
			i++
		}
	}
	z := loc
	switch {
	case i < len(b) && b[i] == 'Z':
		z = time.UTC
	case i+3 <= len(b) && (b[i] == '+' || b[i] == '-'):
		zh, ok := digits(b[i+1:], 2)
		j := i + 3
		if j < len(b) && b[j] == ':' {
			j++
		}
		zm, ok2 := digits(b[j:], 2)
		if ok && ok2 {
			off := (zh*60 + zm) * 60
			if b[i] == '-' {
				off = -off
			}
			z = time.FixedZone("", off)
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || m > 59 || s > 60 {
		return 0, false
	}
	return time.Date(y, time.Month(mo), d, h, m, s, ns, z).UnixMilli(), true
}

// findTime finds a date and time anywhere in b.
func findTime(b []byte, loc *time.Location) (int64, bool) {
	for i := 0; i+10 <= len(b); i++ {
		if b[i] >= '0' && b[i] <= '9' && b[i+4] == '-' {
			if ms, ok := parseTimeAt(b[i:], loc); ok {
				return ms, true
			}
		}
	}
	return 0, false
}

// TimeInName finds a scrape time in a file name: a date and time, or a
// Unix time in seconds or milliseconds (metrics-1741942815.prom).
func TimeInName(name string, loc *time.Location) (int64, bool) {
	if loc == nil {
		loc = time.UTC
	}
	base := []byte(path.Base(name))
	if ms, ok := findTime(base, loc); ok {
		return ms, true
	}
	for i := 0; i < len(base); i++ {
		if base[i] < '0' || base[i] > '9' || i > 0 && base[i-1] >= '0' && base[i-1] <= '9' {
			continue
		}
		j := i
		for j < len(base) && base[j] >= '0' && base[j] <= '9' {
			j++
		}
		v, err := strconv.ParseInt(string(base[i:j]), 10, 64)
		switch {
		case err != nil:
		case j-i == 10 && v > 1e9: // seconds, 2001..2286
			return v * 1000, true
		case j-i == 13 && v > 1e12:
			return v, true
		}
	}
	return 0, false
}
