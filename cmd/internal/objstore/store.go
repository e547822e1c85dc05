package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Store is one bucket (an Azure container) of an object store, reached
// with the credentials of the environment.
type Store struct {
	loc Location // its prefix unused: a Store is the whole bucket
	b   backend
	// down is the network error a request failed with after all its
	// retries: the store is not reached, and every request after it fails
	// at once instead of retrying again.
	down atomic.Pointer[error]
	// Transferred counts the bytes of object bodies read (for tests).
	Transferred struct {
		sync.Mutex
		N int64
	}
}

// Dial connects to the bucket of loc. Nothing is sent until it is used.
func Dial(loc Location) (*Store, error) {
	var b backend
	var err error
	switch loc.Scheme {
	case "azblob":
		b, err = dialAzure(loc)
	default:
		b, err = dialS3(loc)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", loc, err)
	}
	l := loc
	l.Prefix = ""
	return &Store{loc: l, b: b}, nil
}

func (s *Store) url(key string) string { return s.loc.Scheme + "://" + s.loc.Bucket + "/" + key }

// fail says what went wrong with an object, in the store's words; the
// request's credentials are never part of it. A network error marks the
// store as not reached.
func (s *Store) fail(op, key string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return &fs.PathError{Op: op, Path: s.url(key), Err: fs.ErrNotExist}
	}
	e := fmt.Errorf("%s %s: %w", op, s.url(key), err)
	var ne net.Error
	if errors.As(err, &ne) && !errors.Is(err, context.Canceled) {
		// (Canceled is this run's own doing: a stalled stream cut.)
		s.down.CompareAndSwap(nil, &e)
	}
	return e
}

// reached returns the error that showed the store cannot be reached, if
// one did.
func (s *Store) reached() error {
	if e := s.down.Load(); e != nil {
		return *e
	}
	return nil
}

// ErrChanged is a conditional write refused: another writer changed the
// object since it was read.
var ErrChanged = errors.New("changed by another writer since this run read it")

// ctx is the context of the store's requests: the command runs until done
// or killed.
var ctx = context.Background()

// Stat describes an object, or a "folder": a prefix that objects share.
func (s *Store) Stat(key string) (fs.FileInfo, error) {
	if err := s.reached(); err != nil {
		return nil, err
	}
	if key != "" {
		size, mod, _, err := s.b.head(key)
		if err == nil {
			return objectInfo{name: path.Base(key), size: size, mod: mod}, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, s.fail("stat", key, err)
		}
	}
	dir := key
	if dir != "" {
		dir += "/"
	}
	found := false
	if err := s.b.list(dir, "/", func(entry) bool { found = true; return false }); err != nil {
		return nil, s.fail("list", dir, err)
	}
	if !found && key != "" {
		return nil, &fs.PathError{Op: "stat", Path: s.url(key), Err: fs.ErrNotExist}
	}
	name := path.Base(key)
	if key == "" {
		name = s.loc.Bucket
	}
	return objectInfo{name: name, dir: true}, nil
}

// each calls fn on every object (and, with delim "/", every folder) whose
// key starts with prefix, in key order.
func (s *Store) each(prefix, delim string, fn func(entry)) error {
	if err := s.reached(); err != nil {
		return err
	}
	return s.fail("list", prefix, s.b.list(prefix, delim, func(e entry) bool {
		fn(e)
		return true
	}))
}

