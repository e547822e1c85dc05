package scan

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// The causal timeline: once every detector has concluded, findings are
// put on one time axis and each effect is linked to the causes logged
// shortly before it, across files, hosts and sources. A restart follows a
// TaskManager lost (its heartbeat timed out), which follows a container
// kill, a kernel OOM kill or an OutOfMemoryError; a checkpoint expires
// during backpressure or a long GC. The links are written into the
// effect's summary, and the cause's evidence row joins the effect's.

// maxLinks bounds the causes named in one summary.
const maxLinks = 3

// The links come from the Specs: a Rule's CausedBy, During and Restart.
func correlate(all []Finding, c *Context) {
	w := c.Config.Duration("correlate").Milliseconds()
	byRule := map[string][]int{}
	var restarts []int64
	for i := range all {
		byRule[all[i].Rule] = append(byRule[all[i].Rule], i)
		if all[i].Rule == "job.restart" || all[i].Rule == "job.failed" {
			restarts = append(restarts, effectTimes(&all[i])...)
		}
	}
	// The gc detector's evidence holds the first pauses; the context all
	// the long ones.
	rows := func(j int) []Evidence {
		if all[j].Rule == "gc.pause-spike" && len(c.Pauses) > 0 {
			return c.Pauses
		}
		return all[j].Evidence
	}
	for i := range all {
		e := &all[i]
		var links []string
		var extra []Evidence
		seen := map[int]bool{}
		rule, _ := ruleIndex(e.Rule)
		// A cause logged in the same event (the "Caused by:" of the
		// exception that ended the job) needs no time to be linked.
		for _, r := range rule.CausedBy {
			for _, j := range byRule[r] {
				c := &all[j]
				if j == i || c.Rule == e.Rule && c.Subject == e.Subject {
					continue
				}
				if ev, ok := sharedRow(e, c); ok {
					seen[j] = true
					links = append(links, fmt.Sprintf("%s %s (in the same event)", c.Rule, c.Subject))
					e.Causes = append(e.Causes, Cause{Rule: c.Rule, Subject: c.Subject, Time: ev.Time})
				}
			}
		}
		for _, t := range effectTimes(e) {
			from := t - w
			if rule.Restart {
				for _, r := range restarts {
					if r < t && r > from {
						from = r
					}
				}
			}
			for _, r := range rule.CausedBy {
				for _, j := range byRule[r] {
					if j == i || seen[j] {
						continue
					}
					c := &all[j]
					if c.Rule == e.Rule && c.Subject == e.Subject {
						continue // a finding is not its own cause
					}
					if ev, ok := latestBefore(rows(j), t, from); ok && !e.holds(ev) {
						seen[j] = true
						links = append(links, fmt.Sprintf("%s %s (%s, %s before)", c.Rule, c.Subject, clockTime(ev.Time), time.Duration(t-ev.Time)*time.Millisecond))
						extra = append(extra, ev)
						e.Causes = append(e.Causes, Cause{Rule: c.Rule, Subject: c.Subject, Time: ev.Time})
					}
				}
			}
			for _, r := range rule.During {
				for _, j := range byRule[r] {
					c := &all[j]
					if !seen[j] && c.Start > 0 && c.Start <= t && t <= c.End {
						seen[j] = true
						links = append(links, fmt.Sprintf("it happened during %s %s (%s .. %s)", c.Rule, c.Subject, clockTime(c.Start), clockTime(c.End)))
						e.Causes = append(e.Causes, Cause{Rule: c.Rule, Subject: c.Subject, Time: c.Start})
						if len(c.Evidence) > 0 {
							extra = append(extra, c.Evidence[0])
						}
					}
				}
			}
		}
		if len(links) == 0 {
			continue
		}
		// The nearest cause first (the found links and causes go
		// together, one per cause).
		order := make([]int, len(links))
		for k := range order {
			order[k] = k
		}
		sort.SliceStable(order, func(a, b int) bool { return e.Causes[order[a]].Time > e.Causes[order[b]].Time })
		sortedLinks, sortedCauses := make([]string, len(links)), make([]Cause, len(links))
		for k, o := range order {
			sortedLinks[k], sortedCauses[k] = links[o], e.Causes[o]
		}
		links, e.Causes = sortedLinks, sortedCauses
		if len(links) > maxLinks {
			links = append(links[:maxLinks], fmt.Sprintf("%d more", len(links)-maxLinks))
		}
		e.Summary += "; preceded by: " + strings.Join(links, "; ")
		for _, ev := range extra {
			if len(e.Evidence) < maxEvidence+maxLinks && !e.holds(ev) {
				e.Evidence = append(e.Evidence, ev)
			}
		}
	}
}

// sharedRow finds a log row both findings cite.
func sharedRow(a, b *Finding) (Evidence, bool) {
	for _, x := range a.Evidence {
		if x.Line > 0 && b.holds(x) {
			return x, true
		}
	}
	return Evidence{}, false
}

// effectTimes are the times an effect happened: its evidence rows' (a
// finding folding a restart loop has one per restart).
func effectTimes(f *Finding) []int64 {
	var ts []int64
	for _, e := range f.Evidence {
		if e.Time > 0 {
			ts = append(ts, e.Time)
		}
	}
	if len(ts) == 0 && f.Start > 0 {
		ts = append(ts, f.Start)
	}
	return ts
}

// latestBefore finds the cause's evidence row closest before t, after
// from.
func latestBefore(rows []Evidence, t, from int64) (Evidence, bool) {
	var best Evidence
	ok := false
	for _, e := range rows {
		if e.Time > 0 && e.Time <= t && e.Time >= from && (!ok || e.Time > best.Time) {
			best, ok = e, true
		}
	}
	return best, ok
}

func clockTime(ms int64) string { return time.UnixMilli(ms).UTC().Format("15:04:05.000") }
