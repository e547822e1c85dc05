// Package timeline gathers, from the batches of an ingest, the series the
// viewer draws on one time axis: log volume by level, job state changes,
// GC pauses per JVM, checkpoints and watermarks. Memory is bounded: a
// series longer than MaxPoints is thinned, keeping the largest values.
package timeline

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// MaxPoints bounds each series; MaxBuckets the log-volume histogram.
const (
	MaxPoints  = 20000
	MaxBuckets = 600
)

// Timeline is what the viewer draws. Times are Unix milliseconds (UTC).
type Timeline struct {
	Start int64 `json:"start_ms"`
	End   int64 `json:"end_ms"`
	// Volume counts log events per bucket of BucketMs from Start, by level.
	BucketMs int64            `json:"bucket_ms"`
	Volume   map[string][]int `json:"volume"`
	// States are job state changes in time order.
	States []State `json:"states"`
	// GC holds the GC pauses of each JVM on the wall clock: [ts_ms,
	// pause_ms] pairs (the marks on the time axis).
	GC []Series `json:"gc"`
	// JVMs hold each JVM's GC events for its charts, heap figures too.
	JVMs []JVM `json:"jvms"`
	// Checkpoints: [ts_ms, duration_ms, state_size_bytes] of completed or
	// failed checkpoints (REST payloads and archives).
	Checkpoints []Checkpoint `json:"checkpoints"`
	// Watermarks: [ts_ms, watermark_ms] per metric subject.
	Watermarks []Series `json:"watermarks"`
	// Metrics are the series of the metrics an operator reads first
	// (Plotted), one per metric and subject.
	Metrics []Metric `json:"metrics"`
}

// JVM is one JVM's GC pauses (collections: safepoints, concurrent phases
// and allocation stalls apart), one entry per event:
// [x, pause_ms, heap_before, heap_after, heap_capacity, full]. x is Unix
// ms when Clock is "wall"; when it is "uptime" the log has uptimes only
// and the JVM's start is not known, and x is ms since the JVM started. A
// heap figure the log does not give is -1; full is 1 for a full GC.
type JVM struct {
	Name      string       `json:"name"`
	Collector string       `json:"collector,omitempty"`
	Clock     string       `json:"clock"`
	Events    [][6]float64 `json:"events"`
}

// Metric is one metric's series for one subject (a task's subtask, a
// TaskManager's host, the job).
type Metric struct {
	Name    string       `json:"name"`
	Subject string       `json:"subject"`
	Unit    string       `json:"unit,omitempty"`
	Points  [][2]float64 `json:"points"`
}

// Plotted are the metrics drawn beside the timeline, in the order shown.
var Plotted = []string{
	"numRecordsInPerSecond", "numRecordsOutPerSecond",
	"busyTimeMsPerSecond", "backPressuredTimeMsPerSecond",
	"Status.JVM.Memory.Heap.Used",
	"lastCheckpointDuration", "lastCheckpointSize",
}

// MaxSubjects bounds the series of one plotted metric.
const MaxSubjects = 32

// State is one state change.
type State struct {
	Time   int64  `json:"ts_ms"`
	Of     string `json:"of"` // job
	Job    string `json:"job,omitempty"`
	Name   string `json:"job_name,omitempty"`
	Task   string `json:"task,omitempty"`
	From   string `json:"from"`
	To     string `json:"to"`
	Source string `json:"source"`
	Line   int64  `json:"line"`
}

// Series is one named series of [x, y] points.
type Series struct {
	Name   string       `json:"name"`
	Points [][2]float64 `json:"points"`
}

// Checkpoint is one checkpoint on the axis.
type Checkpoint struct {
	Time     int64   `json:"ts_ms"`
	ID       int64   `json:"id"`
	Status   string  `json:"status"`
	Duration float64 `json:"duration_ms"`
	Size     float64 `json:"size_bytes"`
}

// Collector builds a Timeline from batches.
type Collector struct {
	minute map[int64]*[len(levels)]int // log events per minute, by level
	states []State
	gc     map[string]*Series
	jvms   map[string]*JVM
	cps    []Checkpoint
	wms    map[string]*Series
	mets   map[[2]string]*Metric
	subs   map[string]int // subjects per plotted metric
	start  int64
	end    int64
}

var levels = [...]string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "other"}

// New makes a Collector.
func New() *Collector {
	return &Collector{minute: map[int64]*[len(levels)]int{}, gc: map[string]*Series{}, wms: map[string]*Series{},
		jvms: map[string]*JVM{}, mets: map[[2]string]*Metric{}, subs: map[string]int{}}
}

