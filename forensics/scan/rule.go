package scan

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A detector declares itself in its own file with a Spec: the rules it
// emits (id, section, what may cause them), the tables and columns it
// reads, the log lines it wants to see (keywords, loggers) and its
// thresholds. Everything else is made from the specs: the Scanner's row
// pre-filter, the causal links, the CLI flags, the config file keys, the
// API's options and the viewer's settings panel.

// Section is where a rule's findings stand in a report: the order an
// operator works a case in (the playbook).
type Section int

const (
	Timeline Section = 1 + iota
	Throughput
	Checkpoints
	LogEvidence
	Environment
)

var sectionNames = [...]string{"", "Timeline", "Throughput and backpressure", "Checkpoints", "Log evidence", "Environment"}

func (s Section) String() string {
	if s <= 0 || int(s) >= len(sectionNames) {
		return ""
	}
	return sectionNames[s]
}

// Rule is one id a detector emits.
type Rule struct {
	ID      string
	Section Section
	// CausedBy are the rules whose findings, logged shortly before one of
	// this rule's, may have caused it.
	CausedBy []string
	// During are the rules whose span (a backpressure episode) may hold
	// one of this rule's findings, and so cause it.
	During []string
	// Causes are the rules this one's findings may cause: the other way
	// of saying CausedBy, for a rule that knows its effects (a failure
	// signature leads to a task failure and a restart).
	Causes []string
	// Restart marks a rule whose findings are restarts: a cause before
	// one restart is not the cause of the next.
	Restart bool
}

// Kind is the type of a threshold's value.
type Kind int

const (
	Duration Kind = iota // "1s", "10m"
	Number               // a count, a percent or a rate
	Bytes                // "1GiB", "500MB", or a number of bytes
)

// Threshold is a setting of a detector: a flag of "scan", "analyze" and
// "view", a key of their config file, an option of the API and a field of
// the viewer's settings panel, all under Name.
type Threshold struct {
	Name    string `json:"name"`
	Kind    Kind   `json:"-"`
	Default string `json:"default"`
	Help    string `json:"help"`
}

// Spec declares a detector.
type Spec struct {
	Rules []Rule
	// Reads names the tables the detector reads and, for each, the
	// columns it uses.
	Reads map[string][]string
	// Keywords are groups of words; a log row the detector reads carries
	// the mark of each group its message holds (d.marked(i, group)).
	Keywords [][]string
	// Loggers are parts of logger names whose rows the detector reads
	// whatever their level (d.byLogger(i)).
	Loggers []string
	// Thresholds are the detector's settings.
	Thresholds []Threshold
	// New makes the detector for a run.
	New func(Config) Detector
}

// specs holds the detectors; each rule's file adds its own.
var specs []Spec

func register(s Spec) { specs = append(specs, s) }

// Common are the thresholds of the engine itself, not of one detector.
var Common = []Threshold{
	{Name: "correlate", Kind: Duration, Default: "2m", Help: "how far before an event its cause is looked for"},
}

// Rules lists every rule id with its section, in the order specs were
// registered.
func Rules() []Rule {
	var rs []Rule
	for _, s := range specs {
		rs = append(rs, s.Rules...)
	}
	return rs
}

// ruleIndex finds a rule by id.
func ruleIndex(id string) (Rule, bool) {
	r, ok := rulesByID()[id]
	return r, ok
}

// rulesByID indexes the rules, each with its causes whichever side named
// the link (CausedBy of the effect, Causes of the cause).
var rulesByID = sync.OnceValue(func() map[string]Rule {
	m := map[string]Rule{}
	for _, r := range Rules() {
		r.CausedBy = append([]string(nil), r.CausedBy...)
		m[r.ID] = r
	}
	for _, r := range Rules() {
		for _, effect := range r.Causes {
			if e, ok := m[effect]; ok && !slices.Contains(e.CausedBy, r.ID) {
				e.CausedBy = append(e.CausedBy, r.ID)
				m[effect] = e
			}
		}
	}
	return m
})

