package scan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// The failure signatures of signatures.go, read from each log event's
// message, exception and every "Caused by:" of its trace; and
// task.user-exception: a task failed by an exception that no signature
// names (the user's code or a connector threw it), named by its deepest
// cause.
func init() {
	seen := map[string]bool{}
	var rules []Rule
	var words []string
	for _, s := range signatures {
		if !seen[s.Rule] {
			seen[s.Rule] = true
			rules = append(rules, Rule{ID: s.Rule, Section: s.Section, Causes: s.Causes})
		}
		for _, c := range s.Classes {
			words = append(words, simpleName(c))
		}
		words = append(words, s.Phrases...)
	}
	rules = append(rules, Rule{ID: "task.user-exception", Section: LogEvidence, Causes: failures})
	register(Spec{
		Rules: rules,
		Reads: map[string][]string{schema.Logs: {"message", "exception", "exception_message", "root_cause", "root_cause_message",
			"causes", "state_of", "state_to", "task", "host", "level", "ts"}},
		Keywords: [][]string{words},
		// Loggers whose INFO lines are signatures: the signal handler, the
		// runners' exit, ZooKeeper's state changes, the cancel watchdog.
		Loggers: []string{"SignalHandler", "TaskManagerRunner", "ClusterEntrypoint", "TaskCancelerWatchDog", "ConnectionStateManager",
			"BashJavaUtils", "ZooKeeper"},
		New: func(Config) Detector { return &signatureFinder{} },
	})
}

// simpleName is a class's name without its package ("a.b.C" → "C"); a
// package prefix ("org.apache.kafka.") stays whole.
func simpleName(c string) string {
	if strings.HasSuffix(c, ".") {
		return c
	}
	return c[strings.LastIndexByte(c, '.')+1:]
}

type signatureFinder struct {
	sel
	by    byKey
	texts interned
}

func (d *signatureFinder) Observe(_ string, rec arrow.Record) {
	if d.texts == nil {
		d.texts = interned{}
	}
	o := originOf(schema.Logs, rec, "message")
	msg, causes := schema.Str(rec, "message"), schema.Str(rec, "causes")
	exc, excMsg := schema.Str(rec, "exception"), schema.Str(rec, "exception_message")
	root, rootMsg := schema.Str(rec, "root_cause"), schema.Str(rec, "root_cause_message")
	stateOf, to, task := schema.Str(rec, "state_of"), schema.Str(rec, "state_to"), schema.Str(rec, "task")
	level := schema.Str(rec, "level")
	for _, i := range d.each(int(rec.NumRows())) {
		hasTrace := exc.Valid(i) || causes.Valid(i)
		if !d.marked(i, 0) && !hasTrace {
			continue
		}
		ev := event{msg: msg.Get(i), exc: exc.Get(i), excMsg: excMsg.Get(i), root: root.Get(i), rootMsg: rootMsg.Get(i), causes: causes.Get(i)}
		matched := false
		for k := range signatures {
			sig := &signatures[k]
			what, ok := ev.match(sig)
			if !ok {
				continue
			}
			matched = true
			f := d.by.get(sig.Rule+"\x00"+what, func() Finding {
				return Finding{Rule: sig.Rule, Severity: sig.Severity, Subject: d.texts.of(what),
					Remedy: sig.Remedy + " (" + sig.Doc + ")"}
			})
			if f.Summary == "" {
				f.Summary = sig.Title
				if c := ev.deepest(); c != "" {
					f.Summary += ": " + shorten(c, 240)
				}
			}
			f.note(o, i)
		}
		// A task failed by what no signature names: the user's code. A
		// stack trace on its own (pasted from the web UI's exceptions, no
		// time and no level) is such a failure too.
		st := to.Get(i)
		taskFailed := stateOf.Valid(i) && (st == "FAILED" || st == "FAILING" || st == "RESTARTING")
		pasted := !o.ts.Valid(i) && level.Null(i)
		if !matched && hasTrace && (taskFailed || pasted) {
			c := ev.deepest()
			cls := c
			if k := strings.Index(c, ": "); k > 0 {
				cls = c[:k]
			}
			if infrastructure(cls) || ev.mentions("java.lang.OutOfMemoryError") {
				continue // the restart's cause is found by the rules of those
			}
			f := d.by.get("task.user-exception\x00"+cls, func() Finding {
				return Finding{Rule: "task.user-exception", Severity: Warning, Subject: d.texts.of(simpleName(cls)),
					Summary: fmt.Sprintf("a task failed with %s (task %s)", shorten(c, 240), shorten(task.Get(i), 120)),
					Remedy:  "the exception was thrown by the job's own code or a connector: fix it or the record that triggers it (its stack trace, in the evidence, names the function); a restart will fail again the same way"}
			})
			f.note(o, i)
		}
	}
}

