package input

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync/atomic"
)

// Input is one file found on the file system, as the manifest records it.
type Input struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Error  string `json:"error,omitempty"`
}

// Walker expands paths in a file system.
type Walker struct {
	FS      fs.FS
	Options Options
	// Read counts the bytes read from files so far (for progress lines).
	BytesRead atomic.Int64
}

// Files lists the files named by paths, descending into directories, in the
// order they should be read: rotated sets oldest first.
// A path that cannot be listed is returned as an error in errs; the others
// are still listed.
func (w *Walker) Files(paths []string) (files []string, errs []error) {
	for _, p := range paths {
		info, err := fs.Stat(w.FS, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot open %s: %w", p, err))
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		walk(w.FS, p, func(q string, d fs.DirEntry) {
			if d.Type().IsRegular() {
				files = append(files, q)
			} else if d.Type()&fs.ModeSymlink != 0 {
				// Follow links to files; a link to a directory is not walked
				// (it could loop).
				if fi, err := fs.Stat(w.FS, q); err == nil && fi.Mode().IsRegular() {
					files = append(files, q)
				} else if err != nil {
					errs = append(errs, fmt.Errorf("cannot follow %s: %w", q, err))
				}
			}
		}, func(q string, err error) {
			errs = append(errs, fmt.Errorf("cannot read %s: %w", q, err))
		})
	}
	SortRotated(files)
	return dedupe(files), errs
}

// walk calls file on every entry under dir that is not a directory, in
// lexical order, and fail on each directory it cannot list. Names are
// joined as fs.WalkDir joins them, but an object-store URL
// (s3://bucket/prefix) keeps its "//".
func walk(fsys fs.FS, dir string, file func(name string, d fs.DirEntry), fail func(name string, err error)) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		fail(dir, err)
	}
	url := strings.Contains(dir, "://")
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		if url {
			name = strings.TrimSuffix(dir, "/") + "/" + e.Name()
		}
		if e.IsDir() {
			walk(fsys, name, file, fail)
		} else {
			file(name, e)
		}
	}
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// Read opens one file of the file system, hands its content to h, and
// returns its record for the manifest.
func (w *Walker) Read(name string, h Handler) Input {
	f, err := w.FS.Open(name)
	if err != nil {
		h.Fail(name, err)
		return Input{Path: name, Error: err.Error()}
	}
	defer f.Close()
	return Read(name, f, h, w.Options, &w.BytesRead)
}

// Read expands one input stream (a file, an upload, a request body) like
// Open and returns its record for the manifest: the size and SHA-256 of
// the bytes as given (no SHA-256 with opt.NoHash). read, if not nil,
// counts the bytes as they are read.
func Read(name string, r io.Reader, h Handler, opt Options, read *atomic.Int64) Input {
	in := Input{Path: name}
	hr := &hashingReader{r: r, read: read, max: opt.maxBytes()}
	if !opt.NoHash {
		hr.h = sha256.New()
	}
	// Reading and hashing run ahead on their own goroutine.
	ra := newReadAhead(hr)
	err := Open(name, ra, h, opt)
	if err == nil {
		// Archives may end before the stream does (tar padding): hash it all.
		_, err = io.Copy(io.Discard, ra)
	}
	ra.Close()
	if err != nil {
		in.Error = err.Error()
		h.Fail(name, err)
	}
	in.Size = hr.n
	if hr.h != nil {
		in.SHA256 = hex.EncodeToString(hr.h.Sum(nil))
	}
	return in
}

type hashingReader struct {
	r    io.Reader
	h    hash.Hash // nil: no hash
	n    int64
	max  int64 // the most an input may give (a device, a pipe may not end)
	read *atomic.Int64
}

func (r *hashingReader) Read(p []byte) (int, error) {
	if r.n >= r.max {
		return 0, fmt.Errorf("stopped after %d bytes, the most an input may have (--max-size): an endless input, such as a device, or a limit to raise", r.n)
	}
	if room := r.max - r.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := r.r.Read(p)
	if n > 0 {
		if r.h != nil {
			r.h.Write(p[:n])
		}
		r.n += int64(n)
		if r.read != nil {
			r.read.Add(int64(n))
		}
	}
	return n, err
}

// rotation describes a file name as a member of a rotated set.
type rotation struct {
	set   string // directory and stem shared by the set
	index int    // rotation number; -1 for the live file without one
	name  string
}

func parseRotation(p string) rotation {
	dir, base := path.Split(p)
	stem := base
	for _, ext := range []string{".gz", ".zst", ".zstd", ".bz2"} {
		stem = strings.TrimSuffix(stem, ext)
	}
	stem = strings.TrimSuffix(stem, ".current")
	r := rotation{set: dir + stem, index: -1, name: p}
	if i := strings.LastIndexByte(stem, '.'); i > 0 && i < len(stem)-1 {
		n, ok := 0, true
		for _, c := range stem[i+1:] {
			if c < '0' || c > '9' || n > 1e6 {
				ok = false
				break
			}
			n = n*10 + int(c-'0')
		}
		if ok {
			r.set, r.index = dir+stem[:i], n
		}
	}
	return r
}

// SortRotated orders file names so each rotated set reads oldest first.
// log4j numbers backwards (taskmanager.log.2, .1, then taskmanager.log);
// the JVM's GC log rotation numbers forwards from 0 (gc.log.0, gc.log.1,
// …, the ".current" one last). A set with a member numbered 0 is taken to
// be of the second kind. Sets and other names sort in natural order
// (numbers by value).
func SortRotated(names []string) {
	rs := make([]rotation, len(names))
	forward := map[string]bool{}
	for i, n := range names {
		rs[i] = parseRotation(n)
		if rs[i].index == 0 {
			forward[rs[i].set] = true
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.set != b.set {
			return naturalLess(a.set, b.set)
		}
		if a.index != b.index {
			if forward[a.set] {
				// -1 (the live file) last
				return uint(a.index) < uint(b.index)
			}
			return a.index > b.index
		}
		return naturalLess(a.name, b.name)
	})
	for i := range rs {
		names[i] = rs[i].name
	}
}

// naturalLess compares strings with runs of digits compared by value.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// RotationSet names the rotated set a file belongs to: its directory and
// stem, without the rotation number, ".current" and compression suffixes
// (gc.log.3.current and gc.log.0.gz are both of set gc.log).
func RotationSet(name string) string { return parseRotation(name).set }