// ReadDir lists a folder: its objects and its subfolders, by name. Its
// entries' Info carries what Open needs (size, time, ETag), so a file
// found by a listing is opened without asking again.
func (s *Store) ReadDir(key string) ([]fs.DirEntry, error) {
	prefix := key
	if prefix != "" {
		prefix += "/"
	}
	var out []fs.DirEntry
	err := s.each(prefix, "/", func(e entry) {
		name := strings.TrimPrefix(e.key, prefix)
		if name == "" || strings.HasSuffix(e.key, "/") {
			return // a folder marker
		}
		out = append(out, fs.FileInfoToDirEntry(objectInfo{name: name, size: e.size, mod: e.mod, dir: e.dir, etag: e.etag}))
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, err
}

// Open opens an object for reading: Read streams it with one request,
// ReadAt fetches the ranges asked for (a zip's or a Parquet file's footer,
// one member, one column) and nothing else.
func (s *Store) Open(key string) (*Object, error) {
	if err := s.reached(); err != nil {
		return nil, err
	}
	size, mod, etag, err := s.b.head(key)
	if err != nil {
		return nil, s.fail("open", key, err)
	}
	return &Object{s: s, key: key, info: objectInfo{name: path.Base(key), size: size, mod: mod}, etag: etag}, nil
}

// OpenListed opens an object a listing described (fs.DirEntry's Info from
// ReadDir) without asking the store about it again.
func (s *Store) OpenListed(key string, fi fs.FileInfo) (*Object, bool) {
	info, ok := fi.(objectInfo)
	if !ok || info.dir {
		return nil, false
	}
	info.name = path.Base(key)
	return &Object{s: s, key: key, info: info, etag: info.etag}, true
}

// ReadFile reads a small object whole (a manifest) and says its ETag, for
// a conditional write after it.
func (s *Store) ReadFile(key string) (data []byte, etag string, err error) {
	if err := s.reached(); err != nil {
		return nil, "", err
	}
	r, etag, err := s.b.get(ctx, key, 0, -1, "")
	if err != nil {
		return nil, "", s.fail("read", key, err)
	}
	defer r.Close()
	data, err = io.ReadAll(r)
	if err != nil {
		return nil, "", s.fail("read", key, err)
	}
	return data, etag, nil
}

// Condition is what a write requires of the object it replaces.
type Condition struct {
	IfNoneMatch bool   // the object must not exist
	IfMatch     string // the object must have this ETag
}

// Put writes a small object in one request, under a condition, and says
// its new ETag.
func (s *Store) Put(key string, data []byte, c Condition) (etag string, err error) {
	if err := s.reached(); err != nil {
		return "", err
	}
	etag, err = s.b.put(key, data, c)
	return etag, s.fail("write", key, err)
}

// Remove deletes an object.
func (s *Store) Remove(key string) error {
	if err := s.reached(); err != nil {
		return err
	}
	return s.fail("remove", key, s.b.remove(key))
}

// AbortUploads cancels the uploads under prefix begun before t whose key
// which says: those of a writer that was killed (their parts are
// invisible, but stored and billed).
func (s *Store) AbortUploads(prefix string, before time.Time, which func(key string) bool) int {
	if s.reached() != nil {
		return 0
	}
	return s.b.abortOld(prefix, before, which)
}

// Head says when an object was last written, by the store's clock, and its
// ETag.
func (s *Store) Head(key string) (time.Time, string, error) {
	if err := s.reached(); err != nil {
		return time.Time{}, "", err
	}
	_, mod, etag, err := s.b.head(key)
	return mod, etag, s.fail("stat", key, err)
}

// RemoveIf deletes an object if its ETag is still etag.
func (s *Store) RemoveIf(key, etag string) error {
	if _, now, err := s.Head(key); err != nil || now != etag {
		return err
	}
	return s.Remove(key)
}

type objectInfo struct {
	name string
	size int64
	mod  time.Time
	dir  bool
	etag string
}

func (i objectInfo) Name() string       { return i.name }
func (i objectInfo) Size() int64        { return i.size }
func (i objectInfo) ModTime() time.Time { return i.mod }
func (i objectInfo) IsDir() bool        { return i.dir }
func (i objectInfo) Sys() any           { return nil }
func (i objectInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}

// Object is an object opened for reading.
type Object struct {
	s    *Store
	key  string
	info objectInfo
	etag string

	off     int64
	body    io.ReadCloser // the stream Read reads from off, once started
	cancel  context.CancelFunc
	stall   *time.Timer // cancels the stream when it sends nothing
	stalled atomic.Bool

	mu     sync.Mutex
	blocks []block // ReadAt's most recent blocks, newest last
}

// block is a piece of the object ReadAt fetched: small reads near each
// other (a Parquet reader's pages and headers) are served from it.
type block struct {
	off  int64
	data []byte
}

const (
	blockSize = 512 << 10
	maxBlocks = 32 // 16 MiB per object being read at random
)

var _ interface {
	fs.File
	io.ReaderAt
	io.Seeker
} = (*Object)(nil)

func (o *Object) Stat() (fs.FileInfo, error) { return o.info, nil }

// StallAfter is how long a stream may send nothing before it is cut and
// resumed where it stopped.
var StallAfter = time.Minute

// resumes is how many times in a row a stream cut short is resumed.
const resumes = 3

func (o *Object) Read(p []byte) (int, error) {
	if o.off >= o.info.size {
		return 0, io.EOF
	}
	for attempt := 0; ; attempt++ {
		if o.body == nil {
			if err := o.open(); err != nil {
				return 0, err
			}
		}
		o.stall.Reset(StallAfter)
		n, err := o.body.Read(p)
		o.off += int64(n)
		o.s.count(n)
		switch {
		case err == nil:
			return n, nil
		case o.off >= o.info.size:
			return n, io.EOF
		}
		// Cut short, broken or stalled: the next request resumes at
		// o.off, by range (and only if the object is the one begun).
		o.closeBody()
		if n > 0 {
			return n, nil
		}
		if attempt == resumes || o.s.reached() != nil {
			switch {
			case o.stalled.Load():
				err = fmt.Errorf("no byte came for %v, %d times", StallAfter, resumes+1)
			case err == io.EOF:
				err = io.ErrUnexpectedEOF
			}
			return 0, o.s.fail("read", o.key, err)
		}
	}
}

// open starts the stream Read reads, at o.off.
func (o *Object) open() error {
	c, cancel := context.WithCancel(ctx)
	body, _, err := o.s.b.get(c, o.key, o.off, -1, o.etag)
	if err != nil {
		cancel()
		return o.s.fail("read", o.key, err)
	}
	o.body, o.cancel = body, cancel
	o.stalled.Store(false)
	o.stall = time.AfterFunc(StallAfter, func() { o.stalled.Store(true); cancel() })
	return nil
}

func (o *Object) closeBody() {
	if o.body != nil {
		o.stall.Stop()
		o.cancel()
		o.body.Close()
		o.body = nil
	}
}

func (o *Object) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += o.off
	case io.SeekEnd:
		offset += o.info.size
	}
	if offset < 0 {
		return 0, fmt.Errorf("seek %s: negative offset", o.s.url(o.key))
	}
	if offset != o.off {
		o.closeBody()
	}
	o.off = offset
	return offset, nil
}

