package metrics

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// BenchmarkPrometheusIngest parses Prometheus scrapes into Arrow batches
// of the metrics table (what ingest does before Parquet), on the scrapes
// of a 50-TaskManager job "make bench-data" writes (cmd/benchgen -kind
// prom), or DataDog's fixture repeated when those are missing.
func BenchmarkPrometheusIngest(b *testing.B) {
	data := benchScrapes(b, 128<<20)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	raw := table.NewRawBuilder(table.Pool)
	mb := NewBuilder(table.Pool, raw)
	mb.SetFile("metrics.prom")
	sink := &batchSink{mb}
	p := NewParser(sink, nil)
	r := bytes.NewReader(data)
	br := bufio.NewReaderSize(r, 1<<20)
	b.ResetTimer()
	for b.Loop() {
		r.Reset(data)
		br.Reset(r)
		if err := p.ParsePrometheus("metrics.prom", input.NewLineReader(br, 0)); err != nil {
			b.Fatal(err)
		}
	}
	if c := p.Counts(); c.Unparsed > 0 {
		b.Fatalf("%d lines not understood", c.Unparsed)
	}
}

// batchSink cuts a batch every 65536 rows, as ingest does.
type batchSink struct{ b *Builder }

func (s *batchSink) Sample(x *Sample) {
	s.b.Sample(x)
	if s.b.Rows() >= 65536 {
		s.b.NewRecord().Release()
	}
}
func (s *batchSink) Raw(r *RawLine) { s.b.Raw(r) }

func benchScrapes(b *testing.B, n int) []byte {
	if f, err := os.Open("../../testdata/bench/metrics.prom"); err == nil {
		defer f.Close()
		data := make([]byte, n)
		n, _ = io.ReadFull(f, data)
		return data[:bytes.LastIndexByte(data[:n], '\n')+1]
	}
	src, err := os.ReadFile("../../testdata/metrics/datadog_flink/metrics.txt")
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Repeat(src, n/len(src)/8+1)
}
