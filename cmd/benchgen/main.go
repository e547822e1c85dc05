// Command benchgen writes a deterministic log of a given size for
// benchmarks, from the line shapes of the real logs in testdata: a
// TaskManager log (log4j2 layout with the "[]" column, task transitions,
// checkpoints, connector warnings, and stack traces with "Caused by:"
// chains), or a GC log (G1 unified logging, or JDK 8 CMS).
//
//	go run ./cmd/benchgen -size 512MiB -o testdata/bench/taskmanager.log [-format gz|zst] [-kind flink|g1|cms]
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func main() {
	size := flag.String("size", "512MiB", "uncompressed size to write (KiB, MiB, GiB suffixes)")
	out := flag.String("o", "", "file to write")
	format := flag.String("format", "plain", "plain, gz or zst")
	kind := flag.String("kind", "flink", "flink (TaskManager log), g1 (unified-logging G1 GC log), cms (JDK 8 CMS GC log), prom (Prometheus scrapes of a 50-TaskManager job) or fleet (a directory: weeks of a cluster's rotated logs, GC logs and scrapes, with incidents planted)")
	days := flag.Int("days", 14, "fleet: days of archives")
	tms := flag.Int("tms", 20, "fleet: TaskManagers (and one JobManager)")
	check := flag.String("check", "", "fleet: check the findings of `flinkdx scan --format json` (this file) against -o DIR's planted incidents")
	flag.Parse()
	if *check != "" {
		os.Exit(checkFleet(*out, *check))
	}
	if *kind == "fleet" {
		n, err := parseSize(*size)
		if err != nil || *out == "" {
			fmt.Fprintln(os.Stderr, "usage: benchgen -kind fleet -size 2GiB -o DIR [-days 14 -tms 20]")
			os.Exit(2)
		}
		incidents, err := generateFleet(*out, Fleet{Days: *days, TaskManagers: *tms, Bytes: n})
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			os.Exit(1)
		}
		fmt.Printf("benchgen: %s: %d days, %d TaskManagers, %d incidents planted (%s.incidents.json)\n", *out, *days, *tms, len(incidents), filepath.Clean(*out))
		return
	}
	n, err := parseSize(*size)
	if err != nil || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: benchgen -size 512MiB -o FILE [-format plain|gz|zst]")
		os.Exit(2)
	}
	gen := map[string]func(*bufio.Writer, int64){"flink": generate, "g1": generateG1, "cms": generateCMS, "prom": generateProm}[*kind]
	if gen == nil {
		fmt.Fprintln(os.Stderr, "benchgen: -kind is flink, g1, cms or prom")
		os.Exit(2)
	}
	if err := write(*out, *format, n, gen); err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if strings.HasSuffix(s, suf) {
			s, mult = strings.TrimSuffix(s, suf), m
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v * mult, err
}

