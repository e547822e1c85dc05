package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/flinkdx/flinkdx/forensics/dataset"
)

// CompactStats says what Compact did.
type CompactStats struct {
	Folders     int   // partition folders rewritten
	FilesBefore int   // their part files before
	FilesAfter  int   // and after
	Rows        int64 // rows rewritten
}

// Compact rewrites the part files of every folder of a dataset that holds
// more than one (each ingest run, each unit of input and each shard writes
// its own, so weeks of incremental runs leave many small files) as one
// unit's files: the same rows, in the manifest's order, in row groups as
// large as an ingest's. The new files are named after the files they
// replace, so compacting the same dataset twice gives the same files.
//
// src reads the dataset's files. Compact returns m listing the new files
// instead of the old ones; the caller writes it, then removes the old
// files (they are no longer listed). Nothing is removed here: until the
// manifest is written, the dataset is the old one.
func Compact(ds *dataset.Dataset, src fs.FS, format dataset.Format, m *Manifest) (*Manifest, CompactStats, error) {
	var st CompactStats
	replaced := map[string]bool{}
	type folder struct {
		spec  TableSpec
		files []dataset.FileInfo
	}
	var folders []folder
	for _, spec := range Tables() {
		info, ok := m.Tables[spec.Name]
		if !ok {
			continue
		}
		byDir := map[string]int{}
		var mine []folder
		for _, f := range info.Files {
			if f.Rows == 0 {
				continue // an empty table's placeholder
			}
			dir := path.Dir(f.Path)
			i, ok := byDir[dir]
			if !ok {
				i = len(mine)
				byDir[dir] = i
				mine = append(mine, folder{spec: spec})
			}
			mine[i].files = append(mine[i].files, f)
		}
		for _, fo := range mine {
			if len(fo.files) > 1 {
				folders = append(folders, fo)
				for _, f := range fo.files {
					replaced[f.Path] = true
				}
			}
		}
	}
	if len(folders) == 0 {
		return m, st, nil
	}
	// The unit's id: a digest of the names of the files it replaces.
	names := make([]string, 0, len(replaced))
	for p := range replaced {
		names = append(names, p)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, p := range names {
		fmt.Fprintf(h, "%s\n", p)
	}
	id := "c" + hex.EncodeToString(h.Sum(nil))[:15]

	u := ds.Unit()
	u.Gather = true
	for _, fo := range folders {
		st.Folders++
		st.FilesBefore += len(fo.files)
		for _, f := range fo.files {
			var werr error
			rows, err := readDatasetFile(src, format, f.Path, plainColumns(fo.spec.Schema), func(rec arrow.Record) {
				switch {
				case werr != nil:
				case !rec.Schema().Equal(fo.spec.Schema):
					werr = fmt.Errorf("schema %v; this flinkdx writes %v", rec.Schema(), fo.spec.Schema)
				default:
					werr = u.Write(fo.spec.Name, fo.spec.Schema, fo.spec.Layout, rec)
				}
			})
			if err == nil {
				err = werr
			}
			if err == nil && rows != f.Rows {
				err = fmt.Errorf("%d rows; the manifest says %d", rows, f.Rows)
			}
			if err != nil {
				u.Abort()
				return nil, st, fmt.Errorf("%s: %w", f.Path, err)
			}
			st.Rows += rows
		}
	}
	written, err := u.Commit(id)
	if err != nil {
		return nil, st, err
	}
	out := *m
	out.Tables = map[string]dataset.TableInfo{}
	for name, info := range m.Tables {
		// Each folder's new files take the place of its first old one.
		newIn := map[string][]dataset.FileInfo{}
		for _, f := range written[name] {
			newIn[path.Dir(f.Path)] = append(newIn[path.Dir(f.Path)], f)
			st.FilesAfter++
		}
		var files []dataset.FileInfo
		var rows, before int64
		for _, f := range info.Files {
			before += f.Rows
			if !replaced[f.Path] {
				files = append(files, f)
			} else {
				files = append(files, newIn[path.Dir(f.Path)]...)
				delete(newIn, path.Dir(f.Path))
			}
		}
		for _, f := range files {
			rows += f.Rows
		}
		if len(newIn) > 0 || rows != before {
			return nil, st, fmt.Errorf("%s: %d rows after compaction; %d before", name, rows, before)
		}
		out.Tables[name] = dataset.TableInfo{Rows: info.Rows, Files: files}
	}
	return &out, st, nil
}

// readDatasetFile reads one file of a dataset back in batches; src's files
// must read at offsets (os.DirFS's do), as Parquet is read from its footer.
func readDatasetFile(src fs.FS, format dataset.Format, name string, plain map[string]bool, fn func(arrow.Record)) (int64, error) {
	f, err := src.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, ok := f.(io.ReaderAt)
	if !ok {
		return 0, fmt.Errorf("cannot read at offsets (%T)", f)
	}
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return format.Read(r, info.Size(), dataset.ReadOptions{Plain: plain}, fn)
}

// plainColumns are the schema's string columns that are not dictionaries.
func plainColumns(s *arrow.Schema) map[string]bool {
	plain := map[string]bool{}
	for _, f := range s.Fields() {
		if f.Type.ID() == arrow.STRING {
			plain[f.Name] = true
		}
	}
	return plain
}
