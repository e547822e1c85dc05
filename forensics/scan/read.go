package scan

import (
	"context"
	"fmt"
	"io"
	"path"
	"sort"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"
)

// Files opens the files of a dataset by their path in it.
type Files interface {
	Open(name string) (parquet.ReaderAtSeeker, error)
	List(table string) ([]string, error)
}

// ReadDataset hands every batch of the tables the detectors read to the
// scanner, a row group at a time.
func (s *Scanner) ReadDataset(files Files) (rows int64, err error) {
	return ReadTables(files, s.Tables(), func(t string, rec arrow.Record) {
		if s.keep != nil {
			s.keep(t, rec)
		}
		s.Observe(t, rec)
	})
}

// ReadTables hands every batch of the named tables of a dataset to observe,
// in file order; the big tables are read without the columns no detector
// uses (see projection).
func ReadTables(files Files, tables []string, observe func(table string, rec arrow.Record)) (rows int64, err error) {
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
			nr, err := readFile(t, r, observe)
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

func readFile(tableName string, r parquet.ReaderAtSeeker, observe func(string, arrow.Record)) (int64, error) {
	pf, err := file.NewParquetReader(r)
	if err != nil {
		return 0, err
	}
	defer pf.Close()
	props := pqarrow.ArrowReadProperties{BatchSize: 64 << 10, Parallel: true}
	// Low-cardinality strings come back as dictionaries, as ingest made
	// them: detectors compare codes, not strings.
	sc := pf.MetaData().Schema
	for i := 0; i < sc.NumColumns(); i++ {
		c := sc.Column(i)
		if c.PhysicalType() == parquet.Types.ByteArray && !freeText[c.Name()] {
			props.SetReadDict(i, true)
		}
	}
	fr, err := pqarrow.NewFileReader(pf, props, memory.DefaultAllocator)
	if err != nil {
		return 0, err
	}
	var cols []int
	if want, ok := projection[tableName]; ok {
		for i := 0; i < sc.NumColumns(); i++ {
			if want[sc.Column(i).Name()] {
				cols = append(cols, i)
			}
		}
	}
	rr, err := fr.GetRecordReader(context.Background(), cols, nil)
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	// Decoding runs a batch or two ahead of the detectors.
	recs := make(chan arrow.Record, 2)
	var readErr error
	go func() {
		defer close(recs)
		for rr.Next() {
			rec := rr.Record()
			rec.Retain()
			recs <- rec
		}
		if err := rr.Err(); err != nil && err != io.EOF {
			readErr = err
		}
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
	"logs": set("ts", "source", "line", "offset", "level", "logger", "message", "job_id", "job_name",
		"state_of", "state_from", "state_to", "task", "subtask", "attempt", "role", "host", "out_of_order", "exception", "exception_message", "root_cause", "root_cause_message"),
	"metrics": set("ts", "source", "line", "offset", "name", "value", "job_id", "job_name", "task_name", "task_id", "subtask", "operator_name"),
}

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}