func write(path, format string, size int64, generate func(*bufio.Writer, int64)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var w io.Writer = f
	var closer io.Closer
	switch format {
	case "gz":
		zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
		w, closer = zw, zw
	case "zst":
		zw, err := zstd.NewWriter(f, zstd.WithEncoderLevel(zstd.SpeedFastest))
		if err != nil {
			return err
		}
		w, closer = zw, zw
	case "plain":
	default:
		return fmt.Errorf("unknown format %q", format)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	generate(bw, size)
	if err := bw.Flush(); err != nil {
		return err
	}
	if closer != nil {
		if err := closer.Close(); err != nil {
			return err
		}
	}
	return f.Close()
}

const (
	job     = "5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3"
	attempt = "9b1e0c7a2f3d4e5f6a7b8c9d0e1f2a3b_bc764cd8ddf7a0cff126f51c16239658_%d_%d"
)

var frames = []string{
	"\tat org.apache.flink.streaming.runtime.tasks.StreamTask.triggerCheckpointOnBarrier(StreamTask.java:1241) ~[flink-dist-1.17.2.jar:1.17.2]",
	"\tat org.apache.flink.streaming.runtime.io.checkpointing.CheckpointBarrierHandler.notifyCheckpoint(CheckpointBarrierHandler.java:147) ~[flink-dist-1.17.2.jar:1.17.2]",
	"\tat org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor.runMailboxLoop(MailboxProcessor.java:203) ~[flink-dist-1.17.2.jar:1.17.2]",
	"\tat org.apache.flink.streaming.runtime.tasks.StreamTask.runMailboxLoop(StreamTask.java:809) ~[flink-dist-1.17.2.jar:1.17.2]",
	"\tat org.apache.flink.streaming.runtime.tasks.StreamTask.invoke(StreamTask.java:761) ~[flink-dist-1.17.2.jar:1.17.2]",
	"\tat org.apache.flink.runtime.taskmanager.Task.runWithSystemExitMonitoring(Task.java:958) ~[flink-dist-1.17.2.jar:1.17.2]",
	"\tat org.apache.flink.runtime.taskmanager.Task.restoreAndInvoke(Task.java:937) ~[flink-dist-1.17.2.jar:1.17.2]",
	"\tat org.apache.flink.runtime.taskmanager.Task.doRun(Task.java:766) ~[flink-dist-1.17.2.jar:1.17.2]",
	"\tat org.apache.flink.runtime.taskmanager.Task.run(Task.java:575) ~[flink-dist-1.17.2.jar:1.17.2]",
	"\tat java.lang.Thread.run(Thread.java:829) ~[?:?]",
	"\tat org.apache.kafka.clients.consumer.internals.ConsumerNetworkClient.poll(ConsumerNetworkClient.java:236) ~[kafka-clients-3.2.3.jar:?]",
	"\tat org.apache.flink.connector.kafka.source.reader.KafkaPartitionSplitReader.fetch(KafkaPartitionSplitReader.java:113) ~[flink-connector-kafka-1.17.2.jar:1.17.2]",
	"\tat com.example.clickstream.SessionEnricher.map(SessionEnricher.java:88) ~[clickstream-enrichment-2.4.0.jar:?]",
	"\tat org.apache.flink.runtime.state.heap.CopyOnWriteStateMap.snapshotMapArrays(CopyOnWriteStateMap.java:790) ~[flink-dist-1.17.2.jar:1.17.2]",
}

// generate writes about size bytes of log, deterministically.
func generate(w *bufio.Writer, size int64) {
	r := rand.New(rand.NewPCG(1, 2))
	t := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	var written int64
	var line []byte
	emit := func(b []byte) {
		w.Write(b)
		written += int64(len(b))
	}
	header := func(level, logger string) {
		line = t.AppendFormat(line[:0], "2006-01-02 15:04:05,000")
		line = append(line, ' ')
		line = append(line, level...)
		for i := len(level); i < 6; i++ {
			line = append(line, ' ')
		}
		line = append(line, logger...)
		for i := len(logger); i < 60; i++ {
			line = append(line, ' ')
		}
		line = append(line, " [] - "...)
	}
	checkpoint := int64(1)
	for written < size {
		t = t.Add(time.Duration(r.IntN(400)) * time.Millisecond)
		sub := r.IntN(8)
		switch k := r.IntN(100); {
		case k < 40:
			header("INFO", "org.apache.flink.streaming.runtime.tasks.StreamTask")
			line = fmt.Appendf(line, "Trigger checkpoint %d@%d for "+attempt+".\n", checkpoint, t.UnixMilli(), sub, 0)
			checkpoint++
			emit(line)
		case k < 60:
			header("INFO", "org.apache.flink.runtime.taskmanager.Task")
			line = fmt.Appendf(line, "Source: Kafka Source -> Map (%d/8)#0 ("+attempt+") switched from DEPLOYING to INITIALIZING.\n", sub+1, sub, 0)
			emit(line)
		case k < 75:
			header("WARN", "org.apache.kafka.clients.NetworkClient")
			line = fmt.Appendf(line, "[Consumer clientId=clickstream-%d, groupId=clickstream] Connection to node %d (kafka-%d/10.0.4.%d:9092) could not be established. Broker may not be available.\n", sub, sub%3, sub%3, 10+sub%3)
			emit(line)
		case k < 90:
			header("INFO", "org.apache.flink.runtime.state.heap.HeapKeyedStateBackend")
			line = append(line, "Initializing heap keyed state backend with stream factory.\n"...)
			emit(line)
		case k < 97:
			header("DEBUG", "org.apache.flink.runtime.io.network.partition.ResultPartition")
			line = fmt.Appendf(line, "ReleaseOnConsumptionResultPartition %x [PIPELINED_BOUNDED, 8 subpartitions, 8 pending consumptions]: Released all resources.\n", r.Uint64())
			emit(line)
		default:
			header("WARN", "org.apache.flink.runtime.taskmanager.Task")
			line = fmt.Appendf(line, "Window(TumblingEventTimeWindows(60000), EventTimeTrigger, SessionAggregator) -> Sink: Elasticsearch (%d/8)#1 ("+attempt+") switched from RUNNING to FAILED with failure cause:\n", sub+1, sub, 1)
			line = fmt.Appendf(line, "java.io.IOException: Could not perform checkpoint %d for operator Window(TumblingEventTimeWindows(60000), EventTimeTrigger, SessionAggregator) -> Sink: Elasticsearch (%d/8)#1.\n", checkpoint, sub+1)
			for i := 0; i < 10+r.IntN(14); i++ {
				line = append(line, frames[r.IntN(len(frames))]...)
				line = append(line, '\n')
			}
			line = append(line, "Caused by: java.lang.OutOfMemoryError: Java heap space\n"...)
			for i := 0; i < 3+r.IntN(6); i++ {
				line = append(line, frames[r.IntN(len(frames))]...)
				line = append(line, '\n')
			}
			line = fmt.Appendf(line, "\t... %d more\n", 10+r.IntN(20))
			emit(line)
		}
	}
	_ = job
}

// checkFleet prints which planted incidents the findings hold; 1 if one
// is missing.
func checkFleet(dir, findingsFile string) int {
	var incidents []Incident
	var findings []struct {
		Rule     string `json:"rule"`
		Evidence []struct {
			Source string `json:"source"`
			Time   int64  `json:"ts_ms"`
		} `json:"evidence"`
	}
	var doc struct {
		Findings *[]struct {
			Rule     string `json:"rule"`
			Evidence []struct {
				Source string `json:"source"`
				Time   int64  `json:"ts_ms"`
			} `json:"evidence"`
		} `json:"findings"`
	}
	doc.Findings = &findings
	for file, v := range map[string]any{filepath.Clean(dir) + ".incidents.json": &incidents, findingsFile: &doc} {
		data, err := os.ReadFile(file)
		if err == nil {
			err = json.Unmarshal(data, v)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchgen:", err)
			return 2
		}
	}
	lines, all := foundIncidents(incidents, findings)
	for _, l := range lines {
		fmt.Println("  " + l)
	}
	if !all {
		return 1
	}
	return 0
}
