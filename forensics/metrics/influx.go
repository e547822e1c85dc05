package metrics

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// ParseInflux reads InfluxDB line protocol as Flink's InfluxdbReporter
// writes it: measurement[,tag=value…] field=value[,field=value…]
// [timestamp in ns]. Each field is a sample named measurement (the
// reporter's one field is "value"; others are named measurement.field).
func (p *Parser) ParseInflux(name string, lr *input.LineReader) error {
	for lr.Next() {
		p.counts.Lines++
		b := lr.Line()
		if len(bytes.TrimSpace(b)) == 0 || b[0] == '#' {
			p.counts.Noise++
			continue
		}
		if lr.Truncated() > 0 {
			p.rawLine(b, lr.Num(), lr.Offset(), "line longer than the limit", lr.Truncated())
			continue
		}
		if !p.influxLine(b, lr.Num(), lr.Offset()) {
			p.rawLine(b, lr.Num(), lr.Offset(), "not InfluxDB line protocol", 0)
		}
	}
	return lr.Err()
}

// splitUnescaped splits at sep outside backslash escapes.
func splitUnescaped(b []byte, sep byte) [][]byte {
	var out [][]byte
	start := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case sep:
			out = append(out, b[start:i])
			start = i + 1
		}
	}
	return append(out, b[start:])
}

func unescapeInflux(b []byte) string {
	if bytes.IndexByte(b, '\\') < 0 {
		return string(b)
	}
	return strings.NewReplacer(`\ `, " ", `\,`, ",", `\=`, "=", `\"`, `"`, `\\`, `\`).Replace(string(b))
}

func (p *Parser) influxLine(b []byte, num, off int64) bool {
	parts := splitUnescaped(b, ' ')
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	head := splitUnescaped(parts[0], ',')
	measurement := head[0]
	if len(measurement) == 0 {
		return false
	}
	var ts int64
	hasTS := false
	if len(parts) == 3 {
		v, err := strconv.ParseInt(string(parts[2]), 10, 64)
		if err != nil {
			return false
		}
		ts, hasTS = v/1e6, true // ns to ms
	}
	fields := splitUnescaped(parts[1], ',')
	emitted := 0
	for _, f := range fields {
		k, v, ok := bytes.Cut(f, []byte("="))
		if !ok {
			return emitted > 0
		}
		s := &p.s
		s.reset()
		s.Line, s.Offset, s.Format = num, off, Influx
		scope, short := splitScope(measurement, p.dots)
		if scope != "" {
			p.dots = short
		}
		name := short
		if string(k) != "value" {
			name = append(append(append([]byte{}, short...), '.'), k...)
		}
		s.Scope, s.Name = scope, p.str(name)
		for _, t := range head[1:] {
			tk, tv, ok := bytes.Cut(t, []byte("="))
			if !ok {
				return false
			}
			key, val := unescapeInflux(tk), p.str([]byte(unescapeInflux(tv)))
			if !setVariable(s, key, val) {
				s.Labels = append(s.Labels, Label{p.str([]byte(key)), val})
			}
		}
		v = bytes.TrimSuffix(v, []byte("i")) // integers: 12i
		if len(v) > 0 && v[0] == '"' {
			v = bytes.Trim(v, `"`)
		}
		val, ok := parseValue(v)
		if !ok {
			switch string(v) {
			case "true", "t", "T", "TRUE", "True":
				val, ok = 1, true
			case "false", "f", "F", "FALSE", "False":
				val, ok = 0, true
			}
		}
		if !ok {
			return emitted > 0
		}
		s.Value = val
		if hasTS {
			s.Time, s.HasTime = ts, true
		} else if p.hasScrape {
			s.Time, s.HasTime = p.scrape, true
		}
		Normalise(s)
		p.counts.Samples++
		p.sink.Sample(s)
		emitted++
	}
	return emitted > 0
}

// ParseCSV reads simple CSV: a header naming timestamp, name and value
// columns (any order; "ts", "time" and "metric" are accepted), and any
// other columns as labels (Flink's variables go to their columns).
// Timestamps are ms or s since the epoch, or dates.
func (p *Parser) ParseCSV(name string, lr *input.LineReader) error {
	var header []string
	tsCol, nameCol, valCol := -1, -1, -1
	for lr.Next() {
		p.counts.Lines++
		b := lr.Line()
		if len(bytes.TrimSpace(b)) == 0 {
			p.counts.Noise++
			continue
		}
		cells := splitCSV(string(b))
		if header == nil {
			header = cells
			for i, h := range cells {
				switch strings.ToLower(strings.TrimSpace(h)) {
				case "timestamp", "ts", "time":
					tsCol = i
				case "name", "metric":
					nameCol = i
				case "value":
					valCol = i
				}
			}
			if nameCol < 0 || valCol < 0 {
				p.rawLine(b, lr.Num(), lr.Offset(), "CSV header without name and value columns", 0)
			} else {
				p.counts.Noise++
			}
			continue
		}
		if nameCol < 0 || valCol < 0 || len(cells) != len(header) {
			p.rawLine(b, lr.Num(), lr.Offset(), "CSV row does not match the header", 0)
			continue
		}
		s := &p.s
		s.reset()
		s.Line, s.Offset, s.Format = lr.Num(), lr.Offset(), CSV
		scope, short := splitScope([]byte(cells[nameCol]), p.dots)
		if scope != "" {
			p.dots = short
		}
		s.Scope, s.Name = scope, p.str(short)
		v, ok := parseValue([]byte(strings.TrimSpace(cells[valCol])))
		if !ok && strings.TrimSpace(cells[valCol]) != "" {
			p.rawLine(b, lr.Num(), lr.Offset(), "bad value", 0)
			continue
		}
		s.Value = v
		if tsCol >= 0 {
			t := strings.TrimSpace(cells[tsCol])
			if n, err := strconv.ParseFloat(t, 64); err == nil {
				if n < 1e11 {
					n *= 1000
				}
				s.Time, s.HasTime = int64(n), true
			} else if ms, ok := parseTimeAt([]byte(t), p.loc); ok {
				s.Time, s.HasTime = ms, true
			}
		}
		for i, c := range cells {
			if i == tsCol || i == nameCol || i == valCol || c == "" {
				continue
			}
			key := strings.TrimSpace(header[i])
			if !setVariable(s, key, p.str([]byte(c))) {
				s.Labels = append(s.Labels, Label{p.str([]byte(key)), p.str([]byte(c))})
			}
		}
		Normalise(s)
		p.counts.Samples++
		p.sink.Sample(s)
	}
	return lr.Err()
}

// splitCSV splits a CSV line; double quotes quote commas and "" is a quote.
func splitCSV(line string) []string {
	var out []string
	var cur strings.Builder
	inQ := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"' && inQ && i+1 < len(line) && line[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			inQ = !inQ
		case c == ',' && !inQ:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, cur.String())
}
