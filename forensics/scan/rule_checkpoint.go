package scan

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// checkpoint.expired, checkpoint.declined, checkpoint.failed,
// checkpoint.tolerable-threshold (from the log), and from the checkpoints
// table and checkpoint metrics: checkpoint.failed, checkpoint.too-large,
// state.unbounded; checkpoint.slow from the durations of completed
// checkpoints (log and table) against the checkpoint timeout (config).
func init() {
	register(Spec{
		Rules: []Rule{
			{ID: "checkpoint.expired", Section: Checkpoints, CausedBy: []string{"gc.pause-spike", "gc.overhead"}, During: []string{"backpressure.root"}},
			{ID: "checkpoint.declined", Section: Checkpoints, CausedBy: []string{"jvm.oom", "heartbeat.timeout"}},
			{ID: "checkpoint.failed", Section: Checkpoints, CausedBy: []string{"jvm.oom"}, During: []string{"backpressure.root"}},
			{ID: "checkpoint.tolerable-threshold", Section: Checkpoints, CausedBy: []string{"checkpoint.expired"}},
			{ID: "checkpoint.too-large", Section: Checkpoints},
			{ID: "checkpoint.slow", Section: Checkpoints},
			{ID: "state.unbounded", Section: Checkpoints},
		},
		Reads: map[string][]string{
			schema.Logs:        {"message", "logger", "job_id", "exception", "exception_message", "root_cause", "causes"},
			schema.Checkpoints: {"job_id", "checkpoint_id", "status", "checkpointed_size", "trigger_ts", "duration_ms"},
			schema.Metrics:     scoped,
			schema.Config:      {"job_id", "key", "value"},
		},
		Keywords: [][]string{{"heckpoint"}},
		Loggers:  []string{"Checkpoint", "JobMaster"},
		Thresholds: []Threshold{
			{Name: "checkpoint-large", Kind: Bytes, Default: "1GiB", Help: "checkpoint.too-large: a checkpoint this big"},
			{Name: "checkpoint-slow", Kind: Number, Default: "80", Help: "checkpoint.slow: percent of the checkpoint timeout a checkpoint took"},
		},
		New: func(c Config) Detector { return &checkpoints{cfg: c} },
	})
}

type checkpoints struct {
	sel
	cfg Config
	by  byKey
	// sizes keeps each completed checkpoint's time and size (16 bytes: a
	// row each would grow with weeks of checkpoints); the rows kept are
	// those a finding shows: each job's earliest, its largest (the
	// earliest of that size) and, over the threshold, the same for
	// checkpoint.too-large.
	sizes      map[string][]sizeAt // job → completed checkpoints, as read
	first      map[string]Evidence // job → its earliest completed checkpoint
	peak       map[string]sized    // job → its largest, the earliest of that size
	largest    map[string]sized
	jobStateAt map[string]Evidence // job → FAILING/RESTARTING soon after a decline
	durations  map[string]took     // job and checkpoint id → how long it took
	longest    map[string][]timed  // job → its longest checkpoints, maxEvidence at most
	timeouts   map[string]int64    // job ("" for the cluster) → checkpoint timeout, ms
	// last says, per finding, its latest occurrence in time (not in the
	// order tables are read): the summary names it.
	last map[*Finding]lastSeen
}

type lastSeen struct {
	time   int64
	format string // with the count's %d first
	args   []any
}

// seen adds ev to f and, when ev is its latest occurrence so far, makes it
// the one the summary tells of.
func (d *checkpoints) seen(f *Finding, ev Evidence, format string, args ...any) {
	f.add(ev)
	if d.last == nil {
		d.last = map[*Finding]lastSeen{}
	}
	if l, ok := d.last[f]; !ok || ev.Time >= l.time {
		d.last[f] = lastSeen{ev.Time, format, args}
	}
}

type sized struct {
	size float64
	ev   Evidence
}

type sizeAt struct {
	at   int64
	size float64
}

// took is how long a completed checkpoint took, when it completed, and
// whether the log said so (the log's line is the better evidence: it has
// a file and line to open; an archive's figure only stands when the log
// did not say).
type took struct {
	ms, at int64
	logged bool
}

