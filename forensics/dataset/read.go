package dataset

import (
	"fmt"
	"io"
	"path"
	"sort"

	"github.com/apache/arrow/go/v15/arrow"
)

// ReaderAtSeeker is an open Parquet file: *os.File, *bytes.Reader.
type ReaderAtSeeker interface {
	io.ReaderAt
	io.Seeker
}

// Files opens the files of a dataset by their path in it.
type Files interface {
	Open(name string) (ReaderAtSeeker, error)
	List(table string) ([]string, error)
}

// ReadTables hands every batch of the named tables of a dataset (files in
// format f) to observe, in file order. Of a table columns names, only
// those columns are decoded (the logs' stack traces are big and few
// readers want them); the others are read whole.
func ReadTables(files Files, f Format, tables []string, columns map[string]map[string]bool, observe func(table string, rec arrow.Record)) (rows int64, err error) {
	for _, t := range tables {
		names, err := files.List(t)
		if err != nil {
			return rows, err
		}
		sort.Strings(names)
		for _, n := range names {
			r, err := files.Open(n)
			if err != nil {
				return rows, err
			}
			nr, err := readFile(f, t, columns[t], r, observe)
			rows += nr
			if c, ok := r.(io.Closer); ok {
				c.Close()
			}
			if err != nil {
				return rows, fmt.Errorf("%s: %w", path.Base(n), err)
			}
		}
	}
	return rows, nil
}

func readFile(f Format, tableName string, want map[string]bool, r ReaderAtSeeker, observe func(string, arrow.Record)) (int64, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	// Low-cardinality strings come back as dictionaries, as ingest made
	// them: detectors compare codes, not strings.
	opt := ReadOptions{Plain: freeText, Columns: want}
	// Decoding runs a batch or two ahead of the detectors.
	recs := make(chan arrow.Record, 2)
	var readErr error
	go func() {
		defer close(recs)
		_, readErr = f.Read(r, size, opt, func(rec arrow.Record) {
			rec.Retain()
			recs <- rec
		})
	}()
	var rows int64
	for rec := range recs {
		rows += rec.NumRows()
		observe(tableName, rec)
		rec.Release()
	}
	return rows, readErr
}

// freeText are the string columns that are not worth a dictionary.
var freeText = map[string]bool{"message": true, "detail": true, "exception_message": true, "root_cause_message": true,
	"text": true, "attempt": true, "summary": true, "remedy": true, "evidence": true, "failure_message": true,
	"external_path": true, "exception": false}
