package scan

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// job.restart, job.restart-loop, job.failed and job.restarts-exhausted:
// the job's own state changes, from the JobManager's log and from REST
// payloads (the jobs table). Each restart carries the root cause of the
// failure before it (the deepest "Caused by:" of the last task that went
// from RUNNING to FAILED); restarts are grouped by a fingerprint of that
// cause (ids, numbers and hosts masked) so a loop reads as one finding.
func init() {
	register(Spec{
		Rules: []Rule{
			{ID: "job.failed", Section: Timeline, Restart: true, CausedBy: []string{"heartbeat.timeout", "container.killed", "os.oom-killer", "jvm.oom", "jvm.fatal"}},
			{ID: "job.restarts-exhausted", Section: Timeline, Restart: true, CausedBy: []string{"heartbeat.timeout", "container.killed", "os.oom-killer", "jvm.oom", "jvm.fatal"}},
			{ID: "job.restart-loop", Section: Timeline, Restart: true, CausedBy: []string{"heartbeat.timeout", "container.killed", "os.oom-killer", "jvm.oom", "jvm.fatal"}},
			{ID: "job.restart", Section: Timeline, Restart: true, CausedBy: []string{"heartbeat.timeout", "container.killed", "os.oom-killer", "jvm.oom", "jvm.fatal", "log.gap"}},
		},
		Reads: map[string][]string{
			schema.Logs: {"state_of", "state_to", "state_from", "job_id", "job_name", "root_cause", "root_cause_message", "exception", "exception_message", "message", "causes"},
			schema.Jobs: {"job_id", "name", "state", "ts_restarting"},
		},
		Loggers:    []string{"JobMaster", "ExecutionGraph", "Scheduler", "Dispatcher"},
		Thresholds: []Threshold{{Name: "restart-loop", Kind: Number, Default: "3", Help: "job.restart-loop: restarts of one job"}},
		New:        func(c Config) Detector { return &jobStates{cfg: c} },
	})
}

type restart struct {
	job, name string
	at        Evidence
	cause     string
	inferred  bool // the restart's own line named no cause: the task failure before it does
}

// terminal is a job's FAILED transition, or its restarts exhausted.
type terminal struct {
	at             int64
	name, from     string
	cause          string // its own, if its lines name one
	strategy       string // the restart strategy that gave up
	causeNotLogged bool   // the JobException itself: the failure before it is not in the log
}

// taskFailure is a task that went to FAILED, with its root cause.
type taskFailure struct {
	job   string
	at    int64
	cause string
}

type jobStates struct {
	sel
	cfg      Config
	restarts []restart
	failed   byKey
	// terminalFailed holds, by job, the dispatcher's "reached terminal
	// state FAILED" line: a job.failed where no state change says it.
	terminalFailed map[string]Evidence
	exhausted      byKey
	failures       []taskFailure // with a time and a root cause, sorted by time at the end
	// The last FAILED transition and the last exhausted restart strategy
	// of each job (by time): their summaries are written at the end, when
	// every task failure is known.
	lastFailed, lastExhausted map[string]terminal
	seen                      map[string]bool // REST jobs already counted (by job id and restart time)
	// texts holds job ids and causes once: a loop fails with the same
	// cause over and over, and every failure is kept until the end.
	texts interned
}