// over says a, of the same checkpoint, replaces b.
func (a took) over(b took) bool {
	if a.logged != b.logged {
		return a.logged
	}
	return a.ms > b.ms
}

// timed is a completed checkpoint's duration, with its row.
type timed struct {
	id string
	ms int64
	ev Evidence
}

// before orders checkpoints longest first; the rest of the order only
// makes the choice not depend on the order rows were read in.
func (a timed) before(b timed) bool {
	if a.ms != b.ms {
		return a.ms > b.ms
	}
	if a.ev.Time != b.ev.Time {
		return a.ev.Time < b.ev.Time
	}
	return a.ev.Table+a.ev.Source+a.id < b.ev.Table+b.ev.Source+b.id
}

// defaultCheckpointTimeout is execution.checkpointing.timeout's default.
const defaultCheckpointTimeout = 10 * 60 * 1000

var (
	ckptExpired   = regexp.MustCompile(`Checkpoint (\d+) of job (\S+) expired before completing`)
	ckptDeclined  = regexp.MustCompile(`Decline(?:d)? checkpoint (\d+) by task (\S+) of job (\S+)`)
	ckptCompleted = regexp.MustCompile(`Completed checkpoint (\d+) for job (\S+) \((\d+) bytes`)
	ckptFailed    = regexp.MustCompile(`Failed to trigger or complete checkpoint (\d+) for job (\S+)`)
	// Flink 1.13+: "(N bytes, checkpointDuration=D ms, …)"; before: "(N bytes in D ms)".
	ckptDuration = regexp.MustCompile(`(?:checkpointDuration=| in )(\d+) ms`)
)

func (d *checkpoints) finding(rule, job string, sev Severity) *Finding {
	return d.by.get(rule+"\x00"+job, func() Finding {
		f := Finding{Rule: rule, Severity: sev, Subject: job}
		switch rule {
		case "checkpoint.too-large":
			f.Remedy = "incremental checkpoints (RocksDB), smaller windows, state TTL, idle state retention"
		case "state.unbounded":
			f.Remedy = "state TTL, idle state retention time, smaller windows / slides"
		case "checkpoint.slow":
			f.Remedy = "unaligned checkpoints (1.11+) when inputs differ in speed, keep snapshotState() short, look for backpressure; a checkpoint that reaches the timeout expires"
		case "checkpoint.tolerable-threshold":
			f.Remedy = "the job fails once more checkpoints fail than execution.checkpointing.tolerable-failed-checkpoints allows: fix why they fail (backpressure, slow snapshotState(), timeouts)"
		default:
			f.Remedy = "unaligned checkpoints (1.11+) when inputs differ in speed, keep snapshotState() short; raise the timeout only once the cause is known"
		}
		return f
	})
}

func (d *checkpoints) Observe(table string, rec arrow.Record) {
	if d.sizes == nil {
		d.sizes, d.largest = map[string][]sizeAt{}, map[string]sized{}
		d.first, d.peak = map[string]Evidence{}, map[string]sized{}
		d.durations, d.longest, d.timeouts = map[string]took{}, map[string][]timed{}, map[string]int64{}
	}
	switch table {
	case schema.Logs:
		d.logs(rec)
	case schema.Checkpoints:
		d.table(rec)
	case schema.Metrics:
		d.metrics(rec)
	case schema.Config:
		d.config(rec)
	}
}

// config reads the checkpoint timeout of each job, or of the cluster.
func (d *checkpoints) config(rec arrow.Record) {
	job, key, value := schema.Str(rec, "job_id"), schema.Str(rec, "key"), schema.Str(rec, "value")
	for i := 0; i < int(rec.NumRows()); i++ {
		if key.Get(i) != "execution.checkpointing.timeout" {
			continue
		}
		if ms, ok := flinkDuration(value.Get(i)); ok {
			d.timeouts[strings.Clone(job.Get(i))] = ms
		}
	}
}

