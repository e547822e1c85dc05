// Package platform reads what the platform says about Flink's processes:
// Kubernetes pod status (YAML or JSON, single pods or lists), kernel
// OOM-killer lines (dmesg, kern.log, journal exports), YARN container
// diagnostics, into one row per container event.
package platform

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Container is one thing that happened to a container or process.
type Container struct {
	Line, Offset                    int64
	Time                            int64 // ms since the epoch, when HasTime
	HasTime                         bool
	Kind                            string // pod, kernel-oom, yarn
	State                           string // terminated, last-terminated, waiting, running, evicted, killed …
	Host, Namespace, Pod, Container string
	PID                             int64 // -1 when unknown
	Process                         string
	ExitCode                        int64
	HasExit                         bool
	Reason                          string // OOMKilled, Error, CrashLoopBackOff, Evicted, out of memory …
	Message                         string
	RestartCount                    int64 // -1 when unknown
	MemoryLimit                     int64 // bytes; -1 when unknown
	MemoryUsage                     int64 // bytes; -1 when unknown
	Cgroup                          string
}

func newContainer(kind string) Container {
	return Container{Kind: kind, PID: -1, RestartCount: -1, MemoryLimit: -1, MemoryUsage: -1}
}

// RawLine is a line no parser understood.
type RawLine struct {
	Line, Offset   int64
	Text           []byte
	Reason         string
	OriginalLength int64
}

// Sink receives what a reader finds.
type Sink interface {
	Container(c *Container)
	Raw(r *RawLine)
}

// ExitMeaning says what an exit code of a Flink process means (the table
// of the playbook).
func ExitMeaning(code int64) string {
	switch {
	case code == 0:
		return "exited normally"
	case code == 1:
		return "error while a component started"
	case code == 2:
		return "error while running (fatal error in the cluster entrypoint)"
	case code == 31:
		return "command-line parse error or YARN start error"
	case code == 239 || code == -17:
		return "fatal uncaught exception, usually an OutOfMemoryError"
	case code == 243 || code == -13:
		return "severe error (FATAL ERROR)"
	case code == 1443:
		return "the job reached FAILED"
	case code == 134:
		return "killed by SIGABRT: JVM crash or native library"
	case code == 137:
		return "killed by SIGKILL: OOM killer or kill -9"
	case code == 143:
		return "killed by SIGTERM: YARN, Kubernetes or a person stopped it"
	case code > 128 && code < 160:
		return fmt.Sprintf("killed by signal %d", code-128)
	}
	return ""
}

// memory reads a Kubernetes quantity (200Mi, 2Gi, 1G, 512M, 1e9) or a
// size like 1414008kB, in bytes.
func memory(s string) int64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return -1
	}
	mult := float64(1)
	for _, u := range []struct {
		suf string
		m   float64
	}{{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"kB", 1 << 10}, {"KB", 1 << 10},
		{"MB", 1 << 20}, {"GB", 1 << 30}, {"k", 1e3}, {"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSuffix(s, u.suf), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return int64(v * mult)
}

// kubeTime reads an RFC 3339 time ("2024-11-20T07:18:53Z").
func kubeTime(s string) (int64, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}