// Tables are the tables Observe reads.
func (c *Collector) Tables() []string {
	return []string{schema.Logs, schema.GC, schema.Checkpoints, schema.Metrics}
}

// Observe reads one batch.
func (c *Collector) Observe(table string, rec arrow.Record) {
	switch table {
	case schema.Logs:
		c.logs(rec)
	case schema.GC:
		c.pauses(rec)
	case schema.Checkpoints:
		c.checkpoints(rec)
	case schema.Metrics:
		c.watermarks(rec)
		c.metrics(rec)
	}
}

func (c *Collector) see(ts int64) {
	if c.start == 0 || ts < c.start {
		c.start = ts
	}
	if ts > c.end {
		c.end = ts
	}
}

func (c *Collector) logs(rec arrow.Record) {
	ts, level := schema.Array[*array.Timestamp](rec, "ts"), schema.Str(rec, "level")
	stateOf := schema.Str(rec, "state_of")
	if ts == nil {
		return
	}
	from, to, job, task := schema.Str(rec, "state_from"), schema.Str(rec, "state_to"), schema.Str(rec, "job_id"), schema.Str(rec, "task")
	source, line, name := schema.Str(rec, "source"), schema.Array[*array.Int64](rec, "line"), schema.Str(rec, "job_name")
	// Level codes to histogram slots, once per batch.
	slot := level.Slots(func(v string) int {
		if i := slices.Index(levels[:], v); i >= 0 {
			return i
		}
		return len(levels) - 1
	})
	isJob := stateOf.Slots(func(v string) int {
		if v == "job" {
			return 1
		}
		return 0
	})
	var cur int64 = -1
	var counts *[len(levels)]int
	for i := 0; i < int(rec.NumRows()); i++ {
		if ts.IsNull(i) {
			continue
		}
		t := int64(ts.Value(i))
		c.see(t)
		if m := t / 60000; m != cur {
			cur = m
			if counts = c.minute[m]; counts == nil {
				counts = new([len(levels)]int)
				c.minute[m] = counts
			}
		}
		counts[slot(i)]++
		// Job state changes: a task's are too many to draw (the findings
		// tell of the ones that matter).
		if stateOf.Valid(i) && isJob(i) == 1 {
			s := State{Time: t, Of: stateOf.Copy(i), From: from.Copy(i), To: to.Copy(i), Job: job.Copy(i), Name: name.Copy(i),
				Task: task.Copy(i), Source: source.Copy(i)}
			if line != nil {
				s.Line = line.Value(i)
			}
			c.states = append(c.states, s)
			if len(c.states) > 4*MaxPoints {
				c.states = thinStates(c.states)
			}
		}
	}
}

func (c *Collector) pauses(rec arrow.Record) {
	ts, pause, jvm := schema.Array[*array.Timestamp](rec, "ts"), schema.Array[*array.Float64](rec, "pause_ms"), schema.Str(rec, "jvm")
	if pause == nil {
		return
	}
	uptime, collector := schema.Array[*array.Float64](rec, "uptime_s"), schema.Str(rec, "collector")
	before, after, capacity := schema.Array[*array.Int64](rec, "heap_before"), schema.Array[*array.Int64](rec, "heap_after"), schema.Array[*array.Int64](rec, "heap_capacity")
	start := schema.Array[*array.Boolean](rec, "phase_start")
	// Kind codes to 0 (not a collection), 1 (a collection), 2 (a full GC).
	kinds := schema.Str(rec, "kind")
	kind := kinds.Slots(func(v string) int {
		switch v {
		case "safepoint", "concurrent", "stall":
			return 0
		case "full":
			return 2
		}
		return 1
	})
	heap := func(a *array.Int64, i int) float64 {
		if a == nil || a.IsNull(i) || a.Value(i) < 0 {
			return -1
		}
		return float64(a.Value(i))
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		k := kind(i)
		if k == 0 || (start != nil && start.IsValid(i) && start.Value(i)) {
			continue
		}
		p := 0.0
		if pause.IsValid(i) {
			p = pause.Value(i)
		}
		var x float64
		clock := "wall"
		switch {
		case ts != nil && ts.IsValid(i):
			t := int64(ts.Value(i))
			x = float64(t)
			if p > 0 {
				c.see(t)
				name := jvm.Copy(i)
				s := c.gc[name]
				if s == nil {
					s = &Series{Name: name}
					c.gc[name] = s
				}
				s.add(x, p)
			}
		case uptime != nil && uptime.IsValid(i):
			x, clock = uptime.Value(i)*1000, "uptime"
		default:
			continue
		}
		name := jvm.Get(i)
		j := c.jvms[name]
		if j == nil {
			j = &JVM{Name: strings.Clone(name), Collector: collector.Copy(i), Clock: clock}
			c.jvms[j.Name] = j
		}
		if j.Clock != clock {
			continue // a JVM's few lines without a time beside its timed ones
		}
		j.add([6]float64{x, p, heap(before, i), heap(after, i), heap(capacity, i), float64(k - 1)})
	}
}

