// Command benchpeers runs flinkdx and its peers on the same files, one after
// another in one process tree, and prints each one's wall time, throughput
// and peak memory, and the ratios the project is held to:
//
//   - flinkdx ingest vs DuckDB extracting the same log's fields with regular
//     expressions into Parquet, on the same number of threads (target:
//     flinkdx at least 2× DuckDB's throughput, every line kept by both);
//   - flinkdx vs lnav loading the log and counting its messages headless
//     (target: within 1.5× of lnav's time, although flinkdx also extracts
//     Flink's fields and writes Parquet);
//   - flinkdx on .zst input vs zstd -d alone (target: within 3×), and on
//     .gz input vs gzip -d alone;
//   - wc -l, the speed of reading the file at all;
//   - flinkdx's peak RSS on 1 GiB and on 8 GiB of log (target: within 20 %).
//
// Each run but the big one is timed three times; the median counts. The
// first, "wc -l", also brings the log into the page cache.
//
// Linux only: peak memory is the child's rusage maxrss.
//
//	go run ./cmd/benchpeers -flinkdx bin/flinkdx -log testdata/bench/big/taskmanager-1g.log [-big testdata/bench/big/taskmanager-8g.log]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

type result struct {
	name   string
	bytes  float64 // of log the run read (0: the -log file's)
	secs   float64
	rssMiB float64
	out    string
}

// repeats is how many times each short run is timed; the median counts.
var repeats = 3

// median runs a command repeats times and keeps the run of median time.
func median(name string, stdout string, args ...string) (result, error) {
	var rs []result
	for range repeats {
		r, err := run(name, stdout, args...)
		if err != nil {
			return r, err
		}
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].secs < rs[j].secs })
	return rs[len(rs)/2], nil
}

func run(name string, stdout string, args ...string) (result, error) {
	cmd := exec.Command(args[0], args[1:]...)
	var out strings.Builder
	cmd.Stderr = &out
	if stdout != "" {
		f, err := os.Create(stdout)
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		cmd.Stdout = f
	} else {
		cmd.Stdout = &out
	}
	start := time.Now()
	err := cmd.Run()
	r := result{name: name, secs: time.Since(start).Seconds(), out: strings.TrimSpace(out.String())}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.rssMiB = float64(ru.Maxrss) / 1024
	}
	if err != nil {
		return r, fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, r.out)
	}
	return r, nil
}

func main() {
	flinkdx := flag.String("flinkdx", "bin/flinkdx", "the flinkdx binary")
	log := flag.String("log", "testdata/bench/big/taskmanager-1g.log", "a TaskManager log (LOG.gz and LOG.zst beside it are its compressed forms)")
	big := flag.String("big", "", "a larger log of the same kind, for the memory comparison (8 GiB)")
	threads := flag.Int("j", 2, "threads for flinkdx and DuckDB")
	work := flag.String("work", "out/benchpeers", "scratch directory")
	flag.Parse()
	st, err := os.Stat(*log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchpeers:", err)
		os.Exit(2)
	}
	size := float64(st.Size())
	os.RemoveAll(*work)
	os.MkdirAll(*work, 0o755)
	j := fmt.Sprint(*threads)
	must := func(r result, err error) result {
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchpeers:", err)
			os.Exit(1)
		}
		return r
	}
	ingest := func(name, input string, flags ...string) result {
		dir := filepath.Join(*work, name)
		os.RemoveAll(dir)
		// --fresh: every timed run reads everything (a second run into the
		// same directory would skip what is there).
		args := append([]string{*flinkdx, "ingest", input, "-o", dir, "-j", j, "--quiet", "--fresh"}, flags...)
		return must(median("flinkdx "+name, "", args...))
	}
	var rows []result
	rows = append(rows, must(run("wc -l", "", "wc", "-l", *log)))
	fdx := ingest("plain", *log)
	// The same without redaction, which none of the peers does.
	bare := ingest("plain --no-redact", *log, "--no-redact")
	rows = append(rows, fdx, bare)
	duck := must(median("duckdb regexp → parquet", "", "node", "site/e2e/peer-duckdb.mjs", *log, filepath.Join(*work, "duckdb.parquet"), j))
	rows = append(rows, duck)
	var lnav result
	if _, err := exec.LookPath("lnav"); err == nil {
		lnav = must(median("lnav count(*)", "", "lnav", "-n", "-c", ";SELECT count(*) FROM all_logs", *log))
		rows = append(rows, lnav)
	}
	var zstdRow, fdxZstd, gzRow, fdxGz result
	if _, err := os.Stat(*log + ".zst"); err == nil {
		zstdRow = must(median("zstd -d", os.DevNull, "zstd", "-d", "-c", *log+".zst"))
		fdxZstd = ingest("zst", *log+".zst")
		rows = append(rows, zstdRow, fdxZstd)
	}
	if _, err := os.Stat(*log + ".gz"); err == nil {
		gzRow = must(median("gzip -d", os.DevNull, "gzip", "-d", "-c", *log+".gz"))
		fdxGz = ingest("gz", *log+".gz")
		rows = append(rows, gzRow, fdxGz)
	}
	var bigRow result
	if *big != "" {
		repeats = 1 // long enough to be steady
		bigRow = ingest("big", *big)
		bst, _ := os.Stat(*big)
		bigRow.bytes = float64(bst.Size())
		bigRow.name = fmt.Sprintf("flinkdx big (%.1f GiB)", bigRow.bytes/(1<<30))
		rows = append(rows, bigRow)
	}
	fmt.Printf("%s, %.2f GiB of log, %s threads; the median of 3 runs each (the big log: 1)\n", *log, size/(1<<30), j)
	fmt.Printf("  %-28s %8s %10s %10s\n", "", "seconds", "MB/s", "peak RSS")
	for _, r := range rows {
		b := r.bytes
		if b == 0 {
			b = size
		}
		fmt.Printf("  %-28s %8.2f %10.1f %7.0f MiB\n", r.name, r.secs, b/1e6/r.secs, r.rssMiB)
	}
	fmt.Println("ratios (target):")
	check := func(what string, v float64, ok bool, target string) {
		verdict := "met"
		if !ok {
			verdict = "MISSED"
		}
		fmt.Printf("  %-48s %6.2f  (%s: %s)\n", what, v, target, verdict)
	}
	check("flinkdx throughput / DuckDB's", duck.secs/fdx.secs, duck.secs/fdx.secs >= 2, ">= 2")
	check("  the same, flinkdx --no-redact", duck.secs/bare.secs, duck.secs/bare.secs >= 2, ">= 2")
	if lnav.secs > 0 {
		check("flinkdx time / lnav's", fdx.secs/lnav.secs, fdx.secs/lnav.secs <= 1.5, "<= 1.5")
		check("  the same, flinkdx --no-redact", bare.secs/lnav.secs, bare.secs/lnav.secs <= 1.5, "<= 1.5")
	}
	if zstdRow.secs > 0 {
		check("flinkdx on .zst / zstd -d alone", fdxZstd.secs/zstdRow.secs, fdxZstd.secs/zstdRow.secs <= 3, "<= 3")
	}
	if gzRow.secs > 0 {
		check("flinkdx on .gz / gzip -d alone", fdxGz.secs/gzRow.secs, true, "reported")
	}
	if bigRow.secs > 0 {
		d := bigRow.rssMiB/fdx.rssMiB - 1
		check("flinkdx peak RSS, big / 1 GiB - 1", d, d < 0.2 && d > -0.2, "within ±0.20")
	}
}
