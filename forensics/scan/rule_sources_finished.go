package scan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// job.sources-finished: source tasks reached FINISHED, and then the job
// FINISHED. An unbounded job should never finish: a source that ends when
// its input ends (a file read once, a bounded Kafka range, test data)
// ends the job. From task and job state changes in the logs, and the
// vertices and jobs tables of REST payloads.
func init() {
	register(Spec{
		Rules: []Rule{{ID: "job.sources-finished", Section: Timeline}},
		Reads: map[string][]string{
			schema.Logs:     {"state_of", "state_to", "job_id", "job_name", "task", "subtask", "attempt"},
			schema.Vertices: {"job_id", "name", "status", "end"},
			schema.Jobs:     {"job_id", "name", "state", "type", "ts_finished"},
		},
		Loggers: []string{"Enumerator", "SourceCoordinator"},
		New:     func(Config) Detector { return &sourcesFinished{} },
	})
}

type finishedJob struct {
	job, name string
	sources   []Evidence // source tasks that finished
	finished  *Evidence  // the job's own FINISHED
	tasks     map[string]bool
	batch     bool // the plan says BATCH: finishing is its normal end
	streaming bool // the plan says STREAMING: finishing is no normal end
}

type sourcesFinished struct {
	sel
	last  *finishedJob // the job whose state changed last: a TaskManager's task lines name no job
	jobs  map[string]*finishedJob
	order []string
	names map[string]string // REST: job id → name
}

func (d *sourcesFinished) job(id, name string) *finishedJob {
	if d.jobs == nil {
		d.jobs, d.names = map[string]*finishedJob{}, map[string]string{}
	}
	j := d.jobs[id]
	if j == nil {
		id = strings.Clone(id)
		j = &finishedJob{job: id, name: strings.Clone(name), tasks: map[string]bool{}}
		d.jobs[id] = j
		d.order = append(d.order, id)
	}
	if j.name == "" && name != "" {
		j.name = strings.Clone(name)
	}
	return j
}

func (d *sourcesFinished) Observe(table string, rec arrow.Record) {
	switch table {
	case schema.Vertices:
		d.observeVertices(rec)
		return
	case schema.Jobs:
		d.observeJobs(rec)
		return
	}
	o := originOf(schema.Logs, rec, "message")
	stateOf, to := schema.Str(rec, "state_of"), schema.Str(rec, "state_to")
	jobID, jobName, task, sub := schema.Str(rec, "job_id"), schema.Str(rec, "job_name"), schema.Str(rec, "task"), schema.Int32(rec, "subtask")
	attempt := schema.Str(rec, "attempt")
	finished := to.Where(func(s string) bool { return s == "FINISHED" })
	jobCode, taskCode := stateOf.CodeOf("job"), stateOf.CodeOf("task")
	for _, i := range d.each(int(rec.NumRows())) {
		c := stateOf.Code(i)
		if c == jobCode && !finished.Has(i) {
			d.last = d.job(jobID.Get(i), jobName.Get(i))
			continue
		}
		if !finished.Has(i) {
			continue
		}
		switch c {
		case taskCode:
			name := task.Get(i)
			if !isSource(name) {
				continue
			}
			id := jobID.Get(i)
			if id == "" {
				id = jobOfAttempt(attempt.Get(i))
			}
			j := d.last
			if id != "" || j == nil {
				j = d.job(id, jobName.Get(i))
			}
			s, _ := sub.Get(i)
			key := name + "\x00" + strconv.Itoa(int(s))
			if !j.tasks[key] {
				j.tasks[strings.Clone(key)] = true
				j.sources = append(j.sources, o.at(i))
			}
		case jobCode:
			j := d.job(jobID.Get(i), jobName.Get(i))
			ev := o.at(i)
			j.finished = &ev
			d.last = j
		}
	}
}

