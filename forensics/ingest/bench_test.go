package ingest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/parquetfile"
)

// benchLog repeats the real excerpts and the demo's JobManager log to about
// 16 MiB.
func benchLog(b *testing.B) []byte {
	files, _ := filepath.Glob("../../testdata/flinklog/*/*.log")
	var one []byte
	for _, f := range files {
		d, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		one = append(one, d...)
		if len(d) > 0 && d[len(d)-1] != '\n' {
			one = append(one, '\n')
		}
	}
	return bytes.Repeat(one, (16<<20)/len(one)+1)
}

// BenchmarkIngest measures the whole pipeline (walk, parse, Arrow, Parquet
// with zstd) into memory; `make bench` also runs the CLI on 512 MiB and 2 GiB.
func BenchmarkIngest(b *testing.B) {
	data := benchLog(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		out := dataset.NewMemOutput()
		in := New(dataset.New(out, parquetfile.Format{}, nil, 0), Options{})
		in.Reader("bench.log", bytes.NewReader(data))
		if _, err := in.Finish(out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIngestGenerated runs the pipeline over the first 64 MiB of the
// generated TaskManager log of `make bench-data` (skipped without it). Run
// with -cpu 1 its time per op is the CPU the pipeline costs.
func BenchmarkIngestGenerated(b *testing.B) {
	f, err := os.Open("../../testdata/bench/taskmanager.log")
	if err != nil {
		b.Skip("no generated log: run make bench-data")
	}
	defer f.Close()
	data := make([]byte, 64<<20)
	n, _ := io.ReadFull(f, data)
	data = data[:bytes.LastIndexByte(data[:n], '\n')+1]
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		out := dataset.NewMemOutput()
		in := New(dataset.New(out, parquetfile.Format{}, nil, 0), Options{})
		in.Reader("taskmanager.log", bytes.NewReader(data))
		if _, err := in.Finish(out); err != nil {
			b.Fatal(err)
		}
	}
}
