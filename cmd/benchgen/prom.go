package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"time"
)

// generateProm writes about size bytes of Prometheus text as Flink's
// PrometheusReporter exposes it, scraped every 15 s from a job on 50
// TaskManagers (4 slots each, 2 tasks of 3 operators per slot), starting
// 2025-03-01: each scrape is a comment with its time, then every sample
// with that time (as /federate writes them). A month of such scrapes is
// far larger than any benchmark; -size takes the first part of it.
func generateProm(w *bufio.Writer, size int64) {
	r := rand.New(rand.NewPCG(7, 8))
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	const job = "5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3"
	tasks := []struct{ id, name string }{
		{"bc764cd8ddf7a0cff126f51c16239658", "Source:_Kafka_Source_->_Map"},
		{"0a448493b4782967b150582570326227", "Window(TumblingEventTimeWindows(60000),_EventTimeTrigger,_SessionAggregator)_->_Sink:_Elasticsearch"},
	}
	operators := []string{"Source:_Kafka_Source", "Map", "SessionAggregator"}
	taskMetrics := []string{"numRecordsInPerSecond", "numRecordsOutPerSecond", "numBytesOutPerSecond", "busyTimeMsPerSecond",
		"backPressuredTimeMsPerSecond", "idleTimeMsPerSecond", "buffers_inPoolUsage", "buffers_outPoolUsage",
		"Shuffle_Netty_Input_Buffers_inputFloatingBuffersUsage", "Shuffle_Netty_Input_Buffers_inputExclusiveBuffersUsage",
		"checkpointAlignmentTime", "checkpointStartDelayNanos"}
	opMetrics := []string{"numRecordsIn", "numRecordsOut", "currentInputWatermark", "currentOutputWatermark"}
	tmMetrics := []string{"Status_JVM_CPU_Load", "Status_JVM_Memory_Heap_Used", "Status_JVM_Memory_Heap_Max",
		"Status_JVM_GarbageCollector_G1_Young_Generation_Time", "Status_JVM_Threads_Count", "Status_Network_AvailableMemorySegments"}
	var written int64
	var b []byte
	for scrape := 0; written < size; scrape++ {
		t := start.Add(time.Duration(scrape) * 15 * time.Second)
		ms := t.UnixMilli()
		b = t.AppendFormat(append(b[:0], "# scrape "...), time.RFC3339)
		b = append(b, '\n')
		for tm := 0; tm < 50; tm++ {
			host := fmt.Sprintf("10.0.%d.%d", 3+tm/200, 10+tm%200)
			tmID := fmt.Sprintf("flink-taskmanager-%d-%d", 1+tm/25, 1+tm%25)
			for _, m := range tmMetrics {
				b = fmt.Appendf(b, "flink_taskmanager_%s{host=\"%s\",tm_id=\"%s\",} %g %d\n", m, host, tmID, r.Float64()*1e9, ms)
			}
			for slot := 0; slot < 4; slot++ {
				sub := tm*4 + slot
				for ti, task := range tasks {
					attempt := uint64(sub*2+ti+1) * 0x9E3779B97F4A7C15 // the same in every scrape
					labels := fmt.Sprintf("job_id=\"%s\",task_id=\"%s\",task_attempt_id=\"%016x\",host=\"%s\",task_name=\"%s\",task_attempt_num=\"0\",job_name=\"clickstream-enrichment\",tm_id=\"%s\",subtask_index=\"%d\",",
						job, task.id, attempt, host, task.name, tmID, sub)
					for _, m := range taskMetrics {
						b = fmt.Appendf(b, "flink_taskmanager_job_task_%s{%s} %g %d\n", m, labels, r.Float64()*1000, ms)
					}
					for oi, op := range operators[:2] {
						for _, m := range opMetrics {
							b = fmt.Appendf(b, "flink_taskmanager_job_task_operator_%s{%soperator_id=\"%016x\",operator_name=\"%s\",} %g %d\n",
								m, labels, uint64(ti*3+oi+1)*0xC2B2AE3D27D4EB4F, op, float64(ms-int64(r.IntN(5000))), ms)
						}
					}
				}
			}
			if len(b) > 1<<20 {
				w.Write(b)
				written += int64(len(b))
				b = b[:0]
			}
		}
		w.Write(b)
		written += int64(len(b))
		b = b[:0]
	}
}
