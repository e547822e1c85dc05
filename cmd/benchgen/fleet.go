package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
)

// A fleet archive: what an operator collects after weeks of a job on a
// standalone cluster, from the line shapes of the demo and the corpus.
//
//	jobmanager/flink-flink-standalonesession-0-jm-0.log[.N.gz]   log4j, rolled daily (.1 the newest, gzipped)
//	tm-NN/flink-flink-taskexecutor-0-tm-NN.log[.N.gz]            one per TaskManager, rolled daily
//	tm-NN/gc.log.N.gz, tm-NN/gc.log                               G1 unified logging, the JVM's rotation (.0 the oldest)
//	metrics/scrapes-YYYY-MM-DD.prom.gz                            Prometheus scrapes of every TaskManager, every 5 minutes
//
// and beside it DIR.incidents.json: what was planted, where and when.
//
// Background lines are healthy (no detector should fire on them); the
// incidents are planted at known times, each where an operator would find
// it: a long full GC in one TaskManager's GC log, a restart loop, a killed
// container and a heartbeat timeout in the JobManager's log, an expired
// checkpoint.

// Incident is one planted incident: the rule that must find it, when, and
// in which file.
type Incident struct {
	Rule string    `json:"rule"`
	At   time.Time `json:"at"`
	Host string    `json:"host"`
	File string    `json:"file"`
	What string    `json:"what"`
}

// Fleet describes a fleet archive to write.
type Fleet struct {
	Days, TaskManagers int
	Bytes              int64 // about how much text in all
	Start              time.Time
}

const fleetJob = "7d2e5c1a9b3f4e6d8c0a2b4d6f8e0a1c"

func tmName(i int) string { return fmt.Sprintf("tm-%02d", i) }

