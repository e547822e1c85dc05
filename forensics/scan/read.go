package scan

import (
	"fmt"
	"io"
	"path"
	"sort"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/flinkdx/flinkdx/forensics/table"

	"github.com/flinkdx/flinkdx/forensics/schema"
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

// ReadDataset hands every batch of the tables the detectors read to the
// scanner, a row group at a time; the files are in format f
// (parquetfile.Format).
func (s *Scanner) ReadDataset(files Files, f table.Format) (rows int64, err error) {
	return ReadTables(files, f, s.Tables(), func(t string, rec arrow.Record) {
		if s.keep != nil {
			s.keep(t, rec)
		}
		s.Observe(t, rec)
	})
}

// ReadTables hands every batch of the named tables of a dataset (files in
// format f) to observe, in file order; the big tables are read without the
// columns no detector uses (see projection).
func ReadTables(files Files, f table.Format, tables []string, observe func(table string, rec arrow.Record)) (rows int64, err error) {
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
			nr, err := readFile(f, t, r, observe)
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

func readFile(f table.Format, tableName string, r ReaderAtSeeker, observe func(string, arrow.Record)) (int64, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	// Low-cardinality strings come back as dictionaries, as ingest made
	// them: detectors compare codes, not strings.
	opt := table.ReadOptions{Plain: freeText}
	if want, ok := projection[tableName]; ok {
		opt.Columns = want
	}
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

// projection lists the columns the detectors read of the big tables; the
// others (the logs' stack traces above all) are not decoded.
var projection = map[string]map[string]bool{
	schema.Logs: set("ts", "source", "line", "offset", "level", "logger", "message", "job_id", "job_name",
		"state_of", "state_from", "state_to", "task", "subtask", "attempt", "role", "host", "out_of_order", "exception", "exception_message", "root_cause", "root_cause_message"),
	schema.Metrics: set("ts", "source", "line", "offset", "name", "value", "job_id", "job_name", "task_name", "task_id", "subtask", "operator_name"),
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}