// tookMs records how long a completed checkpoint took: every duration, and
// the rows of each job's longest (the evidence). The same checkpoint may
// come from the log and from the archive; it counts once, as the log says.
func (d *checkpoints) tookMs(job, id string, ms int64, ev Evidence) {
	k := job + "\x00" + id
	now := took{ms, ev.Time, ev.Table == schema.Logs}
	if t, ok := d.durations[k]; ok && !now.over(t) {
		return
	}
	d.durations[k] = now
	l := d.longest[job]
	for n, t := range l {
		if t.id == id {
			l = append(l[:n], l[n+1:]...)
			break
		}
	}
	l = append(l, timed{id, ms, ev})
	sort.Slice(l, func(a, b int) bool { return l[a].before(l[b]) })
	if len(l) > maxEvidence {
		l = l[:maxEvidence]
	}
	d.longest[job] = l
}

// flinkDuration reads a duration as Flink's configuration writes it: a
// number with an optional unit (ms, s, min, h, d and their long names); no
// unit is milliseconds.
func flinkDuration(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	var n int64
	fmt.Sscan(s[:i], &n)
	unit := strings.ToLower(strings.TrimSpace(s[i:]))
	switch unit {
	case "", "ms", "milli", "millis", "millisecond", "milliseconds":
		return n, true
	case "s", "sec", "secs", "second", "seconds":
		return n * 1000, true
	case "min", "m", "minute", "minutes":
		return n * 60_000, true
	case "h", "hour", "hours":
		return n * 3_600_000, true
	case "d", "day", "days":
		return n * 86_400_000, true
	}
	return 0, false
}

func (d *checkpoints) logs(rec arrow.Record) {
	o := originOf(schema.Logs, rec, "message")
	msg, exc, root := schema.Str(rec, "message"), schema.Str(rec, "exception"), schema.Str(rec, "root_cause")
	excMsg, jobID := schema.Str(rec, "exception_message"), schema.Str(rec, "job_id")
	// The JobManager's checkpoint coordinator and failure manager say it.
	logger, causes := schema.Str(rec, "logger"), schema.Str(rec, "causes")
	for _, i := range d.each(int(rec.NumRows())) {
		// A task says it could not take its part of a checkpoint.
		if exc.Valid(i) || causes.Valid(i) {
			if what := taskCheckpointFailure(msg.Get(i), excMsg.Get(i), causes.Get(i)); what != "" {
				f := d.finding("checkpoint.failed", "task side", Warning)
				d.seen(f, o.at(i), "%d time(s) a task could not take its part of a checkpoint (last: %s)", shorten(what, 160))
				continue
			}
		}
		if !d.byLogger(i) && !logger.Null(i) && logger.Get(i) != "" {
			continue
		}
		if !d.marked(i, 0) && !strings.Contains(excMsg.Get(i), "heckpoint") {
			continue
		}
		t := msg.Get(i)
		switch {
		case ckptExpired.MatchString(t):
			m := ckptExpired.FindStringSubmatch(t)
			f := d.finding("checkpoint.expired", strings.Clone(m[2]), Warning)
			d.seen(f, o.at(i), "%d checkpoint(s) expired before completing (last: %s)", strings.Clone(m[1]))
		case ckptDeclined.MatchString(t):
			m := ckptDeclined.FindStringSubmatch(t)
			f := d.finding("checkpoint.declined", strings.Clone(strings.TrimSuffix(m[3], ".")), Warning)
			cause := root.Get(i)
			if cause == "" {
				cause = exc.Get(i)
			}
			if cause != "" {
				d.seen(f, o.at(i), "%d checkpoint(s) declined by a task (last: %s by %s): %s", strings.Clone(m[1]), strings.Clone(m[2]), shorten(cause, 120))
			} else {
				d.seen(f, o.at(i), "%d checkpoint(s) declined by a task (last: %s by %s)", strings.Clone(m[1]), strings.Clone(m[2]))
			}
		case ckptCompleted.MatchString(t):
			m := ckptCompleted.FindStringSubmatch(t)
			var size float64
			fmt.Sscan(m[3], &size)
			ev := o.at(i)
			job := strings.Clone(m[2])
			d.completed(job, size, ev)
			if dm := ckptDuration.FindStringSubmatch(t); dm != nil {
				var ms int64
				fmt.Sscan(dm[1], &ms)
				d.tookMs(job, strings.Clone(m[1]), ms, ev)
			}
		case ckptFailed.MatchString(t):
			m := ckptFailed.FindStringSubmatch(t)
			f := d.finding("checkpoint.failed", strings.Clone(strings.TrimSuffix(m[2], ".")), Warning)
			d.seen(f, o.at(i), "%d checkpoint(s) failed (last: %s): %s", strings.Clone(m[1]), shorten(excMsg.Get(i), 120))
		}
		if strings.Contains(t, "Exceeded checkpoint tolerable failure threshold") || strings.Contains(excMsg.Get(i), "Exceeded checkpoint tolerable failure threshold") {
			f := d.finding("checkpoint.tolerable-threshold", strings.Clone(jobID.Get(i)), Critical)
			f.add(o.at(i))
			f.Summary = "more checkpoints failed than the job tolerates: it failed over (\"Exceeded checkpoint tolerable failure threshold\")"
		}
	}
}

