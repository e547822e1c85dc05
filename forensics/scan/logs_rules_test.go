package scan

import (
	"strconv"
	"strings"
	"testing"
)

// Log lines in the layout of the corpus' Flink 1.15+ logs (log4j2 "[] -").
func logLines(lines ...string) []byte {
	return []byte(strings.Join(lines, "\n") + "\n")
}

const jobLine = "2025-03-14 10:00:00,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - "

func TestSourcesFinished(t *testing.T) {
	src := func(to string) []byte {
		return logLines(
			jobLine+"Job backfill (5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3) switched from state CREATED to RUNNING.",
			"2025-03-14 10:05:00,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Source: Kafka Source -> Map (1/2) (bc764cd8ddf7a0cff126f51c16239658_5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3_0_0) switched from RUNNING to FINISHED.",
			"2025-03-14 10:05:00,100 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Source: Kafka Source -> Map (2/2) (bc764cd8ddf7a0cff126f51c16239658_5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3_1_0) switched from RUNNING to FINISHED.",
			"2025-03-14 10:05:01,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Job backfill (5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3) switched from state RUNNING to "+to+".",
		)
	}
	fs := analyze(t, DefaultConfig(), map[string][]byte{"jobmanager.log": src("FINISHED")})
	f := has(fs, "job.sources-finished", Warning, "2 source task(s) reached FINISHED, then the job FINISHED")
	if f == nil || len(f.Evidence) != 3 || f.Evidence[2].Line != 4 {
		t.Fatalf("findings:\n%s\n%+v", rules(fs), f)
	}
	// Sources finishing while the job goes on (1.14+ finishes tasks one
	// by one) is worth knowing, not a warning.
	fs = analyze(t, DefaultConfig(), map[string][]byte{"jobmanager.log": src("FAILING")})
	if f := has(fs, "job.sources-finished", Info, "while the job still ran"); f == nil || f.Severity != Info {
		t.Fatalf("findings:\n%s", rules(fs))
	}
	// A map task finishing is not a source finishing.
	fs = analyze(t, DefaultConfig(), map[string][]byte{"jobmanager.log": logLines(
		"2025-03-14 10:05:00,000 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Map (1/1) (bc764cd8ddf7a0cff126f51c16239658_5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3_0_0) switched from RUNNING to FINISHED.")})
	if has(fs, "job.sources-finished", Info, "") != nil {
		t.Fatalf("findings:\n%s", rules(fs))
	}
}

func TestSinkBatchDropped(t *testing.T) {
	fs := analyze(t, DefaultConfig(), map[string][]byte{"taskmanager.log": logLines(
		"2025-03-14 10:05:00,000 ERROR org.apache.flink.streaming.connectors.elasticsearch.ElasticsearchSinkBase [] - Failed Elasticsearch bulk request: null",
		"java.lang.NullPointerException: null",
		"2025-03-14 10:05:02,000 ERROR org.apache.flink.connector.jdbc.internal.JdbcOutputFormat [] - JDBC executeBatch error, retry times = 0",
		"java.sql.BatchUpdateException: Batch entry 0 insert into t values (1) was aborted",
		"2025-03-14 10:05:03,000 INFO  org.apache.flink.connector.jdbc.internal.JdbcOutputFormat [] - executeBatch error is only INFO here",
	)})
	if f := has(fs, "sink.batch-dropped", Warning, "1 failed batch write(s) logged by org.apache.flink.streaming.connectors.elasticsearch.ElasticsearchSinkBase"); f == nil || f.Evidence[0].Line != 1 {
		t.Errorf("findings:\n%s", rules(fs))
	}
	if f := has(fs, "sink.batch-dropped", Warning, "JdbcOutputFormat"); f == nil || f.Count != 1 {
		t.Errorf("findings:\n%s", rules(fs))
	}
}

