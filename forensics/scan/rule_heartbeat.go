package scan

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// heartbeat.timeout: "Heartbeat of TaskManager with id … timed out" (and
// the ResourceManager/JobManager forms), correlated with a long GC pause
// on that TaskManager's host shortly before.
func init() {
	register(Spec{
		Rules: []Rule{{ID: "heartbeat.timeout", Section: Timeline,
			// GC pauses are linked by the detector itself, by host.
			CausedBy: []string{"container.killed", "os.oom-killer", "jvm.oom", "jvm.fatal"}}},
		Reads:    map[string][]string{schema.Logs: {"message", "logger", "exception", "exception_message", "root_cause", "root_cause_message"}},
		Keywords: [][]string{{"eartbeat"}},
		// Heartbeat timeouts are logged by these loggers, or carried as a
		// TimeoutException by a task's failure.
		Loggers: []string{"JobMaster", "TaskExecutor", "ResourceManager", "eartbeat"},
		New:     func(c Config) Detector { return &heartbeats{cfg: c} },
	})
}

type heartbeats struct {
	sel
	cfg Config
	by  byKey
}

var heartbeatOf = regexp.MustCompile(`[Hh]eartbeat of (TaskManager|ResourceManager|JobManager) with id (\S+?)\.?\s+timed out`)

func (d *heartbeats) Observe(_ string, rec arrow.Record) {
	o := originOf(schema.Logs, rec, "message")
	msg, excMsg, rootMsg := schema.Str(rec, "message"), schema.Str(rec, "exception_message"), schema.Str(rec, "root_cause_message")
	find := func(s string) []string {
		if !strings.Contains(s, "eartbeat of ") { // a cheap test before the expression
			return nil
		}
		return heartbeatOf.FindStringSubmatch(s)
	}
	logger := schema.Str(rec, "logger")
	timeouts := schema.Str(rec, "exception").Where(func(e string) bool { return strings.Contains(e, "Timeout") })
	roots := schema.Str(rec, "root_cause").Where(func(e string) bool { return strings.Contains(e, "Timeout") })
	for _, i := range d.each(int(rec.NumRows())) {
		var m []string
		if (d.byLogger(i) || logger.Null(i) || logger.Get(i) == "") && d.marked(i, 0) {
			m = find(msg.Get(i))
		}
		if m == nil && timeouts.Has(i) {
			m = find(excMsg.Get(i))
		}
		if m == nil && roots.Has(i) {
			m = find(rootMsg.Get(i))
		}
		if m == nil {
			continue
		}
		who := strings.Clone(m[1] + " " + m[2])
		f := d.by.get(who, func() Finding {
			return Finding{Rule: "heartbeat.timeout", Severity: Critical, Subject: who,
				Remedy: "long GC pauses starve heartbeats: fix memory first; otherwise check the network and heartbeat.timeout"}
		})
		f.add(o.at(i))
	}
}

func (d *heartbeats) Findings(c *Context) []Finding {
	out := d.by.all()
	for i := range out {
		f := &out[i]
		f.Summary = fmt.Sprintf("heartbeat of %s timed out %s", f.Subject, times(int(f.Count)))
		// The host of a TaskManager id "10.0.3.21:35011-7a1c2e".
		host := f.Subject[strings.IndexByte(f.Subject, ' ')+1:]
		if k := strings.IndexByte(host, ':'); k > 0 {
			host = host[:k]
		}
		var cause *Evidence
		for j := range c.Pauses {
			p := &c.Pauses[j]
			if p.Time > 0 && p.Time <= f.Start && f.Start-p.Time <= c.Config.Duration("correlate").Milliseconds() && (cause == nil || p.Time > cause.Time) {
				if hostMatches(p.Source, host) || len(c.Pauses) > 0 && onlyOneJVM(c.Pauses) {
					cause = p
				}
			}
		}
		if cause != nil {
			f.Summary += fmt.Sprintf("; %.0f s before it, on its JVM: %s", float64(f.Start-cause.Time)/1e3, cause.Text)
			f.Evidence = append([]Evidence{*cause}, f.Evidence...)
		}
	}
	return out
}

// hostMatches says a GC log path is about a host: its path names the host
// (…/10.0.3.21/gc.log) — or the TaskManager is the only JVM with pauses.
func hostMatches(path, host string) bool { return host != "" && strings.Contains(path, host) }

func onlyOneJVM(p []Evidence) bool {
	for _, e := range p[1:] {
		if e.Source != p[0].Source && !sameSet(e.Source, p[0].Source) {
			return false
		}
	}
	return true
}

// sameSet says two GC files belong to one rotated set (gc.log, gc.log.0).
func sameSet(a, b string) bool {
	trim := func(s string) string {
		for len(s) > 0 && (s[len(s)-1] >= '0' && s[len(s)-1] <= '9' || s[len(s)-1] == '.') {
			s = s[:len(s)-1]
		}
		return s
	}
	return trim(a) == trim(b)
}