func (d *checkpoints) completed(job string, size float64, ev Evidence) {
	d.sizes[job] = append(d.sizes[job], sizeAt{ev.Time, size})
	if f, ok := d.first[job]; !ok || ev.Time < f.Time {
		d.first[job] = ev
	}
	if p, ok := d.peak[job]; !ok || size > p.size || size == p.size && ev.Time < p.ev.Time {
		d.peak[job] = sized{size, ev}
	}
	if size > float64(d.cfg.Bytes("checkpoint-large")) && size > d.largest[job].size {
		d.largest[job] = sized{size, ev}
	}
}

func (d *checkpoints) table(rec arrow.Record) {
	o := originOf(schema.Checkpoints, rec, "failure_message")
	job, status := schema.Str(rec, "job_id"), schema.Str(rec, "status")
	size, id := schema.Float64(rec, "checkpointed_size"), schema.Int64(rec, "checkpoint_id")
	trig, took := schema.Int64(rec, "trigger_ts"), schema.Int64(rec, "duration_ms")
	for i := 0; i < int(rec.NumRows()); i++ {
		ev := o.at(i)
		if ev.Time == 0 {
			ev.Time, _ = trig.Get(i)
		}
		n, _ := id.Get(i)
		switch status.Get(i) {
		case "FAILED":
			f := d.finding("checkpoint.failed", strings.Clone(job.Get(i)), Warning)
			d.seen(f, ev, "%d checkpoint(s) failed (last: %d): %s", n, shorten(ev.Text, 160))
		case "COMPLETED":
			if s, ok := size.Get(i); ok {
				d.completed(strings.Clone(job.Get(i)), s, ev)
			}
			if ms, ok := took.Get(i); ok {
				d.tookMs(strings.Clone(job.Get(i)), fmt.Sprint(n), ms, ev)
			}
		}
	}
}

func (d *checkpoints) metrics(rec arrow.Record) {
	o := originOf(schema.Metrics, rec, "name")
	name, job, jobName := schema.Str(rec, "name"), schema.Str(rec, "job_id"), schema.Str(rec, "job_name")
	value := schema.Float64(rec, "value")
	code := name.CodeOf("lastCheckpointSize")
	if code < 0 {
		return
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		if name.Code(i) != code {
			continue
		}
		if v, ok := value.Get(i); ok {
			j := job.Get(i)
			if j == "" {
				j = jobName.Get(i)
			}
			ev := o.at(i)
			ev.Text = fmt.Sprintf("lastCheckpointSize %.0f bytes", v)
			js := d.sizes[j]
			if len(js) > 0 && js[len(js)-1].size == v {
				continue // the same checkpoint scraped again
			}
			d.completed(strings.Clone(j), v, ev)
		}
	}
}

