package platform

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// is-healthy's pods: wherever its expected status concerns termination,
// OOM or restarts, flinkdx's rows say the same.
func TestPodsAgreeWithIsHealthy(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/container/is-healthy_pods/*.yaml")
	if len(files) < 10 {
		t.Fatalf("%d pods", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &collect{}
		pods, others, err := ReadPods(f, data, c)
		if err != nil || pods != 1 || others != 0 || len(c.rows) == 0 {
			t.Fatalf("%s: %d pods, %d others, %v, rows %v", f, pods, others, err, c.rows)
		}
		ann := obj(obj(parseYAML(string(data))[0].(map[string]any)["metadata"])["annotations"])
		status, message := s(ann["expected-status"]), s(ann["expected-message"])
		has := func(pred func(r Container) bool) bool {
			for _, r := range c.rows {
				if pred(r) {
					return true
				}
			}
			return false
		}
		name := filepath.Base(f)
		switch status {
		case "OOMKilled":
			if !has(func(r Container) bool { return r.Reason == "OOMKilled" && strings.HasSuffix(r.State, "terminated") }) {
				t.Errorf("%s: expected OOMKilled; rows %+v", name, c.rows)
			}
		case "CrashLoopBackOff", "ImagePullBackOff":
			if !has(func(r Container) bool { return r.State == "waiting" && r.Reason == status }) {
				t.Errorf("%s: expected %s; rows %+v", name, status, c.rows)
			}
		case "Evicted":
			if !has(func(r Container) bool { return r.Reason == "Evicted" }) {
				t.Errorf("%s: expected Evicted; rows %+v", name, c.rows)
			}
		case "Completed":
			if !has(func(r Container) bool { return r.State == "terminated" && r.Reason == "Completed" && r.ExitCode == 0 }) {
				t.Errorf("%s: expected Completed; rows %+v", name, c.rows)
			}
		case "Failed":
			if !has(func(r Container) bool {
				return strings.HasSuffix(r.State, "terminated") && r.HasExit && r.ExitCode != 0 || r.Reason == "Failed"
			}) {
				t.Errorf("%s: expected Failed; rows %+v", name, c.rows)
			}
		case "Running":
			// (An init container that completed is how a pod starts.)
			if has(func(r Container) bool {
				return r.State == "terminated" && !(r.Reason == "Completed" && r.ExitCode == 0)
			}) {
				t.Errorf("%s: expected Running, but a container is terminated: %+v", name, c.rows)
			}
		}
		if n, ok := strings.CutPrefix(message, "restarted "); ok {
			want, _ := strconv.ParseInt(strings.TrimSuffix(n, " times"), 10, 64)
			if !has(func(r Container) bool { return r.RestartCount == want }) {
				t.Errorf("%s: expected %q; rows %+v", name, message, c.rows)
			}
		}
	}
}
