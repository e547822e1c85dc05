package scan

import (
	"fmt"
	"path"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// container.killed and os.oom-killer, from the containers table (pods,
// kernel OOM-killer lines, YARN diagnostics, Flink's worker terminations).
func init() {
	register(Spec{
		Rules: []Rule{
			{ID: "container.killed", Section: Environment, CausedBy: []string{"jvm.oom"}},
			{ID: "os.oom-killer", Section: Environment},
			{ID: "container.crash-loop", Section: Environment},
			{ID: "container.exit", Section: Environment},
		},
		Reads: map[string][]string{schema.Containers: {"kind", "state", "reason", "pod", "container", "process", "exit_code", "exit_meaning", "restart_count", "pid", "message"}},
		New:   func(Config) Detector { return &containers{} },
	})
}

type containers struct{ by byKey }

func (d *containers) Observe(_ string, rec arrow.Record) {
	o := originOf(schema.Containers, rec, "message")
	kind, state, reason := schema.Str(rec, "kind"), schema.Str(rec, "state"), schema.Str(rec, "reason")
	pod, container, process := schema.Str(rec, "pod"), schema.Str(rec, "container"), schema.Str(rec, "process")
	exit, meaning := schema.Int64(rec, "exit_code"), schema.Str(rec, "exit_meaning")
	restarts := schema.Int64(rec, "restart_count")
	for i := 0; i < int(rec.NumRows()); i++ {
		k, st, r := kind.Get(i), state.Get(i), reason.Get(i)
		code, hasExit := exit.Get(i)
		who := container.Get(i)
		if p := pod.Get(i); p != "" && who != "" {
			who = p + "/" + who
		} else if p != "" {
			who = p
		}
		if who == "" {
			who = process.Get(i)
		}
		rule, sev := "", Warning
		switch {
		case k == "kernel-oom" && st == "killed":
			rule, sev = "os.oom-killer", Critical
		case r == "OOMKilled" || strings.Contains(r, "beyond") || hasExit && (code == 137 || code == 143 || code == 134):
			rule, sev = "container.killed", Critical
		case st == "waiting" && (r == "CrashLoopBackOff"):
			rule = "container.crash-loop"
		case r == "Evicted":
			rule = "container.killed"
		case hasExit && code != 0 && strings.HasSuffix(st, "terminated"):
			rule = "container.exit"
		}
		if rule == "" {
			continue
		}
		ev := o.at(i)
		desc := r
		if hasExit {
			desc = fmt.Sprintf("%s, exit code %d", r, code)
			if m := meaning.Get(i); m != "" {
				desc += " (" + m + ")"
			}
		}
		if n, ok := restarts.Get(i); ok && n > 0 {
			desc += fmt.Sprintf(", %d restarts", n)
		}
		ev.Text = strings.Clone(strings.TrimPrefix(desc, ", "))
		key := rule + "\x00" + who
		f := d.by.get(key, func() Finding {
			f := Finding{Rule: rule, Severity: sev, Subject: strings.Clone(who),
				Remedy: "cap memory (taskmanager.memory.process.size), check native memory (RocksDB before 1.11 was unmanaged, JNI libraries)"}
			if rule == "os.oom-killer" {
				f.Remedy = "memory beyond the container/host: cap it (taskmanager.memory.process.size) below the limit"
			}
			return f
		})
		f.add(ev)
		name := who
		if name == "" {
			name = "a container in " + path.Base(ev.Source)
		}
		f.Summary = fmt.Sprintf("%s: %s", name, ev.Text)
		if rule == "os.oom-killer" {
			f.Summary = fmt.Sprintf("the kernel's OOM killer killed %s (pid %d)", who, func() int64 { v, _ := schema.Int64(rec, "pid").Get(i); return v }())
		}
	}
}

func (d *containers) Findings(*Context) []Finding { return d.by.all() }
