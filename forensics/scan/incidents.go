package scan

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// Incident is findings the causal timeline links, summed up as an
// operator would write it in a ticket: the root cause, the chain, the
// effect, with times and subjects.
type Incident struct {
	Severity Severity `json:"-"`
	Level    string   `json:"severity"`
	// Verdict is the incident in one paragraph.
	Verdict string `json:"verdict"`
	// Root is the rule of the finding the chain starts from.
	Root  string `json:"root_rule"`
	Start int64  `json:"start_ms,omitempty"`
	End   int64  `json:"end_ms,omitempty"`
	// Findings are the incident's findings, as indexes into the findings
	// list, root first.
	Findings []int `json:"findings"`
	// Remedy is the root cause's: fix it, not its effects.
	Remedy string `json:"remedy"`
}

// impact ranks what a finding means for the job: a job failed for good
// outranks restarts, restarts outrank degradation, degradation warnings.
func impact(f *Finding) int {
	switch f.Rule {
	case "job.failed", "job.restarts-exhausted":
		return 5
	case "job.restart-loop":
		return 4
	case "job.restart", "container.killed", "os.oom-killer":
		return 3
	}
	if f.Severity == Critical {
		return 2
	}
	return 1
}

// Incidents groups findings (as Findings returns them) into incidents:
// the findings the causal timeline links, and each critical finding linked
// to none on its own. Warnings linked to nothing are not incidents (the
// report lists them after). Incidents come by impact, then time.
func Incidents(fs []Finding) []Incident {
	parent := make([]int, len(fs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	byKey := map[string]int{}
	for i := range fs {
		byKey[fs[i].Rule+"\x00"+fs[i].Subject] = i
	}
	isCause := map[int]bool{}
	for i := range fs {
		for _, c := range fs[i].Causes {
			if j, ok := byKey[c.Rule+"\x00"+c.Subject]; ok {
				parent[find(i)] = find(j)
				isCause[j] = true
			}
		}
	}
	// A job's failure, its restarts and its exhausted restarts are one
	// story: one incident; so are the findings of one rule on several
	// subjects (a watermark in 2050 on every subtask).
	byJob := map[string]int{}
	for i := range fs {
		key := "rule\x00" + fs[i].Rule
		if strings.HasPrefix(fs[i].Rule, "job.") && fs[i].Rule != "job.sources-finished" {
			key = "job\x00" + fs[i].Subject
		}
		if fs[i].Severity < Warning {
			continue
		}
		if j, ok := byJob[key]; ok {
			parent[find(i)] = find(j)
		} else {
			byJob[key] = i
		}
	}
	groups := map[int][]int{}
	var roots []int
	for i := range fs {
		if fs[i].Severity < Warning {
			continue
		}
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], i)
	}
	var out []Incident
	for _, r := range roots {
		g := groups[r]
		crit := false
		for _, i := range g {
			crit = crit || fs[i].Severity == Critical
		}
		if !crit && len(g) < 2 {
			continue
		}
		out = append(out, incidentOf(fs, g, byKey))
	}
	sort.SliceStable(out, func(a, b int) bool {
		ia, ib := maxImpact(fs, out[a]), maxImpact(fs, out[b])
		if ia != ib {
			return ia > ib
		}
		return out[a].Start < out[b].Start
	})
	return out
}

func maxImpact(fs []Finding, in Incident) int {
	m := 0
	for _, i := range in.Findings {
		m = max(m, impact(&fs[i]))
	}
	return m
}

