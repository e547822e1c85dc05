package gclog

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// countSink counts events; the benchmarks measure the parser alone.
type countSink struct{ events, raw int }

func (c *countSink) Event(*Event) { c.events++ }
func (c *countSink) Raw(*RawLine) { c.raw++ }

// repeated is a corpus sample repeated to about n bytes.
func repeated(b *testing.B, name string, n int) []byte {
	src := archive(b, "gcviewer-openjdk.tar.gz")["openjdk/"+name]
	if len(src) == 0 {
		b.Fatalf("no %s", name)
	}
	return bytes.Repeat(src, n/len(src)+1)
}

func benchParse(b *testing.B, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	sink := &countSink{}
	p := NewParser(sink, Options{})
	r := bytes.NewReader(data)
	br := bufio.NewReaderSize(r, 1<<20)
	b.ResetTimer()
	for b.Loop() {
		r.Reset(data)
		br.Reset(r)
		if err := p.Parse("bench", input.NewLineReader(br, 0)); err != nil && err != io.EOF {
			b.Fatal(err)
		}
	}
	if sink.raw > 0 {
		b.Fatalf("%d lines not understood", sink.raw)
	}
}

// BenchmarkParseG1Unified: JDK 11 G1 with -Xlog:gc*,safepoint (every
// decoration, phases, heap regions, CPU times, safepoints).
func BenchmarkParseG1Unified(b *testing.B) {
	benchParse(b, repeated(b, "unified-jvm-logging/sample-ujl-g1-gc-all,safepoint,os+cpu.txt", 64<<20))
}

// BenchmarkParseCMSJDK8: JDK 7/8 CMS with datestamps, PrintGCDetails,
// tenuring distribution and application stopped time.
func BenchmarkParseCMSJDK8(b *testing.B) {
	benchParse(b, repeated(b, "SampleSun1_7_0_51_CMS_PrintApplStoppedTime_TenuringDist.txt", 64<<20))
}

// BenchmarkParseG1DetailsJDK8: JDK 8 G1 with its multi-line detail blocks.
func BenchmarkParseG1DetailsJDK8(b *testing.B) {
	benchParse(b, repeated(b, "SampleSun1_8_0G1_ConcurrentCycle.txt", 64<<20))
}

// generated reads a log made by "make bench-data" (cmd/benchgen), up to
// n bytes.
func generated(b *testing.B, name string, n int) []byte {
	f, err := os.Open("../../testdata/bench/" + name)
	if err != nil {
		b.Skipf("%v (make bench-data writes it)", err)
	}
	defer f.Close()
	data := make([]byte, n)
	n, _ = io.ReadFull(f, data)
	return data[:bytes.LastIndexByte(data[:n], '\n')+1] // whole lines
}

// BenchmarkParseGeneratedG1: a JDK 17-style G1 log with every
// decoration, phases, heap, CPU and safepoint lines (cmd/benchgen -kind g1).
func BenchmarkParseGeneratedG1(b *testing.B) {
	benchParse(b, generated(b, "gc-g1.log", 128<<20))
}

// BenchmarkParseGeneratedCMS: a JDK 8 CMS log with datestamps, tenuring
// distribution, stopped time and CMS cycles (cmd/benchgen -kind cms).
func BenchmarkParseGeneratedCMS(b *testing.B) {
	benchParse(b, generated(b, "gc-cms.log", 128<<20))
}