func TestTopologyChanged(t *testing.T) {
	const enum = "2025-03-14 10:00:00,000 INFO  org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumerator [] - "
	fs := analyze(t, DefaultConfig(), map[string][]byte{"jobmanager.log": logLines(
		enum+"Starting the KafkaSourceEnumerator for consumer group clickstream with partition discovery interval of 300000 ms.",
		enum+"Discovered new partitions: [clicks-0, clicks-1]",
		enum+"Discovered new partitions: [clicks-2]",
	)})
	f := has(fs, "source.topology-changed", Warning, "changed once")
	if f == nil || f.Evidence[0].Line != 3 {
		t.Fatalf("findings:\n%s", rules(fs))
	}
	fs = analyze(t, DefaultConfig(), map[string][]byte{"jobmanager.log": logLines(
		enum+"Starting the KafkaSourceEnumerator for consumer group clickstream without periodic partition discovery.",
		enum+"Discovered new partitions: [clicks-0, clicks-1]",
	)})
	if has(fs, "source.topology-changed", Warning, "") != nil || has(fs, "source.topology-changed", Info, "without periodic partition discovery") == nil {
		t.Fatalf("findings:\n%s", rules(fs))
	}
}

func TestClockSkew(t *testing.T) {
	const att = "bc764cd8ddf7a0cff126f51c16239658_5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3_0_0"
	jm := func(ts, from, to string) string {
		return "2025-03-14 " + ts + " INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - Source: Kafka Source -> Map (1/2) (" + att + ") switched from " + from + " to " + to + "."
	}
	tm := func(ts, from, to string) string {
		return "2025-03-14 " + ts + " INFO  org.apache.flink.runtime.taskmanager.Task                    [] - Source: Kafka Source -> Map (1/2)#0 (" + att + ") switched from " + from + " to " + to + "."
	}
	for _, tc := range []struct {
		name           string
		tmDeploy, tmUp string
		want           string
	}{
		{"in sync", "10:00:00,050", "10:00:00,900", ""},
		{"ahead", "10:00:03,050", "10:00:03,900", "at least 2.9s ahead"},
		{"behind", "09:59:57,000", "09:59:57,400", "at least 3s behind"},
		{"ahead under the threshold", "10:00:01,950", "10:00:02,899", ""},
	} {
		fs := analyze(t, DefaultConfig(), map[string][]byte{
			"flink-flink-standalonesession-0-jm.log": logLines(jm("10:00:00,000", "SCHEDULED", "DEPLOYING"), jm("10:00:01,000", "DEPLOYING", "INITIALIZING")),
			"flink-flink-taskexecutor-0-tm-1.log":    logLines(tm(tc.tmDeploy, "CREATED", "DEPLOYING"), tm(tc.tmUp, "DEPLOYING", "INITIALIZING")),
		})
		f := has(fs, "log.clock-skew", Warning, "")
		switch {
		case tc.want == "" && f != nil:
			t.Errorf("%s: %s", tc.name, f.Summary)
		case tc.want != "" && (f == nil || !strings.Contains(f.Summary, tc.want) || len(f.Evidence) != 2):
			t.Errorf("%s: want %q; findings:\n%s", tc.name, tc.want, rules(fs))
		}
	}
}

func TestLogGap(t *testing.T) {
	const start = " INFO  org.apache.flink.runtime.taskexecutor.TaskManagerRunner     [] - "
	for _, tc := range []struct {
		restart string
		want    bool
	}{{"10:09:59,999", false}, {"10:10:00,000", true}} {
		fs := analyze(t, DefaultConfig(), map[string][]byte{"taskmanager.log": logLines(
			"2025-03-14 10:00:00,000"+start+"Starting TaskManager with ResourceID: tm-1",
			"2025-03-14 "+tc.restart+start+"Starting TaskManager with ResourceID: tm-1",
		)})
		f := has(fs, "log.gap", Info, "then the process started again")
		if (f != nil) != tc.want || f != nil && f.Evidence[0].Line != 2 {
			t.Errorf("restart at %s: %v, want %v\n%s", tc.restart, f != nil, tc.want, rules(fs))
		}
	}
	// A quiet log that goes on is not a restart.
	fs := analyze(t, DefaultConfig(), map[string][]byte{"taskmanager.log": logLines(
		"2025-03-14 10:00:00,000"+start+"Starting TaskManager with ResourceID: tm-1",
		"2025-03-14 11:00:00,000"+start+"Memory usage stats: nothing new",
	)})
	if has(fs, "log.gap", Info, "") != nil {
		t.Errorf("findings:\n%s", rules(fs))
	}
}

