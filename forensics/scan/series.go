package scan

import (
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// What the metric detectors share: picking a few metric names out of a
// batch by dictionary code, and gathering samples per subtask.

// picker maps the metric names a detector reads to small indexes: each
// distinct name of a batch is compared once, each row costs a lookup.
type picker struct {
	col    schema.StrCol
	byCode []int8
	names  []string
}

// pick matches names exactly; a name with '|' matches any of its
// alternatives (Flink renamed some metrics between versions).
func pick(rec arrow.Record, names ...string) picker {
	p := picker{col: schema.Str(rec, "name"), names: names}
	if !p.col.Dict() {
		return p
	}
	p.byCode = make([]int8, p.col.DictLen())
	for c := range p.byCode {
		p.byCode[c] = int8(p.index(p.col.DictValue(c)))
	}
	return p
}

func (p picker) index(v string) int {
	for k, n := range p.names {
		for _, alt := range strings.Split(n, "|") {
			if v == alt {
				return k
			}
		}
	}
	return -1
}

// none says no row of the batch holds any of the names.
func (p picker) none() bool {
	if !p.col.OK() {
		return true
	}
	if p.byCode == nil {
		return false
	}
	for _, k := range p.byCode {
		if k >= 0 {
			return false
		}
	}
	return true
}

// at is the index of row i's name, or -1.
func (p picker) at(i int) int {
	if p.byCode != nil {
		c := p.col.Code(i)
		if c < 0 {
			return -1
		}
		return int(p.byCode[c])
	}
	if p.col.Null(i) {
		return -1
	}
	return p.index(p.col.Get(i))
}

// subtask is one parallel instance of a vertex, as the metrics scope it.
type subtask struct {
	job, vertex string // job id (or name); vertex id (or name)
	jobName     string
	name        string // the vertex's name, underscores as spaces
	index       int32
}

func (s subtask) label() string {
	return s.name + ", subtask " + strconv.Itoa(int(s.index))
}

type subtaskKey struct {
	job, vertex string
	index       int32
}

// subtasks numbers the subtasks seen in the metrics.
type subtasks struct {
	ids  map[subtaskKey]int
	list []subtask
}

// metricScope reads the scope columns of a batch.
type metricScope struct {
	jobID, jobName, taskID, taskName schema.StrCol
	sub                              schema.Int32Col
}

// scoped are the metrics columns a detector reading samples by their
// scope (scopeOf, a picker) uses.
var scoped = []string{"name", "value", "ts", "job_id", "job_name", "task_id", "task_name", "subtask"}

func scopeOf(rec arrow.Record) metricScope {
	return metricScope{schema.Str(rec, "job_id"), schema.Str(rec, "job_name"), schema.Str(rec, "task_id"),
		schema.Str(rec, "task_name"), schema.Int32(rec, "subtask")}
}

// id numbers row i's subtask; ok is false when the row is not scoped to
// a task.
func (x *subtasks) id(s metricScope, i int) (int, bool) {
	name := s.taskName.Get(i)
	vertex := s.taskID.Get(i)
	if vertex == "" {
		vertex = name
	}
	if vertex == "" {
		return 0, false
	}
	job := s.jobID.Get(i)
	if job == "" {
		job = s.jobName.Get(i)
	}
	sub, _ := s.sub.Get(i)
	k := subtaskKey{job: job, vertex: vertex, index: sub}
	if n, ok := x.ids[k]; ok {
		return n, true
	}
	if x.ids == nil {
		x.ids = map[subtaskKey]int{}
	}
	k.job, k.vertex = strings.Clone(k.job), strings.Clone(k.vertex)
	st := subtask{job: k.job, vertex: k.vertex, index: sub, jobName: strings.Clone(s.jobName.Get(i)),
		name: strings.Clone(strings.ReplaceAll(name, "_", " "))}
	if st.name == "" {
		st.name = st.vertex
	}
	x.ids[k] = len(x.list)
	x.list = append(x.list, st)
	return len(x.list) - 1, true
}

// vertexGroups groups subtask numbers by job and vertex, in a stable order.
func (x *subtasks) vertexGroups() [][]int {
	idx := make([]int, len(x.list))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		p, q := x.list[idx[a]], x.list[idx[b]]
		if p.job != q.job {
			return p.job < q.job
		}
		if p.vertex != q.vertex {
			return p.vertex < q.vertex
		}
		return p.index < q.index
	})
	var groups [][]int
	for i, n := range idx {
		if i == 0 || x.list[n].job != x.list[idx[i-1]].job || x.list[n].vertex != x.list[idx[i-1]].vertex {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], n)
	}
	return groups
}

