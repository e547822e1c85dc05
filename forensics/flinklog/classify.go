package flinklog

import (
	"bytes"
	"path"
	"strings"
)

// Role is the kind of Flink process that wrote a log.
type Role string

const (
	JobManager  Role = "jobmanager"
	TaskManager Role = "taskmanager"
	Client      Role = "client"
	Unknown     Role = ""
)

var (
	jobManagerMarks = [][]byte{
		[]byte("org.apache.flink.runtime.jobmaster."),
		[]byte("org.apache.flink.runtime.executiongraph."),
		[]byte("org.apache.flink.runtime.checkpoint.CheckpointCoordinator"),
		[]byte("org.apache.flink.runtime.dispatcher."),
		[]byte("org.apache.flink.runtime.resourcemanager."),
		[]byte("org.apache.flink.runtime.entrypoint."),
		[]byte("org.apache.flink.runtime.scheduler."),
		[]byte("org.apache.flink.runtime.rest."),
		[]byte("org.apache.flink.runtime.webmonitor."),
		[]byte("org.apache.flink.kubernetes.KubernetesResourceManagerDriver"),
		[]byte("org.apache.flink.yarn.YarnResourceManagerDriver"),
	}
	taskManagerMarks = [][]byte{
		[]byte("org.apache.flink.runtime.taskexecutor."),
		[]byte("org.apache.flink.runtime.taskmanager."),
		[]byte("org.apache.flink.streaming.runtime.tasks."),
		[]byte("org.apache.flink.runtime.io.network."),
		[]byte("org.apache.flink.runtime.state."),
		[]byte("org.apache.flink.contrib.streaming.state."),
		[]byte("org.apache.flink.runtime.io.disk."),
	}
	clientMarks = [][]byte{
		[]byte("org.apache.flink.client.cli.CliFrontend"),
	}
)

func marked(logger []byte, marks [][]byte) int {
	for _, m := range marks {
		if bytes.HasPrefix(logger, m) {
			return 1
		}
	}
	return 0
}

// Classify tells a JobManager log from a TaskManager log by the loggers of
// the header lines in its first bytes (stack frames do not count); the file
// name (Flink's "flink-USER-taskexecutor-N-HOST.log" and its kin) decides
// only when the content does not. isLog says head holds at least one Flink
// log header line.
func Classify(name string, head []byte) (role Role, isLog bool) {
	jm, tm, cl := 0, 0, 0
	forHeaders(head, func(h *header) bool {
		isLog = true
		jm += marked(h.logger, jobManagerMarks)
		tm += marked(h.logger, taskManagerMarks)
		cl += marked(h.logger, clientMarks)
		return true
	})
	switch {
	case cl > 0 && cl >= jm && cl >= tm:
		return Client, isLog
	case jm > tm:
		return JobManager, isLog
	case tm > jm:
		return TaskManager, isLog
	}
	role, _ = FromName(name)
	return role, isLog
}

// FromName reads role and host from the log file names Flink writes:
// flink-USER-standalonesession-N-HOST.log, flink-USER-taskexecutor-N-HOST.log,
// jobmanager.log, taskmanager.log (YARN, Kubernetes) and their rotations.
func FromName(p string) (Role, string) {
	if i := strings.LastIndexByte(p, '!'); i >= 0 {
		p = p[i+1:]
	}
	base := path.Base(p)
	for _, kind := range []struct {
		word string
		role Role
	}{
		{"-taskexecutor-", TaskManager}, {"-taskmanager-", TaskManager},
		{"-standalonesession-", JobManager}, {"-standalonejob-", JobManager},
		{"-jobmanager-", JobManager}, {"-client-", Client},
	} {
		i := strings.Index(base, kind.word)
		if !strings.HasPrefix(base, "flink-") || i < 0 {
			continue
		}
		rest := base[i+len(kind.word):] // N-HOST.log[.1]
		if d := strings.IndexByte(rest, '-'); d > 0 {
			host := rest[d+1:]
			if e := strings.Index(host, ".log"); e >= 0 {
				host = host[:e]
			}
			return kind.role, host
		}
		return kind.role, ""
	}
	// taskmanager.log, or a file in a directory named for its process
	// (taskmanager-1/gc.log).
	for _, name := range []string{base, path.Base(path.Dir(p))} {
		switch {
		case strings.HasPrefix(name, "taskmanager") || strings.HasPrefix(name, "taskexecutor"):
			return TaskManager, ""
		case strings.HasPrefix(name, "jobmanager"):
			return JobManager, ""
		}
	}
	return Unknown, ""
}

// forHeaders calls fn for each header line in head until fn returns false.
func forHeaders(head []byte, fn func(h *header) bool) {
	var h header
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		ok := parseHeader(line, &h)
		if !ok {
			if _, rest, pok := splitPrefix(line); pok {
				ok = parseHeader(rest, &h)
			}
		}
		if ok && !fn(&h) {
			return
		}
	}
}
