package objstore

import (
	"errors"
	"io/fs"
	"strings"
	"sync"
)

// FS reads the paths that are object-store URLs (s3://bucket/key) from
// their bucket, and the others from Local, with names as given: the
// inputs' paths in the manifest are the URLs without their options.
type FS struct {
	Local  fs.FS
	mu     sync.Mutex
	stores map[string]*Store // by scheme://bucket
	// listed holds what ReadDir learnt of each object by its name, until
	// it is opened: an object found by a listing costs one request (its
	// GET), not two.
	listed map[string]fs.FileInfo
}

// Add makes a URL given on the command line readable and returns the path
// the walker reads it by (the URL without its options).
func (f *FS) Add(raw string) (string, error) {
	loc, err := Parse(raw)
	if err != nil {
		return "", err
	}
	root := loc.Scheme + "://" + loc.Bucket
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stores == nil {
		f.stores = map[string]*Store{}
	}
	if _, ok := f.stores[root]; !ok {
		s, err := Dial(loc)
		if err != nil {
			return "", err
		}
		f.stores[root] = s
	}
	return loc.String(), nil
}

// split finds the store of a URL and the key it names.
func (f *FS) split(name string) (*Store, string, error) {
	i := strings.Index(name, "://")
	rest := name[i+3:]
	bucket, key, _ := strings.Cut(rest, "/")
	root := name[:i+3] + bucket
	f.mu.Lock()
	s := f.stores[root]
	f.mu.Unlock()
	if s == nil {
		// A URL not given on the command line (one a manifest holds):
		// reached with the environment's endpoint and credentials.
		if _, err := f.Add(root); err != nil {
			return nil, "", err
		}
		f.mu.Lock()
		s = f.stores[root]
		f.mu.Unlock()
	}
	return s, strings.Trim(key, "/"), nil
}

func (f *FS) Open(name string) (fs.File, error) {
	if !IsURL(name) {
		return f.Local.Open(name)
	}
	s, key, err := f.split(name)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	fi, ok := f.listed[name]
	delete(f.listed, name)
	f.mu.Unlock()
	if ok {
		if o, ok := s.OpenListed(key, fi); ok {
			return o, nil
		}
	}
	o, err := s.Open(key)
	if errors.Is(err, fs.ErrNotExist) {
		if fi, serr := s.Stat(key); serr == nil && fi.IsDir() {
			return nil, &fs.PathError{Op: "open", Path: name, Err: errIsFolder}
		}
	}
	if err != nil {
		return nil, err
	}
	return o, nil
}

var errIsFolder = fsError("a folder (a prefix), not an object")

type fsError string

func (e fsError) Error() string { return string(e) }

func (f *FS) Stat(name string) (fs.FileInfo, error) {
	if !IsURL(name) {
		return fs.Stat(f.Local, name)
	}
	f.mu.Lock()
	fi, ok := f.listed[name]
	f.mu.Unlock()
	if ok {
		return fi, nil
	}
	s, key, err := f.split(name)
	if err != nil {
		return nil, err
	}
	return s.Stat(key)
}

func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	if !IsURL(name) {
		return fs.ReadDir(f.Local, name)
	}
	s, key, err := f.split(name)
	if err != nil {
		return nil, err
	}
	entries, err := s.ReadDir(key)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listed == nil {
		f.listed = map[string]fs.FileInfo{}
	}
	for _, e := range entries {
		if !e.IsDir() {
			if fi, err := e.Info(); err == nil {
				f.listed[strings.TrimSuffix(name, "/")+"/"+e.Name()] = fi
			}
		}
	}
	return entries, err
}
