package scan

import (
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
	f := has(fs, "source.topology-changed", Warning, "changed 1 time(s)")
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