// incidentOf writes the verdict of a group of findings: from what hurt
// the job most (the effect), back through the causes the timeline linked,
// to the earliest (the root).
func incidentOf(fs []Finding, g []int, byKey map[string]int) Incident {
	// In time order (findings without a time last).
	sort.SliceStable(g, func(a, b int) bool {
		ta, tb := fs[g[a]].Start, fs[g[b]].Start
		if (ta == 0) != (tb == 0) {
			return tb == 0
		}
		return ta < tb
	})
	member := map[int]bool{}
	for _, i := range g {
		member[i] = true
	}
	// The effect: what hurt the job most, the latest of equal impact.
	effect := g[0]
	for _, i := range g {
		if impact(&fs[i]) >= impact(&fs[effect]) {
			effect = i
		}
	}
	// Back from the effect (and the rest of its job's story) through the
	// causes.
	chain := map[int]bool{}
	var queue []int
	for _, i := range g {
		if i == effect || strings.HasPrefix(fs[i].Rule, "job.") && fs[i].Subject == fs[effect].Subject {
			queue = append(queue, i)
			chain[i] = true
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, c := range fs[i].Causes {
			if j, ok := byKey[c.Rule+"\x00"+c.Subject]; ok && member[j] && !chain[j] {
				chain[j] = true
				queue = append(queue, j)
			}
		}
	}
	// The root: the earliest finding of the chain that has no cause.
	root := effect
	for _, i := range g {
		if chain[i] && i != effect && !strings.HasPrefix(fs[i].Rule, "job.") {
			root = i
			break
		}
	}
	in := Incident{Root: fs[root].Rule, Remedy: fs[root].Remedy, Start: fs[root].Start}
	in.Findings = append(in.Findings, root)
	for _, i := range g {
		if i != root {
			in.Findings = append(in.Findings, i)
		}
		f := &fs[i]
		if f.Severity > in.Severity {
			in.Severity = f.Severity
		}
		if in.Start == 0 && f.Start > 0 {
			in.Start = f.Start
		}
		in.End = max(in.End, f.End, f.Start)
	}
	in.Level = in.Severity.String()
	// The chain in time order, root first, effect last, each fact once.
	var parts []string
	seen := map[string]bool{}
	add := func(i int) {
		f := &fs[i]
		key := f.Rule + "\x00" + f.Subject
		if seen[key] {
			return
		}
		seen[key] = true
		parts = append(parts, phrase(f))
	}
	add(root)
	for _, i := range g {
		if chain[i] && i != root && i != effect && len(parts) < 5 {
			add(i)
		}
	}
	add(effect)
	in.Verdict = strings.Join(parts, "; then ") + "."
	if n := len(g) - len(seen); n > 0 {
		in.Verdict += fmt.Sprintf(" (%d more finding(s) around it.)", n)
	}
	return in
}

// phrase says a finding in a few words: what, on what, when.
func phrase(f *Finding) string {
	what := f.Summary
	if k := strings.Index(what, "; preceded by"); k >= 0 {
		what = what[:k]
	}
	if k := strings.Index(what, "; "); k > 0 && k < 120 {
		what = what[:k]
	}
	what = cutClause(dropIDs(what), 100)
	s := what
	if sub := shortSubject(dropIDs(f.Subject)); !strings.Contains(what, dropIDs(f.Subject)) && !strings.Contains(what, sub) {
		s = sub + ": " + what
	}
	if f.Start > 0 {
		s += " (" + time.UnixMilli(f.Start).UTC().Format("15:04:05") + ")"
	}
	return s
}

// shortSubject names a subject briefly: a file by its last two parts.
func shortSubject(s string) string {
	if i := strings.LastIndex(s, "!"); i >= 0 {
		s = s[i+1:]
	}
	if strings.Count(s, "/") > 1 {
		dir, file := path.Split(s)
		s = path.Base(strings.TrimSuffix(dir, "/")) + "/" + file
	}
	return cutWords(s, 80)
}

// cutClause cuts s to at most n bytes at the end of a clause (before ": "
// or ", ") past its first third, else at a blank.
func cutClause(s string, n int) string {
	if len(s) <= n {
		return s
	}
	k := max(strings.LastIndex(s[:n], ": "), strings.LastIndex(s[:n], ", "))
	if k > n/3 {
		return s[:k]
	}
	cut := cutWords(s, n)
	// A parenthesis the cut leaves open goes with its clause.
	if strings.Count(cut, "(") > strings.Count(cut, ")") {
		if k := strings.LastIndex(cut, " ("); k > n/3 {
			return cut[:k]
		}
	}
	return cut
}

// cutWords cuts s to at most n bytes at a blank.
func cutWords(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if k := strings.LastIndexByte(s[:n], ' '); k > n/2 {
		return s[:k] + " …"
	}
	return s[:n] + "…"
}

// dropIDs takes the 32-hex-digit ids in parentheses out of a text (" (5f3c…a1d3)"):
// the job's name says it; and the all-zero id Flink gives its one
// ResourceManager.
func dropIDs(s string) string {
	s = strings.ReplaceAll(s, " 00000000000000000000000000000000", "")
	for {
		k := strings.Index(s, " (")
		found := false
		for k >= 0 {
			if e := k + 2 + 32; e < len(s) && s[e] == ')' && isHex(s[k+2:e]) {
				s = s[:k] + s[e+1:]
				found = true
				break
			}
			n := strings.Index(s[k+2:], " (")
			if n < 0 {
				break
			}
			k += 2 + n
		}
		if !found {
			return s
		}
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
