package ingest

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

// The lines of a real JobManager log (testdata/flinklog), wrapped as
// Docker's json-file driver writes them, and as Kubernetes' CRI files do:
// read as the log itself, an event per header, the exception kept, the
// line numbers those of the file.
func TestWrappedLogs(t *testing.T) {
	log := string(readFile(t, "../../testdata/flinklog/excerpts/DTStack_chunjun_issue1750_failing_to_failed_recovery_suppressed.log"))
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	var docker, cri strings.Builder
	for _, l := range lines {
		b, _ := json.Marshal(map[string]string{"log": l + "\n", "stream": "stdout", "time": "2024-03-01T10:00:00.000000000Z"})
		docker.Write(append(b, '\n'))
		cri.WriteString("2024-03-01T10:00:00.123456789Z stdout F " + l + "\n")
	}
	plain, _ := runIngest(t, fstest.MapFS{"jobmanager.log": {Data: []byte(log)}}, []string{"jobmanager.log"}, Options{Version: "test"})
	for name, data := range map[string]string{"docker/jobmanager.log": docker.String(), "cri/jobmanager.log": cri.String()} {
		m, _ := runIngest(t, fstest.MapFS{name: {Data: []byte(data)}}, []string{name}, Options{Version: "test"})
		st, want := m.Streams[0], plain.Streams[0]
		if st.Kind != "flink-log" || st.Events != want.Events || st.Unparsed != want.Unparsed || st.Lines != want.Lines || st.First != want.First {
			t.Errorf("%s: %+v\nwant %+v", name, st, want)
		}
	}
	// A JSON line that wraps nothing is kept, not lost.
	bad := docker.String() + "{\"stream\":\"stdout\"}\n"
	m, _ := runIngest(t, fstest.MapFS{"d.log": {Data: []byte(bad)}}, []string{"d.log"}, Options{Version: "test"})
	if m.Streams[0].Lines != int64(len(lines)+1) {
		t.Errorf("lines %d; want %d", m.Streams[0].Lines, len(lines)+1)
	}
}

// JSON layouts: log4j2's JsonLayout (timeMillis, thrown), its
// JsonTemplateLayout's ECS template and logstash-logback (@timestamp,
// stack_trace) are read as events with their time, level, logger and
// exception.
func TestJSONLayouts(t *testing.T) {
	log := `{"timeMillis":1710000000250,"thread":"main","level":"INFO","loggerName":"org.apache.flink.runtime.jobmaster.JobMaster","message":"Starting execution of job wordcount"}
{"instant":{"epochSecond":1710000001,"nanoOfSecond":500000000},"thread":"flink-akka.actor.default-dispatcher-3","level":"ERROR","loggerName":"org.apache.flink.runtime.taskmanager.Task","message":"Sink (1/1) switched from RUNNING to FAILED.","thrown":{"name":"java.lang.OutOfMemoryError","message":"Metaspace"}}
{"@timestamp":"2024-03-09T16:00:02.000Z","log.level":"WARN","message":"Checkpoint 7 of job wordcount expired before completing.","process.thread.name":"Checkpoint Timer","log.logger":"org.apache.flink.runtime.checkpoint.CheckpointCoordinator"}
{"@timestamp":"2024-03-09T16:00:03.000Z","level":"ERROR","logger_name":"com.example.Job","thread_name":"main","message":"failed","stack_trace":"java.lang.IllegalStateException: boom\n\tat com.example.Job.run(Job.java:10)\n"}
`
	m, out := runIngest(t, fstest.MapFS{"jobmanager.json": {Data: []byte(log)}}, []string{"jobmanager.json"}, Options{Version: "test"})
	st := m.Streams[0]
	if st.Kind != "flink-log" || st.Events != 4 || st.Unparsed != 0 || st.First != "2024-03-09T16:00:00.25Z" {
		t.Fatalf("stream %+v", st)
	}
	_, rows := readParquet(t, out.Files[m.Tables["logs"].Files[0].Path])
	got := map[string]string{}
	for _, r := range rows {
		lv, _ := r["level"].(string)
		exc, _ := r["exception"].(string)
		got[lv] += exc + ";"
	}
	if !strings.Contains(got["ERROR"], "java.lang.OutOfMemoryError") || !strings.Contains(got["ERROR"], "java.lang.IllegalStateException") || got["WARN"] == "" {
		t.Errorf("levels and exceptions %v", got)
	}
}
