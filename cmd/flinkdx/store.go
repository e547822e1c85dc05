package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/flinkdx/flinkdx/cmd/internal/objstore"
	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/engine"
)

// store is where a dataset lives: a directory, or a prefix of a bucket
// (s3://bucket/prefix). Every command that takes a dataset reaches it
// through one.
type store interface {
	dataset.Output
	// Open opens a file of the dataset for reading at offsets.
	Open(name string) (dataset.ReaderAtSeeker, error)
	// FS reads the dataset's files by their path in it.
	FS() fs.FS
	// ReadFile reads a small file whole; fs.ErrNotExist if it is absent.
	ReadFile(name string) ([]byte, error)
	// Size is a file's size in bytes.
	Size(name string) (int64, error)
	// Shards names the shard manifests at the dataset's root.
	Shards() ([]string, error)
	// Lock makes this process the one writer of the dataset, or of one
	// of its shards.
	Lock(shard string) (unlock func(), err error)
	String() string
}

// openStore reaches the dataset at a path or an object-store URL.
func openStore(p string) (store, error) {
	if objstore.IsURL(p) {
		loc, err := objstore.Parse(p)
		if err != nil {
			return nil, err
		}
		return objstore.OpenDataset(loc)
	}
	return dirStore{dataset.DirOutput{Root: p}}, nil
}

// dirStore is a dataset in a directory.
type dirStore struct{ dataset.DirOutput }

func (d dirStore) path(name string) string { return filepath.Join(d.Root, filepath.FromSlash(name)) }

func (d dirStore) Open(name string) (dataset.ReaderAtSeeker, error) { return os.Open(d.path(name)) }
func (d dirStore) FS() fs.FS                                        { return os.DirFS(d.Root) }
func (d dirStore) ReadFile(name string) ([]byte, error)             { return os.ReadFile(d.path(name)) }
func (d dirStore) Lock(shard string) (func(), error)                { return lockDataset(d.Root, shard) }
func (d dirStore) String() string                                   { return d.Root }

func (d dirStore) Size(name string) (int64, error) {
	st, err := os.Stat(d.path(name))
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

func (d dirStore) Shards() ([]string, error) {
	found, err := filepath.Glob(filepath.Join(d.Root, "manifest.shard-*.json"))
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = filepath.Base(f)
	}
	sort.Strings(names)
	return names, err
}

// storeFiles reads the files of a dataset its manifest lists.
type storeFiles struct {
	st store
	m  *engine.Manifest
}

func (s storeFiles) Open(name string) (dataset.ReaderAtSeeker, error) { return s.st.Open(name) }

func (s storeFiles) List(t string) ([]string, error) {
	var out []string
	for _, f := range s.m.Tables[t].Files {
		out = append(out, f.Path)
	}
	return out, nil
}

// inputFS reads the inputs named on the command line: files, directories,
// and object-store URLs. It returns the paths to read them by (a URL
// without its options).
func inputFS(paths []string) (*objstore.FS, []string, error) {
	fsys := &objstore.FS{Local: osFS{}}
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = p
		if objstore.IsURL(p) {
			q, err := fsys.Add(p)
			if err != nil {
				return nil, nil, err
			}
			out[i] = q
		}
	}
	return fsys, out, nil
}

// isMissing says an error is a file that is not there.
func isMissing(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// where names a dataset in messages ("" if none is written).
func where(st store) string {
	if st == nil {
		return ""
	}
	return st.String()
}
