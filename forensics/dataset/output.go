package dataset

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// DirOutput writes a dataset into a directory: each file is written to a
// temporary name beside its target, synced, and renamed into place, so a
// reader (or a crash) never sees half a file under a final name.
type DirOutput struct{ Root string }

var _ Output = DirOutput{}

func (d DirOutput) full(name string) (string, error) {
	clean := path.Clean("/" + name)[1:]
	if clean == "" || clean != name {
		return "", errors.New("invalid dataset path " + name)
	}
	return filepath.Join(d.Root, filepath.FromSlash(clean)), nil
}

func (d DirOutput) Create(name string) (OutputFile, error) {
	full, err := d.full(name)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(full), "."+filepath.Base(full)+".tmp-*")
	if err != nil {
		return nil, err
	}
	return &dirFile{out: d, f: f, final: full}, nil
}

func (d DirOutput) List(dir string) ([]string, error) {
	full, err := d.full(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	err = filepath.WalkDir(full, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == full {
				return nil
			}
			return err
		}
		if e.Type().IsRegular() {
			rel, err := filepath.Rel(full, p)
			if err != nil {
				return err
			}
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	return names, err
}

func (d DirOutput) Remove(name string) error {
	full, err := d.full(name)
	if err != nil {
		return err
	}
	return os.Remove(full)
}

type dirFile struct {
	out    DirOutput
	f      *os.File
	final  string
	closed bool
}

func (f *dirFile) Write(p []byte) (int, error) { return f.f.Write(p) }

func (f *dirFile) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	err := f.f.Chmod(0o644)
	if err == nil {
		err = f.f.Sync()
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.f.Name())
	}
	return err
}

func (f *dirFile) Commit() error {
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.f.Name(), f.final)
}

func (f *dirFile) CommitAs(name string) error {
	full, err := f.out.full(name)
	if err != nil {
		f.Abort()
		return err
	}
	if filepath.Dir(full) != filepath.Dir(f.final) {
		f.Abort()
		return errors.New("cannot commit " + name + " in another folder")
	}
	f.final = full
	return f.Commit()
}

func (f *dirFile) Abort() {
	if !f.closed {
		f.f.Close()
	}
	f.closed = true
	os.Remove(f.f.Name())
}

// MemOutput keeps a dataset in memory.
type MemOutput struct {
	mu    sync.Mutex
	Files map[string][]byte
}

var _ Output = (*MemOutput)(nil)

func NewMemOutput() *MemOutput { return &MemOutput{Files: map[string][]byte{}} }

func (m *MemOutput) Create(name string) (OutputFile, error) {
	return &memFile{m: m, name: name}, nil
}

func (m *MemOutput) List(dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for n := range m.Files {
		if rest, ok := strings.CutPrefix(n, dir+"/"); ok {
			names = append(names, rest)
		}
	}
	sort.Strings(names)
	return names, nil
}

func (m *MemOutput) Remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.Files, name)
	return nil
}

type memFile struct {
	m    *MemOutput
	name string
	buf  bytes.Buffer
}

func (f *memFile) Write(p []byte) (int, error) { return f.buf.Write(p) }

func (f *memFile) Commit() error {
	f.m.mu.Lock()
	defer f.m.mu.Unlock()
	f.m.Files[f.name] = f.buf.Bytes()
	return nil
}

func (f *memFile) Close() error { return nil }

func (f *memFile) CommitAs(name string) error {
	f.name = name
	return f.Commit()
}

func (f *memFile) Abort() {}