func (d *jobStates) Observe(table string, rec arrow.Record) {
	if d.seen == nil {
		d.seen, d.texts = map[string]bool{}, interned{}
		d.lastFailed, d.lastExhausted = map[string]terminal{}, map[string]terminal{}
	}
	if table == schema.Jobs {
		d.observeREST(rec)
		return
	}
	o := originOf(schema.Logs, rec, "message")
	stateOf, to, from := schema.Str(rec, "state_of"), schema.Str(rec, "state_to"), schema.Str(rec, "state_from")
	jobID, jobName := schema.Str(rec, "job_id"), schema.Str(rec, "job_name")
	root, rootMsg := schema.Str(rec, "root_cause"), schema.Str(rec, "root_cause_message")
	exc, excMsg := schema.Str(rec, "exception"), schema.Str(rec, "exception_message")
	msg, causes := schema.Str(rec, "message"), schema.Str(rec, "causes")
	jobCode := stateOf.CodeOf("job")
	taskCode := stateOf.CodeOf("task")
	jobExc := exc.Where(func(e string) bool { return strings.HasSuffix(e, "JobException") })
	for _, i := range d.each(int(rec.NumRows())) {
		c := stateOf.Code(i)
		if c < 0 && c != -2 {
			// Not a state change: still, "Recovery is suppressed" may be
			// logged on its own (a JobException), or be a cause of the
			// exception logged (JobExecutionException: Job execution
			// failed, caused by it).
			// The dispatcher's "Job <id> reached terminal state FAILED."
			// stands for the job's own line when that is not in the log.
			if m := msg.Get(i); strings.Contains(m, "reached terminal state FAILED") {
				if job := jobID.Get(i); job != "" {
					if _, ok := d.terminalFailed[job]; !ok {
						if d.terminalFailed == nil {
							d.terminalFailed = map[string]Evidence{}
						}
						d.terminalFailed[strings.Clone(job)] = o.at(i)
					}
				}
			}
			// Flink 1.4–1.6 say it in a line of their own: "Could not
			// restart the job <name> (<id>) because the restart strategy
			// prevented it."
			if m := msg.Get(i); strings.HasPrefix(m, "Could not restart the job ") && strings.Contains(m, "restart strategy prevented it") {
				if job := jobID.Get(i); job != "" {
					d.exhaust(strings.Clone(job), strings.Clone(jobName.Get(i)), o.at(i), "")
				}
			}
			if jobExc.Has(i) || causes.Valid(i) {
				if m := excMsg.Get(i) + "\n" + causes.Get(i); strings.Contains(m, "Recovery is suppressed by") || strings.Contains(m, "restart strategy prevented it") {
					ev := o.at(i)
					ev.Text += " " + shorten(lineWith(m, "Recovery is suppressed by", "restart strategy prevented it"), 200)
					d.exhaust(strings.Clone(jobID.Get(i)), strings.Clone(jobName.Get(i)), ev, "")
				}
			}
			continue
		}
		cause := ""
		if r := root.Get(i); r != "" {
			cause = r + ": " + rootMsg.Get(i)
		} else if x := exc.Get(i); x != "" {
			cause = x + ": " + excMsg.Get(i)
		}
		switch {
		case c == taskCode && to.Get(i) == "FAILED":
			if cause != "" {
				if t, _ := o.ts.Get(i); t != 0 {
					d.failures = append(d.failures, taskFailure{d.texts.of(jobID.Get(i)), t, d.texts.of(cause)})
				}
			}
		case c == jobCode:
			job, name := strings.Clone(jobID.Get(i)), strings.Clone(jobName.Get(i))
			t := to.Get(i)
			ev := o.at(i)
			// Without a cause of its own, the cause is found at the end
			// (inferCauses, summarize): the task failure before it in time.
			inferred := cause == ""
			switch {
			case t == "RESTARTING":
				d.restarts = append(d.restarts, restart{job, name, ev, strings.Clone(cause), inferred})
			case t == "FAILED":
				f := d.failed.get(job, func() Finding {
					return Finding{Rule: "job.failed", Severity: Critical, Subject: subject(job, name),
						Remedy: "find the root cause below (the deepest Caused by:), fix it, then restart the job"}
				})
				f.add(ev)
				own := strings.Clone(cause)
				later(d.lastFailed, job, terminal{at: ev.Time, name: name, from: strings.Clone(from.Get(i)), cause: own})
				all := msg.Get(i) + "\n" + causes.Get(i)
				if ex := excMsg.Get(i); strings.Contains(ex, "Recovery is suppressed by") || strings.Contains(all, "Recovery is suppressed by") ||
					strings.Contains(all, "restart strategy prevented it") {
					ev.Text += " " + shorten(ex, 200)
					d.exhaust(job, name, ev, own)
				}
			}
		}
	}
}

var suppressedBy = regexp.MustCompile(`Recovery is suppressed by (\w+)`)

func (d *jobStates) exhaust(job, name string, ev Evidence, cause string) {
	f := d.exhausted.get(job, func() Finding {
		return Finding{Rule: "job.restarts-exhausted", Severity: Critical, Subject: subject(job, name),
			Remedy: "find the failure cause first; then raise the restart strategy's attempts (the old default allowed very few)"}
	})
	f.add(ev)
	strategy := "the restart strategy"
	if m := suppressedBy.FindStringSubmatch(ev.Text); m != nil {
		strategy = m[1]
	}
	later(d.lastExhausted, job, terminal{at: ev.Time, name: name, strategy: strategy, cause: cause,
		causeNotLogged: strings.Contains(cause, "Recovery is suppressed")})
}

