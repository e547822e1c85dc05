package objstore

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"strings"
	"time"
)

// backend is one store's protocol, S3's or Azure Blob Storage's: the few
// requests Store, Object and Upload are made of. Keys are whole object
// keys in the bucket (container). Errors say fs.ErrNotExist for an
// object that is not there, ErrChanged for a condition refused, and
// otherwise what the store said, never a credential.
type backend interface {
	// head describes an object.
	head(key string) (size int64, mod time.Time, etag string, err error)
	// list calls fn on each object, and with delim "/" each folder, whose
	// key starts with prefix, in key order, until fn returns false.
	list(prefix, delim string, fn func(entry) bool) error
	// get reads an object from off up to end (excluded; to its end if end
	// < 0), only if its ETag is still etag (any if ""), and says its ETag.
	get(c context.Context, key string, off, end int64, etag string) (io.ReadCloser, string, error)
	// put writes a small object in one request.
	put(key string, data []byte, c Condition) (etag string, err error)
	remove(key string) error
	// An upload in parts, invisible until complete: begin, part 1…n,
	// complete (under a condition) or abort.
	begin(key string) (id string, err error)
	part(key, id string, n int, data []byte) (tag string, err error)
	complete(key, id string, tags []string, c Condition) error
	abort(key, id string)
	// copy copies an object within the bucket, under a condition on the
	// target.
	copy(from, to string, c Condition) error
	// stagesOnObject says an upload's parts are kept on the object they
	// are for, where another writer's put of it would drop them (Azure's
	// blocks), rather than apart until completed (S3's parts).
	stagesOnObject() bool
	// abortOld cancels the uploads under prefix begun before t whose key
	// which says, where the store keeps them until told.
	abortOld(prefix string, before time.Time, which func(key string) bool) int
}

// entry is an object (or a folder) as a listing describes it.
type entry struct {
	key  string
	size int64
	mod  time.Time
	etag string
	dir  bool
}

// transient says an error is the network's or a stream cut short, not
// the store's answer: asking again may help.
func transient(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF)
}

// randomID is an upload's name where the store does not give one.
func randomID() string { return strings.ToLower(rand.Text()[:12]) }
