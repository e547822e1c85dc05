// Package metrics reads metric dumps — Prometheus text and OpenMetrics as
// Flink's PrometheusReporter writes them, Flink REST metric responses,
// InfluxDB line protocol and simple CSV — into one sample per value, with
// Flink's scope (host, TaskManager, job, task, subtask, operator) in
// columns.
package metrics

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Format is the format a sample was read from.
type Format uint8

const (
	Prometheus Format = iota
	OpenMetrics
	REST
	Influx
	CSV
)

var formatNames = [...]string{"prometheus", "openmetrics", "rest", "influx", "csv"}

func (f Format) String() string { return formatNames[f] }

// Scope is what Flink attaches a metric to, from the reporter's name
// prefix or the REST path.
type Scope string

const (
	ScopeJobManager    Scope = "jobmanager"
	ScopeJobManagerJob Scope = "jobmanager_job"
	ScopeTaskManager   Scope = "taskmanager"
	ScopeTMJob         Scope = "taskmanager_job"
	ScopeTask          Scope = "task"
	ScopeOperator      Scope = "operator"
)

// Sample is one value of one metric.
type Sample struct {
	Line, Offset int64
	// Time is in ms since the epoch, when HasTime.
	Time    int64
	HasTime bool
	Format  Format
	// Name is Flink's metric name without the scope prefix
	// (numRecordsOutPerSecond), or the whole name for other metrics.
	Name  string
	Scope Scope
	// Value is NaN for a missing value: Flink's "NaN", and a watermark of
	// Long.MIN_VALUE ("no watermark yet").
	Value float64
	Unit  string
	// Flink's scope variables.
	Host, TaskManager, JobID, JobName, TaskName, TaskID, OperatorName, OperatorID string
	Subtask                                                                       int32 // -1 when not a subtask metric
	// Labels holds the other labels; LabelsText, when set, is their JSON.
	Labels     []Label
	LabelsText string
}

// Label is a name and a value.
type Label struct{ Name, Value string }

func (s *Sample) reset() {
	*s = Sample{Value: math.NaN(), Subtask: -1, Labels: s.Labels[:0]}
}

// RawLine is a line no parser understood.
type RawLine struct {
	Line, Offset   int64
	Text           []byte
	Reason         string
	OriginalLength int64
}

// Sink receives what a parser finds.
type Sink interface {
	Sample(s *Sample)
	Raw(r *RawLine)
}

// LabelsJSON renders the other labels as a JSON object, keys sorted ("" if
// there are none).
func (s *Sample) LabelsJSON(buf []byte) []byte {
	if len(s.Labels) == 0 {
		return buf[:0]
	}
	sort.Slice(s.Labels, func(i, j int) bool { return s.Labels[i].Name < s.Labels[j].Name })
	buf = append(buf[:0], '{')
	for i, l := range s.Labels {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendQuote(buf, l.Name)
		buf = append(buf, ':')
		buf = strconv.AppendQuote(buf, l.Value)
	}
	return append(buf, '}')
}

// minWatermark is Long.MIN_VALUE, Flink's "no watermark yet".
const minWatermark = -9223372036854775808.0

// Normalise makes a value mean what Flink means and sets its unit.
func Normalise(s *Sample) {
	n := s.Name
	if s.Value == minWatermark || s.Value <= -9.2e18 && strings.Contains(strings.ToLower(n), "watermark") {
		s.Value = math.NaN()
	}
	switch {
	case strings.HasSuffix(n, "Nanos"):
		s.Value /= 1e6 // checkpointStartDelayNanos: ns to ms
		s.Unit = "ms"
	case strings.Contains(n, "Watermark") || strings.HasSuffix(n, "watermarkLag"):
		s.Unit = "ms"
	case strings.HasSuffix(n, "MsPerSecond"):
		s.Unit = "ms/s"
	case strings.HasSuffix(n, "PerSecond"):
		switch {
		case strings.Contains(n, "Bytes"):
			s.Unit = "bytes/s"
		case strings.Contains(n, "Buffers"):
			s.Unit = "buffers/s"
		default:
			s.Unit = "records/s"
		}
	case strings.Contains(n, "Bytes") || strings.Contains(n, "Size") && !strings.Contains(n, "Segments") ||
		strings.Contains(n, "Memory") && (strings.HasSuffix(n, "Used") || strings.HasSuffix(n, "Max") ||
			strings.HasSuffix(n, "Committed") || strings.HasSuffix(n, "Total") || strings.HasSuffix(n, "Capacity") ||
			strings.HasSuffix(n, "MemoryUsed") || strings.HasSuffix(n, "UsedMemory") || strings.HasSuffix(n, "AvailableMemory") ||
			strings.HasSuffix(n, "TotalMemory")):
		s.Unit = "bytes"
	case strings.HasSuffix(n, "Duration") || strings.HasSuffix(n, "Time") && !strings.Contains(n, "CPU") ||
		strings.HasSuffix(n, "TimeMs") || strings.HasSuffix(n, "downtime") || strings.HasSuffix(n, "uptime") ||
		strings.HasSuffix(n, "restartingTime") || strings.HasSuffix(n, "Latency"):
		s.Unit = "ms"
	case strings.HasPrefix(n, "num") && !strings.Contains(n, "Checkpoints") && strings.Contains(n, "Records"):
		s.Unit = "records"
	case strings.HasSuffix(n, "Usage") || strings.HasSuffix(n, "Load"):
		s.Unit = "ratio"
	}
}
