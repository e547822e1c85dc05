package metrics

import (
	"bytes"
	"strings"
)

// Detect tells which metric format the first bytes of a stream hold, if
// any: it returns the format and true when most non-empty lines are of it.
func Detect(head []byte) (Format, bool) {
	var prom, influx, lines int
	csv := false
	for n, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if n > 200 {
			break
		}
		lines++
		if lines == 1 {
			hasName, hasValue := false, false
			for _, c := range splitCSV(string(line)) {
				switch strings.ToLower(strings.TrimSpace(c)) {
				case "name", "metric":
					hasName = true
				case "value":
					hasValue = true
				}
			}
			csv = hasName && hasValue
		}
		switch {
		case bytes.HasPrefix(line, []byte("# HELP ")), bytes.HasPrefix(line, []byte("# TYPE ")), bytes.HasPrefix(line, []byte("# EOF")):
			prom++
		case promSample(line):
			prom++
		case influxLine(line):
			influx++
		}
	}
	switch {
	case csv:
		return CSV, true
	case lines > 0 && 2*prom > lines:
		return Prometheus, true
	case lines > 0 && 2*influx > lines:
		return Influx, true
	}
	return 0, false
}

// promSample is a quick test for "name{…} value [ts]" or "name value [ts]".
func promSample(b []byte) bool {
	i := 0
	for i < len(b) && nameByte(b[i]) {
		i++
	}
	if i == 0 || b[0] >= '0' && b[0] <= '9' {
		return false
	}
	if i < len(b) && b[i] == '{' {
		j := bytes.LastIndexByte(b, '}')
		if j < i {
			return false
		}
		i = j + 1
	}
	rest := bytes.Fields(b[i:])
	if len(rest) < 1 || len(rest) > 2 {
		return false
	}
	_, ok := parseValue(rest[0])
	return ok
}

// influxLine is a quick test for "measurement,tag=v field=1 1700000000000000000".
func influxLine(b []byte) bool {
	parts := splitUnescaped(b, ' ')
	if len(parts) < 2 || len(parts) > 3 || !bytes.Contains(parts[1], []byte("=")) {
		return false
	}
	return len(parts[0]) > 0 && nameByte(parts[0][0])
}
