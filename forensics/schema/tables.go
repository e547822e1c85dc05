package schema

// The tables of a dataset, by name: a folder of Parquet files each, and
// the name a batch travels under from a parser to the detectors.
const (
	Logs        = "logs"        // Flink log events (flinklog.Schema)
	Raw         = "raw"         // lines no parser understood (table.RawSchema)
	GC          = "gc"          // GC events (gclog.Schema)
	Metrics     = "metrics"     // metric samples (metrics.Schema)
	Jobs        = "jobs"        // REST and HistoryServer jobs (flinkrest.JobsSchema)
	Vertices    = "vertices"    // their vertices (flinkrest.VerticesSchema)
	Checkpoints = "checkpoints" // their checkpoints (flinkrest.CheckpointsSchema)
	Exceptions  = "exceptions"  // their exceptions (flinkrest.ExceptionsSchema)
	Config      = "config"      // configuration entries (flinkrest.ConfigSchema)
	Containers  = "containers"  // pods, kills, exits (platform.Schema)
	Findings    = "findings"    // what the detectors found (scan.Schema)
)

// Columns that every table of events has: where a row came from and when.
const (
	Source = "source" // the input path ("archive.tar.gz!dir/file.log")
	Line   = "line"   // line number in the source, from 1
	Offset = "offset" // byte offset of the row's first byte in the source
	TS     = "ts"     // the row's time (milliseconds, UTC)
)