// Thresholds lists every setting (Common first, then by name), each once.
func Thresholds() []Threshold {
	seen := map[string]bool{}
	var ts []Threshold
	for _, t := range Common {
		seen[t.Name] = true
		ts = append(ts, t)
	}
	var rest []Threshold
	for _, s := range specs {
		for _, t := range s.Thresholds {
			if !seen[t.Name] {
				seen[t.Name] = true
				rest = append(rest, t)
			}
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].Name < rest[j].Name })
	return append(ts, rest...)
}

// Config holds the thresholds by name, and the severity ladder.
type Config struct {
	values map[string]float64 // durations in nanoseconds, bytes as bytes
	// Ladder overrides a rule's severity (rule id → level); a rule set
	// to Off is not reported.
	Ladder map[string]Severity
}

// DefaultConfig is the playbook's defaults: every threshold's Default.
func DefaultConfig() Config {
	c := Config{values: map[string]float64{}, Ladder: map[string]Severity{}}
	for _, t := range Thresholds() {
		v, err := parseValue(t.Kind, t.Default)
		if err != nil {
			panic(fmt.Sprintf("scan: threshold %s: default %q: %v", t.Name, t.Default, err))
		}
		c.values[t.Name] = v
	}
	return c
}

// Set sets a threshold from text, as a flag or a config file gives it.
func (c *Config) Set(name, text string) error {
	t, ok := threshold(name)
	if !ok {
		return fmt.Errorf("unknown threshold %q", name)
	}
	v, err := parseValue(t.Kind, text)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if v < 0 || v != v {
		return fmt.Errorf("%s: %q is negative", name, text)
	}
	if c.values == nil {
		*c = DefaultConfig()
	}
	// Copies of a Config share nothing once one of them is changed.
	values := make(map[string]float64, len(c.values))
	for k, x := range c.values {
		values[k] = x
	}
	values[name] = v
	c.values = values
	return nil
}

// Text is a threshold's value as Set reads it.
func (c Config) Text(name string) string {
	t, _ := threshold(name)
	v := c.get(name)
	switch t.Kind {
	case Duration:
		return time.Duration(v).String()
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func (c Config) get(name string) float64 {
	if c.values == nil {
		c = DefaultConfig()
	}
	v, ok := c.values[name]
	if !ok {
		panic("scan: no threshold " + name) // a detector reads a threshold no spec declares
	}
	return v
}

// Duration reads a Duration threshold.
func (c Config) Duration(name string) time.Duration { return time.Duration(c.get(name)) }

// Float reads a Number threshold.
func (c Config) Float(name string) float64 { return c.get(name) }

// Int reads a Number threshold as a count.
func (c Config) Int(name string) int { return int(c.get(name)) }

// Bytes reads a Bytes threshold.
func (c Config) Bytes(name string) int64 { return int64(c.get(name)) }

func threshold(name string) (Threshold, bool) {
	for _, t := range Thresholds() {
		if t.Name == name {
			return t, true
		}
	}
	return Threshold{}, false
}

func parseValue(k Kind, s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch k {
	case Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("cannot parse %q as a duration: want e.g. 1s, 500ms, 10m", s)
		}
		return float64(d), nil
	case Bytes:
		n, err := ParseBytes(s)
		return float64(n), err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("cannot parse %q as a number", s)
	}
	return v, nil
}

// ParseBytes reads a size: a number with an optional unit (KiB, MiB, GiB,
// TiB, KB, MB, GB).
func ParseBytes(s string) (int64, error) {
	mult := int64(1)
	num := s
	for _, u := range []struct {
		suf string
		m   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}} {
		if strings.HasSuffix(s, u.suf) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suf)), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v != v {
		return 0, fmt.Errorf("cannot parse %q as a size: want e.g. 1GiB, 512MiB, 100MB", s)
	}
	return int64(v * float64(mult)), nil
}
