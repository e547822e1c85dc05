// Package scan runs the detectors of the playbook over the tables of a
// dataset: each detector reads the columns it needs from Arrow record
// batches (as ingest makes them, or as read back from Parquet), and
// findings come out with their evidence: the source, line and offset of
// the rows that triggered them.
package scan

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// Severity orders findings.
type Severity int

const (
	Info Severity = iota
	Warning
	Critical
)

var severityNames = [...]string{"info", "warning", "critical"}

func (s Severity) String() string { return severityNames[s] }

// ParseSeverity reads info, warning or critical.
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), true
		}
	}
	return 0, false
}

// Evidence points at a row: a log line, a GC event, a metric sample.
type Evidence struct {
	Table  string `json:"table"`
	Source string `json:"source"`
	Line   int64  `json:"line,omitempty"`
	Offset int64  `json:"offset"`
	Time   int64  `json:"ts_ms,omitempty"`
	Text   string `json:"text,omitempty"` // what the row says, shortened
}

// Finding is what a detector concludes.
type Finding struct {
	Rule     string     `json:"rule"`
	Severity Severity   `json:"-"`
	Level    string     `json:"severity"`
	Section  Section    `json:"section"` // the order an operator works a case in (playbook): 1 timeline … 5 environment
	Start    int64      `json:"start_ms,omitempty"`
	End      int64      `json:"end_ms,omitempty"`
	Subject  string     `json:"subject"` // job, vertex, subtask, TaskManager, host or file
	Summary  string     `json:"summary"`
	Remedy   string     `json:"remedy"`
	Count    int        `json:"count"` // occurrences folded into this finding
	Evidence []Evidence `json:"evidence"`
	// Causes are the findings logged shortly before this one that may
	// have caused it (the causal timeline).
	Causes []Cause `json:"causes,omitempty"`
}

// Cause names a finding that may have caused another, and when.
type Cause struct {
	Rule    string `json:"rule"`
	Subject string `json:"subject"`
	Time    int64  `json:"ts_ms,omitempty"`
}

// maxEvidence bounds the rows kept as evidence of one finding.
const maxEvidence = 20

func (f *Finding) add(e Evidence) {
	// The same row reached twice (a log line and the state change it
	// made) counts once. Only rows still kept are looked at: a rule that
	// fires on a million rows pays no search once the evidence is full.
	if len(f.Evidence) < maxEvidence && f.holds(e) {
		return
	}
	f.Count++
	if e.Time > 0 && (f.Start == 0 || e.Time < f.Start) {
		f.Start = e.Time
	}
	if e.Time > f.End {
		f.End = e.Time
	}
	if len(f.Evidence) < maxEvidence {
		f.Evidence = append(f.Evidence, e)
	}
}

// holds says f's evidence has e's row: the same line of a log, or the
// same row of a table (the rows of one JSON document share its origin:
// their text and time tell them apart).
func (f *Finding) holds(e Evidence) bool {
	for _, h := range f.Evidence {
		if h.Table == e.Table && h.Source == e.Source && h.Line == e.Line && h.Offset == e.Offset && (e.Line > 0 || h.Text == e.Text && h.Time == e.Time) {
			return true
		}
	}
	return false
}

// note adds row i as evidence without copying anything once the evidence
// is full: a rule that fires on a million rows costs a count each.
func (f *Finding) note(o origin, i int) {
	if len(f.Evidence) < maxEvidence {
		f.add(o.at(i))
		return
	}
	f.Count++
	if t, ok := o.ts.Get(i); ok {
		if f.Start == 0 || t < f.Start {
			f.Start = t
		}
		if t > f.End {
			f.End = t
		}
	}
}

// Detector is the running half of a Spec: it reads the batches of the
// tables its Spec names, then concludes.
type Detector interface {
	// Observe reads a batch of one of its tables.
	Observe(table string, rec arrow.Record)
	// Findings returns what the detector concludes, once every batch was
	// observed; c holds what detectors share (the job timeline).
	Findings(c *Context) []Finding
}

// Off, in Config.Ladder, silences a rule.
const Off Severity = -1

// ParseLadder reads "rule=level,rule=level" (levels info, warning,
// critical, off).
func ParseLadder(s string, into map[string]Severity) error {
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("%q: want rule=level", kv)
		}
		sev, ok := ParseSeverity(v)
		if v == "off" {
			sev, ok = Off, true
		}
		if !ok {
			return fmt.Errorf("%q: the level is info, warning, critical or off", kv)
		}
		into[strings.TrimSpace(k)] = sev
	}
	return nil
}