// generateFleet writes the archive into dir and returns the incidents.
func generateFleet(dir string, f Fleet) ([]Incident, error) {
	if f.Start.IsZero() {
		f.Start = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	day := func(d int) time.Time { return f.Start.AddDate(0, 0, d) }
	at := func(d int, hh, mm int) time.Time {
		return day(d).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
	}
	pick := func(n int) int { return n % f.TaskManagers }
	jmFile := "jobmanager/flink-flink-standalonesession-0-jm-0.log"
	incidents := []Incident{
		{Rule: "gc.pause-spike", At: at(min(2, f.Days-1), 14, 0), Host: tmName(pick(5)), What: "a 12.8 s full GC"},
		{Rule: "checkpoint.expired", At: at(min(4, f.Days-1), 9, 0), Host: "jm-0", File: jmFile, What: "checkpoint expired before completing"},
		{Rule: "job.restart-loop", At: at(min(5, f.Days-1), 2, 30), Host: "jm-0", File: jmFile, What: "four restarts in eight minutes after OutOfMemoryError"},
		{Rule: "container.killed", At: at(min(8, f.Days-1), 11, 0), Host: "jm-0", File: jmFile, What: "a TaskManager's container killed beyond its physical memory"},
		{Rule: "heartbeat.timeout", At: at(min(11, f.Days-1), 20, 0), Host: "jm-0", File: jmFile, What: "TaskManager " + tmName(pick(13)) + " stopped answering heartbeats"},
	}
	incidents[0].File = tmName(pick(5)) + "/gc.log"
	perFile := f.Bytes / int64(f.Days*(2*f.TaskManagers+2))
	for d := 0; d < f.Days; d++ {
		from, to := day(d), day(d+1)
		var mine []Incident
		for _, in := range incidents {
			if !in.At.Before(from) && in.At.Before(to) {
				mine = append(mine, in)
			}
		}
		jm := rotated(jmFile, d, f.Days, false)
		if err := writeFile(filepath.Join(dir, jm), func(w *bufio.Writer) { jobManagerDay(w, d, from, to, perFile, f, mine) }); err != nil {
			return nil, err
		}
		for t := 0; t < f.TaskManagers; t++ {
			host := tmName(t)
			log := rotated(fmt.Sprintf("%s/flink-flink-taskexecutor-0-%s.log", host, host), d, f.Days, false)
			if err := writeFile(filepath.Join(dir, log), func(w *bufio.Writer) { taskManagerDay(w, d*1000+t, from, to, perFile, host) }); err != nil {
				return nil, err
			}
			gc := rotated(host+"/gc.log", d, f.Days, true)
			var spike *Incident
			for i := range mine {
				if mine[i].Rule == "gc.pause-spike" && mine[i].Host == host {
					spike = &mine[i]
				}
			}
			if err := writeFile(filepath.Join(dir, gc), func(w *bufio.Writer) { gcDay(w, d*1000+t, f.Start, from, to, perFile, spike) }); err != nil {
				return nil, err
			}
		}
		prom := fmt.Sprintf("metrics/scrapes-%s.prom.gz", from.Format(time.DateOnly))
		// A scrape of a TaskManager is about 1.4 kB: every 5 minutes when
		// the budget allows, at least hourly.
		scrapes := min(max(perFile/1400, 24), 288)
		if err := writeFile(filepath.Join(dir, prom), func(w *bufio.Writer) { scrapesDay(w, from, to, f.TaskManagers, int(scrapes)) }); err != nil {
			return nil, err
		}
	}
	data, _ := json.MarshalIndent(incidents, "", "  ")
	return incidents, os.WriteFile(filepath.Clean(dir)+".incidents.json", append(data, '\n'), 0o644)
}

// rotated names day d's file of a set rolled daily: the last day is the
// live, plain file; older ones are gzipped, numbered backwards (log4j: .1
// the newest) or forwards (the JVM's GC log: .0 the oldest).
func rotated(name string, d, days int, forward bool) string {
	if d == days-1 {
		return name
	}
	if forward {
		return fmt.Sprintf("%s.%d.gz", name, d)
	}
	return fmt.Sprintf("%s.%d.gz", name, days-1-d)
}

func writeFile(path string, fill func(*bufio.Writer)) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var w io.Writer = f
	var zw *gzip.Writer
	if filepath.Ext(path) == ".gz" {
		zw, _ = gzip.NewWriterLevel(f, gzip.BestSpeed)
		w = zw
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	fill(bw)
	if err := bw.Flush(); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	return f.Close()
}

// logLine writes one log4j2 line in Flink's default layout.
func logLine(w *bufio.Writer, t time.Time, level, logger, msg string) int {
	b := t.AppendFormat(nil, "2006-01-02 15:04:05,000")
	b = fmt.Appendf(b, " %-5s %-60s [] - %s\n", level, logger, msg)
	w.Write(b)
	return len(b)
}

// timed is a log event to write at its time.
type timed struct {
	t     time.Time
	write func(*bufio.Writer) int
}

func jobManagerDay(w *bufio.Writer, d int, from, to time.Time, budget int64, f Fleet, incidents []Incident) {
	r := rand.New(rand.NewPCG(uint64(d), 99))
	var events []timed
	add := func(t time.Time, level, logger, msg string) {
		events = append(events, timed{t, func(w *bufio.Writer) int { return logLine(w, t, level, logger, msg) }})
	}
	const cc = "org.apache.flink.runtime.checkpoint.CheckpointCoordinator"
	const eg = "org.apache.flink.runtime.executiongraph.ExecutionGraph"
	job := "Job clickstream-enrichment (" + fleetJob + ")"
	if d == 0 {
		add(from.Add(time.Second), "INFO", eg, job+" switched from state CREATED to RUNNING.")
	}
	for _, in := range incidents {
		t := in.At
		switch in.Rule {
		case "checkpoint.expired":
			add(t, "INFO", cc, fmt.Sprintf("Checkpoint %d of job %s expired before completing.", 900000+d, fleetJob))
		case "job.restart-loop":
			for k := 0; k < 4; k++ {
				tk := t.Add(time.Duration(k) * 2 * time.Minute)
				tm := tmName(k % f.TaskManagers)
				events = append(events, timed{tk, func(w *bufio.Writer) int {
					n := logLine(w, tk, "INFO", eg, fmt.Sprintf("Window(TumblingEventTimeWindows(60000), EventTimeTrigger, SessionAggregator) -> Sink: Elasticsearch (2/%d) (%s_0a448493b4782967b150582570326227_1_%d) switched from RUNNING to FAILED on %s:41377-b8 @ %s (dataPort=39211).",
						f.TaskManagers, fleetJob, k+1, tm, tm))
					s := "java.lang.OutOfMemoryError: Java heap space\n" +
						"\tat java.util.Arrays.copyOf(Arrays.java:3537) ~[?:?]\n" +
						"\tat com.example.clickstream.SessionEnricher.map(SessionEnricher.java:88) ~[clickstream-enrichment-2.4.0.jar:?]\n" +
						"Caused by: java.lang.OutOfMemoryError: Java heap space\n"
					w.WriteString(s)
					return n + len(s)
				}})
				add(tk.Add(8*time.Millisecond), "INFO", eg, job+" switched from state RUNNING to RESTARTING.")
				add(tk.Add(10*time.Second), "INFO", eg, job+" switched from state RESTARTING to RUNNING.")
			}
		case "container.killed":
			add(t, "INFO", "org.apache.flink.runtime.resourcemanager.active.ActiveResourceManager",
				"Worker container_e10_1740787200000_0001_01_000007 is terminated. Diagnostics: Container [pid=122806,containerID=container_e10_1740787200000_0001_01_000007] is running beyond physical memory limits. Current usage: 8.1 GB of 8 GB physical memory used; 10.4 GB of 16.8 GB virtual memory used. Killing container.")
		case "heartbeat.timeout":
			tm := in.What[len("TaskManager ") : len("TaskManager ")+5]
			add(t, "INFO", "org.apache.flink.runtime.jobmaster.JobMaster", fmt.Sprintf("The heartbeat of TaskManager with id %s:35011-7a1c2e timed out.", tm))
		}
	}
	// Healthy background: a checkpoint every minute, and what the
	// dispatcher and resource manager say, until the budget is spent.
	id := int64(d*1440 + 1)
	step := to.Sub(from) / time.Duration(max(budget/400, 96))
	for t := from.Add(30 * time.Second); t.Before(to); t = t.Add(step) {
		tt := t.Add(time.Duration(r.IntN(900)) * time.Millisecond)
		add(tt, "INFO", cc, fmt.Sprintf("Triggering checkpoint %d (type=CheckpointType{name='Checkpoint', sharingFilesStrategy=FORWARD_BACKWARD}) @ %d for job %s.", id, tt.UnixMilli(), fleetJob))
		add(tt.Add(time.Duration(800+r.IntN(900))*time.Millisecond), "INFO", cc, fmt.Sprintf("Completed checkpoint %d for job %s (%d bytes, checkpointDuration=%d ms, finalizationTime=%d ms).", id, fleetJob, 48_000_000+r.IntN(1_000_000), 800+r.IntN(900), r.IntN(20)))
		id++
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].t.Before(events[j].t) })
	for _, e := range events {
		e.write(w)
	}
}

