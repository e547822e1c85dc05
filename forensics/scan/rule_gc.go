package scan

import (
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// gc.pause-spike, gc.overhead and safepoint.long, per JVM, from the gc
// table: one column pass over pause_ms, kind and ts.
func init() {
	register(Spec{
		Rules: []Rule{
			{ID: "gc.pause-spike", Section: Environment},
			{ID: "gc.overhead", Section: Environment},
			{ID: "safepoint.long", Section: Environment},
		},
		Reads: map[string][]string{schema.GC: {"jvm", "kind", "name", "cause", "pause_ms", "uptime_s", "ts"}},
		Thresholds: []Threshold{
			{Name: "pause-spike", Kind: Duration, Default: "1s", Help: "gc.pause-spike: a stop-the-world pause this long"},
			{Name: "gc-overhead", Kind: Number, Default: "10", Help: "gc.overhead: percent of a window stopped"},
			{Name: "gc-window", Kind: Duration, Default: "1m", Help: "gc.overhead: the sliding window"},
			{Name: "safepoint", Kind: Duration, Default: "1s", Help: "safepoint.long: threads stopped this long"},
		},
		New: func(c Config) Detector { return &gcPauses{cfg: c} },
	})
}

type gcPauses struct {
	cfg       Config
	spikes    byKey
	safepoint byKey
	overhead  byKey
	windows   map[string]*window
	fulls     map[string]*fullGCs
	long      map[string]int // pauses over the spike threshold, by JVM
	pauses    []Evidence
	longest   map[string]float64
	longestAt map[string]moment
}

// moment is when a GC event happened: its wall-clock time, or only the
// JVM's uptime when the log gives no date.
type moment struct {
	ms     int64
	uptime float64 // seconds; 0 if unknown
}

func (m moment) String() string {
	if m.ms <= 0 && m.uptime > 0 {
		return fmt.Sprintf("uptime %.3f s", m.uptime)
	}
	return clock(m.ms)
}

// window is a sliding window of stop-the-world time per JVM.
type window struct {
	ends, lens []float64
	sum        float64
	worst      float64
	worstAt    Evidence
	worstUp    float64 // the worst window's end, in uptime seconds
	first      float64
	last       float64 // the end of the last pause
	lastAt     Evidence
}

func (d *gcPauses) Observe(_ string, rec arrow.Record) {
	if d.windows == nil {
		d.windows, d.longest, d.longestAt = map[string]*window{}, map[string]float64{}, map[string]moment{}
		d.fulls, d.long = map[string]*fullGCs{}, map[string]int{}
	}
	o := originOf(schema.GC, rec, "name")
	jvm, kind, cause := schema.Str(rec, "jvm"), schema.Str(rec, "kind"), schema.Str(rec, "cause")
	pause, up := schema.Float64(rec, "pause_ms"), schema.Float64(rec, "uptime_s")
	safe := kind.CodeOf("safepoint")
	concurrent, stall := kind.CodeOf("concurrent"), kind.CodeOf("stall")
	spike := float64(d.cfg.Duration("pause-spike").Milliseconds())
	sp := float64(d.cfg.Duration("safepoint").Milliseconds())
	win := d.cfg.Duration("gc-window").Seconds()
	for i := 0; i < int(rec.NumRows()); i++ {
		p, ok := pause.Get(i)
		k := kind.Code(i)
		if !ok || k == concurrent || k == stall {
			continue
		}
		j := jvm.Get(i)
		if k == safe {
			if p >= sp {
				f := d.safepoint.get(j, func() Finding {
					return Finding{Rule: "safepoint.long", Severity: Warning, Subject: strings.Clone(j),
						Remedy: "find what stops the JVM (GC, biased-lock revocation, deoptimisation, large array copies)"}
				})
				ev := o.at(i)
				ev.Text = fmt.Sprintf("application threads stopped %.3f s", p/1e3)
				f.add(ev)
			}
			continue
		}
		// Stop-the-world GC time, in a sliding window of uptime.
		if t, ok := up.Get(i); ok {
			w := d.windows[j]
			if w == nil {
				w = &window{first: t}
				d.windows[strings.Clone(j)] = w // j aliases the batch
			}
			end := t + p/1e3
			if end > w.last {
				w.last, w.lastAt = end, o.at(i)
			}
			w.ends, w.lens = append(w.ends, end), append(w.lens, p/1e3)
			w.sum += p / 1e3
			for len(w.ends) > 0 && w.ends[0] <= end-win {
				w.sum -= w.lens[0]
				w.ends, w.lens = w.ends[1:], w.lens[1:]
			}
			// The oldest pause may have begun before the window: only its
			// part inside counts (a 127 s full GC stops a 60 s window
			// 100 %, not 212 %); overlapping records never make more.
			stopped := w.sum
			if start := w.ends[0] - w.lens[0]; start < end-win {
				stopped -= end - win - start
			}
			pct := min(100, 100*stopped/win)
			if end-w.first >= win && pct > w.worst {
				w.worst = pct
				w.worstAt, w.worstUp = o.at(i), end
			}
		}
		full := kind.Get(i) == "full"
		if p > d.longest[j] {
			// Assigning replaces a map's string key: clone it.
			j := strings.Clone(j)
			u, _ := up.Get(i)
			t, _ := o.ts.Get(i)
			d.longest[j], d.longestAt[j] = p, moment{t, u}
		}
		switch {
		case p >= spike:
			f := d.spikes.get(j, d.spikeFinding(j))
			ev := o.at(i)
			ev.Text = fmt.Sprintf("%s %s (%s) stopped the JVM %.3f s", kind.Get(i), o.text.Get(i), cause.Get(i), p/1e3)
			f.add(ev)
			if p >= 5*spike {
				f.Severity = Critical
			}
			d.pauses = append(d.pauses, ev)
			d.long[strings.Clone(j)]++ // assigning replaces a string key: clone it
		case full && !startupCause(cause.Get(i)):
			// A short full collection counts when they repeat (Findings).
			if d.fulls[j] == nil {
				d.fulls[strings.Clone(j)] = &fullGCs{}
			}
			fg := d.fulls[j]
			fg.n++
			if len(fg.rows) < maxEvidence {
				ev := o.at(i)
				ev.Text = fmt.Sprintf("%s %s (%s) stopped the JVM %.3f s", kind.Get(i), o.text.Get(i), cause.Get(i), p/1e3)
				fg.rows = append(fg.rows, ev)
			}
		}
	}
}

// fullGCs are a JVM's full collections shorter than the spike threshold.
type fullGCs struct {
	n    int
	rows []Evidence
}

// repeatedFulls is how many full collections in steady state make a
// finding, however short each is.
const repeatedFulls = 3

// startupCause says a full collection's cause is routine: the metaspace
// grew at start-up, or someone called System.gc() (a heap dump, RMI).
func startupCause(c string) bool {
	return strings.Contains(c, "Metadata GC Threshold") || strings.Contains(c, "System.gc") || strings.Contains(c, "Heap Dump") ||
		strings.Contains(c, "Heap Inspection") || strings.Contains(c, "Diagnostic Command") || strings.Contains(c, "Last ditch")
}

func (d *gcPauses) spikeFinding(j string) func() Finding {
	return func() Finding {
		return Finding{Rule: "gc.pause-spike", Severity: Warning, Subject: strings.Clone(j),
			Remedy: "more memory, smaller state on heap, RocksDB backend, fix leaks; for long young pauses on a huge young generation: fewer/larger GC threads, a smaller young generation, a pause-time goal"}
	}
}

func (d *gcPauses) Findings(c *Context) []Finding {
	c.Pauses = d.pauses
	for j, fg := range d.fulls {
		if fg.n < repeatedFulls {
			continue
		}
		f := d.spikes.get(j, d.spikeFinding(j))
		for _, ev := range fg.rows {
			f.add(ev)
		}
		f.Count += fg.n - len(fg.rows)
	}
	spikes := d.spikes.all()
	for i := range spikes {
		f := &spikes[i]
		var parts []string
		if n := d.long[f.Subject]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d GC pauses of %s or more", n, d.cfg.Duration("pause-spike")))
		}
		if fg := d.fulls[f.Subject]; fg != nil && fg.n >= repeatedFulls {
			parts = append(parts, fmt.Sprintf("%d shorter full collections in steady state", fg.n))
		}
		f.Summary = fmt.Sprintf("%s; longest %.1f s at %s", strings.Join(parts, ", "), d.longest[f.Subject]/1e3, d.longestAt[f.Subject])
	}
	out := append(spikes, d.safepoint.all()...)
	for j, w := range d.windows {
		// A log shorter than the window is judged over its whole span
		// (10 s at least: a start-up's first pause is no overhead).
		whole := ""
		if span := w.last - w.first; w.worst == 0 && span >= 10 && span < d.cfg.Duration("gc-window").Seconds() {
			w.worst, w.worstAt, w.worstUp = min(100, 100*w.sum/span), w.lastAt, w.last
			whole = fmt.Sprintf(" (the whole log, %.0f s)", span)
		}
		if w.worst > d.cfg.Float("gc-overhead") {
			sev := Warning
			if w.worst > 50 {
				sev = Critical
			}
			f := Finding{Rule: "gc.overhead", Severity: sev, Subject: j,
				Summary: fmt.Sprintf("the JVM spent %.0f %% of a %s window%s stopped for GC (threshold %.0f %%), ending at %s",
					w.worst, d.cfg.Duration("gc-window"), whole, d.cfg.Float("gc-overhead"), moment{w.worstAt.Time, w.worstUp}),
				Remedy: "more memory, smaller state on heap, RocksDB backend; if heap after full GCs keeps rising, take a heap dump and look for the leak"}
			f.add(w.worstAt)
			out = append(out, f)
		}
	}
	for i := range out {
		if out[i].Rule == "safepoint.long" {
			out[i].Summary = fmt.Sprintf("%d safepoints of %s or more", out[i].Count, d.cfg.Duration("safepoint"))
		}
	}
	return out
}

func clock(ms int64) string {
	if ms <= 0 {
		return "a time the log does not give"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04:05.000")
}

func span(a, b int64) string {
	if a <= 0 || b <= 0 {
		return "an unknown time"
	}
	return (time.Duration(b-a) * time.Millisecond).String()
}
