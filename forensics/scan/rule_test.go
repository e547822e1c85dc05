package scan

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/ingest"
)

// Every finding any test of the package made names a rule its detector's
// Spec declares.
func TestMain(m *testing.M) {
	code := m.Run()
	if r, ok := undeclared.Load().(string); ok && code == 0 {
		fmt.Fprintf(os.Stderr, "FAIL: a detector emitted rule %q, which its Spec does not declare\n", r)
		code = 1
	}
	os.Exit(code)
}

// The specs are whole: ids unique, every cause an existing rule, every
// threshold's default readable and declared alike wherever it is shared,
// every table and column read one that ingest writes.
func TestSpecs(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range Rules() {
		if ids[r.ID] {
			t.Errorf("rule %s declared twice", r.ID)
		}
		ids[r.ID] = true
		if r.Section < Timeline || r.Section > Environment {
			t.Errorf("rule %s: section %d", r.ID, r.Section)
		}
		if !strings.Contains(r.ID, ".") {
			t.Errorf("rule %s: want area.name", r.ID)
		}
	}
	for _, r := range Rules() {
		for _, c := range append(append(append([]string{}, r.CausedBy...), r.During...), r.Causes...) {
			if !ids[c] {
				t.Errorf("rule %s: cause %s is no rule", r.ID, c)
			}
			if c == r.ID {
				t.Errorf("rule %s causes itself", r.ID)
			}
		}
	}
	schemas := map[string]map[string]bool{}
	for _, ts := range ingest.Tables() {
		cols := map[string]bool{}
		for _, f := range ts.Schema.Fields() {
			cols[f.Name] = true
		}
		schemas[ts.Name] = cols
	}
	shared := map[string]Threshold{}
	for _, sp := range specs {
		if len(sp.Rules) == 0 || sp.New == nil || len(sp.Reads) == 0 {
			t.Errorf("spec of %v: rules, New and Reads are required", sp.Rules)
		}
		for table, cols := range sp.Reads {
			if schemas[table] == nil {
				t.Errorf("spec of %s: no table %q", sp.Rules[0].ID, table)
			}
			for _, c := range cols {
				if !schemas[table][c] {
					t.Errorf("spec of %s: table %s has no column %q", sp.Rules[0].ID, table, c)
				}
			}
		}
		for _, g := range sp.Keywords {
			if len(g) == 0 {
				t.Errorf("spec of %s: an empty keyword group", sp.Rules[0].ID)
			}
		}
		for _, th := range sp.Thresholds {
			if th.Help == "" || th.Name == "" {
				t.Errorf("spec of %s: threshold %q needs a name and help", sp.Rules[0].ID, th.Name)
			}
			if prev, ok := shared[th.Name]; ok && prev != th {
				t.Errorf("threshold %s declared two ways: %+v and %+v", th.Name, prev, th)
			}
			shared[th.Name] = th
			if _, err := parseValue(th.Kind, th.Default); err != nil {
				t.Errorf("threshold %s: %v", th.Name, err)
			}
		}
	}
	// Every detector that reads log rows by keyword is selective.
	for _, sp := range specs {
		_, sel := sp.New(DefaultConfig()).(selective)
		if (len(sp.Keywords) > 0 || len(sp.Loggers) > 0) && !sel {
			t.Errorf("spec of %s names keywords or loggers, but its detector does not read marks", sp.Rules[0].ID)
		}
	}
}

// A threshold set from text reads back; a copy of a Config is not
// changed by setting the original.
func TestConfigSet(t *testing.T) {
	c := DefaultConfig()
	copy := c
	if err := c.Set("pause-spike", "2.5s"); err != nil {
		t.Fatal(err)
	}
	if c.Duration("pause-spike").Seconds() != 2.5 || copy.Duration("pause-spike").Seconds() != 1 {
		t.Errorf("pause-spike %v, copy %v", c.Duration("pause-spike"), copy.Duration("pause-spike"))
	}
	if err := c.Set("checkpoint-large", "512MiB"); err != nil || c.Bytes("checkpoint-large") != 512<<20 {
		t.Errorf("checkpoint-large %d, %v", c.Bytes("checkpoint-large"), err)
	}
	for _, bad := range [][2]string{{"pause-spike", "soon"}, {"no-such", "1"}, {"skew", "-3"}, {"checkpoint-large", "big"}} {
		if err := c.Set(bad[0], bad[1]); err == nil {
			t.Errorf("Set(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
