package timeline

import (
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/table"
)

// logsBatch builds a logs-like batch: one event a minute from t0, levels
// cycling, and a job state change on the rows given.
func logsBatch(mem memory.Allocator, t0 int64, n int, source string, changes map[int][2]string) arrow.Record {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ts", Type: table.TimestampMs, Nullable: true},
		{Name: "level", Type: table.DictString, Nullable: true},
		{Name: "state_of", Type: table.DictString, Nullable: true},
		{Name: "state_from", Type: table.DictString, Nullable: true},
		{Name: "state_to", Type: table.DictString, Nullable: true},
		{Name: "job_id", Type: table.DictString, Nullable: true},
		{Name: "source", Type: table.DictString},
		{Name: "line", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	ts, level, of, from, to, job, src, line := table.NewTimestamps(mem), table.NewDict(mem), table.NewDict(mem),
		table.NewDict(mem), table.NewDict(mem), table.NewDict(mem), table.NewDict(mem), table.NewInt64(mem)
	lv := []string{"INFO", "WARN", "ERROR", "INFO"}
	for i := range n {
		if i != 3 { // one event without a time
			ts.Set(i, arrow.Timestamp(t0+int64(i)*60000))
		}
		level.Set(i, []byte(lv[i%len(lv)]))
		if c, ok := changes[i]; ok {
			of.Set(i, []byte("job"))
			from.Set(i, []byte(c[0]))
			to.Set(i, []byte(c[1]))
			job.Set(i, []byte("0123456789abcdef0123456789abcdef"))
		} else if i%5 == 0 {
			of.Set(i, []byte("task")) // not drawn
			from.Set(i, []byte("DEPLOYING"))
			to.Set(i, []byte("RUNNING"))
		}
		src.Set(i, []byte(source))
		line.Set(i, int64(i+1))
	}
	cols := []arrow.Array{ts.Finish(n), level.Finish(n), of.Finish(n), from.Finish(n), to.Finish(n), job.Finish(n), src.Finish(n), line.Finish(n)}
	rec := array.NewRecord(schema, cols, int64(n))
	for _, c := range cols {
		c.Release() // the record holds them
	}
	return rec
}

func TestLogsAndStates(t *testing.T) {
	// Buffers are poisoned when given out and reused: a string that still
	// pointed into a released batch would read garbage.
	mem := &table.PoolAllocator{Poison: true}
	c := New()
	t0 := int64(1700000000000)
	// Sources longer than 4 KiB: their dictionary buffer comes from the pool.
	jm := strings.Repeat("j", 5000) + "/jobmanager.log"
	rec := logsBatch(mem, t0, 1000, jm, map[int][2]string{10: {"CREATED", "RUNNING"}, 500: {"RUNNING", "RESTARTING"}})
	c.Observe("logs", rec)
	rec.Release()
	rec = logsBatch(mem, t0+1000*60000, 10, strings.Repeat("t", 5000)+"/taskmanager.log", nil) // reuses the buffers
	c.Observe("logs", rec)
	rec.Release()

	tl := c.Finish()
	if len(tl.States) != 2 || tl.States[0].To != "RUNNING" || tl.States[1].From != "RUNNING" || tl.States[1].To != "RESTARTING" {
		t.Fatalf("states %+v", tl.States)
	}
	if s := tl.States[1]; s.Source != jm || s.Line != 501 || s.Job != "0123456789abcdef0123456789abcdef" || s.Time != t0+500*60000 {
		t.Errorf("state %+v", s)
	}
	// 1010 minutes: buckets of 2 minutes keep the histogram under
	// MaxBuckets.
	if tl.BucketMs != 2*60000 {
		t.Errorf("bucket %d ms", tl.BucketMs)
	}
	total := 0
	for _, v := range tl.Volume {
		if len(v) > MaxBuckets {
			t.Errorf("%d buckets", len(v))
		}
		for _, n := range v {
			total += n
		}
	}
	if total != 1008 {
		t.Errorf("volume counts %d events; want 1008 (row 3 of each batch has no time)", total)
	}
	// Minutes 0-1: INFO, WARN; minutes 2-3: ERROR (row 3 has no time).
	if v := tl.Volume; v["INFO"][0] != 1 || v["WARN"][0] != 1 || v["ERROR"][0] != 0 || v["ERROR"][1] != 1 || v["INFO"][1] != 0 {
		t.Errorf("first buckets: INFO %v WARN %v ERROR %v", v["INFO"][:2], v["WARN"][:2], v["ERROR"][:2])
	}
}

// A long series is thinned to at most MaxPoints·2, and a spike survives.
func TestSeriesThinning(t *testing.T) {
	var s Series
	for i := range 10 * MaxPoints {
		y := 1.0
		if i == 7*MaxPoints+3 {
			y = 12800
		}
		s.add(float64(i), y)
	}
	if len(s.Points) >= 2*MaxPoints || len(s.Points) < MaxPoints/2 {
		t.Fatalf("%d points", len(s.Points))
	}
	var top float64
	for _, p := range s.Points {
		top = max(top, p[1])
	}
	if top != 12800 {
		t.Errorf("the spike was thinned away: max %v", top)
	}
}
