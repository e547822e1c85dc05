package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// jvm.oom (by memory pool) and jvm.fatal, from the log's exceptions.
// The keyword groups of the Spec.
const (
	oomWords = iota
	fatalWords
)

func init() {
	register(Spec{
		Rules: []Rule{
			{ID: "jvm.oom", Section: LogEvidence, CausedBy: []string{"gc.overhead", "gc.heap-leak", "gc.allocation-stall"}},
			{ID: "jvm.fatal", Section: LogEvidence},
		},
		Reads:    map[string][]string{schema.Logs: {"message", "level", "exception", "exception_message", "root_cause", "root_cause_message", "causes"}},
		Keywords: [][]string{oomWords: {"OutOfMemoryError"}, fatalWords: {"Fatal", "FATAL", "shutting down JVM"}},
		New:      func(Config) Detector { return &ooms{} },
	})
}

type ooms struct {
	sel
	oom, fatal byKey
	messages   map[string]string // pool → its first OutOfMemoryError message
}

// pool says which memory an OutOfMemoryError message is about.
func pool(msg string) string {
	switch {
	case strings.Contains(msg, "Java heap space"):
		return "heap"
	case strings.Contains(msg, "GC overhead limit exceeded"):
		return "heap (GC overhead limit)"
	case strings.Contains(msg, "Direct buffer memory"):
		return "direct memory"
	case strings.Contains(msg, "Metaspace"):
		return "metaspace"
	case strings.Contains(msg, "unable to create") && strings.Contains(msg, "thread"):
		return "native threads"
	case strings.Contains(msg, "Requested array size"):
		return "heap (array size)"
	}
	return "memory"
}

var poolRemedy = map[string]string{
	"heap":                     "raise the task heap (taskmanager.memory.task.heap.size) or move state off heap (RocksDB); look for a leak",
	"heap (GC overhead limit)": "the heap is nearly full and GC reclaims little: raise the heap, or find the leak (heap dump)",
	"direct memory":            "raise taskmanager.memory.task.off-heap.size / framework off-heap; check network buffers and connectors that use direct buffers",
	"metaspace":                "raise taskmanager.memory.jvm-metaspace.size; look for classloader leaks across job restarts",
	"native threads":           "too many threads: check user code and connectors creating threads; raise the process limits",
}

func (d *ooms) Observe(_ string, rec arrow.Record) {
	o := originOf(schema.Logs, rec, "message")
	exc, excMsg := schema.Str(rec, "exception"), schema.Str(rec, "exception_message")
	root, rootMsg := schema.Str(rec, "root_cause"), schema.Str(rec, "root_cause_message")
	level, msg, causes := schema.Str(rec, "level"), schema.Str(rec, "message"), schema.Str(rec, "causes")
	fatal := level.CodeOf("FATAL")
	isOOM := func(s string) bool { return s == "java.lang.OutOfMemoryError" }
	rootOOM, excOOM := root.Where(isOOM), exc.Where(isOOM)
	severe := level.Where(func(l string) bool { return l == "ERROR" || l == "FATAL" || l == "WARN" })
	for _, i := range d.each(int(rec.NumRows())) {
		m := ""
		switch {
		case rootOOM.Has(i):
			m = rootMsg.Get(i)
		case excOOM.Has(i):
			m = excMsg.Get(i)
		case severe.Has(i) && d.marked(i, oomWords):
			if t := msg.Get(i); strings.Contains(t, "java.lang.OutOfMemoryError") {
				m = t[strings.Index(t, "java.lang.OutOfMemoryError"):]
			}
		}
		// An OutOfMemoryError in the middle of the chain (a Metaspace OOM
		// wrapped by a task failure and caused in turn by a class loading).
		if m == "" && causes.Valid(i) {
			if c := causes.Get(i); strings.Contains(c, "java.lang.OutOfMemoryError") {
				m = lineWith(c[strings.Index(c, "java.lang.OutOfMemoryError"):], "java.lang.OutOfMemoryError")
			}
		}
		if m != "" {
			p := pool(m)
			f := d.oom.get(p, func() Finding {
				remedy := poolRemedy[p]
				if remedy == "" {
					remedy = "size the memory pool that ran out"
				}
				return Finding{Rule: "jvm.oom", Severity: Critical, Subject: "JVM " + p, Remedy: remedy}
			})
			if f.Count == 0 {
				if d.messages == nil {
					d.messages = map[string]string{}
				}
				d.messages[p] = shorten(m, 160)
			}
			f.note(o, i)
			continue
		}
		if !severe.Has(i) || !(level.Code(i) == fatal && fatal >= 0 || d.marked(i, fatalWords)) {
			continue
		}
		t := msg.Get(i)
		if level.Code(i) == fatal && fatal >= 0 || strings.Contains(t, "Fatal error occurred") || strings.Contains(t, "shutting down JVM") ||
			strings.Contains(t, "FATAL ERROR") {
			f := d.fatal.get("fatal", func() Finding {
				return Finding{Rule: "jvm.fatal", Severity: Critical, Subject: "JVM",
					Remedy: "a native library or JVM bug, or an error the process could not survive: check the crash dump and the cause"}
			})
			f.note(o, i)
		}
	}
}

func (d *ooms) Findings(*Context) []Finding {
	out := d.oom.all()
	for i := range out {
		p := strings.TrimPrefix(out[i].Subject, "JVM ")
		out[i].Summary = fmt.Sprintf("OutOfMemoryError (%s) %s: %s", p, times(int(out[i].Count)), d.messages[p])
	}
	fatal := d.fatal.all()
	for i := range fatal {
		fatal[i].Summary = fmt.Sprintf("%d fatal error(s): %s", fatal[i].Count, shorten(fatal[i].Evidence[0].Text, 160))
	}
	return append(out, fatal...)
}