// Real HistoryServer archives: a STREAMING job whose Values source
// finished ends with it; a BATCH job finishing is its normal end.
func TestSourcesFinishedArchives(t *testing.T) {
	const dir = "../../testdata/metrics/historyserver_archives_40CoderPlus/"
	fs := analyze(t, DefaultConfig(), map[string][]byte{
		"streaming.json": read(t, dir+"f756069678a3aa03fee576cc8c5ac409.json"),
		"batch.json":     read(t, dir+"536183bc448b0136867dfc4fadb69cb8.json"),
	})
	f := has(fs, "job.sources-finished", Warning, "then the job FINISHED")
	if f == nil || !strings.Contains(f.Subject, "f756069678a3aa03fee576cc8c5ac409") || !strings.Contains(f.Evidence[0].Text, "Source: Values") {
		t.Fatalf("findings:\n%s", rules(fs))
	}
	for _, f := range fs {
		if f.Rule == "job.sources-finished" && strings.Contains(f.Subject, "536183bc448b0136867dfc4fadb69cb8") {
			t.Errorf("a batch job finished normally: %s", f.Summary)
		}
	}
}

// log.flood: a logger's warnings and errors in one minute, counted across
// other loggers' lines in between.
func TestLogFloodEdge(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want bool
	}{{999, false}, {1000, true}} {
		var lines []string
		for k := 0; k < tc.n; k++ {
			lines = append(lines, "2025-03-14 10:00:30,000 WARN  org.example.Parser [] - bad record "+strconv.Itoa(k))
			if k%100 == 0 {
				lines = append(lines, "2025-03-14 10:00:30,000 WARN  org.example.Other [] - something else")
			}
		}
		fs := analyze(t, DefaultConfig(), map[string][]byte{"taskmanager.log": logLines(lines...)})
		f := has(fs, "log.flood", Info, "")
		if got := f != nil && strings.Contains(f.Subject+f.Summary, "org.example.Parser"); got != tc.want {
			t.Errorf("%d lines: flood %v, want %v\n%s", tc.n, got, tc.want, rules(fs))
		}
	}
}

// Flink 1.5's standalone ResourceManager and ExecutionGraph, as a 2018
// post about a Kubernetes session cluster quotes them: a heartbeat
// timeout with two blanks before "timed out", and the restarts ending in
// a line of its own.
func TestFlink15Wording(t *testing.T) {
	log := "2018-08-07 05:43:13,867 INFO  org.apache.flink.runtime.resourcemanager.StandaloneResourceManager  - Closing TaskExecutor connection 2689b4542574aeffb6c1568a130908c2 because: The heartbeat of TaskManager with id 2689b4542574aeffb6c1568a130908c2  timed out.\n" +
		"2018-08-08 12:09:28,239 INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph        - Could not restart the job Monitor run (2df26ee10d34f33c88b852c9e2c3fff2) because the restart strategy prevented it.\n"
	fs := analyze(t, DefaultConfig(), map[string][]byte{"jobmanager.log": []byte(log)})
	if has(fs, "heartbeat.timeout", Critical, "TaskManager 2689b4542574aeffb6c1568a130908c2") == nil {
		t.Errorf("no heartbeat timeout: %+v", fs)
	}
	if has(fs, "job.restarts-exhausted", Critical, "Monitor run") == nil && has(fs, "job.failed", Critical, "Monitor run") == nil {
		t.Errorf("the job's end not found: %+v", fs)
	}
}

// An error quoted without a log header (a 2026 troubleshooting note): the
// restarts ended by a heartbeat timeout, one incident with the heartbeat
// as its root; java.util.concurrent.TimeoutException is not Kafka's.
func TestQuotedRestartsExhaustedByHeartbeat(t *testing.T) {
	text := "org.apache.flink.runtime.JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy(maxNumberRestartAttempts=3, backoffTimeMS=10000)\n" +
		"...\nCaused by: java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id 172.19.0.3:6122-c8842d timed out.\n"
	fs := analyze(t, DefaultConfig(), map[string][]byte{"error.txt": []byte(text)})
	if f := has(fs, "kafka.timeout", Warning, ""); f != nil {
		t.Errorf("a Kafka timeout from java.util.concurrent.TimeoutException: %s", f.Summary)
	}
	in := Incidents(fs)
	if len(in) != 1 || fs[in[0].Findings[0]].Rule != "heartbeat.timeout" || !strings.Contains(in[0].Verdict, "the job failed for good") {
		t.Errorf("incidents %+v", in)
	}
}
