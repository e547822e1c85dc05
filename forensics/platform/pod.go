package platform

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ReadPods reads pods from YAML (kubectl get -o yaml) or JSON: a Pod, a
// PodList or a List of pods, or several YAML documents. It returns how
// many pods it read; other kinds of objects are not pods and are counted
// in others.
func ReadPods(name string, src []byte, sink Sink) (pods, others int, err error) {
	var docs []any
	if t := strings.TrimSpace(string(src)); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
		dec := json.NewDecoder(strings.NewReader(t))
		for dec.More() {
			var v any
			if err := dec.Decode(&v); err != nil {
				return pods, others, fmt.Errorf("%s: offset %d: %w", name, dec.InputOffset(), err)
			}
			docs = append(docs, v)
		}
	} else {
		docs = parseYAML(string(src))
	}
	for _, d := range docs {
		p, o := readObject(d, sink)
		pods += p
		others += o
	}
	return pods, others, nil
}

func readObject(d any, sink Sink) (pods, others int) {
	m, ok := d.(map[string]any)
	if !ok {
		if l, ok := d.([]any); ok {
			for _, e := range l {
				p, o := readObject(e, sink)
				pods, others = pods+p, others+o
			}
			return
		}
		return 0, 1
	}
	switch s(m["kind"]) {
	case "Pod":
		readPod(m, sink)
		return 1, 0
	case "PodList", "List":
		for _, e := range list(m["items"]) {
			p, o := readObject(e, sink)
			pods, others = pods+p, others+o
		}
		return
	}
	return 0, 1
}

func s(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func num(v any) (int64, bool) {
	n, err := strconv.ParseInt(s(v), 10, 64)
	return n, err == nil
}

func readPod(m map[string]any, sink Sink) {
	meta, spec, status := obj(m["metadata"]), obj(m["spec"]), obj(m["status"])
	base := newContainer("pod")
	base.Pod, base.Namespace, base.Host = s(meta["name"]), s(meta["namespace"]), s(spec["nodeName"])
	limits := map[string]int64{}
	for _, key := range []string{"containers", "initContainers"} {
		for _, c := range list(spec[key]) {
			cm := obj(c)
			if lim := obj(obj(cm["resources"])["limits"]); lim != nil {
				limits[s(cm["name"])] = memory(s(lim["memory"]))
			}
		}
	}
	emitted := false
	if r := s(status["reason"]); r != "" {
		// The pod as a whole: Evicted, NodeLost, UnexpectedAdmissionError.
		c := base
		c.State, c.Reason, c.Message = strings.ToLower(r), r, s(status["message"])
		if t, ok := kubeTime(s(status["startTime"])); ok {
			c.Time, c.HasTime = t, true
		}
		sink.Container(&c)
		emitted = true
	}
	for _, key := range []string{"initContainerStatuses", "containerStatuses"} {
		for _, cs := range list(status[key]) {
			st := obj(cs)
			c := base
			c.Container = s(st["name"])
			if n, ok := num(st["restartCount"]); ok {
				c.RestartCount = n
			}
			if l, ok := limits[c.Container]; ok {
				c.MemoryLimit = l
			}
			emitted = containerState(c, obj(st["state"]), false, sink) || emitted
			containerState(c, obj(st["lastState"]), true, sink)
		}
	}
	if !emitted {
		// No container status: the pod's phase says it (Pending, Failed).
		c := base
		c.State, c.Reason = strings.ToLower(s(status["phase"])), s(status["phase"])
		sink.Container(&c)
	}
}

// containerState emits the state of a container (terminated, waiting or
// running); last says it is the state before the current one.
func containerState(c Container, state map[string]any, last bool, sink Sink) bool {
	for _, k := range []string{"terminated", "waiting", "running"} {
		st, ok := state[k].(map[string]any)
		if !ok {
			continue
		}
		c.State = k
		if last {
			c.State = "last-" + k
		}
		c.Reason, c.Message = s(st["reason"]), s(st["message"])
		if n, ok := num(st["exitCode"]); ok {
			c.ExitCode, c.HasExit = n, true
		}
		for _, tk := range []string{"finishedAt", "startedAt"} {
			if t, ok := kubeTime(s(st[tk])); ok {
				c.Time, c.HasTime = t, true
				break
			}
		}
		sink.Container(&c)
		return true
	}
	return false
}
