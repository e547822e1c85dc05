package scan

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// log.gap: a log falls silent, then its process starts again ("Starting
// TaskManager", a cluster entrypoint starting): the host or the container
// restarted in between. One pass over the timestamps of every row; the
// message is read only after a gap.
func init() {
	register(Spec{
		Rules:      []Rule{{ID: "log.gap", Section: LogEvidence}},
		Reads:      map[string][]string{schema.Logs: {"message", "source", "ts"}},
		Thresholds: []Threshold{{Name: "log-gap", Kind: Duration, Default: "10m", Help: "log.gap: silence in a log before its process starts again"}},
		New:        func(c Config) Detector { return &logGaps{cfg: c} },
	})
}

type logGaps struct {
	cfg     Config
	last    map[string]int64 // source → the last event's time
	longest map[string]int64 // source → the longest silence before a start
	by      byKey
}

// startsProcess says a message is the first a Flink process logs.
func startsProcess(m string) bool {
	if !strings.HasPrefix(strings.TrimSpace(m), "Starting") {
		return false
	}
	for _, w := range []string{"TaskManager", "TaskExecutor", "Entrypoint", "JobManager", "(Version:"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

func (d *logGaps) Observe(_ string, rec arrow.Record) {
	if d.last == nil {
		d.last, d.longest = map[string]int64{}, map[string]int64{}
	}
	o := originOf(schema.Logs, rec, "message")
	msg := schema.Str(rec, "message")
	gap := d.cfg.Duration("log-gap").Milliseconds()
	var cur string
	var last int64
	for i, n := 0, int(rec.NumRows()); i < n; i++ {
		t, ok := o.ts.Get(i)
		if !ok {
			continue
		}
		// Rows come file by file: the map is read when the file changes.
		if src := o.source.Get(i); src != cur || cur == "" {
			if cur != "" {
				d.last[cur] = last
			}
			cur = strings.Clone(src)
			if v, ok := d.last[cur]; ok {
				last = v
			} else {
				last = t
			}
		}
		if t-last >= gap && startsProcess(msg.Get(i)) {
			f := d.by.get(cur, func() Finding {
				return Finding{Rule: "log.gap", Severity: Info, Subject: cur,
					Remedy: "a silent log followed by a process start means the host or container restarted: look for the kill (platform evidence) or the reboot (system logs)"}
			})
			f.note(o, i)
			if t-last > d.longest[cur] {
				d.longest[cur] = t - last
				f.Summary = fmt.Sprintf("silent for %s (since %s), then the process started again",
					time.Duration(t-last)*time.Millisecond, clock(last))
			}
		}
		if t > last {
			last = t
		}
	}
	if cur != "" {
		d.last[cur] = last
	}
}

func (d *logGaps) Findings(*Context) []Finding {
	out := d.by.all()
	for i := range out {
		if out[i].Count > 1 {
			out[i].Summary = fmt.Sprintf("%d starts after a silence; the longest: %s", out[i].Count, out[i].Summary)
		}
	}
	return out
}
