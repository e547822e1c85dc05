package flinkrest

import (
	"encoding/json"
	"math"
	"regexp"
	"sort"
	"strings"

	"github.com/flinkdx/flinkdx/forensics/metrics"
)

// archiveState gathers a job's rows until its archive (or file) ends.
type archiveState struct {
	job         *Job
	overview    []*Job
	vertices    []Vertex
	checkpoints map[int64]*Checkpoint
	inputs      map[string][]string // vertex id → upstream vertex ids (the plan)
	jobType     string              // the plan's STREAMING or BATCH
}

// payload reads one REST payload on its own.
func (r *Reader) payload(o Origin, m map[string]json.RawMessage) {
	a := &archiveState{}
	if has(m, "id") && has(m, "subtasks") && has(m, "parallelism") {
		// /jobs/:id/vertices/:vid on its own: the vertex, from its
		// subtasks. (In an archive, the job's payload has its vertices.)
		a.vertices = append(a.vertices, vertexDetails(o, m))
		a.flush(r)
		return
	}
	r.payloadIn(o, m, a)
	a.flush(r)
}

// vertexDetails makes a vertex row of a /jobs/:id/vertices/:vid payload:
// its subtasks' statuses counted, their metrics summed, the vertex's
// status the most telling of theirs.
func vertexDetails(o Origin, m map[string]json.RawMessage) Vertex {
	vx := Vertex{Origin: o, JobID: jobOf(o.Path), ID: str(m["id"]), Name: str(m["name"]),
		Parallelism: integer(m["parallelism"]), MaxParallelism: integer(m["maxParallelism"]), Start: -1, Tasks: map[string]int64{}}
	rank := map[string]int{"FAILED": 9, "CANCELING": 8, "CANCELED": 7, "RUNNING": 6, "INITIALIZING": 5, "DEPLOYING": 4,
		"SCHEDULED": 3, "CREATED": 2, "FINISHED": 1}
	for _, st := range array(m["subtasks"]) {
		sm := object(st)
		if sm == nil {
			continue
		}
		status := str(sm["status"])
		vx.Tasks[status]++
		if rank[status] > rank[vx.Status] {
			vx.Status = status
		}
		if t := integer(sm["start-time"]); t > 0 && (vx.Start < 0 || t < vx.Start) {
			vx.Start = t
		}
		vx.End = max(vx.End, integer(sm["end-time"]))
		vx.Duration = max(vx.Duration, integer(sm["duration"]))
		mt := object(sm["metrics"])
		vx.ReadBytes += num(mt["read-bytes"])
		vx.WriteBytes += num(mt["write-bytes"])
		vx.ReadRecords += num(mt["read-records"])
		vx.WriteRecords += num(mt["write-records"])
		vx.BackPressuredMs += num(mt["accumulated-backpressured-time"])
		vx.IdleMs += num(mt["accumulated-idle-time"])
		vx.BusyMs += num(mt["accumulated-busy-time"])
	}
	if vx.Start < 0 {
		vx.Start = 0
	}
	return vx
}

// payloadIn tells a payload by its shape and reads it.
func (r *Reader) payloadIn(o Origin, m map[string]json.RawMessage, a *archiveState) {
	switch {
	case has(m, "jid") && (has(m, "vertices") || has(m, "timestamps")):
		r.job(o, m, a)
	case has(m, "jobs"):
		// /jobs/overview: one row per job, unless the job's own payload
		// comes too (as in an archive).
		for _, j := range array(m["jobs"]) {
			if jm := object(j); jm != nil {
				a2 := &archiveState{}
				r.job(o, jm, a2)
				a.overview = append(a.overview, a2.job)
			}
		}
	case has(m, "counts") && has(m, "history"):
		r.checkpoints(o, m, a)
	case has(m, "trigger_timestamp") && has(m, "id") && has(m, "status"):
		c := checkpoint(o, jobOf(o.Path), m)
		a.addCheckpoint(&c, false)
	case has(m, "root-exception") || has(m, "exceptionHistory") || has(m, "all-exceptions"):
		r.exceptions(o, m)
	case has(m, "timeout") && has(m, "max_concurrent"):
		r.checkpointConfig(o, m)
	case has(m, "plan"):
		// /jobs/:id/plan: the edges between vertices, for the vertices
		// of /jobs/:id in the same archive.
		a.plan(object(m["plan"]))
		r.counts.Ignored++
	default:
		r.counts.Ignored++ // configuration, plan, accumulators, environment, subtask times
	}
}

