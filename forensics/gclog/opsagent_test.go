package gclog

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ops-agent's expected parse of its GC log samples (testdata/gc/
// opsagent_*-gc/output_otel.yaml): one entry per record it parsed, with
// its timestamp and fields, and the line it could not parse as a message
// alone.

type opsEntry struct {
	fields    map[string]string
	timestamp string
}

// readOpsAgent reads the entries of an output_otel.yaml: the keys of each
// jsonPayload (scalars only) and the entry's timestamp.
func readOpsAgent(t *testing.T, path string) []opsEntry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []opsEntry
	inPayload := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "  - jsonPayload:"):
			out = append(out, opsEntry{fields: map[string]string{}})
			inPayload = true
		case strings.HasPrefix(l, "    timestamp: ") && len(out) > 0:
			out[len(out)-1].timestamp = strings.TrimPrefix(l, "    timestamp: ")
			inPayload = false
		case strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "      "):
			inPayload = false
		case inPayload && strings.HasPrefix(l, "      ") && !strings.HasPrefix(l, "        "):
			k, v, ok := strings.Cut(strings.TrimSpace(l), ": ")
			if !ok {
				continue
			}
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			}
			out[len(out)-1].fields[k] = v
		}
	}
	return out
}

func TestOpsAgentCassandraGC(t *testing.T) {
	data, err := os.ReadFile(testdata + "opsagent_cassandra-gc/input.log")
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, "input.log", data)
	want := readOpsAgent(t, testdata+"opsagent_cassandra-gc/output_otel.yaml")
	// ops-agent parses five records and gives up on the last line, whose
	// decorations lost their opening bracket; so does flinkdx.
	if len(p.c.events) != 5 || len(want) != 6 {
		t.Fatalf("%d events, ops-agent %d entries", len(p.c.events), len(want))
	}
	for i, e := range p.c.events {
		w := want[i]
		ts, err := time.Parse(time.RFC3339Nano, w.timestamp)
		if err != nil {
			t.Fatal(err)
		}
		if !e.HasTime || e.Time != ts.UnixMilli() {
			t.Errorf("event %d (line %d): time %d; ops-agent %s", i, e.Line, e.Time, w.timestamp)
		}
		up, _ := strconv.ParseFloat(w.fields["uptime"], 64)
		within(t, "uptime", e.Uptime, up, 1e-9)
		if v, ok := w.fields["timeStopped"]; ok {
			stopped, _ := strconv.ParseFloat(v, 64)
			stopping, _ := strconv.ParseFloat(w.fields["timeStopping"], 64)
			equal(t, "kind", e.Kind, Safepoint)
			within(t, "time stopped", e.Pause, stopped, 1e-12)
			within(t, "time to safepoint", e.TTSP, stopping, 1e-12)
		}
	}
	// The multi-line Full GC is one event spanning six lines.
	full := p.c.events[4]
	equal(t, "kind", full.Kind, Full)
	equal(t, "lines", full.Lines, int32(6))
	equal(t, "cause", full.Cause, "System.gc()")
	equal(t, "old", full.Old, Sizes{40960 << 10, 20480 << 10, 51200 << 10})
	within(t, "pause", full.Pause, 0.3852345, 1e-12)
	within(t, "user", full.User, 0.50, 1e-12)
	if len(p.c.raw) != 1 || string(p.c.raw[0].Text) != want[5].fields["message"] {
		t.Errorf("raw %v; ops-agent could not parse %q", p.c.raw, want[5].fields["message"])
	}
}

func TestOpsAgentElasticsearchGC(t *testing.T) {
	data, err := os.ReadFile(testdata + "opsagent_elasticsearch-gc/input.log")
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, "input.log", data)
	want := readOpsAgent(t, testdata+"opsagent_elasticsearch-gc/output_otel.yaml")
	noRaw(t, p)
	// ops-agent has one entry per line; every line is understood by flinkdx,
	// and each event matches the entry of its summary line.
	equal(t, "entries", len(want), int(p.counts.Lines))
	byLine := map[int64]opsEntry{}
	for i, w := range want {
		byLine[int64(i+1)] = w
	}
	pauses := 0
	for _, e := range p.c.events {
		w := byLine[e.Line]
		ts, _ := time.Parse(time.RFC3339Nano, w.timestamp)
		if e.Time != ts.UnixMilli() {
			t.Errorf("line %d: time %d; ops-agent %s", e.Line, e.Time, w.timestamp)
		}
		equal(t, "gc_run", strconv.FormatInt(e.GCID, 10), w.fields["gc_run"])
		if !strings.HasPrefix(w.fields["message"], e.Name) {
			t.Errorf("line %d: event %q; ops-agent message %q", e.Line, e.Name, w.fields["message"])
		}
		if e.Kind.StopTheWorld() {
			pauses++
			equal(t, "type", w.fields["type"], "gc")
		}
	}
	equal(t, "pauses", pauses, 6)
}
