package gclog

import (
	"fmt"
	"math"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/table"
)

// Schema is the gc table: one row per GC event. docs/schema.md describes
// every column.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "ts", Type: table.TimestampMs, Nullable: true},
	{Name: "ts_derived", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "uptime_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "jvm", Type: table.DictString},
	{Name: "source", Type: table.DictString},
	{Name: "line", Type: arrow.PrimitiveTypes.Int64},
	{Name: "offset", Type: arrow.PrimitiveTypes.Int64},
	{Name: "lines", Type: arrow.PrimitiveTypes.Int32},
	{Name: "collector", Type: table.DictString, Nullable: true},
	{Name: "kind", Type: table.DictString},
	{Name: "name", Type: table.DictString},
	{Name: "cause", Type: table.DictString, Nullable: true},
	{Name: "gc_id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "pause_ms", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "concurrent_ms", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "heap_before", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "heap_after", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "heap_capacity", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "young_before", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "young_after", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "young_capacity", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "old_before", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "old_after", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "old_capacity", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "meta_before", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "meta_after", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "meta_capacity", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "user_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "sys_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "real_s", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "safepoint_op", Type: table.DictString, Nullable: true},
	{Name: "ttsp_ms", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "promotion_failed", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "concurrent_mode_failure", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "to_space_exhausted", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "humongous", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "allocation_stall", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "system_gc", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "initial_mark", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "phase_start", Type: arrow.FixedWidthTypes.Boolean},
}, nil)

// Builder appends events to gc batches and unparsed lines to a raw
// builder it shares with the other parsers. It also keeps the Stats of
// each JVM. Call SetFile before the events of each file.
type Builder struct {
	ts                    table.Timestamps
	derived               table.Bool
	uptime                table.Float64
	jvm, source           *table.Dict
	line, offset          table.Int64
	lines                 table.Int32
	collector, kind, name *table.Dict
	cause                 *table.Dict
	gcID                  table.Int64
	pause, concurrent     table.Float64
	sizes                 [12]table.Int64 // heap, young, old, meta × before, after, capacity
	user, sys, real       table.Float64
	op                    *table.Dict
	ttsp                  table.Float64
	flags                 [8]table.Bool
	rows, size            int
	file, jvmName         []byte
	raw                   *table.RawBuilder
	stats                 *Stats
	// Stats per JVM, in the order first seen.
	Stats []*Stats
	byJVM map[string]*Stats
	// The rotated set being read, which run of its JVM, and the last
	// uptime seen (a smaller one starts a new run).
	set        string
	run        int
	lastUptime float64
	lastWall   int64
	// Counts for the file being read.
	Events, RawLines int64
	MinTime, MaxTime int64
	HasTime          bool
}

var _ table.Builder = (*Builder)(nil)
var _ Sink = (*Builder)(nil)

// NewBuilder makes a Builder whose unparsed lines go to raw.
func NewBuilder(mem memory.Allocator, raw *table.RawBuilder) *Builder {
	d := func() *table.Dict { return table.NewDict(mem) }
	b := &Builder{
		ts: table.NewTimestamps(mem), derived: table.NewBool(mem), uptime: table.NewFloat64(mem),
		jvm: d(), source: d(), line: table.NewInt64(mem), offset: table.NewInt64(mem), lines: table.NewInt32(mem),
		collector: d(), kind: d(), name: d(), cause: d(), gcID: table.NewInt64(mem),
		pause: table.NewFloat64(mem), concurrent: table.NewFloat64(mem),
		user: table.NewFloat64(mem), sys: table.NewFloat64(mem), real: table.NewFloat64(mem),
		op: d(), ttsp: table.NewFloat64(mem), raw: raw, byJVM: map[string]*Stats{},
	}
	for i := range b.sizes {
		b.sizes[i] = table.NewInt64(mem)
	}
	for i := range b.flags {
		b.flags[i] = table.NewBool(mem)
	}
	return b
}

// SetFile says which file the next events come from and which JVM wrote
// it (a rotated set of files is one JVM).
func (b *Builder) SetFile(source, jvm string) {
	b.file = append(b.file[:0], source...)
	if jvm != b.set {
		// Another rotated set: its first run.
		b.set, b.run, b.lastUptime, b.lastWall = jvm, 1, -1, 0
		b.useJVM(jvm)
	}
	b.Events, b.RawLines, b.HasTime = 0, 0, false
}

// useJVM makes the next events the JVM's (its statistics, its name in
// the jvm column).
func (b *Builder) useJVM(jvm string) {
	b.jvmName = append(b.jvmName[:0], jvm...)
	st, ok := b.byJVM[jvm]
	if !ok {
		st = NewStats(jvm, 0)
		b.byJVM[jvm] = st
		b.Stats = append(b.Stats, st)
	}
	b.stats = st
}

