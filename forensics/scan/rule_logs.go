package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// log.flood: one logger writing a burst of warnings or errors (the same
// bad record again and again); log.clock: timestamps going backwards in a
// file (a restarted host or a skewed clock).
func init() {
	register(Spec{
		Rules: []Rule{
			{ID: "log.flood", Section: LogEvidence},
			{ID: "log.clock", Section: LogEvidence},
		},
		Reads:   map[string][]string{schema.Logs: {"message", "logger", "level", "out_of_order", "source"}},
		Loggers: []string{"Slf4jReporter"},
		New:     func(Config) Detector { return &logFlood{} },
	})
}

// floodPerMinute is the burst of one logger's warnings and errors in a
// minute counted as a flood.
const floodPerMinute = 1000

// floodEvidenceAt is the count of a logger's minute from which its
// evidence row is kept: most minutes hold a few warnings and never flood,
// and over weeks of logs a row kept for each would add up (hundreds of MB).
const floodEvidenceAt = floodPerMinute / 10

type floodKey struct {
	logger string
	minute int64
}

type logFlood struct {
	sel
	perMinute map[floodKey]int
	first     map[floodKey]Evidence // of the minutes that reached floodEvidenceAt: the run that did
	clock     byKey
}

func (d *logFlood) Observe(_ string, rec arrow.Record) {
	if d.perMinute == nil {
		d.perMinute, d.first = map[floodKey]int{}, map[floodKey]Evidence{}
	}
	o := originOf(schema.Logs, rec, "message")
	logger := schema.Str(rec, "logger")
	severe := schema.Str(rec, "level").Where(func(l string) bool { return l == "WARN" || l == "ERROR" })
	ooo := schema.Bool(rec, "out_of_order")
	keys := map[int32]string{}
	var (
		run, runStart int
		runCode       int32
		runMinute     int64
		runKey        floodKey
	)
	flush := func() {
		if run > 0 {
			n := d.perMinute[runKey] + run
			d.perMinute[runKey] = n
			if _, ok := d.first[runKey]; !ok && n >= floodEvidenceAt {
				d.first[runKey] = o.at(runStart)
			}
			run = 0
		}
	}
	for _, i := range d.each(int(rec.NumRows())) {
		if ooo.Get(i) {
			src := o.source.Get(i)
			f := d.clock.get(src, func() Finding {
				return Finding{Rule: "log.clock", Severity: Info, Subject: strings.Clone(src),
					Remedy: "timestamps that go backwards mean a restarted process writing to the same file or a clock that jumped: check NTP and the host's restarts"}
			})
			f.note(o, i)
		}
		if !severe.Has(i) {
			continue
		}
		t, ok := o.ts.Get(i)
		if !ok {
			continue
		}
		// A flood is a run of one logger's lines: counted in the run,
		// added to the map when the logger or the minute changes.
		c, minute := logger.Code(i), t/60000
		if run > 0 && (c != runCode || minute != runMinute || c == -2) {
			flush()
		}
		if run == 0 {
			name, ok := keys[c]
			if !ok || c == -2 {
				name = strings.Clone(logger.Get(i))
				keys[c] = name
			}
			runCode, runMinute, runKey, runStart = c, minute, floodKey{name, minute}, i
		}
		run++
	}
	flush()
}

func (d *logFlood) Findings(*Context) []Finding {
	out := d.clock.all()
	for i := range out {
		out[i].Summary = fmt.Sprintf("%d log event(s) earlier than the event before them", out[i].Count)
	}
	floods := byKey{}
	for key, n := range d.perMinute {
		if n < floodPerMinute {
			continue
		}
		logger := key.logger
		f := floods.get(logger, func() Finding {
			return Finding{Rule: "log.flood", Severity: Warning, Subject: logger,
				Remedy: "a burst of the same warning or error: fix the data or the schema; rate-limit the log; watch disk space"}
		})
		f.add(d.first[key])
		f.Count += n - 1
	}
	for _, f := range floods.all() {
		f.Summary = fmt.Sprintf("%s wrote %d warnings/errors in minutes of %d or more", f.Subject, f.Count, floodPerMinute)
		out = append(out, f)
	}
	return out
}