func has(m map[string]json.RawMessage, k string) bool { _, ok := m[k]; return ok }

var jobIDInPath = regexp.MustCompile(`/jobs/([0-9a-f]{32})`)

func jobOf(path string) string {
	if m := jobIDInPath.FindStringSubmatch(path); m != nil {
		return m[1]
	}
	return ""
}

func (r *Reader) job(o Origin, m map[string]json.RawMessage, a *archiveState) {
	j := &Job{Origin: o, ID: str(m["jid"]), Name: str(m["name"]), State: str(m["state"]),
		Start: integer(m["start-time"]), End: integer(m["end-time"]), Duration: integer(m["duration"]),
		Now: integer(m["now"]), MaxParallelism: integer(m["maxParallelism"]), StateTimes: map[string]int64{}}
	if j.End < 0 {
		j.End = 0
	}
	for k, v := range object(m["timestamps"]) {
		if t := integer(v); t > 0 {
			j.StateTimes[k] = t
		}
	}
	if a.job != nil && a.job.Checkpoints {
		j.Checkpoints, j.CkptTotal, j.CkptCompleted, j.CkptFailed = true, a.job.CkptTotal, a.job.CkptCompleted, a.job.CkptFailed
		j.CkptInProgress, j.CkptRestored = a.job.CkptInProgress, a.job.CkptRestored
	}
	a.job = j
	a.plan(object(m["plan"]))
	for _, v := range array(m["vertices"]) {
		vm := object(v)
		if vm == nil {
			continue
		}
		vx := Vertex{Origin: o, JobID: j.ID, ID: str(vm["id"]), Name: str(vm["name"]), Status: str(vm["status"]),
			Parallelism: integer(vm["parallelism"]), MaxParallelism: integer(vm["maxParallelism"]),
			Start: integer(vm["start-time"]), End: integer(vm["end-time"]), Duration: integer(vm["duration"]),
			Tasks: map[string]int64{}}
		if vx.End < 0 {
			vx.End = 0
		}
		mt := object(vm["metrics"])
		vx.ReadBytes, vx.WriteBytes = num(mt["read-bytes"]), num(mt["write-bytes"])
		vx.ReadRecords, vx.WriteRecords = num(mt["read-records"]), num(mt["write-records"])
		vx.BackPressuredMs, vx.IdleMs, vx.BusyMs = num(mt["accumulated-backpressured-time"]), num(mt["accumulated-idle-time"]), num(mt["accumulated-busy-time"])
		for k, v := range object(vm["tasks"]) {
			vx.Tasks[k] = integer(v)
		}
		a.vertices = append(a.vertices, vx)
	}
}

func (r *Reader) checkpoints(o Origin, m map[string]json.RawMessage, a *archiveState) {
	jobID := jobOf(o.Path)
	counts := object(m["counts"])
	if a.job == nil {
		a.job = &Job{Origin: o, ID: jobID, StateTimes: map[string]int64{}}
	}
	j := a.job
	j.Checkpoints = true
	j.CkptTotal, j.CkptCompleted, j.CkptFailed = integer(counts["total"]), integer(counts["completed"]), integer(counts["failed"])
	j.CkptInProgress, j.CkptRestored = integer(counts["in_progress"]), integer(counts["restored"])
	for _, h := range array(m["history"]) {
		if hm := object(h); hm != nil {
			c := checkpoint(o, jobID, hm)
			a.addCheckpoint(&c, true)
		}
	}
	// The latest failed checkpoint and savepoint may have left the history.
	latest := object(m["latest"])
	for _, k := range []string{"completed", "savepoint", "failed"} {
		if lm := object(latest[k]); lm != nil {
			c := checkpoint(o, jobID, lm)
			a.addCheckpoint(&c, false)
		}
	}
}