func taskManagerDay(w *bufio.Writer, seed int, from, to time.Time, budget int64, host string) {
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	const avg = 190 // bytes per line, about
	n := max(budget/avg, 100)
	step := to.Sub(from) / time.Duration(n)
	t := from
	var written int64
	for t.Before(to) && written < budget+avg {
		t = t.Add(step/2 + time.Duration(r.Int64N(int64(step))))
		if !t.Before(to) {
			break
		}
		sub := r.IntN(8)
		var k int
		switch p := r.IntN(100); {
		case p < 45:
			k = logLine(w, t, "INFO", "org.apache.flink.streaming.runtime.tasks.StreamTask",
				fmt.Sprintf("Checkpoint %d of Source: Kafka Source -> Map (%d/8)#0 acknowledged in %d ms.", t.Unix()/60, sub+1, 40+r.IntN(200)))
		case p < 70:
			k = logLine(w, t, "INFO", "org.apache.flink.runtime.state.heap.HeapKeyedStateBackend",
				"Initializing heap keyed state backend with stream factory.")
		case p < 90:
			k = logLine(w, t, "DEBUG", "org.apache.flink.runtime.io.network.partition.ResultPartition",
				fmt.Sprintf("ReleaseOnConsumptionResultPartition %x [PIPELINED_BOUNDED, 8 subpartitions, 8 pending consumptions]: Released all resources.", r.Uint64()))
		default:
			k = logLine(w, t, "INFO", "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator",
				fmt.Sprintf("[Consumer clientId=clickstream-%s-%d, groupId=clickstream] Committed offsets for partition clicks-%d at offset %d.", host, sub, sub, t.Unix()*7))
		}
		written += int64(k)
	}
}

// gcDay writes one day of a G1 unified-logging GC log (time and uptime
// decorations); spike, if set, is a 12.8 s full collection at its time.
func gcDay(w *bufio.Writer, seed int, jvmStart, from, to time.Time, budget int64, spike *Incident) {
	r := rand.New(rand.NewPCG(uint64(seed), 11))
	var b []byte
	line := func(t time.Time, tags, format string, args ...any) {
		b = t.AppendFormat(b[:0], "[2006-01-02T15:04:05.000-0700]")
		b = fmt.Appendf(b, "[%.3fs][info][%-12s] ", t.Sub(jvmStart).Seconds(), tags)
		b = fmt.Appendf(b, format, args...)
		b = append(b, '\n')
		w.Write(b)
	}
	if from.Equal(jvmStart) {
		line(from, "gc", "Using G1")
	}
	const perGC = 900 // bytes a young collection logs
	n := max(budget/perGC, 24)
	step := to.Sub(from) / time.Duration(n)
	id := int(from.Sub(jvmStart)/step) + 1
	spiked := false
	for t := from.Add(step / 2); t.Before(to); t = t.Add(step/2 + time.Duration(r.Int64N(int64(step)))) {
		kind, cause, pause := "Young (Normal)", "G1 Evacuation Pause", 5+r.Float64()*30
		if spike != nil && !spiked && !t.Before(spike.At) {
			t, kind, cause, pause, spiked = spike.At, "Full", "G1 Compaction Pause", 12800, true
		}
		end := t.Add(time.Duration(pause * float64(time.Millisecond)))
		line(t, "safepoint", "Application time: %.7f seconds", step.Seconds())
		line(t, "gc,start", "GC(%d) Pause %s (%s)", id, kind, cause)
		eden := 100 + r.IntN(60)
		line(end, "gc,heap", "GC(%d) Eden regions: %d->0(%d)", id, eden, eden+r.IntN(20))
		line(end, "gc,heap", "GC(%d) Old regions: %d->%d", id, 300, 300+r.IntN(8))
		line(end, "gc", "GC(%d) Pause %s (%s) %dM->%dM(4096M) %.3fms", id, kind, cause, 1200+eden*2, 1000+r.IntN(200), pause)
		line(end, "gc,cpu", "GC(%d) User=%.2fs Sys=%.2fs Real=%.2fs", id, pause*6/1e3, pause/1e4, pause/1e3)
		line(end, "safepoint", "Total time for which application threads were stopped: %.7f seconds, Stopping threads took: %.7f seconds",
			pause/1e3+0.0002, r.Float64()/1e4)
		id++
	}
}