// jobOfAttempt reads the job id out of a Flink 1.15+ execution attempt id
// (<vertex>_<job>_<subtask>_<attempt>).
func jobOfAttempt(a string) string {
	if len(a) > 66 && a[32] == '_' && a[65] == '_' {
		return a[33:65]
	}
	return ""
}

func (d *sourcesFinished) observeVertices(rec arrow.Record) {
	job, name, status := schema.Str(rec, "job_id"), schema.Str(rec, "name"), schema.Str(rec, "status")
	o := originOf(schema.Vertices, rec, "name")
	o.ts = schema.Int64(rec, "end")
	for i := 0; i < int(rec.NumRows()); i++ {
		if status.Get(i) == "FINISHED" && isSource(name.Get(i)) {
			j := d.job(job.Get(i), "")
			key := "rest\x00" + name.Get(i)
			if !j.tasks[key] {
				j.tasks[strings.Clone(key)] = true
				j.sources = append(j.sources, o.at(i))
			}
		}
	}
}

func (d *sourcesFinished) observeJobs(rec arrow.Record) {
	job, name, state, typ := schema.Str(rec, "job_id"), schema.Str(rec, "name"), schema.Str(rec, "state"), schema.Str(rec, "type")
	o := originOf(schema.Jobs, rec, "state")
	o.ts = schema.Int64(rec, "ts_finished")
	for i := 0; i < int(rec.NumRows()); i++ {
		if typ.Get(i) == "BATCH" {
			d.job(job.Get(i), name.Get(i)).batch = true
		} else if typ.Get(i) == "STREAMING" {
			d.job(job.Get(i), name.Get(i)).streaming = true
		}
		if state.Get(i) == "FINISHED" {
			j := d.job(job.Get(i), name.Get(i))
			if j.finished == nil {
				ev := o.at(i)
				j.finished = &ev
			}
		} else if n := name.Get(i); n != "" {
			d.job(job.Get(i), n)
		}
	}
}

func (d *sourcesFinished) Findings(*Context) []Finding {
	var out []Finding
	for _, id := range d.order {
		j := d.jobs[id]
		if len(j.sources) == 0 || j.batch {
			continue
		}
		f := Finding{Rule: "job.sources-finished", Severity: Info, Subject: subject(j.job, j.name),
			Remedy: "a source ends when its input ends; make an unbounded job's sources never finish (no bounded ranges, no read-once files)"}
		for _, e := range j.sources {
			f.add(e)
		}
		f.Summary = fmt.Sprintf("%d source task(s) reached FINISHED while the job still ran", len(j.sources))
		// Sources that end by construction make a bounded job, unless its
		// plan says STREAMING.
		bounded := !j.streaming && boundedSources(j.sources)
		if j.finished != nil && !bounded {
			f.Severity = Warning
			f.add(*j.finished)
			f.Summary = fmt.Sprintf("%d source task(s) reached FINISHED, then the job FINISHED: its input ended (normal only for a bounded job)",
				len(j.sources))
		}
		if j.finished != nil && bounded {
			f.Summary = fmt.Sprintf("%d source task(s) reached FINISHED, then the job FINISHED: its sources read a fixed input (a collection, values, a sequence, files): a bounded job", len(j.sources))
		}
		f.Count = len(j.sources)
		out = append(out, f)
	}
	return out
}

// boundedByName are the sources that end by construction: a job made of
// them is bounded, and its end is no incident.
var boundedByName = []string{"Source: Collection Source", "Source: Values", "Source: Sequence Source", "Source: fromElements",
	"Source: Custom File Source", "Source: File Source", "Source: TableSourceScan(table=[[default_catalog, default_database, Unregistered_Collection"}

// boundedSources says every finished source is one of those.
func boundedSources(rows []Evidence) bool {
	for _, e := range rows {
		bounded := false
		for _, b := range boundedByName {
			bounded = bounded || strings.Contains(e.Text, b)
		}
		if !bounded {
			return false
		}
	}
	return len(rows) > 0
}