func checkpoint(o Origin, jobID string, m map[string]json.RawMessage) Checkpoint {
	return Checkpoint{Origin: o, JobID: jobID, ID: integer(m["id"]), Status: str(m["status"]),
		Type: str(m["checkpoint_type"]), ExternalPath: str(m["external_path"]),
		Savepoint: boolean(m["is_savepoint"]), Discarded: boolean(m["discarded"]),
		Trigger: integer(m["trigger_timestamp"]), LatestAck: integer(m["latest_ack_timestamp"]),
		Failure: integer(m["failure_timestamp"]), Duration: integer(m["end_to_end_duration"]),
		StateSize: num(m["state_size"]), CheckpointedSize: num(m["checkpointed_size"]),
		AlignmentBuffered: num(m["alignment_buffered"]), ProcessedData: num(m["processed_data"]),
		PersistedData: num(m["persisted_data"]), Subtasks: integer(m["num_subtasks"]),
		Acknowledged: integer(m["num_acknowledged_subtasks"]), FailureMessage: str(m["failure_message"])}
}

// addCheckpoint keeps one row per checkpoint id: the history's, completed
// by what the details add.
func (a *archiveState) addCheckpoint(c *Checkpoint, history bool) {
	if a.checkpoints == nil {
		a.checkpoints = map[int64]*Checkpoint{}
	}
	old, ok := a.checkpoints[c.ID]
	switch {
	case !ok:
		a.checkpoints[c.ID] = c
	case history:
		if c.FailureMessage == "" {
			c.FailureMessage = old.FailureMessage
		}
		a.checkpoints[c.ID] = c
	default:
		if old.FailureMessage == "" {
			old.FailureMessage = c.FailureMessage
		}
		if old.JobID == "" {
			old.JobID = c.JobID
		}
	}
}

// plan reads the upstream vertices of each node of a job plan.
func (a *archiveState) plan(p map[string]json.RawMessage) {
	if t := str(p["type"]); t != "" {
		a.jobType = t
	}
	for _, n := range array(p["nodes"]) {
		nm := object(n)
		id := str(nm["id"])
		if id == "" {
			continue
		}
		if a.inputs == nil {
			a.inputs = map[string][]string{}
		}
		ins := []string{}
		for _, in := range array(nm["inputs"]) {
			if up := str(object(in)["id"]); up != "" {
				ins = append(ins, up)
			}
		}
		a.inputs[id] = ins
	}
}

func (a *archiveState) flush(r *Reader) {
	if a.job != nil {
		if a.job.ID == "" && len(a.vertices) == 0 && !a.job.Checkpoints {
			a.job = nil
		}
	}
	if a.job != nil {
		if a.job.Type == "" {
			a.job.Type = a.jobType
		}
		r.counts.Records++
		r.sink.Job(a.job)
	}
	for _, j := range a.overview {
		if a.job == nil || j.ID != a.job.ID {
			r.counts.Records++
			r.sink.Job(j)
		}
	}
	for i := range a.vertices {
		if ins, ok := a.inputs[a.vertices[i].ID]; ok {
			a.vertices[i].Inputs = ins
		}
		r.counts.Records++
		r.sink.Vertex(&a.vertices[i])
	}
	ids := make([]int64, 0, len(a.checkpoints))
	for id := range a.checkpoints {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		c := a.checkpoints[id]
		if c.JobID == "" && a.job != nil {
			c.JobID = a.job.ID
		}
		r.counts.Records++
		r.sink.Checkpoint(c)
	}
}

func (r *Reader) exceptions(o Origin, m map[string]json.RawMessage) {
	jobID := jobOf(o.Path)
	if root := str(m["root-exception"]); root != "" {
		r.counts.Records++
		r.sink.Exception(&Exception{Origin: o, JobID: jobID, Kind: "root", Time: integer(m["timestamp"]), Exception: root})
	}
	for _, e := range array(m["all-exceptions"]) {
		if em := object(e); em != nil {
			r.counts.Records++
			r.sink.Exception(&Exception{Origin: o, JobID: jobID, Kind: "all", Time: integer(em["timestamp"]),
				Exception: str(em["exception"]), Task: str(em["task"]), Location: str(em["location"]),
				TaskManager: str(em["taskManagerId"])})
		}
	}
	for _, e := range array(object(m["exceptionHistory"])["entries"]) {
		if em := object(e); em != nil {
			ex := &Exception{Origin: o, JobID: jobID, Kind: "history", Time: integer(em["timestamp"]),
				Exception: str(em["stacktrace"]), Task: str(em["taskName"]), Location: str(em["location"]),
				TaskManager: str(em["taskManagerId"])}
			if ex.Exception == "" {
				ex.Exception = str(em["exceptionName"])
			}
			r.counts.Records++
			r.sink.Exception(ex)
		}
	}
}

