package metrics

import "strconv"

// scopePrefixes are the name prefixes of Flink's reporters
// (PrometheusReporter: flink_<scope>_<metric>; InfluxdbReporter:
// <scope>_<metric>), longest first.
var scopePrefixes = []struct {
	prefix string
	scope  Scope
}{
	{"taskmanager_job_task_operator_", ScopeOperator},
	{"taskmanager_job_task_", ScopeTask},
	{"taskmanager_job_", ScopeTMJob},
	{"taskmanager_", ScopeTaskManager},
	{"jobmanager_job_", ScopeJobManagerJob},
	{"jobmanager_", ScopeJobManager},
}

// splitScope splits a reporter's metric name into scope and Flink's own
// name, whose dots the reporter turned into underscores
// (flink_taskmanager_job_task_buffers_inPoolUsage: task,
// buffers.inPoolUsage). Other names are kept whole.
func splitScope(name []byte, dots []byte) (Scope, []byte) {
	n := name
	if hasPrefix(n, "flink_") {
		n = n[len("flink_"):]
	}
	for _, p := range scopePrefixes {
		if hasPrefix(n, p.prefix) {
			rest := append(dots[:0], n[len(p.prefix):]...)
			for i, c := range rest {
				if c == '_' {
					rest[i] = '.'
				}
			}
			return p.scope, rest
		}
	}
	return "", name
}

// setVariable puts a Flink scope variable (label or tag) into its column;
// it returns false for other labels.
func setVariable(s *Sample, name, value string) bool {
	switch name {
	case "host":
		s.Host = value
	case "tm_id":
		s.TaskManager = value
	case "job_id":
		s.JobID = value
	case "job_name":
		s.JobName = value
	case "task_name":
		s.TaskName = value
	case "task_id":
		s.TaskID = value
	case "operator_name":
		s.OperatorName = value
	case "operator_id":
		s.OperatorID = value
	case "subtask_index":
		if v, err := strconv.Atoi(value); err == nil {
			s.Subtask = int32(v)
		} else {
			return false
		}
	default:
		return false
	}
	return true
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }
