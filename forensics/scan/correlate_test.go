package scan

import (
	"strings"
	"testing"
)

// A container kill → the TaskManager's heartbeat times out → the job
// restarts: three files, two sources, one chain.
func TestKillHeartbeatRestartChain(t *testing.T) {
	pod := `apiVersion: v1
kind: Pod
metadata:
  name: clickstream-taskmanager-1-1
  namespace: flink
spec:
  nodeName: node-7
  containers:
    - name: flink-main-container
      image: flink:1.18
status:
  phase: Running
  containerStatuses:
    - name: flink-main-container
      restartCount: 1
      ready: true
      state:
        running:
          startedAt: 2025-03-14T10:00:40Z
      lastState:
        terminated:
          exitCode: 137
          reason: OOMKilled
          startedAt: 2025-03-14T09:00:00Z
          finishedAt: 2025-03-14T10:00:02Z
`
	const jm = " INFO  org.apache.flink.runtime.jobmaster.JobMaster                 [] - "
	log := logLines(
		"2025-03-14 10:00:30,000"+jm+"Heartbeat of TaskManager with id clickstream-taskmanager-1-1 timed out.",
		"2025-03-14 10:00:31,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Job clickstream (5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3) switched from state RUNNING to RESTARTING.",
		// A second restart much later: the kill is not its cause.
		"2025-03-14 10:01:50,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Job clickstream (5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3) switched from state RUNNING to RESTARTING.",
	)
	fs := analyze(t, DefaultConfig(), map[string][]byte{"pods.yaml": []byte(pod), "jobmanager.log": log})
	hb := has(fs, "heartbeat.timeout", Critical, "preceded by: container.killed")
	if hb == nil {
		t.Fatalf("heartbeat not linked to the kill:\n%s", rules(fs))
	}
	if last := hb.Evidence[len(hb.Evidence)-1]; !strings.HasSuffix(last.Source, "pods.yaml") {
		t.Errorf("the kill's row is not in the heartbeat's evidence: %+v", hb.Evidence)
	}
	r := has(fs, "job.restart", Warning, "preceded by: heartbeat.timeout")
	if r == nil {
		t.Errorf("the restart is not linked to the heartbeat:\n%s", rules(fs))
	}
}

// A cause is used up by the restart it caused: the next restart is not
// linked to it, however close.
func TestCauseUsedUpByRestart(t *testing.T) {
	at := func(ms int64) []Evidence { return []Evidence{{Source: "x", Time: ms}} }
	fs := []Finding{
		{Rule: "container.killed", Subject: "tm-1", Evidence: at(1000), Start: 1000},
		{Rule: "job.restart", Subject: "A", Evidence: at(2000), Start: 2000},
		{Rule: "job.restart", Subject: "B", Evidence: at(3000), Start: 3000},
		{Rule: "checkpoint.expired", Subject: "C", Evidence: at(200000), Start: 200000},
		{Rule: "gc.pause-spike", Subject: "gc.log", Evidence: at(199000), Start: 199000},
		{Rule: "checkpoint.expired", Subject: "D", Evidence: at(500000), Start: 500000},
	}
	correlate(fs, &Context{Config: DefaultConfig()})
	if !strings.Contains(fs[1].Summary, "preceded by: container.killed tm-1") || len(fs[1].Evidence) != 2 {
		t.Errorf("A: %+v", fs[1])
	}
	if fs[2].Summary != "" {
		t.Errorf("B is linked to a cause A used up: %q", fs[2].Summary)
	}
	if !strings.Contains(fs[3].Summary, "gc.pause-spike gc.log") {
		t.Errorf("C: %q", fs[3].Summary)
	}
	if fs[5].Summary != "" {
		t.Errorf("D is beyond the window: %q", fs[5].Summary)
	}
}
