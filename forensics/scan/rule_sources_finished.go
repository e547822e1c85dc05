package scan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
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
			"logs":     {"state_of", "state_to", "job_id", "job_name", "task", "subtask", "attempt"},
			"vertices": {"job_id", "name", "status", "end"},
			"jobs":     {"job_id", "name", "state", "type", "ts_finished"},
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
	case "vertices":
		d.observeVertices(rec)
		return
	case "jobs":
		d.observeJobs(rec)
		return
	}
	o := originOf("logs", rec, "message")
	stateOf, to := strColumn(rec, "state_of"), strColumn(rec, "state_to")
	jobID, jobName, task, sub := strColumn(rec, "job_id"), strColumn(rec, "job_name"), strColumn(rec, "task"), int32Column(rec, "subtask")
	attempt := strColumn(rec, "attempt")
	finished := to.codesWhere(func(s string) bool { return s == "FINISHED" })
	jobCode, taskCode := stateOf.codeOf("job"), stateOf.codeOf("task")
	for _, i := range d.each(int(rec.NumRows())) {
		c := stateOf.code(i)
		if c == jobCode && !finished.has(i) {
			d.last = d.job(jobID.get(i), jobName.get(i))
			continue
		}
		if !finished.has(i) {
			continue
		}
		switch c {
		case taskCode:
			name := task.get(i)
			if !isSource(name) {
				continue
			}
			id := jobID.get(i)
			if id == "" {
				id = jobOfAttempt(attempt.get(i))
			}
			j := d.last
			if id != "" || j == nil {
				j = d.job(id, jobName.get(i))
			}
			s, _ := sub.get(i)
			key := name + "\x00" + strconv.Itoa(int(s))
			if !j.tasks[key] {
				j.tasks[strings.Clone(key)] = true
				j.sources = append(j.sources, o.at(i))
			}
		case jobCode:
			j := d.job(jobID.get(i), jobName.get(i))
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
	job, name, status := strColumn(rec, "job_id"), strColumn(rec, "name"), strColumn(rec, "status")
	o := originOf("vertices", rec, "name")
	o.ts = int64Column(rec, "end")
	for i := 0; i < int(rec.NumRows()); i++ {
		if status.get(i) == "FINISHED" && isSource(name.get(i)) {
			j := d.job(job.get(i), "")
			key := "rest\x00" + name.get(i)
			if !j.tasks[key] {
				j.tasks[strings.Clone(key)] = true
				j.sources = append(j.sources, o.at(i))
			}
		}
	}
}

func (d *sourcesFinished) observeJobs(rec arrow.Record) {
	job, name, state, typ := strColumn(rec, "job_id"), strColumn(rec, "name"), strColumn(rec, "state"), strColumn(rec, "type")
	o := originOf("jobs", rec, "state")
	o.ts = int64Column(rec, "ts_finished")
	for i := 0; i < int(rec.NumRows()); i++ {
		if typ.get(i) == "BATCH" {
			d.job(job.get(i), name.get(i)).batch = true
		}
		if state.get(i) == "FINISHED" {
			j := d.job(job.get(i), name.get(i))
			if j.finished == nil {
				ev := o.at(i)
				j.finished = &ev
			}
		} else if n := name.get(i); n != "" {
			d.job(job.get(i), n)
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
		if j.finished != nil {
			f.Severity = Warning
			f.add(*j.finished)
			f.Summary = fmt.Sprintf("%d source task(s) reached FINISHED, then the job FINISHED: its input ended (normal only for a bounded job)",
				len(j.sources))
		}
		f.Count = len(j.sources)
		out = append(out, f)
	}
	return out
}