// restart notes a new run of the JVM within one rotated set: the uptime
// starts again while the clock goes on (a restarted TaskManager that
// writes to the same files). Each run is a JVM of its own, "<set> (run
// N)". Without dates, only a restart within one file is told: the files
// of a set may be read newest first.
func (b *Builder) restart(e *Event) {
	up := e.Uptime
	if math.IsNaN(up) {
		return
	}
	if b.lastUptime >= 0 && up+1 < b.lastUptime {
		clockOn := e.HasTime && b.lastWall > 0 && e.Time >= b.lastWall
		sameFile := !e.HasTime && b.Events > 0
		if clockOn || sameFile {
			b.run++
			b.useJVM(fmt.Sprintf("%s (run %d)", b.set, b.run))
		}
	}
	b.lastUptime = up
	if e.HasTime {
		b.lastWall = e.Time
	}
}

func setNum(c table.Float64, row int, v, scale float64) {
	if !math.IsNaN(v) {
		c.Set(row, v*scale)
	}
}

func setSize(c table.Int64, row int, v int64) {
	if v >= 0 {
		c.Set(row, v)
	}
}

// Event appends one event.
func (b *Builder) Event(e *Event) {
	b.restart(e)
	r := b.rows
	if e.HasTime {
		b.ts.Set(r, arrow.Timestamp(e.Time))
		if e.Derived {
			b.derived.Set(r)
		}
		if !b.HasTime || e.Time < b.MinTime {
			b.MinTime = e.Time
		}
		if !b.HasTime || e.Time > b.MaxTime {
			b.MaxTime = e.Time
		}
		b.HasTime = true
	}
	setNum(b.uptime, r, e.Uptime, 1)
	b.jvm.Set(r, b.jvmName)
	b.source.Set(r, b.file)
	b.line.Set(r, e.Line)
	b.offset.Set(r, e.Offset)
	b.lines.Set(r, e.Lines)
	if e.Collector != "" {
		b.collector.Set(r, []byte(e.Collector))
	}
	b.kind.Set(r, []byte(e.Kind.String()))
	b.name.Set(r, []byte(e.Name))
	if e.Cause != "" {
		b.cause.Set(r, []byte(e.Cause))
	}
	if e.GCID >= 0 {
		b.gcID.Set(r, e.GCID)
	}
	setNum(b.pause, r, e.Pause, 1e3)
	setNum(b.concurrent, r, e.Concurrent, 1e3)
	for i, s := range [4]Sizes{e.Heap, e.Young, e.Old, e.Meta} {
		setSize(b.sizes[3*i], r, s.Before)
		setSize(b.sizes[3*i+1], r, s.After)
		setSize(b.sizes[3*i+2], r, s.Capacity)
	}
	setNum(b.user, r, e.User, 1)
	setNum(b.sys, r, e.Sys, 1)
	setNum(b.real, r, e.Real, 1)
	if e.SafepointOp != "" {
		b.op.Set(r, []byte(e.SafepointOp))
	}
	setNum(b.ttsp, r, e.TTSP, 1e3)
	for i, f := range [8]Flag{PromotionFailed, ConcurrentModeFailure, ToSpaceExhausted, Humongous,
		AllocationStall, SystemGC, InitialMarkCycle, PhaseStart} {
		if e.Flags&f != 0 {
			b.flags[i].Set(r)
		}
	}
	b.rows++
	b.size += 160 + len(e.Name) + len(e.Cause)
	b.Events++
	if b.stats != nil {
		b.stats.Add(e)
	}
}

// Raw appends a line no parser understood to the raw table.
func (b *Builder) Raw(l *RawLine) {
	b.raw.Append(string(b.file), l.Line, l.Offset, l.Text, l.Reason, l.OriginalLength)
	b.RawLines++
}

func (b *Builder) Rows() int { return b.rows }
func (b *Builder) Size() int { return b.size }

// NewRecord returns the gc batch and starts over.
func (b *Builder) NewRecord() arrow.Record {
	n := b.rows
	cols := []arrow.Array{
		b.ts.Finish(n), b.derived.Finish(n), b.uptime.Finish(n), b.jvm.Finish(n), b.source.Finish(n),
		b.line.Finish(n), b.offset.Finish(n), b.lines.Finish(n),
		b.collector.Finish(n), b.kind.Finish(n), b.name.Finish(n), b.cause.Finish(n), b.gcID.Finish(n),
		b.pause.Finish(n), b.concurrent.Finish(n),
	}
	for _, c := range b.sizes {
		cols = append(cols, c.Finish(n))
	}
	cols = append(cols, b.user.Finish(n), b.sys.Finish(n), b.real.Finish(n), b.op.Finish(n), b.ttsp.Finish(n))
	for _, c := range b.flags {
		cols = append(cols, c.Finish(n))
	}
	rec := array.NewRecord(Schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	b.rows, b.size = 0, 0
	return rec
}

// Release frees the builders.
func (b *Builder) Release() {
	for _, d := range []*table.Dict{b.jvm, b.source, b.collector, b.kind, b.name, b.cause, b.op} {
		d.Release()
	}
	b.ts.Release()
	b.derived.Release()
	b.line.Release()
	b.offset.Release()
	b.lines.Release()
	b.gcID.Release()
	for _, c := range []table.Float64{b.uptime, b.pause, b.concurrent, b.user, b.sys, b.real, b.ttsp} {
		c.Release()
	}
	for _, c := range b.sizes {
		c.Release()
	}
	for _, c := range b.flags {
		c.Release()
	}
}