func (d *checkpoints) Findings(*Context) []Finding {
	for f, l := range d.last {
		f.Summary = fmt.Sprintf(l.format, append([]any{f.Count}, l.args...)...)
	}
	for job, s := range d.largest {
		f := d.finding("checkpoint.too-large", job, Warning)
		f.add(s.ev)
		f.Summary = fmt.Sprintf("a checkpoint of %.1f GiB (over %.1f GiB)", s.size/(1<<30), float64(d.cfg.Bytes("checkpoint-large"))/(1<<30))
	}
	d.slow()
	for job, all := range d.sizes {
		// The same checkpoints may come from the log, the archive and the
		// metrics: in time order, each size once.
		sort.SliceStable(all, func(i, j int) bool { return all[i].at < all[j].at })
		var s []sizeAt
		seen := map[float64]bool{}
		for _, x := range all {
			if !seen[x.size] {
				seen[x.size] = true
				s = append(s, x)
			}
		}
		// Sizes that only grow, at least 3 checkpoints and doubling.
		if len(s) < 3 {
			continue
		}
		grows := true
		for i := 1; i < len(s); i++ {
			if s[i].size < s[i-1].size {
				grows = false
				break
			}
		}
		if grows && s[len(s)-1].size >= 2*s[0].size && s[0].size > 0 {
			f := d.finding("state.unbounded", job, Warning)
			// When the sizes only grow, the first is the earliest
			// checkpoint and the last the earliest of the largest size.
			f.add(d.first[job])
			f.add(d.peak[job].ev)
			f.Count = len(s)
			f.Summary = fmt.Sprintf("checkpoint size only grows: %.0f MB → %.0f MB over %d checkpoints", s[0].size/1e6, s[len(s)-1].size/1e6, len(s))
		}
	}
	return d.by.all()
}

// slow reports the completed checkpoints that took CheckpointSlow percent
// of their job's timeout or more: the next one may expire.
func (d *checkpoints) slow() {
	timeoutOf := func(job string) int64 {
		if t, ok := d.timeouts[job]; ok {
			return t
		}
		if t, ok := d.timeouts[""]; ok {
			return t
		}
		return defaultCheckpointTimeout
	}
	// Per job: how many were slow, and over what time.
	type tally struct{ n, from, to int64 }
	tallies := map[string]*tally{}
	for k, t := range d.durations {
		job := k[:strings.IndexByte(k, 0)]
		timeout := timeoutOf(job)
		if timeout <= 0 || float64(t.ms) < d.cfg.Float("checkpoint-slow")/100*float64(timeout) {
			continue
		}
		c := tallies[job]
		if c == nil {
			c = &tally{from: t.at, to: t.at}
			tallies[job] = c
		}
		c.n++
		c.from, c.to = min(c.from, t.at), max(c.to, t.at)
	}
	for job, c := range tallies {
		timeout := timeoutOf(job)
		f := d.finding("checkpoint.slow", job, Warning)
		var slowest timed
		var evs []Evidence
		for _, t := range d.longest[job] {
			if float64(t.ms) < d.cfg.Float("checkpoint-slow")/100*float64(timeout) {
				continue
			}
			if slowest.id == "" {
				slowest = t
			}
			ev := t.ev
			ev.Text = fmt.Sprintf("checkpoint %s took %s of a %s timeout", t.id, time.Duration(t.ms)*time.Millisecond, time.Duration(timeout)*time.Millisecond)
			evs = append(evs, ev)
		}
		// The longest, shown in time order.
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].Time < evs[j].Time })
		for _, ev := range evs {
			f.add(ev)
		}
		f.Count = int(c.n)
		if c.from > 0 && (f.Start == 0 || c.from < f.Start) {
			f.Start = c.from
		}
		f.End = max(f.End, c.to)
		f.Summary = fmt.Sprintf("%d checkpoint(s) took %g %% or more of the %s timeout (slowest: checkpoint %s, %s)",
			c.n, d.cfg.Float("checkpoint-slow"), time.Duration(timeout)*time.Millisecond, slowest.id, time.Duration(slowest.ms)*time.Millisecond)
	}
}

// taskCheckpointFailures are what a task logs when its part of a
// checkpoint fails.
var taskCheckpointFailures = []string{"Could not perform checkpoint", "Could not materialize checkpoint", "Could not complete snapshot",
	"Asynchronous task checkpoint failed", "received a checkpoint request for unknown task", "Error while triggering checkpoint",
	"Could not finalize the pending checkpoint", "Failure to finalize checkpoint"}

// taskCheckpointFailure returns the line of a task's failure to take a
// checkpoint, or "".
func taskCheckpointFailure(texts ...string) string {
	for _, t := range texts {
		for _, w := range taskCheckpointFailures {
			if strings.Contains(t, w) {
				return lineWith(t, w)
			}
		}
	}
	return ""
}
