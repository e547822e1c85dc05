package dataset

import (
	"io"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// Format encodes the files of a dataset and reads them back. Parquet's is
// package parquetfile; it lives apart so that what needs no Parquet (the
// browser's analysis) links none.
type Format interface {
	// Create starts a file of the named table on w; meta is written into
	// its key-value metadata.
	Create(w io.Writer, table string, s *arrow.Schema, meta map[string]string) (FileWriter, error)
	// Read hands each row group of a file to fn as a batch, released
	// after fn returns.
	Read(r io.ReaderAt, size int64, opt ReadOptions, fn func(arrow.Record)) (rows int64, err error)
}

// FileWriter writes batches into one file, a row group per batch.
type FileWriter interface {
	// Encode encodes and compresses rec as a row group. It may run on
	// several goroutines at once, for different batches.
	Encode(rec arrow.Record) (RowGroup, error)
	// Commit writes encoded row groups, in order and from one goroutine.
	Commit(RowGroup) error
	// Rest lets go of the buffers kept for reuse, and keeps none until
	// Wake: while a file waits for more rows, its buffers are not held.
	Rest()
	Wake()
	// Rows is the number of rows committed.
	Rows() int64
	// Close writes the footer.
	Close() error
}

// RowGroup is a batch encoded and compressed, waiting to be committed.
type RowGroup interface {
	NumRows() int64
}

// ReadOptions choose what Format.Read decodes.
type ReadOptions struct {
	// Columns, if not nil, are the columns wanted; the others are not
	// decoded.
	Columns map[string]bool
	// Plain are string columns read as plain strings; the other string
	// columns come back dictionary-encoded (DictString), as ingest made
	// them.
	Plain map[string]bool
	// Allocator holds the batches' buffers (Go's if nil).
	Allocator memory.Allocator
}
