package metrics

import (
	"bytes"
	"strings"
)

// Slf4jReporter reports ("=== Starting metrics report ===" … "=== Finished
// metrics report ===") and JMX-style dumps printed into a Flink log: each
// "scope.name: value" line is a sample at the time of the log event;
// histograms ("name: count=…, min=…, p99=…") give one sample per
// statistic. The scope's dotted path is kept as the label "scope_path".

// IsReport says an event's logger or message starts a metrics report.
func IsReport(logger, message []byte) bool {
	return bytes.HasSuffix(logger, []byte("Slf4jReporter")) || bytes.Contains(message, []byte("Starting metrics report"))
}

// Report reads the lines of a report (the event's detail); s carries the
// origin and time and is reset for every sample. It returns the samples
// emitted.
func (p *Parser) Report(detail []byte, s0 Sample, sink Sink) int {
	n := 0
	for _, line := range bytes.Split(detail, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '=' || line[0] == '-' {
			continue
		}
		k := bytes.LastIndex(line, []byte(": ")) // scopes hold ": " ("Source: Kafka")
		if k <= 0 {
			continue
		}
		full, rest := line[:k], bytes.TrimSpace(line[k+2:])
		emit := func(suffix string, v []byte) {
			val, ok := parseValue(bytes.TrimSpace(v))
			if !ok {
				return
			}
			s := &p.s
			*s = s0
			s.Labels = s.Labels[:0]
			s.Format = Prometheus
			name := full
			path := []byte(nil)
			if d := groupStart(full); d > 0 {
				path, name = full[:d-1], full[d:]
			} else if d := bytes.LastIndexByte(full, '.'); d > 0 {
				path, name = full[:d], full[d+1:]
			}
			nm := string(name)
			if suffix != "" {
				nm += "." + suffix
			}
			s.Name = p.str([]byte(nm))
			if len(path) > 0 {
				s.Labels = append(s.Labels, Label{"scope_path", p.str(path)})
				if strings.Contains(string(path), ".taskmanager.") || strings.HasSuffix(string(path), ".taskmanager") {
					s.Scope = ScopeTaskManager
				} else if strings.Contains(string(path), ".jobmanager") {
					s.Scope = ScopeJobManager
				}
			}
			s.Value = val
			Normalise(s)
			sink.Sample(s)
			n++
		}
		if bytes.Contains(rest, []byte("=")) {
			for _, kv := range bytes.Split(rest, []byte(",")) {
				if a, b, ok := bytes.Cut(bytes.TrimSpace(kv), []byte("=")); ok {
					emit(string(a), b)
				}
			}
			continue
		}
		emit("", rest)
	}
	return n
}

// groupStart finds where a metric of Flink's own groups begins in a dotted
// name (Status.JVM.Memory.Heap.Used, Shuffle.Netty…, buffers.inPoolUsage).
func groupStart(full []byte) int {
	for _, g := range []string{".Status.", ".Shuffle.", ".buffers."} {
		if k := bytes.Index(full, []byte(g)); k >= 0 {
			return k + 1
		}
	}
	return -1
}
