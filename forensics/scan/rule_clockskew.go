package scan

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// log.clock-skew: a TaskManager's clock against the JobManager's, from
// the task state changes both sides log for the same execution attempt.
// A change the TaskManager makes (to INITIALIZING, RUNNING, FINISHED,
// FAILED, CANCELED) reaches the JobManager after the TaskManager logged
// it, so TaskManager time minus JobManager time is at most zero plus the
// clock offset: its largest value bounds the offset from below. A
// deployment goes the other way (the JobManager logs DEPLOYING first)
// and bounds it from above. Offsets beyond the threshold are findings;
// the bounds are what a timeline needs to align the hosts.
func init() {
	register(Spec{
		Rules:      []Rule{{ID: "log.clock-skew", Section: LogEvidence}},
		Reads:      map[string][]string{schema.Logs: {"state_of", "state_to", "attempt", "role", "host", "ts"}},
		Loggers:    []string{"Runner"},
		Thresholds: []Threshold{{Name: "clock-skew", Kind: Duration, Default: "2s", Help: "log.clock-skew: a host's clock this far off the JobManager's"}},
		New:        func(c Config) Detector { return &clockSkew{cfg: c} },
	})
}

type attemptKey struct{ attempt, to string }

// stamp is where and when one side logged a change; the text is made
// when a finding needs it.
type stamp struct {
	t            int64
	source       string
	line, offset int64
}

func (s stamp) evidence(what string) Evidence {
	return Evidence{Table: schema.Logs, Source: s.source, Line: s.line, Offset: s.offset, Time: s.t, Text: what}
}

type attemptTimes struct {
	jm, tm stamp
	tmHost string
}

// maxPending bounds the changes waiting for the other side's: a dataset
// with only TaskManager logs never pairs any.
const maxPending = 1 << 17

type clockSkew struct {
	sel
	cfg     Config
	pending map[attemptKey]*attemptTimes
	hosts   map[string]*skewBound
	names   interned // sources and hosts
}

func (d *clockSkew) Observe(_ string, rec arrow.Record) {
	if d.pending == nil {
		d.pending, d.hosts, d.names = map[attemptKey]*attemptTimes{}, map[string]*skewBound{}, interned{}
	}
	o := originOf(schema.Logs, rec, "message")
	stateOf, to, attempt := schema.Str(rec, "state_of"), schema.Str(rec, "state_to"), schema.Str(rec, "attempt")
	role, host := schema.Str(rec, "role"), schema.Str(rec, "host")
	if !attempt.OK() || !role.OK() {
		return
	}
	taskCode := stateOf.CodeOf("task")
	jmRole := role.Where(func(r string) bool { return r == "jobmanager" })
	tmRole := role.Where(func(r string) bool { return r == "taskmanager" })
	for _, i := range d.each(int(rec.NumRows())) {
		if stateOf.Code(i) != taskCode || attempt.Null(i) {
			continue
		}
		jm, tm := jmRole.Has(i), tmRole.Has(i)
		if !jm && !tm {
			continue
		}
		t, ok := o.ts.Get(i)
		if !ok {
			continue
		}
		k := attemptKey{attempt.Get(i), to.Get(i)}
		p := d.pending[k]
		if p == nil {
			if len(d.pending) >= maxPending {
				clear(d.pending)
			}
			k.attempt, k.to = strings.Clone(k.attempt), strings.Clone(k.to)
			p = &attemptTimes{}
			d.pending[k] = p
		}
		st := stamp{t: t, source: d.names.of(o.source.Get(i))}
		st.line, _ = o.line.Get(i)
		st.offset, _ = o.offset.Get(i)
		if jm && p.jm.t == 0 {
			p.jm = st
		} else if tm && p.tm.t == 0 {
			p.tm, p.tmHost = st, d.names.of(host.Get(i))
		}
		if p.jm.t != 0 && p.tm.t != 0 {
			d.pair(k.to, p)
			delete(d.pending, k)
		}
	}
}

// skewBound is what the pairs of one TaskManager host say.
type skewBound struct {
	low, high         int64 // TaskManager clock minus JobManager clock lies in [low, high]
	hasLow, hasHigh   bool
	lowPair, highPair [2]Evidence
	pairs             int
}

func (d *clockSkew) pair(to string, p *attemptTimes) {
	b := d.hosts[p.tmHost]
	if b == nil {
		b = &skewBound{}
		d.hosts[p.tmHost] = b
	}
	b.pairs++
	diff := p.tm.t - p.jm.t
	change := "task switched to " + to
	if to == "DEPLOYING" { // the JobManager's change: it logged first
		if !b.hasHigh || diff < b.high {
			b.high, b.hasHigh = diff, true
			b.highPair = [2]Evidence{p.jm.evidence("JobManager: " + change), p.tm.evidence("TaskManager: " + change)}
		}
	} else if !b.hasLow || diff > b.low {
		b.low, b.hasLow = diff, true
		b.lowPair = [2]Evidence{p.tm.evidence("TaskManager: " + change), p.jm.evidence("JobManager: " + change)}
	}
}

func (d *clockSkew) Findings(*Context) []Finding {
	hosts := d.hosts
	names := make([]string, 0, len(hosts))
	for h := range hosts {
		names = append(names, h)
	}
	sort.Strings(names)
	limit := d.cfg.Duration("clock-skew").Milliseconds()
	var out []Finding
	for _, h := range names {
		b := hosts[h]
		var f *Finding
		mk := func(summary string, ev [2]Evidence) {
			f = &Finding{Rule: "log.clock-skew", Severity: Warning, Subject: "TaskManager " + h, Summary: summary,
				Remedy: "synchronise the hosts' clocks (NTP/chrony); until then, shift this host's times by the offset when reading its logs against the JobManager's"}
			f.add(ev[0])
			f.add(ev[1])
			f.Count = b.pairs
		}
		if b.hasLow && b.low >= limit {
			mk(fmt.Sprintf("the clock of %s runs at least %s ahead of the JobManager's: it logged a task state change %s before the JobManager, which only learns of it afterwards (%d state changes compared)",
				h, time.Duration(b.low)*time.Millisecond, time.Duration(b.low)*time.Millisecond, b.pairs), b.lowPair)
		} else if b.hasHigh && b.high <= -limit {
			mk(fmt.Sprintf("the clock of %s runs at least %s behind the JobManager's: it logged receiving a deployment %s before the JobManager sent it (%d state changes compared)",
				h, time.Duration(-b.high)*time.Millisecond, time.Duration(-b.high)*time.Millisecond, b.pairs), b.highPair)
		}
		if f != nil {
			out = append(out, *f)
		}
	}
	return out
}