// later keeps a job's terminal event with the latest time.
func later(m map[string]terminal, job string, t terminal) {
	if old, ok := m[job]; !ok || t.at >= old.at {
		m[job] = t
	}
}

// summarize writes the summaries of job.failed and job.restarts-exhausted,
// with the cause the job's own lines name, or the task failure before them.
func (d *jobStates) summarize() {
	for job, t := range d.lastFailed {
		f := d.failed.m[job]
		f.Summary = fmt.Sprintf("job %s switched from %s to FAILED", subject(job, t.name), t.from)
		if c := d.causeOf(job, t); c != "" {
			f.Summary += "; root cause " + shorten(c, 200)
		}
	}
	for job, t := range d.lastExhausted {
		f := d.exhausted.m[job]
		who := "the job" // a job named nowhere in the event
		if s := subject(job, t.name); s != "" {
			who = "job " + s
		}
		f.Summary = fmt.Sprintf("%s failed for good: recovery suppressed by %s", who, t.strategy)
		if c := d.causeOf(job, t); c != "" && !t.causeNotLogged && !strings.Contains(c, "Recovery is suppressed") {
			f.Summary += "; root cause " + shorten(c, 200)
		} else {
			f.Summary += "; the failure that caused it is not in the log (cut before it)"
		}
	}
}

func (d *jobStates) causeOf(job string, t terminal) string {
	if t.cause != "" || t.at == 0 {
		return t.cause
	}
	return d.causeAt(job, t.at)
}

// causeAt is the root cause of the last task failure of job at or before
// at, or else of the last failure of any job within the correlation window
// before it.
func (d *jobStates) causeAt(job string, at int64) string {
	var own, any string
	for _, f := range d.failures {
		if f.at > at {
			break
		}
		if at-f.at <= d.cfg.Duration("correlate").Milliseconds() {
			any = f.cause
		}
		if f.job == job {
			own = f.cause
		}
	}
	if own != "" {
		return own
	}
	return any
}

func (d *jobStates) observeREST(rec arrow.Record) {
	o := originOf(schema.Jobs, rec, "state")
	id, name, state := schema.Str(rec, "job_id"), schema.Str(rec, "name"), schema.Str(rec, "state")
	restarting := schema.Int64(rec, "ts_restarting")
	for i := 0; i < int(rec.NumRows()); i++ {
		if t, ok := restarting.Get(i); ok && t > 0 {
			key := fmt.Sprintf("%s@%d", id.Get(i), t)
			if d.seen[key] {
				continue
			}
			d.seen[key] = true
			ev := o.at(i)
			ev.Time, ev.Text = t, "job "+id.Get(i)+" entered RESTARTING (REST timestamps; current state "+state.Get(i)+")"
			d.restarts = append(d.restarts, restart{strings.Clone(id.Get(i)), strings.Clone(name.Get(i)), ev, "", false})
		}
		if state.Get(i) == "FAILED" {
			job := strings.Clone(id.Get(i))
			f := d.failed.get(job, func() Finding {
				return Finding{Rule: "job.failed", Severity: Critical, Subject: subject(job, name.Get(i)),
					Remedy: "find the root cause below (the deepest Caused by:), fix it, then restart the job"}
			})
			if f.Summary == "" {
				f.Summary = fmt.Sprintf("job %s is FAILED", subject(job, name.Get(i)))
			}
			f.add(o.at(i))
		}
	}
}

var masks = []*regexp.Regexp{
	regexp.MustCompile(`[0-9a-f]{32}(_[0-9a-f]{32}_\d+_\d+)?`),
	regexp.MustCompile(`\d+\.\d+\.\d+\.\d+(:\d+)?(-[0-9a-f]+)?`),
	regexp.MustCompile(`\d+`),
}

// fingerprint masks what differs between repeats of one cause: ids,
// addresses, numbers (state words like FAILED stay).
func fingerprint(cause string) string {
	for _, m := range masks {
		cause = m.ReplaceAllString(cause, "#")
	}
	return cause
}

