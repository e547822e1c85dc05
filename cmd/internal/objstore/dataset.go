package objstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/flinkdx/flinkdx/cmd/internal/proc"

	"github.com/flinkdx/flinkdx/forensics/dataset"
)

// Dataset is a dataset under a bucket's prefix: the dataset.Output ingest
// writes into and the files scan reads.
type Dataset struct {
	store *Store
	loc   Location
	mu    sync.Mutex
	// read holds the ETag of each file read whole ("" if it was absent):
	// writing it again is conditional on it being unchanged, so a writer
	// never overwrites a manifest it did not see.
	read map[string]string
	// lost is why this writer's lease was taken from it, if it was.
	lost error
}

var _ dataset.Output = (*Dataset)(nil)

// OpenDataset reaches the dataset at loc.
func OpenDataset(loc Location) (*Dataset, error) {
	s, err := Dial(loc)
	if err != nil {
		return nil, err
	}
	return &Dataset{store: s, loc: loc, read: map[string]string{}}, nil
}

// Store is the bucket the dataset is in.
func (d *Dataset) Store() *Store { return d.store }

func (d *Dataset) String() string { return d.loc.String() }

func (d *Dataset) key(name string) (string, error) {
	clean := path.Clean("/" + name)[1:]
	if clean == "" || clean != name {
		return "", errors.New("invalid dataset path " + name)
	}
	return d.loc.Key(clean), nil
}

// Create starts a file; a file read before in this run is written only if
// no one changed it since (a conditional put).
func (d *Dataset) Create(name string) (dataset.OutputFile, error) {
	key, err := d.key(name)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if d.lost != nil {
		d.mu.Unlock()
		return nil, d.lost
	}
	var c Condition
	if etag, ok := d.read[name]; ok {
		c = Condition{IfNoneMatch: etag == "", IfMatch: etag}
		delete(d.read, name)
	}
	d.mu.Unlock()
	if dataset.Pending(name) {
		return datasetFile{d.store.CreateRenamed(key), d}, nil
	}
	return datasetFile{d.store.Create(key, c), d}, nil
}

// datasetFile is an upload named by its path in the dataset.
type datasetFile struct {
	*Upload
	d *Dataset
}

func (f datasetFile) CommitAs(name string) error {
	key, err := f.d.key(name)
	if err != nil {
		f.Abort()
		return err
	}
	return f.Upload.CommitAs(key)
}

// List names the files under a folder of the dataset, subfolders included.
func (d *Dataset) List(dir string) ([]string, error) {
	prefix := d.loc.Key(dir)
	if prefix != "" {
		prefix += "/"
	}
	var names []string
	err := d.store.each(prefix, "", func(e entry) {
		if rest := strings.TrimPrefix(e.key, prefix); rest != "" && !strings.HasSuffix(rest, "/") {
			names = append(names, rest)
		}
	})
	return names, err
}

func (d *Dataset) Remove(name string) error {
	key, err := d.key(name)
	if err != nil {
		return err
	}
	return d.store.Remove(key)
}

// Open opens a file of the dataset for reading by range.
func (d *Dataset) Open(name string) (dataset.ReaderAtSeeker, error) {
	key, err := d.key(name)
	if err != nil {
		return nil, err
	}
	return d.store.Open(key)
}

// Size is a file's size in bytes.
func (d *Dataset) Size(name string) (int64, error) {
	key, err := d.key(name)
	if err != nil {
		return 0, err
	}
	fi, err := d.store.Stat(key)
	if err != nil {
		return 0, err
	}
	if fi.IsDir() {
		return 0, &fs.PathError{Op: "stat", Path: d.store.url(key), Err: fs.ErrNotExist}
	}
	return fi.Size(), nil
}

// ReadFile reads a small file whole (fs.ErrNotExist if it is absent) and
// remembers what it saw, for the conditional write after it.
func (d *Dataset) ReadFile(name string) ([]byte, error) {
	key, err := d.key(name)
	if err != nil {
		return nil, err
	}
	data, etag, err := d.store.ReadFile(key)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	d.mu.Lock()
	d.read[name] = etag
	d.mu.Unlock()
	return data, err
}

// lockFile is what a lock object says of its writer.
type lockFile struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Since   time.Time `json:"since"`
	Renewed time.Time `json:"renewed"`
}

// Leases: a writer rewrites its lock every lockRenew; a lock not renewed
// for lockStale is a dead writer's (a pod killed on another node, whose
// process cannot be asked), and is taken over.
const (
	lockRenew = 30 * time.Second
	lockStale = 3 * time.Minute
)

