package flinklog

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/table"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// BenchmarkParse measures the parser alone and the parser appending to the
// Arrow builders, over the real excerpts repeated to about 16 MiB.
func BenchmarkParse(b *testing.B) {
	var one []byte
	for _, d := range corpusLogs(b) {
		one = append(one, d...)
		if len(d) > 0 && d[len(d)-1] != '\n' {
			one = append(one, '\n')
		}
	}
	data := bytes.Repeat(one, (16<<20)/len(one)+1)
	run := func(b *testing.B, sink Sink, each func()) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		p := NewParser(sink, Options{})
		for b.Loop() {
			lr := input.NewLineReader(bufio.NewReaderSize(bytes.NewReader(data), 1<<20), 0)
			if err := p.Parse("bench.log", lr); err != nil {
				b.Fatal(err)
			}
			each()
		}
	}
	b.Run("parse", func(b *testing.B) { run(b, discard{}, func() {}) })
	b.Run("arrow", func(b *testing.B) {
		bl := NewBuilder(table.Pool)
		defer bl.Release()
		bl.SetFile("bench.log", TaskManager, "")
		run(b, bl, func() {
			bl.NewRecord().Release()
			bl.RawRows.NewRecord().Release()
		})
	})
}

type discard struct{}

func (discard) Event(*Event) {}
func (discard) Raw(*RawLine) {}