// metric reads {"id":…,"value":…} or an aggregate {"id","min","max","avg","sum"}.
func (r *Reader) metric(o Origin, m map[string]any) {
	id, _ := m["id"].(string)
	if id == "" {
		r.bad(o.Source, o.Offset, "a list element without a metric id")
		return
	}
	s := &r.s
	base := func() {
		*s = metrics.Sample{Offset: o.Offset, Format: metrics.REST, Name: id, Value: math.NaN(), Subtask: -1}
		scopeOf(o.Path, s)
		if t, ok := metrics.TimeInName(o.Source, nil); ok {
			s.Time, s.HasTime = t, true
		}
	}
	if v, ok := m["value"]; ok {
		base()
		s.Value = anyNum(v)
		metrics.Normalise(s)
		r.counts.Records++
		r.sink.Sample(s)
		return
	}
	for _, agg := range []string{"min", "max", "avg", "sum", "skew"} {
		if v, ok := m[agg]; ok {
			base()
			s.Value = anyNum(v)
			s.Labels = append(s.Labels[:0], metrics.Label{Name: "agg", Value: agg})
			metrics.Normalise(s)
			r.counts.Records++
			r.sink.Sample(s)
		}
	}
}

func anyNum(v any) float64 {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err == nil {
			return f
		}
	case string:
		switch x {
		case "true":
			return 1
		case "false":
			return 0
		}
		return num(json.RawMessage(`"` + x + `"`))
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		return x
	}
	return math.NaN()
}

var (
	tmInPath     = regexp.MustCompile(`/taskmanagers/([^/]+)/metrics`)
	vertexInPath = regexp.MustCompile(`/jobs/([0-9a-f]{32})/vertices/([0-9a-f]{32})/`)
)

// scopeOf sets a REST metric's scope from its path (or file name).
func scopeOf(path string, s *metrics.Sample) {
	switch {
	case tmInPath.MatchString(path):
		s.Scope, s.TaskManager = metrics.ScopeTaskManager, tmInPath.FindStringSubmatch(path)[1]
	case vertexInPath.MatchString(path):
		m := vertexInPath.FindStringSubmatch(path)
		s.Scope, s.JobID, s.TaskID = metrics.ScopeTask, m[1], m[2]
	case strings.Contains(path, "/jobs/"):
		s.Scope, s.JobID = metrics.ScopeJobManagerJob, jobOf(path)
	case strings.Contains(path, "jobmanager"):
		s.Scope = metrics.ScopeJobManager
	case strings.Contains(path, "taskmanager"):
		s.Scope = metrics.ScopeTaskManager
	case strings.Contains(path, "subtask") || strings.Contains(path, "vertex") || strings.Contains(path, "vertices"):
		s.Scope = metrics.ScopeTask
	}
}

// checkpointOptions are the fields of /jobs/:id/checkpoints/config and the
// configuration options they come from; durations are milliseconds, which
// is how Flink reads a number with no unit.
var checkpointOptions = [...]struct{ field, key string }{
	{"interval", "execution.checkpointing.interval"},
	{"timeout", "execution.checkpointing.timeout"},
	{"min_pause", "execution.checkpointing.min-pause"},
	{"max_concurrent", "execution.checkpointing.max-concurrent-checkpoints"},
	{"mode", "execution.checkpointing.mode"},
	{"unaligned_checkpoints", "execution.checkpointing.unaligned"},
	{"tolerable_failed_checkpoints", "execution.checkpointing.tolerable-failed-checkpoints"},
}

// checkpointConfig keeps a job's checkpoint settings as configuration
// entries of the options they come from (the checkpoint timeout is what
// checkpoint.slow measures durations against).
func (r *Reader) checkpointConfig(o Origin, m map[string]json.RawMessage) {
	job := jobOf(o.Path)
	for _, opt := range checkpointOptions {
		v, ok := m[opt.field]
		if !ok || len(v) == 0 || v[0] == '{' || v[0] == '[' || string(v) == "null" {
			continue
		}
		val := strings.Trim(string(v), `"`)
		if opt.field == "mode" {
			val = strings.ToUpper(val) // the option's values: EXACTLY_ONCE, AT_LEAST_ONCE
		}
		r.sink.Config(&Config{Origin: o, JobID: job, Key: opt.key, Value: val})
		r.counts.Records++
	}
}