// stat is the mean of a metric's samples with the evidence of its largest.
type stat struct {
	mean
	max         float64
	maxRow      Evidence
	seen        bool
	first, last int64 // sample times
}

func (s *stat) add(v float64, o origin, i int) {
	s.mean.add(v)
	if t, ok := o.ts.Get(i); ok {
		if s.first == 0 || t < s.first {
			s.first = t
		}
		if t > s.last {
			s.last = t
		}
	}
	if !s.seen || v > s.max {
		s.max, s.seen = v, true
		o.into(&s.maxRow, i)
	}
}

// span widens a finding's time range to the samples behind a statistic.
func (f *Finding) span(s *stat) {
	if s.first > 0 && (f.Start == 0 || s.first < f.Start) {
		f.Start = s.first
	}
	if s.last > f.End {
		f.End = s.last
	}
}

// isSource says a vertex (a chain) starts with a source: "Source: …",
// the DataSet API's "DataSource (…)", "CHAIN DataSource …".
func isSource(name string) bool {
	return strings.HasPrefix(name, "Source") || strings.HasPrefix(name, "DataSource") || strings.HasPrefix(name, "CHAIN DataSource")
}

// external says a vertex talks to a system outside Flink: a sink, an
// async or lookup operator, a database or search client.
func external(name string) bool {
	for _, w := range []string{"Sink", "sink", "Async", "async", "Lookup", "lookup", "JDBC", "Jdbc", "jdbc", "Elasticsearch",
		"OpenSearch", "HTTP", "Http", "Redis", "HBase", "Cassandra", "Mongo", "Dynamo", "REST", "Rest"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// rates gathers, per subtask, the task-scoped records in and out per
// second and the busy and backpressured time (operator-scoped samples are
// left out: they would count a chain's records twice).
type rates struct {
	subs              subtasks
	out, in, busy, bp []stat
	numIn             []stat // the numRecordsIn counter, when no rate is reported
}

const (
	rOut = iota
	rIn
	rBusy
	rBP
	rNumIn
)

func (r *rates) observe(rec arrow.Record) {
	p := pick(rec, "numRecordsOutPerSecond", "numRecordsInPerSecond", "busyTimeMsPerSecond", "backPressuredTimeMsPerSecond", "numRecordsIn")
	if p.none() {
		return
	}
	o := originOf(schema.Metrics, rec, "name")
	sc, op, value := scopeOf(rec), schema.Str(rec, "operator_name"), schema.Float64(rec, "value")
	for i, n := 0, int(rec.NumRows()); i < n; i++ {
		k := p.at(i)
		if k < 0 || !op.Null(i) {
			continue
		}
		v, ok := value.Get(i)
		if !ok {
			continue
		}
		id, ok := r.subs.id(sc, i)
		if !ok {
			continue
		}
		for len(r.out) < len(r.subs.list) {
			r.out, r.in, r.busy, r.bp, r.numIn = append(r.out, stat{}), append(r.in, stat{}), append(r.busy, stat{}), append(r.bp, stat{}), append(r.numIn, stat{})
		}
		switch k {
		case rOut:
			r.out[id].add(v, o, i)
		case rIn:
			r.in[id].add(v, o, i)
		case rBusy:
			r.busy[id].add(v, o, i)
		case rBP:
			r.bp[id].add(v, o, i)
		case rNumIn:
			r.numIn[id].add(v, o, i)
		}
	}
}

// throughput is a subtask's records per second: what a source emits,
// what any other vertex takes in.
func (r *rates) throughput(id int) (*stat, bool) {
	s := &r.in[id]
	if isSource(r.subs.list[id].name) || !s.seen {
		s = &r.out[id]
	}
	if !s.seen {
		return nil, false
	}
	return s, true
}
