package scratch

import (
	"bufio"
	"io"
	"os"
	"testing"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/flinkdx/flinkdx/forensics/flinklog"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/table"
)

type sink struct {
	b    *flinklog.Builder
	recs []arrow.Record
}

func (s *sink) Event(e *flinklog.Event) {
	s.b.Event(e)
	if s.b.Rows() == 65536 {
		s.recs = append(s.recs, s.b.NewRecord())
	}
}
func (s *sink) Raw(r *flinklog.RawLine) {}

func records(b *testing.B) []arrow.Record {
	f, _ := os.Open("../../../testdata/bench/taskmanager.log")
	defer f.Close()
	s := &sink{b: flinklog.NewBuilder(memory.DefaultAllocator)}
	s.b.SetFile("tm.log", flinklog.TaskManager, "")
	p := flinklog.NewParser(s, flinklog.Options{})
	p.Parse("x", input.NewLineReader(bufio.NewReaderSize(io.LimitReader(f, 64<<20), 1<<20), 0))
	return s.recs
}

type Row struct {
	Ts          *int64  `parquet:"ts,optional,timestamp(millisecond:utc)"`
	Level       *string `parquet:"level,optional,dict"`
	Logger      *string `parquet:"logger,optional,dict"`
	Thread      *string `parquet:"thread,optional,dict"`
	Message     string  `parquet:"message"`
	Detail      *string `parquet:"detail,optional"`
	Lines       int32   `parquet:"lines"`
	Source      string  `parquet:"source,dict"`
	Line        int64   `parquet:"line"`
	Offset      int64   `parquet:"offset"`
	Role        *string `parquet:"role,optional,dict"`
	Host        *string `parquet:"host,optional,dict"`
	Prefix      *string `parquet:"prefix,optional,dict"`
	Context     *string `parquet:"context,optional,dict"`
	OOO         bool    `parquet:"out_of_order"`
	Trunc       bool    `parquet:"truncated"`
	Cont        bool    `parquet:"continued"`
	JobID       *string `parquet:"job_id,optional,dict"`
	JobName     *string `parquet:"job_name,optional,dict"`
	StateOf     *string `parquet:"state_of,optional,dict"`
	From        *string `parquet:"state_from,optional,dict"`
	To          *string `parquet:"state_to,optional,dict"`
	Task        *string `parquet:"task,optional,dict"`
	Subtask     *int32  `parquet:"subtask,optional"`
	Par         *int32  `parquet:"parallelism,optional"`
	Attempt     *string `parquet:"attempt,optional"`
	TM          *string `parquet:"taskmanager,optional,dict"`
	Container   *string `parquet:"container,optional,dict"`
	Checkpoint  *int64  `parquet:"checkpoint,optional"`
	Exc         *string `parquet:"exception,optional,dict"`
	ExcMsg      *string `parquet:"exception_message,optional"`
	Root        *string `parquet:"root_cause,optional,dict"`
	RootMsg     *string `parquet:"root_cause_message,optional"`
}

func BenchmarkValues(b *testing.B) {
	recs := records(b)
	b.ResetTimer()
	for b.Loop() {
		pf, _ := table.NewParquetFile(io.Discard, "logs", flinklog.Schema, nil)
		var enc table.Encoder
		for _, r := range recs {
			g, err := enc.Encode(pf, r)
			if err != nil {
				b.Fatal(err)
			}
			pf.Commit(g)
		}
		pf.Close()
	}
}

func str(a arrow.Array, i int, p *[]string) *string {
	if a.IsNull(i) {
		return nil
	}
	var s string
	switch x := a.(type) {
	case *array.Dictionary:
		d := x.Dictionary().(*array.String)
		s = d.Value(x.GetValueIndex(i))
	case *array.String:
		s = x.Value(i)
	case *array.Binary:
		v := x.Value(i)
		s = unsafe.String(unsafe.SliceData(v), len(v))
	}
	*p = append(*p, s)
	return &(*p)[len(*p)-1]
}

func BenchmarkGeneric(b *testing.B) {
	recs := records(b)
	rows := make([]Row, 65536)
	strs := make([]string, 0, 65536*12)
	i64 := make([]int64, 0, 65536*2)
	b.ResetTimer()
	for b.Loop() {
		w := parquet.NewGenericWriter[Row](io.Discard, parquet.Compression(codec), parquet.PageBufferSize(1<<20))
		for _, r := range recs {
			strs, i64 = strs[:0], i64[:0]
			c := r.Columns()
			n := int(r.NumRows())
			ts := c[0].(*array.Timestamp).TimestampValues()
			for k := 0; k < n; k++ {
				row := &rows[k]
				*row = Row{}
				i64 = append(i64, int64(ts[k]))
				row.Ts = &i64[len(i64)-1]
				row.Level = str(c[1], k, &strs)
				row.Logger = str(c[2], k, &strs)
				row.Message = *str(c[4], k, &strs)
				row.Detail = str(c[5], k, &strs)
				row.Lines = c[6].(*array.Int32).Value(k)
				row.Source = *str(c[7], k, &strs)
				row.Line = c[8].(*array.Int64).Value(k)
				row.Offset = c[9].(*array.Int64).Value(k)
				row.Role = str(c[10], k, &strs)
				row.Task = str(c[22], k, &strs)
				row.Attempt = str(c[25], k, &strs)
				row.Exc = str(c[29], k, &strs)
				row.ExcMsg = str(c[30], k, &strs)
				row.Root = str(c[31], k, &strs)
				row.RootMsg = str(c[32], k, &strs)
			}
			if _, err := w.Write(rows[:n]); err != nil {
				b.Fatal(err)
			}
			w.Flush()
		}
		w.Close()
	}
}

var codec compress.Codec = &zstd.Codec{Level: zstd.SpeedFastest}

func BenchmarkGenericPlain(b *testing.B) {
	codec = &parquet.Uncompressed
	defer func() { codec = &zstd.Codec{Level: zstd.SpeedFastest} }()
	BenchmarkGeneric(b)
}