// add appends an event; the longer pauses survive thinning.
func (j *JVM) add(e [6]float64) {
	j.Events = appendThinned(j.Events, e, func(e [6]float64) float64 { return e[1] })
}

func (c *Collector) checkpoints(rec arrow.Record) {
	trig, id, status := schema.Array[*array.Timestamp](rec, "trigger_ts"), schema.Array[*array.Int64](rec, "checkpoint_id"), schema.Str(rec, "status")
	dur, size := schema.Array[*array.Int64](rec, "duration_ms"), schema.Array[*array.Float64](rec, "state_size")
	if trig == nil {
		return
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		if trig.IsNull(i) {
			continue
		}
		cp := Checkpoint{Time: int64(trig.Value(i)), Status: status.Copy(i)}
		c.see(cp.Time)
		if id != nil {
			cp.ID = id.Value(i)
		}
		if dur != nil && dur.IsValid(i) {
			cp.Duration = float64(dur.Value(i))
		}
		if size != nil && size.IsValid(i) {
			cp.Size = size.Value(i)
		}
		if len(c.cps) < 4*MaxPoints {
			c.cps = append(c.cps, cp)
		}
	}
}

func (c *Collector) watermarks(rec arrow.Record) {
	ts, name, value := schema.Array[*array.Timestamp](rec, "ts"), schema.Str(rec, "name"), schema.Array[*array.Float64](rec, "value")
	if ts == nil || value == nil {
		return
	}
	isWM := name.Slots(func(v string) int {
		if v == "currentInputWatermark" || v == "currentOutputWatermark" || v == "currentWatermark" ||
			strings.HasSuffix(v, ".currentInputWatermark") || strings.HasSuffix(v, ".currentOutputWatermark") {
			return 1
		}
		return 0
	})
	task, subtask := schema.Str(rec, "task_name"), schema.Array[*array.Int32](rec, "subtask")
	for i := 0; i < int(rec.NumRows()); i++ {
		if isWM(i) == 0 || ts.IsNull(i) || value.IsNull(i) {
			continue
		}
		key := task.Copy(i)
		if subtask != nil && subtask.IsValid(i) {
			key += " #" + strconv.Itoa(int(subtask.Value(i)))
		}
		s := c.wms[key]
		if s == nil {
			s = &Series{Name: key}
			c.wms[key] = s
		}
		s.add(float64(ts.Value(i)), value.Value(i))
	}
}

// metrics gathers the Plotted metrics, a series per subject: the task's
// subtask, else the job, else the TaskManager's host.
func (c *Collector) metrics(rec arrow.Record) {
	ts, value := schema.Array[*array.Timestamp](rec, "ts"), schema.Array[*array.Float64](rec, "value")
	if ts == nil || value == nil {
		return
	}
	name := schema.Str(rec, "name")
	plotted := name.Slots(func(v string) int {
		for i, p := range Plotted {
			if v == p || strings.HasSuffix(v, "."+p) {
				return i + 1
			}
		}
		return 0
	})
	unit, task, host, tm, job := schema.Str(rec, "unit"), schema.Str(rec, "task_name"), schema.Str(rec, "host"), schema.Str(rec, "taskmanager"), schema.Str(rec, "job_name")
	subtask := schema.Array[*array.Int32](rec, "subtask")
	for i := 0; i < int(rec.NumRows()); i++ {
		p := plotted(i)
		if p == 0 || ts.IsNull(i) || value.IsNull(i) {
			continue
		}
		var subject string
		switch {
		case task.Valid(i):
			subject = task.Get(i)
			if subtask != nil && subtask.IsValid(i) {
				subject += " #" + strconv.Itoa(int(subtask.Value(i)))
			}
		case job.Valid(i):
			subject = job.Get(i)
		case host.Valid(i):
			subject = host.Get(i)
		case tm.Valid(i):
			subject = tm.Get(i)
		}
		key := [2]string{Plotted[p-1], subject}
		m := c.mets[key]
		if m == nil {
			if c.subs[key[0]] >= MaxSubjects {
				continue
			}
			c.subs[key[0]]++
			key[1] = strings.Clone(subject)
			m = &Metric{Name: key[0], Subject: key[1], Unit: unit.Copy(i)}
			c.mets[key] = m
		}
		c.see(int64(ts.Value(i)))
		m.Points = appendThinned(m.Points, [2]float64{float64(ts.Value(i)), value.Value(i)}, pointY)
	}
}

