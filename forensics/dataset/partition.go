package dataset

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/flinkdx/flinkdx/forensics/schema"
)

// Layout is how a table's files are laid out in Hive-style folders: by the
// UTC day of its Time column ("date=2024-03-01") and then by the value of
// its Host column ("host=tm-1"). A table with neither is not partitioned.
type Layout struct {
	Time string // a timestamp[ms] column, or ""
	Host string // a string or dictionary-of-strings column, or ""
}

// Partitioned says the table has partition folders.
func (l Layout) Partitioned() bool { return l.Time != "" || l.Host != "" }

// DefaultPartition is the Hive name of a null partition value: Hive, Spark,
// Trino and DuckDB read it as NULL.
const DefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// maxPartitionValue bounds an escaped partition value, so a folder name
// stays well inside the 255 bytes file systems allow.
const maxPartitionValue = 200

// EscapePartition makes v safe as the value part of a "key=value" folder
// name, the way Hive does it: every byte but ASCII letters, digits, '.', '_'
// and '-' becomes %XX, which Hive, Spark, Trino and DuckDB decode. A value
// can therefore never name another folder ("../x" is "..%2Fx"). An empty
// value is the null partition. A value whose escaped form is longer than
// 200 bytes is cut and ends in "~" and a hash of the whole value (the
// column inside the files keeps it whole).
func EscapePartition(v string) string {
	if v == "" {
		return DefaultPartition
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	s := b.String()
	if len(s) > maxPartitionValue {
		h := fnv.New64a()
		h.Write([]byte(v))
		cut := maxPartitionValue - 17
		for cut > 0 && s[cut-1] == '%' || cut > 1 && s[cut-2] == '%' {
			cut-- // never split an escape
		}
		s = fmt.Sprintf("%s~%016x", s[:cut], h.Sum64())
	}
	return s
}

// UnescapePartition is the value a folder name's value part stands for
// ("" for the null partition).
func UnescapePartition(s string) string {
	if s == DefaultPartition {
		return ""
	}
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if hi, lo := unhex(s[i+1]), unhex(s[i+2]); hi >= 0 && lo >= 0 {
				b.WriteByte(byte(hi<<4 | lo))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// PartitionValues reads the partition folders of a dataset path
// ("logs/date=2024-03-01/host=tm-1/part-….parquet") into key → value.
func PartitionValues(path string) map[string]string {
	var kv map[string]string
	parts := strings.Split(path, "/")
	for _, p := range parts[:max(0, len(parts)-1)] {
		if k, v, ok := strings.Cut(p, "="); ok {
			if kv == nil {
				kv = map[string]string{}
			}
			kv[k] = UnescapePartition(v)
		}
	}
	return kv
}

const dayMs = 24 * 60 * 60 * 1000

// run is rows [start, end) of a batch that share a partition folder.
type run struct {
	folder     string
	start, end int
}

// partitioner cuts batches of one table into runs by folder. A row without
// a time is put with the row before it (its day is the last one seen), so
// stack-trace-like rows without their own time stay beside their event.
type partitioner struct {
	layout  Layout
	lastDay int64
	hasDay  bool
	// The folder of the last run, remembered to make a key only on change.
	day    int64
	hasKey bool
	host   string
	folder string
}

func (p *partitioner) runs(rec arrow.Record, dst []run) ([]run, error) {
	dst = dst[:0]
	n := int(rec.NumRows())
	// A missing column reads as all null; a column of another type too,
	// so it is an error here.
	var ts schema.Int64Col
	var host schema.StrCol
	if p.layout.Time != "" {
		if ts = schema.Int64(rec, p.layout.Time); !ts.OK() {
			return nil, fmt.Errorf("cannot partition by %s: no timestamp column of that name", p.layout.Time)
		}
	}
	if p.layout.Host != "" {
		if host = schema.Str(rec, p.layout.Host); !host.OK() {
			return nil, fmt.Errorf("cannot partition by %s: no string column of that name", p.layout.Host)
		}
	}
	for i := 0; i < n; i++ {
		if t, ok := ts.Get(i); ok {
			p.lastDay, p.hasDay = floorDiv(t, dayMs), true
		}
		h := host.Get(i)
		if !p.hasKey || p.day != p.lastDay || p.host != h {
			p.day, p.host, p.hasKey = p.lastDay, h, true
			p.folder = p.makeFolder()
		}
		if k := len(dst); k > 0 && dst[k-1].folder == p.folder {
			dst[k-1].end = i + 1
		} else {
			dst = append(dst, run{folder: p.folder, start: i, end: i + 1})
		}
	}
	return dst, nil
}

func (p *partitioner) makeFolder() string {
	var parts []string
	if p.layout.Time != "" {
		d := DefaultPartition
		if p.hasDay {
			d = time.UnixMilli(p.day * dayMs).UTC().Format(time.DateOnly)
		}
		parts = append(parts, "date="+d)
	}
	if p.layout.Host != "" {
		parts = append(parts, "host="+EscapePartition(p.host))
	}
	return strings.Join(parts, "/")
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}