// inferCauses gives each restart whose own line named no cause the root
// cause of the last task failure of its job before it in time, or else of
// the last failure of any job within the correlation window before it: the
// logs may be read in any order, so what was read before does not count.
func (d *jobStates) inferCauses() {
	sort.SliceStable(d.failures, func(i, j int) bool { return d.failures[i].at < d.failures[j].at })
	for k := range d.restarts {
		if r := &d.restarts[k]; r.inferred && r.at.Time != 0 {
			r.cause = d.causeAt(r.job, r.at.Time)
		}
	}
}

func (d *jobStates) Findings(c *Context) []Finding {
	d.inferCauses()
	d.summarize()
	for job, ev := range d.terminalFailed {
		if _, ok := d.failed.m[job]; ok {
			continue
		}
		f := d.failed.get(job, func() Finding {
			return Finding{Rule: "job.failed", Severity: Critical, Subject: job,
				Summary: "job " + job + " reached terminal state FAILED (the state change itself is not in the log)",
				Remedy:  "find the root cause below (the deepest Caused by:), fix it, then restart the job"}
		})
		f.add(ev)
	}
	out := append(d.exhausted.all(), d.failed.all()...)
	// Restarts per job, grouped by their cause's fingerprint.
	type group struct {
		f   *Finding
		key string
	}
	groups := map[string]*group{}
	var keys []string
	// A restart both logged and in a REST payload counts once.
	logged := map[string]bool{}
	for _, r := range d.restarts {
		if r.at.Table == schema.Logs {
			logged[fmt.Sprintf("%s@%d", r.job, r.at.Time)] = true
		}
	}
	restarts := d.restarts[:0:0]
	for _, r := range d.restarts {
		if r.at.Table != schema.Logs && logged[fmt.Sprintf("%s@%d", r.job, r.at.Time)] {
			continue
		}
		restarts = append(restarts, r)
	}
	perJob := map[string]int{}
	for _, r := range restarts {
		perJob[r.job]++
	}
	loops := byKey{}
	for _, r := range restarts {
		if perJob[r.job] >= c.Config.Int("restart-loop") {
			f := loops.get(r.job, func() Finding {
				return Finding{Rule: "job.restart-loop", Severity: Critical, Subject: subject(r.job, r.name),
					Remedy: "fix the root cause; the direct cause is not always the root cause"}
			})
			f.add(r.at)
		}
	}
	for _, f := range loops.all() {
		causes := map[string]int{}
		var order []string
		for _, r := range restarts {
			if subject(r.job, r.name) == f.Subject {
				fp := fingerprint(r.cause)
				if causes[fp] == 0 {
					order = append(order, fp)
				}
				causes[fp]++
			}
		}
		var parts []string
		for _, fp := range order {
			parts = append(parts, fmt.Sprintf("%d× %s", causes[fp], shorten(fp, 120)))
		}
		f.Summary = fmt.Sprintf("restart loop: job %s restarted %d times in %s; causes: %s", f.Subject, f.Count, span(f.Start, f.End), strings.Join(parts, "; "))
		out = append(out, f)
	}
	for _, r := range restarts {
		if perJob[r.job] >= c.Config.Int("restart-loop") {
			continue
		}
		key := r.job + "\x00" + fingerprint(r.cause)
		g, ok := groups[key]
		if !ok {
			g = &group{f: &Finding{Rule: "job.restart", Severity: Warning, Subject: subject(r.job, r.name),
				Remedy: "fix the root cause; the direct cause is not always the root cause"}, key: key}
			groups[key] = g
			keys = append(keys, key)
		}
		g.f.add(r.at)
		cause := r.cause
		if cause == "" {
			cause = "no failure logged before it"
		}
		g.f.Summary = fmt.Sprintf("job %s restarted %s (RUNNING → RESTARTING) after: %s",
			subject(r.job, r.name), times(int(g.f.Count)), shorten(cause, 200))
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, *groups[k].f)
	}
	return out
}

func subject(job, name string) string {
	switch {
	case name != "" && job != "":
		return name + " (" + job + ")"
	case name != "":
		return name
	}
	return job
}

// lineWith returns the line of s that holds one of the words (s if none).
func lineWith(s string, words ...string) string {
	for _, w := range words {
		if i := strings.Index(s, w); i >= 0 {
			start := strings.LastIndexByte(s[:i], '\n') + 1
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				return s[start:]
			}
			return s[start : i+end]
		}
	}
	return s
}