// ReadAt reads len(p) bytes at off: a large read is fetched as asked, a
// small one through an aligned block kept for the next.
func (o *Object) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset", o.s.url(o.key))
	}
	if off >= o.info.size {
		return 0, io.EOF
	}
	want := p
	if rest := o.info.size - off; int64(len(want)) > rest {
		want = want[:rest]
	}
	if len(want) >= blockSize {
		n, err := o.fetch(want, off)
		if err == nil && n < len(p) {
			err = io.EOF
		}
		return n, err
	}
	n := 0
	for n < len(want) {
		b, err := o.block((off + int64(n)) / blockSize * blockSize)
		if err != nil {
			return n, err
		}
		n += copy(want[n:], b.data[off+int64(n)-b.off:])
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (o *Object) block(at int64) (block, error) {
	o.mu.Lock()
	for i, b := range o.blocks {
		if b.off == at {
			o.blocks = append(append(o.blocks[:i:i], o.blocks[i+1:]...), b)
			o.mu.Unlock()
			return b, nil
		}
	}
	o.mu.Unlock()
	// Fetched without the lock: reads of other blocks do not wait behind
	// this one (two readers of one block may both fetch it).
	size := min(blockSize, o.info.size-at)
	b := block{off: at, data: make([]byte, size)}
	if _, err := o.fetch(b.data, at); err != nil {
		return block{}, err
	}
	o.mu.Lock()
	if len(o.blocks) >= maxBlocks {
		o.blocks = o.blocks[1:]
	}
	o.blocks = append(o.blocks, b)
	o.mu.Unlock()
	return b, nil
}

// fetch reads exactly len(p) bytes at off with a ranged request, again
// if one is cut short or stalls.
func (o *Object) fetch(p []byte, off int64) (int, error) {
	var err error
	for attempt := 0; attempt <= resumes; attempt++ {
		if err = o.s.reached(); err != nil {
			return 0, err
		}
		c, cancel := context.WithCancel(ctx)
		stall := time.AfterFunc(StallAfter, cancel)
		var body io.ReadCloser
		body, _, err = o.s.b.get(c, o.key, off, off+int64(len(p)), o.etag)
		if err == nil {
			var n int
			n, err = io.ReadFull(stallReader{body, stall}, p)
			body.Close()
			o.s.count(n)
		}
		stall.Stop()
		cancel()
		if err == nil {
			return len(p), nil
		}
		if !transient(err) {
			break // the store's answer: asking again changes nothing
		}
	}
	return 0, o.s.fail("read", o.key, err)
}

// stallReader pushes a stream's stall deadline back on each read.
type stallReader struct {
	r     io.Reader
	stall *time.Timer
}

func (s stallReader) Read(p []byte) (int, error) {
	s.stall.Reset(StallAfter)
	return s.r.Read(p)
}

func (o *Object) Close() error {
	o.closeBody()
	o.mu.Lock()
	o.blocks = nil
	o.mu.Unlock()
	return nil
}

func (s *Store) count(n int) {
	s.Transferred.Lock()
	s.Transferred.N += int64(n)
	s.Transferred.Unlock()
}

// tempName is the name a file is uploaded under until it is committed
// under its own: beside it, hidden, and matched by the dataset's pruning
// of temporary files (".part-….parquet.tmp-…").
func tempName(key string) string {
	dir, base := path.Split(key)
	return dir + "." + base + ".tmp-" + randomID()
}