// LadderText is the ladder as ParseLadder reads it, rules in order.
func (c Config) LadderText() string {
	parts := make([]string, 0, len(c.Ladder))
	for rule, sev := range c.Ladder {
		level := "off"
		if sev != Off {
			level = sev.String()
		}
		parts = append(parts, rule+"="+level)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Context is what detectors share when they conclude.
type Context struct {
	Config Config
	// Pauses holds the long GC pauses per TaskManager host, for the
	// heartbeat detector to correlate.
	Pauses []Evidence
	hosts  map[string]string // GC log path → host or TaskManager hint
}

// Scanner runs a set of detectors.
type Scanner struct {
	rows      []int
	marks     []mark
	pick      []uint8         // candidates: per row, why it is one
	seen      map[string]mark // marks of recent messages: a flood repeats a few
	cfg       Config
	detectors []Detector
	rules     [][]Rule // by detector: the rules its Spec declares
	byTable   map[string][]Detector
	loggers   []loggerBit                          // the loggers whose rows some detector reads
	byLogger  map[string]mark                      // logger name → its marks, for batches whose logger column is not a dictionary
	keep      func(table string, rec arrow.Record) // sees each batch ReadDataset reads (benchmarks)
	rates     *rates                               // per-subtask rates, read once for the detectors that share them
}

// loggerBit is a part of logger names and the mark of the detector that
// reads their rows.
type loggerBit struct {
	part string
	bit  mark
}

// rateReader is a detector that reads the shared per-subtask rates.
type rateReader interface{ useRates(*rates) }

// New makes a Scanner with every registered detector.
func New(cfg Config) *Scanner {
	if cfg.values == nil {
		ladder := cfg.Ladder
		cfg = DefaultConfig()
		if ladder != nil {
			cfg.Ladder = ladder
		}
	}
	s := &Scanner{cfg: cfg, byTable: map[string][]Detector{}, byLogger: map[string]mark{}}
	words := keywordBits()
	for k, sp := range specs {
		d := sp.New(cfg)
		if rr, ok := d.(rateReader); ok {
			if s.rates == nil {
				s.rates = &rates{}
			}
			rr.useRates(s.rates)
		}
		if sd, ok := d.(selective); ok {
			var kw []mark
			for _, g := range sp.Keywords {
				kw = append(kw, words[groupKey(g)])
			}
			lb := loggerMark(k)
			for _, l := range sp.Loggers {
				s.loggers = append(s.loggers, loggerBit{l, lb})
			}
			sd.setMarks(kw, lb)
		}
		s.detectors = append(s.detectors, d)
		s.rules = append(s.rules, sp.Rules)
		for t := range sp.Reads {
			s.byTable[t] = append(s.byTable[t], d)
		}
	}
	return s
}

// Tables lists the tables the detectors read.
func (s *Scanner) Tables() []string {
	var ts []string
	for t := range s.byTable {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return ts
}

// Observe hands a batch of a table to the detectors that read it.
func (s *Scanner) Observe(table string, rec arrow.Record) {
	var rows []int
	var marks []mark
	if table == schema.Logs {
		rows, marks = s.candidates(rec)
	}
	if table == schema.Metrics && s.rates != nil {
		s.rates.observe(rec)
	}
	for _, d := range s.byTable[table] {
		if sd, ok := d.(selective); ok {
			sd.setRows(rows, marks)
		}
		d.Observe(table, rec)
	}
}

// selective detectors read only the log rows that may matter to any
// rule: a state change, an exception, a warning or worse, an event out of
// order, or a line of a logger some detector's Spec names. In a
// TaskManager's log most lines are none of these.
type selective interface {
	setRows([]int, []mark)
	setMarks(keywords []mark, logger mark)
}

type sel struct {
	rows   []int
	marks  []mark // by row: the keywords of its message, the detectors whose loggers wrote it
	all    []int
	kw     []mark // by keyword group of the Spec: its mark
	logger mark   // the mark of the Spec's loggers
}

func (s *sel) setRows(r []int, m []mark)       { s.rows, s.marks = r, m }
func (s *sel) setMarks(kw []mark, logger mark) { s.kw, s.logger = kw, logger }

// marked says row i's message may hold a word of the Spec's keyword group
// g (always, when the Scanner did not mark the batch).
func (s *sel) marked(i int, g int) bool { return s.marks == nil || s.marks[i]&s.kw[g] != 0 }

// byLogger says row i was written by a logger the Spec names (always,
// when the Scanner did not mark the batch).
func (s *sel) byLogger(i int) bool { return s.marks == nil || s.marks[i]&s.logger != 0 }

// each returns the rows to read of a batch of n rows.
func (s *sel) each(n int) []int {
	if s.rows != nil {
		return s.rows
	}
	for len(s.all) < n {
		s.all = append(s.all, len(s.all))
	}
	return s.all[:n]
}

func (s *Scanner) candidates(rec arrow.Record) ([]int, []mark) {
	n := int(rec.NumRows())
	msg := schema.Str(rec, "message")
	if cap(s.marks) < n {
		s.marks = make([]mark, n)
	}
	marks := s.marks[:n]
	stateOf, exc, root := schema.Str(rec, "state_of"), schema.Str(rec, "exception"), schema.Str(rec, "root_cause")
	level := schema.Str(rec, "level").Where(func(l string) bool { return l == "WARN" || l == "ERROR" || l == "FATAL" })
	loggerCol := schema.Str(rec, "logger")
	var byCode []mark // logger marks by dictionary code
	if loggerCol.Dict() {
		byCode = make([]mark, loggerCol.DictLen())
		for c := range byCode {
			byCode[c] = s.loggerMarks(loggerCol.DictValue(c))
		}
	}
	logger := loggerCol.Where(func(l string) bool { return s.loggerMarks(l) != 0 })
	ooo := schema.Bool(rec, "out_of_order")
	// Bit 1: the message's words are read; bit 2: the row's columns alone.
	if cap(s.pick) < n {
		s.pick = make([]uint8, n)
	}
	pick := s.pick[:n]
	clear(pick)
	level.Mark(pick, 1)
	logger.Mark(pick, 1)
	logger.Col.MarkNull(pick, 1)
	exc.MarkValid(pick, 1)
	stateOf.MarkValid(pick, 2)
	root.MarkValid(pick, 2)
	ooo.MarkTrue(pick, 2)
	rows := s.rows[:0]
	if rows == nil {
		rows = []int{} // none is not "all"
	}
	for i, p := range pick {
		if p == 0 {
			continue
		}
		rows = append(rows, i)
		marks[i] = 0
		if p&1 != 0 { // a task's state change alone is read by its columns
			marks[i] = s.marksOf(msg.Get(i))
		}
		switch {
		case byCode != nil:
			if c := loggerCol.Code(i); c >= 0 {
				marks[i] |= byCode[c]
			}
		case loggerCol.OK() && !loggerCol.Null(i):
			marks[i] |= s.loggerMarks(loggerCol.Get(i))
		}
	}
	s.rows = rows
	return rows, marks
}

// loggerMarks are the marks of the detectors that read a logger's rows.
func (s *Scanner) loggerMarks(l string) mark {
	if m, ok := s.byLogger[l]; ok {
		return m
	}
	var m mark
	for _, lb := range s.loggers {
		if strings.Contains(l, lb.part) {
			m |= lb.bit
		}
	}
	if len(s.byLogger) < 4096 {
		s.byLogger[strings.Clone(l)] = m
	}
	return m
}

// marksOf marks a message's keywords, remembering the marks of short
// messages: a flood of one message is read once.
func (s *Scanner) marksOf(m string) mark {
	if len(m) > 512 {
		return marksOf(m)
	}
	if k, ok := s.seen[m]; ok {
		return k
	}
	if s.seen == nil || len(s.seen) >= 8192 {
		s.seen = make(map[string]mark, 1024)
	}
	k := marksOf(m)
	s.seen[strings.Clone(m)] = k
	return k
}

// sectioned gives detector k's findings the sections its Spec declares;
// a rule it does not declare is noted (tests fail on it) and reported
// under Log evidence.
func (s *Scanner) sectioned(k int, fs []Finding) []Finding {
	for i := range fs {
		fs[i].Section = 0
		for _, r := range s.rules[k] {
			if r.ID == fs[i].Rule {
				fs[i].Section = r.Section
			}
		}
		if fs[i].Section == 0 {
			undeclared.Store(fs[i].Rule)
			fs[i].Section = LogEvidence
		}
	}
	return fs
}

// undeclared holds a rule id a detector emitted that its Spec does not
// declare: a bug, which the package's tests fail on.
var undeclared atomic.Value

// Findings concludes: every detector's findings, in the order an operator
// works a case, most severe first within a section.
func (s *Scanner) Findings() []Finding {
	c := &Context{Config: s.cfg}
	var all []Finding
	// GC first: the heartbeat detector correlates with its pauses.
	for k, d := range s.detectors {
		if _, ok := d.(*gcPauses); ok {
			all = append(all, s.sectioned(k, d.Findings(c))...)
		}
	}
	for k, d := range s.detectors {
		if _, ok := d.(*gcPauses); !ok {
			all = append(all, s.sectioned(k, d.Findings(c))...)
		}
	}
	// Evidence in time order, whatever order the tables were read in
	// ("analyze" sees batches as ingest makes them, "scan" table by
	// table): the same inputs give the same report either way.
	for i := range all {
		sortEvidence(all[i].Evidence)
	}
	// The causal links are looked for in an order that does not depend
	// on how the detectors kept their findings (some in maps).
	slices.SortStableFunc(all, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Start, b.Start), cmp.Compare(a.Summary, b.Summary))
	})
	correlate(all, c)
	kept := all[:0]
	for _, f := range all {
		if sev, ok := s.cfg.Ladder[f.Rule]; ok {
			if sev == Off {
				continue
			}
			f.Severity = sev
		}
		kept = append(kept, f)
	}
	all = kept
	for i := range all {
		all[i].Level = all[i].Severity.String()
		if all[i].Count == 0 {
			all[i].Count = 1
		}
	}
	slices.SortStableFunc(all, func(a, b Finding) int {
		// The order of the inputs is not the order they were read in
		// (files are read in parallel): ties are broken by what the
		// finding is about.
		return cmp.Or(cmp.Compare(a.Section, b.Section), cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.Start, b.Start), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Summary, b.Summary))
	})
	return all
}

func sortEvidence(ev []Evidence) {
	slices.SortStableFunc(ev, func(a, b Evidence) int {
		return cmp.Or(cmp.Compare(a.Time, b.Time), cmp.Compare(a.Source, b.Source),
			cmp.Compare(a.Line, b.Line), cmp.Compare(a.Table, b.Table))
	})
}
