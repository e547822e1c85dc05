package parquetfile

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/table"
)

// BenchmarkEncode measures a logs batch of 65,536 rows (the real excerpts,
// repeated) encoded as a Parquet row group with zstd, on one goroutine:
// the encoding half of the ingest.
func BenchmarkEncode(b *testing.B) {
	paths, _ := filepath.Glob("../../testdata/flinklog/excerpts/*.log")
	var one []byte
	for _, p := range paths {
		d, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		one = append(one, d...)
	}
	if len(one) == 0 {
		b.Fatal("no excerpts")
	}
	bl := flinklog.NewBuilder(table.Pool)
	defer bl.Release()
	bl.SetFile("bench.log", flinklog.TaskManager, "")
	p := flinklog.NewParser(bl, flinklog.Options{})
	for bl.Rows() < 65536 {
		if err := p.Parse("bench.log", input.NewLineReader(bufio.NewReader(bytes.NewReader(one)), 0)); err != nil {
			b.Fatal(err)
		}
	}
	rec := bl.NewRecord()
	defer rec.Release()
	var size int64
	for _, c := range rec.Columns() {
		for _, buf := range c.Data().Buffers() {
			if buf != nil {
				size += int64(buf.Len())
			}
		}
	}
	f, err := NewFile(io.Discard, "logs", flinklog.Schema, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		rg, err := f.Encode(rec)
		if err == nil {
			err = f.Commit(rg)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