// add appends a point; the larger values survive thinning.
func (s *Series) add(x, y float64) {
	s.Points = appendThinned(s.Points, [2]float64{x, y}, pointY)
}

func pointY(p [2]float64) float64 { return p[1] }

// appendThinned appends p to s; a slice grown to 2*MaxPoints is thinned to
// half by keeping, of each pair, the one with the larger y (a pause spike
// survives any thinning).
func appendThinned[T any](s []T, p T, y func(T) float64) []T {
	s = append(s, p)
	if len(s) < 2*MaxPoints {
		return s
	}
	for i := 0; i+1 < len(s); i += 2 {
		if y(s[i+1]) > y(s[i]) {
			s[i/2] = s[i+1]
		} else {
			s[i/2] = s[i]
		}
	}
	return s[:len(s)/2]
}

// thinStates keeps every change into a failure state and every other
// change otherwise.
func thinStates(s []State) []State {
	out := s[:0]
	for i, st := range s {
		if i%2 == 0 || st.To == "FAILED" || st.To == "FAILING" || st.To == "RESTARTING" {
			out = append(out, st)
		}
	}
	return out
}

// Finish returns the timeline.
func (c *Collector) Finish() *Timeline {
	t := &Timeline{Start: c.start, End: c.end, Volume: map[string][]int{}, States: c.states, Checkpoints: c.cps}
	if t.States == nil {
		t.States = []State{}
	}
	if t.Checkpoints == nil {
		t.Checkpoints = []Checkpoint{}
	}
	sort.SliceStable(t.States, func(i, j int) bool { return t.States[i].Time < t.States[j].Time })
	sort.SliceStable(t.Checkpoints, func(i, j int) bool { return t.Checkpoints[i].Time < t.Checkpoints[j].Time })
	t.GC = sorted(c.gc)
	t.Watermarks = sorted(c.wms)
	t.JVMs = make([]JVM, 0, len(c.jvms))
	for _, j := range c.jvms {
		sort.SliceStable(j.Events, func(a, b int) bool { return j.Events[a][0] < j.Events[b][0] })
		t.JVMs = append(t.JVMs, *j)
	}
	sort.Slice(t.JVMs, func(a, b int) bool { return t.JVMs[a].Name < t.JVMs[b].Name })
	t.Metrics = make([]Metric, 0, len(c.mets))
	for _, m := range c.mets {
		sort.SliceStable(m.Points, func(a, b int) bool { return m.Points[a][0] < m.Points[b][0] })
		t.Metrics = append(t.Metrics, *m)
	}
	order := func(n string) int { return slices.Index(Plotted, n) }
	sort.Slice(t.Metrics, func(a, b int) bool {
		x, y := t.Metrics[a], t.Metrics[b]
		if x.Name != y.Name {
			return order(x.Name) < order(y.Name)
		}
		return x.Subject < y.Subject
	})
	if len(c.minute) > 0 {
		first := c.start / 60000 * 60000
		span := c.end - first + 1
		t.BucketMs = 60000
		for span/t.BucketMs >= MaxBuckets {
			t.BucketMs *= 2
		}
		n := int(span/t.BucketMs) + 1
		t.Start = first
		for m, counts := range c.minute {
			b := int((m*60000 - first) / t.BucketMs)
			for l, k := range counts {
				if k == 0 {
					continue
				}
				v := t.Volume[levels[l]]
				if v == nil {
					v = make([]int, n)
					t.Volume[levels[l]] = v
				}
				v[b] += k
			}
		}
	}
	return t
}

func sorted(m map[string]*Series) []Series {
	out := make([]Series, 0, len(m))
	for _, s := range m {
		sort.SliceStable(s.Points, func(i, j int) bool { return s.Points[i][0] < s.Points[j][0] })
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