// Lock makes this process the one writer of the dataset (or of one shard
// of it) with an object only one writer can create (a conditional put),
// renewed while the run lasts. A lock whose writer is gone is taken over:
// one of a process of this machine that has ended at once, any other once
// the store says it has not been rewritten for lockStale; a live one is
// reported with the way to lift it. A writer that finds no other lock
// cancels the uploads a killed writer left in the dataset. A writer whose
// lease is taken from it writes no manifest (Create refuses).
func (d *Dataset) Lock(shard string) (unlock func(), err error) {
	name := ".flinkdx.lock"
	if shard != "" {
		name = ".flinkdx-shard-" + shard + ".lock"
	}
	key := d.loc.Key(name)
	host, _ := os.Hostname()
	me := lockFile{Host: host, PID: os.Getpid(), Since: time.Now().UTC()}
	body := func() []byte {
		me.Renewed = time.Now().UTC()
		data, _ := json.Marshal(me)
		return data
	}
	mine := func(data []byte) bool {
		var l lockFile
		return json.Unmarshal(data, &l) == nil && l.Host == me.Host && l.PID == me.PID && l.Since.Equal(me.Since)
	}
	for attempt := 0; attempt < 3; attempt++ {
		etag, err := d.store.Put(key, body(), Condition{IfNoneMatch: true})
		if errors.Is(err, ErrChanged) {
			old, oldTag, rerr := d.store.ReadFile(key)
			switch {
			case errors.Is(rerr, fs.ErrNotExist) || errors.Is(rerr, ErrChanged):
				continue // gone or renewed meanwhile: look again
			case rerr != nil:
				return nil, rerr
			case oldTag == "":
				return nil, fmt.Errorf("cannot lock %s: the store gives %s no ETag to replace it by", d.loc, d.store.url(key))
			}
			var l lockFile
			json.Unmarshal(old, &l)
			// Whether it lapsed, by the store's clock (the time it was
			// last written), not the other writer's.
			mod, _, herr := d.store.Head(key)
			stale := herr == nil && time.Since(mod) > lockStale
			gone := l.Host == host && l.PID > 0 && !proc.Alive(l.PID) || stale
			if !gone {
				return nil, fmt.Errorf("%s is being written by another flinkdx (host %s, process %d, since %s): wait for it to end, or write elsewhere (if no flinkdx runs, delete %s, or wait %v for its lock to lapse)",
					d.loc, l.Host, l.PID, l.Since.Format(time.RFC3339), d.store.url(key), lockStale)
			}
			etag, err = d.store.Put(key, body(), Condition{IfMatch: oldTag})
			if errors.Is(err, ErrChanged) {
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		if mod, _, err := d.store.Head(key); err == nil {
			d.sweep(name, mod)
		}
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			t := time.NewTicker(lockRenew)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				e, err := d.store.Put(key, body(), Condition{IfMatch: etag})
				if errors.Is(err, ErrChanged) {
					// A retried renewal whose first answer was lost is
					// refused against its own new ETag: still ours?
					if data, tag, rerr := d.store.ReadFile(key); rerr == nil && mine(data) {
						etag = tag
						continue
					}
					d.lose(fmt.Errorf("%s: another writer took the lock %s (this run's lease lapsed): its dataset is left as the other writer makes it", d.loc, d.store.url(key)))
					return
				}
				if err == nil {
					etag = e
				}
			}
		}()
		return func() {
			close(stop)
			<-done
			// Only our own lock goes: one taken over stays its new
			// writer's.
			if data, tag, err := d.store.ReadFile(key); err == nil && mine(data) {
				d.store.RemoveIf(key, tag)
			}
		}, nil
	}
	return nil, fmt.Errorf("cannot lock %s: %s keeps changing", d.loc, d.store.url(key))
}

// lose records that the lease was taken: nothing more is committed.
func (d *Dataset) lose(err error) {
	d.mu.Lock()
	if d.lost == nil {
		d.lost = err
	}
	d.mu.Unlock()
}

// sweep cancels what killed writers left, when no other writer holds a
// lock: the uploads of the dataset's files (part files, temporary files,
// manifests) begun before this writer's lock was written (by the store's
// clock).
func (d *Dataset) sweep(mine string, before time.Time) {
	others := false
	d.store.each(d.loc.Key(".flinkdx"), "/", func(e entry) {
		if !e.dir && path.Base(e.key) != mine && strings.HasSuffix(e.key, ".lock") {
			others = true
		}
	})
	if others {
		return
	}
	prefix := d.loc.Key("")
	if prefix != "" {
		prefix += "/"
	}
	d.store.AbortUploads(prefix, before, func(key string) bool {
		base := path.Base(key)
		return strings.HasSuffix(base, ".parquet") || strings.Contains(base, ".parquet.tmp-") ||
			strings.HasPrefix(base, "manifest") && strings.HasSuffix(base, ".json")
	})
}

// FS reads the dataset's files by their path in it.
func (d *Dataset) FS() fs.FS { return datasetFS{d} }

type datasetFS struct{ d *Dataset }

func (f datasetFS) Open(name string) (fs.File, error) {
	key, err := f.d.key(name)
	if err != nil {
		return nil, err
	}
	return f.d.store.Open(key)
}

// Shards names the shard manifests at the dataset's root.
func (d *Dataset) Shards() ([]string, error) {
	var names []string
	prefix := d.loc.Key("manifest.shard-")
	err := d.store.each(prefix, "/", func(e entry) {
		if !e.dir && strings.HasSuffix(e.key, ".json") {
			names = append(names, path.Base(e.key))
		}
	})
	return names, err
}
