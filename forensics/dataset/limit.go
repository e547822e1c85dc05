package dataset

import (
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// Limit narrows a scan to a time range, a host and a job. Partition
// folders that cannot hold a row within it are not read at all; of the
// rest, rows outside the range, and rows that name another host or
// another job, are left out. Rows that name no host or job (most log lines
// carry no job id) stay: they are the context of the job's own lines.
type Limit struct {
	From, To time.Time // either may be zero: open
	Host     string
	Job      string // a job id or name
}

// Set says the limit leaves anything out.
func (l Limit) Set() bool { return !l.From.IsZero() || !l.To.IsZero() || l.Host != "" || l.Job != "" }

// Files prunes the partition folders of a dataset's files.
func (l Limit) Files(f Files) Files {
	if !l.Set() {
		return f
	}
	return limitedFiles{f, l}
}

type limitedFiles struct {
	Files
	l Limit
}

func (f limitedFiles) List(t string) ([]string, error) {
	names, err := f.Files.List(t)
	if err != nil {
		return nil, err
	}
	kept := names[:0:0]
	for _, n := range names {
		if f.l.folderMayHold(PartitionValues(n)) {
			kept = append(kept, n)
		}
	}
	return kept, nil
}

func (l Limit) folderMayHold(kv map[string]string) bool {
	if d, ok := kv["date"]; ok {
		if d == "" {
			// Rows of no known day: only an open range may want them.
			if !l.From.IsZero() || !l.To.IsZero() {
				return false
			}
		} else if day, err := time.Parse(time.DateOnly, d); err == nil {
			if !l.From.IsZero() && !day.Add(24*time.Hour).After(l.From) || !l.To.IsZero() && !day.Before(l.To) {
				return false
			}
		}
	}
	if h, ok := kv["host"]; ok && l.Host != "" && h != "" && h != l.Host {
		return false
	}
	return true
}

// Observe wraps an observer: it sees only the rows within the limit.
func (l Limit) Observe(mem memory.Allocator, next func(string, arrow.Record)) func(string, arrow.Record) {
	if !l.Set() {
		return next
	}
	return func(t string, rec arrow.Record) {
		keep := l.rows(rec)
		n := 0
		for _, k := range keep {
			if k {
				n++
			}
		}
		switch n {
		case 0:
			return
		case len(keep):
			next(t, rec)
			return
		}
		// The rows kept, as a batch of their own (detectors read
		// buffers from offset 0).
		var parts []arrow.Record
		for i := 0; i < len(keep); {
			if !keep[i] {
				i++
				continue
			}
			j := i
			for j < len(keep) && keep[j] {
				j++
			}
			parts = append(parts, rec.NewSlice(int64(i), int64(j)))
			i = j
		}
		cols := make([]arrow.Array, rec.NumCols())
		for c := range cols {
			arrs := make([]arrow.Array, len(parts))
			for p, part := range parts {
				arrs[p] = part.Column(c)
			}
			col, err := array.Concatenate(arrs, mem)
			if err != nil {
				// Cannot happen for the arrays ingest makes; if it
				// does, the batch is seen whole rather than lost.
				for _, p := range parts {
					p.Release()
				}
				next(t, rec)
				return
			}
			cols[c] = col
		}
		for _, p := range parts {
			p.Release()
		}
		out := array.NewRecord(rec.Schema(), cols, int64(n))
		for _, c := range cols {
			c.Release()
		}
		next(t, out)
		out.Release()
	}
}

// rows says which rows of a batch are within the limit.
func (l Limit) rows(rec arrow.Record) []bool {
	n := int(rec.NumRows())
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	if !l.From.IsZero() || !l.To.IsZero() {
		ts := schema.Int64(rec, "ts")
		from, to := l.From.UnixMilli(), l.To.UnixMilli()
		prev := true
		for i := 0; ts.OK() && i < n; i++ {
			v, ok := ts.Get(i)
			if !ok {
				keep[i] = prev // a row without a time goes with the one before it
				continue
			}
			keep[i] = (l.From.IsZero() || v >= from) && (l.To.IsZero() || v < to)
			prev = keep[i]
		}
	}
	if l.Host != "" {
		host := schema.Str(rec, "host")
		for i := 0; i < n; i++ {
			if v := host.Get(i); keep[i] && v != "" && v != l.Host {
				keep[i] = false
			}
		}
	}
	if l.Job != "" {
		id, name := schema.Str(rec, "job_id"), schema.Str(rec, "job_name")
		for i := 0; i < n; i++ {
			if !keep[i] {
				continue
			}
			idv, namev := id.Get(i), name.Get(i)
			if (idv != "" || namev != "") && idv != l.Job && namev != l.Job {
				keep[i] = false
			}
		}
	}
	return keep
}