// scrapesDay writes a day of Prometheus scrapes of every TaskManager,
// evenly spaced: a healthy job (steady rates, low busy time, no
// backpressure, watermarks a few seconds behind).
func scrapesDay(w *bufio.Writer, from, to time.Time, tms, scrapes int) {
	for t := from; t.Before(to); t = t.Add(to.Sub(from) / time.Duration(scrapes)) {
		ms := t.UnixMilli()
		fmt.Fprintf(w, "# scrape %s\n", t.Format(time.RFC3339))
		for tm := 0; tm < tms; tm++ {
			host := tmName(tm)
			fmt.Fprintf(w, "flink_taskmanager_Status_JVM_Memory_Heap_Used{host=\"%s\",tm_id=\"%s\",} %d %d\n", host, host, 1_500_000_000+tm*1000, ms)
			fmt.Fprintf(w, "flink_taskmanager_Status_JVM_CPU_Load{host=\"%s\",tm_id=\"%s\",} %g %d\n", host, host, 0.3, ms)
			labels := fmt.Sprintf("job_id=\"%s\",task_id=\"bc764cd8ddf7a0cff126f51c16239658\",host=\"%s\",task_name=\"Source:_Kafka_Source_->_Map\",job_name=\"clickstream-enrichment\",tm_id=\"%s\",subtask_index=\"%d\",",
				fleetJob, host, host, tm)
			fmt.Fprintf(w, "flink_taskmanager_job_task_numRecordsInPerSecond{%s} %d %d\n", labels, 6000+tm, ms)
			fmt.Fprintf(w, "flink_taskmanager_job_task_numRecordsOutPerSecond{%s} %d %d\n", labels, 6000+tm, ms)
			fmt.Fprintf(w, "flink_taskmanager_job_task_busyTimeMsPerSecond{%s} %d %d\n", labels, 200, ms)
			fmt.Fprintf(w, "flink_taskmanager_job_task_backPressuredTimeMsPerSecond{%s} %d %d\n", labels, 0, ms)
			fmt.Fprintf(w, "flink_taskmanager_job_task_operator_currentOutputWatermark{%soperator_id=\"cbc357ccb763df2852fee8c4fc7d55f2\",operator_name=\"Source:_Kafka_Source\",} %d %d\n", labels, ms-4000, ms)
		}
	}
}

// foundIncidents checks findings (flinkdx scan --format json) against the
// incidents planted: each must be found by its rule, with evidence from
// its host's file within a minute of its time. It returns a line per
// incident and whether all were found.
func foundIncidents(incidents []Incident, findings []struct {
	Rule     string `json:"rule"`
	Evidence []struct {
		Source string `json:"source"`
		Time   int64  `json:"ts_ms"`
	} `json:"evidence"`
}) ([]string, bool) {
	var lines []string
	all := true
	for _, inc := range incidents {
		found := ""
		for _, f := range findings {
			for _, e := range f.Evidence {
				at := time.UnixMilli(e.Time).UTC()
				if f.Rule == inc.Rule && found == "" && strings.Contains(e.Source, inc.Host) && at.Sub(inc.At).Abs() <= time.Minute {
					found = fmt.Sprintf("found at %s in %s", at.Format("2006-01-02 15:04:05.000"), e.Source)
				}
			}
		}
		if found == "" {
			found, all = "NOT FOUND", false
		}
		lines = append(lines, fmt.Sprintf("%-18s planted %s on %-5s (%s): %s", inc.Rule, inc.At.Format("2006-01-02 15:04"), inc.Host, inc.What, found))
	}
	return lines, all
}
