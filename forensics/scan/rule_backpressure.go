package scan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
)

// backpressure.root: the task that causes the backpressure, from the
// buffer pools (inPoolUsage high, outPoolUsage low: this task is the root)
// and, where present, backPressuredTimeMsPerSecond / busyTimeMsPerSecond
// (busy and not backpressured, while another task of the job is
// backpressured). Means over the samples of each subtask.
func init() { register(func(c Config) Detector { return &backpressure{cfg: c} }) }

type mean struct{ sum, n float64 }

func (m *mean) add(v float64) { m.sum += v; m.n++ }
func (m mean) get() (float64, bool) {
	if m.n == 0 {
		return 0, false
	}
	return m.sum / m.n, true
}

type subtaskStats struct {
	job, task string
	subtask   int32
	in, out   mean
	bp, busy  mean
	last      Evidence
}

type backpressure struct {
	cfg  Config
	subs map[string]*subtaskStats
	keys []string
}

func (d *backpressure) Tables() []string { return []string{"metrics"} }

func (d *backpressure) Observe(_ string, rec arrow.Record) {
	if d.subs == nil {
		d.subs = map[string]*subtaskStats{}
	}
	o := originOf("metrics", rec, "name")
	name := strColumn(rec, "name")
	codes := map[int32]int{}
	for k, n := range []string{"buffers.inPoolUsage", "buffers.outPoolUsage", "backPressuredTimeMsPerSecond", "busyTimeMsPerSecond"} {
		if c := name.codeOf(n); c >= 0 {
			codes[c] = k
		}
	}
	if len(codes) == 0 {
		return
	}
	job, jobName, task := strColumn(rec, "job_id"), strColumn(rec, "job_name"), strColumn(rec, "task_name")
	sub, value := int32Column(rec, "subtask"), float64Column(rec, "value")
	for i := 0; i < int(rec.NumRows()); i++ {
		k, ok := codes[name.code(i)]
		if !ok {
			continue
		}
		v, ok := value.get(i)
		if !ok {
			continue
		}
		s, _ := sub.get(i)
		j := job.get(i)
		if j == "" {
			j = jobName.get(i)
		}
		key := fmt.Sprintf("%s\x00%s\x00%d", j, task.get(i), s)
		st := d.subs[key]
		if st == nil {
			st = &subtaskStats{job: strings.Clone(subject(j, jobName.get(i))), task: strings.Clone(strings.ReplaceAll(task.get(i), "_", " ")), subtask: s}
			d.subs[key] = st
			d.keys = append(d.keys, key)
		}
		switch k {
		case 0:
			st.in.add(v)
		case 1:
			st.out.add(v)
		case 2:
			st.bp.add(v)
		case 3:
			st.busy.add(v)
		}
		st.last = o.at(i)
	}
}

func (d *backpressure) Findings(*Context) []Finding {
	sort.Strings(d.keys)
	var out []Finding
	byJob := map[string][]*subtaskStats{}
	for _, k := range d.keys {
		s := d.subs[k]
		byJob[s.job] = append(byJob[s.job], s)
	}
	jobs := make([]string, 0, len(byJob))
	for j := range byJob {
		jobs = append(jobs, j)
	}
	sort.Strings(jobs)
	for _, j := range jobs {
		var pressured []*subtaskStats
		for _, s := range byJob[j] {
			if bp, ok := s.bp.get(); ok && bp >= d.cfg.Backpressure {
				pressured = append(pressured, s)
			} else if o, ok := s.out.get(); ok && o >= 0.8 {
				pressured = append(pressured, s)
			}
		}
		if len(pressured) == 0 {
			continue
		}
		for _, s := range byJob[j] {
			in, hasIn := s.in.get()
			outp, hasOut := s.out.get()
			bp, hasBP := s.bp.get()
			busy, hasBusy := s.busy.get()
			poolRoot := hasIn && hasOut && in >= 0.8 && outp < 0.5
			timeRoot := hasBusy && busy >= d.cfg.Backpressure && (!hasBP || bp < 100)
			if !poolRoot && !timeRoot {
				continue
			}
			var why []string
			if hasIn && hasOut {
				why = append(why, fmt.Sprintf("input pool %.0f %%, output pool %.0f %%", 100*in, 100*outp))
			}
			if hasBusy {
				why = append(why, fmt.Sprintf("busy %.0f ms/s", busy))
			}
			if hasBP {
				why = append(why, fmt.Sprintf("backpressured %.0f ms/s", bp))
			}
			var up []string
			for _, p := range pressured {
				if p != s {
					v, _ := p.bp.get()
					up = append(up, fmt.Sprintf("%s (%d/…) backpressured %.0f ms/s", p.task, p.subtask+1, v))
				}
			}
			f := Finding{Rule: "backpressure.root", Severity: Warning, Section: 2,
				Subject: fmt.Sprintf("%s, subtask %d", s.task, s.subtask),
				Summary: fmt.Sprintf("%s (subtask %d) is the root of the backpressure in %s: %s; backpressured: %s",
					s.task, s.subtask, j, strings.Join(why, ", "), strings.Join(up, "; ")),
				Remedy: "profile the root operator (CPU, I/O, external calls); disable chaining to see which operator of the chain"}
			f.add(s.last)
			out = append(out, f)
		}
	}
	return out
}
