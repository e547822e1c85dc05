package scan

import (
	"encoding/json"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/flinkdx/flinkdx/forensics/table"
)

// Schema is the findings table.
var Schema = arrow.NewSchema([]arrow.Field{
	{Name: "rule", Type: arrow.BinaryTypes.String},
	{Name: "severity", Type: arrow.BinaryTypes.String},
	{Name: "section", Type: arrow.PrimitiveTypes.Int64},
	{Name: "start", Type: table.TimestampMs, Nullable: true},
	{Name: "end", Type: table.TimestampMs, Nullable: true},
	{Name: "subject", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "summary", Type: arrow.BinaryTypes.String},
	{Name: "remedy", Type: arrow.BinaryTypes.String},
	{Name: "count", Type: arrow.PrimitiveTypes.Int64},
	{Name: "evidence", Type: arrow.BinaryTypes.String}, // JSON array of {table, source, line, offset, ts_ms, text}
}, nil)

// Record builds the findings table.
func Record(mem memory.Allocator, fs []Finding) arrow.Record {
	r := table.NewRows(mem, Schema)
	defer r.Release()
	for _, f := range fs {
		r.Str(0, f.Rule)
		r.Str(1, f.Level)
		r.Int(2, int64(f.Section), true)
		r.Time(3, f.Start)
		r.Time(4, f.End)
		r.Str(5, f.Subject)
		r.Str(6, f.Summary)
		r.Str(7, f.Remedy)
		r.Int(8, int64(f.Count), true)
		ev, _ := json.Marshal(f.Evidence)
		r.Str(9, string(ev))
		r.End()
	}
	return r.NewRecord()
}