func (d *signatureFinder) Findings(*Context) []Finding {
	out := d.by.all()
	for i := range out {
		if out[i].Count > 1 {
			out[i].Summary += fmt.Sprintf(" (%d times)", out[i].Count)
		}
	}
	return out
}

// event is what of a log event a signature is matched against.
type event struct {
	msg, exc, excMsg, root, rootMsg, causes string
}

// match says whether the event shows the signature, and what it names
// (the class, or the phrase, found).
func (e *event) match(s *Signature) (string, bool) {
	for _, u := range s.Unless {
		if strings.Contains(e.msg, u) || strings.Contains(e.excMsg, u) {
			return "", false
		}
	}
	for _, c := range s.Classes {
		// In text a class is looked for as the signature names it: a
		// qualified name whole (org.apache.kafka…TimeoutException is not
		// java.util.concurrent.TimeoutException), a simple name alone.
		if classIn(e.exc, c) || classIn(e.root, c) || strings.Contains(e.causes, c) || strings.Contains(e.msg, c) ||
			strings.Contains(e.excMsg, c) || strings.Contains(e.rootMsg, c) {
			return simpleName(c), true
		}
	}
	for _, p := range s.Phrases {
		if strings.Contains(e.msg, p) || strings.Contains(e.excMsg, p) || strings.Contains(e.rootMsg, p) || strings.Contains(e.causes, p) {
			return p, true
		}
	}
	return "", false
}

// classIn says a fully qualified class is the class c names (by simple
// name, or a package prefix).
func classIn(cls, c string) bool {
	if cls == "" {
		return false
	}
	if strings.HasSuffix(c, ".") {
		return strings.HasPrefix(cls, c)
	}
	return cls == c || strings.HasSuffix(cls, "."+c) || strings.HasSuffix(cls, "$"+c)
}

// mentions says the event's exception or a cause of it holds s.
func (e *event) mentions(s string) bool {
	return strings.Contains(e.exc, s) || strings.Contains(e.root, s) || strings.Contains(e.causes, s) || strings.Contains(e.msg, s)
}

// deepest is the event's root cause: the deepest "Caused by:", else its
// exception, else its message.
func (e *event) deepest() string {
	switch {
	case e.root != "":
		return e.root + ": " + e.rootMsg
	case e.exc != "":
		return e.exc + ": " + e.excMsg
	}
	return e.msg
}

// infrastructure says an exception is Flink's or the JVM's way of passing
// a failure on, not the failure: a task failed by it has its cause
// elsewhere (another task, a lost TaskManager), which other rules find.
func infrastructure(cls string) bool {
	for _, p := range []string{"org.apache.flink.runtime.", "org.apache.flink.util.FlinkException", "akka.", "org.apache.pekko.",
		"java.lang.OutOfMemoryError", "java.lang.StackOverflowError",
		"java.util.concurrent.CancellationException", "java.util.concurrent.TimeoutException", "java.lang.InterruptedException",
		"org.apache.flink.streaming.runtime.tasks.ExceptionInChainedOperatorException", "org.apache.flink.runtime.execution.CancelTaskException"} {
		if strings.HasPrefix(cls, p) {
			return true
		}
	}
	return false
}
