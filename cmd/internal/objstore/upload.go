package objstore

import (
	"errors"
	"path"
)

// partSize is the size of the parts of a multipart upload: S3's smallest,
// since every file being written holds one in memory (a dataset writes
// many partition folders at once).
const partSize = 5 << 20

// Upload is an object being written. Its bytes gather in memory up to a
// part's size and go up as the parts of a multipart upload, which stays
// invisible until committed; a file smaller than a part goes up in one
// request when committed. Nothing is ever staged on disk.
type Upload struct {
	s    *Store
	key  string // where it will be visible
	up   string // the multipart upload's key: key, or a hidden name beside it
	cond Condition
	buf  []byte
	id   string // the multipart upload, once begun
	// tags name the parts uploaded, in order.
	tags []string
	// closed: the last part is sent (or waits in buf, if there was only
	// one); done: committed or aborted.
	closed, done, completed bool
	// failed is the error of a write or of Close: nothing is committed
	// after it.
	failed error
}

// Create begins writing an object: its parts go straight to its key, where
// no one sees them until committed, or beside it under a hidden name where
// the store stages parts on the object itself (Azure). A file of one part
// is put under its final name when committed, in one request.
func (s *Store) Create(key string, c Condition) *Upload {
	u := &Upload{s: s, key: key, up: key, cond: c}
	if s.b.stagesOnObject() {
		u.up = tempName(key)
	}
	return u
}

// CreateRenamed begins writing an object whose key is given when it is
// committed (CommitAs): it is uploaded beside key, hidden, and copied.
func (s *Store) CreateRenamed(key string) *Upload {
	return &Upload{s: s, key: key, up: tempName(key)}
}

func (u *Upload) Write(p []byte) (int, error) {
	if u.closed {
		return 0, errors.New("write " + u.s.url(u.key) + ": already closed")
	}
	if u.failed != nil {
		return 0, u.failed
	}
	n := len(p)
	for len(p) > 0 {
		if len(u.buf) == 0 && len(p) >= partSize {
			if err := u.sendPart(p[:partSize]); err != nil {
				return n - len(p), err
			}
			p = p[partSize:]
			continue
		}
		if u.buf == nil {
			u.buf = make([]byte, 0, min(partSize, max(64<<10, 2*len(p))))
		}
		take := min(len(p), partSize-len(u.buf))
		u.buf = append(u.buf, p[:take]...)
		p = p[take:]
		if len(u.buf) == partSize {
			if err := u.sendPart(u.buf); err != nil {
				return n - len(p), err
			}
			u.buf = u.buf[:0]
		}
	}
	return n, nil
}

func (u *Upload) sendPart(data []byte) (err error) {
	defer func() {
		if err != nil && u.failed == nil {
			u.failed = err
		}
	}()
	if err := u.s.reached(); err != nil {
		return err
	}
	if u.id == "" {
		id, err := u.s.b.begin(u.up)
		if err != nil {
			return u.s.fail("write", u.key, err)
		}
		u.id = id
	}
	tag, err := u.s.b.part(u.up, u.id, len(u.tags)+1, data)
	if err != nil {
		return u.s.fail("write", u.key, err)
	}
	u.tags = append(u.tags, tag)
	return nil
}

// Close sends what is left as the last part, if the upload is multipart;
// a file of one part stays in memory until committed.
func (u *Upload) Close() error {
	if u.closed {
		return nil
	}
	u.closed = true
	if u.id != "" && len(u.buf) > 0 {
		err := u.sendPart(u.buf)
		u.buf = nil
		return err
	}
	return nil
}

// Commit makes the object visible under its key.
func (u *Upload) Commit() error {
	if err := u.Close(); err != nil {
		u.Abort()
		return err
	}
	if u.done {
		return errors.New("commit " + u.s.url(u.key) + ": already committed")
	}
	if u.failed != nil {
		u.Abort()
		return u.failed
	}
	if u.id == "" {
		// One request, under the write's condition.
		_, err := u.s.Put(u.key, u.buf, u.cond)
		u.buf, u.done = nil, true
		return err
	}
	var cond Condition
	if u.up == u.key {
		cond = u.cond
	}
	if err := u.s.b.complete(u.up, u.id, u.tags, cond); err != nil {
		u.Abort()
		return u.s.fail("write", u.key, err)
	}
	u.completed = true
	if u.up != u.key {
		err := u.s.b.copy(u.up, u.key, u.cond)
		u.s.Remove(u.up)
		if err != nil {
			u.done = true
			return u.s.fail("write", u.key, err)
		}
	}
	u.done = true
	return nil
}

// CommitAs makes the object visible under another key in the same folder.
func (u *Upload) CommitAs(key string) error {
	if path.Dir(key) != path.Dir(u.key) {
		u.Abort()
		return errors.New("cannot commit " + key + " in another folder")
	}
	if key != u.key && u.up == u.key && u.id != "" {
		// Parts went up under the name it was created with, where
		// completing them would show it (and replace what is there).
		u.Abort()
		return errors.New("cannot commit " + u.s.url(u.key) + " as " + key + ": it was uploaded under its own name")
	}
	u.key = key
	return u.Commit()
}

// Abort discards what was written.
func (u *Upload) Abort() {
	if u.done {
		return
	}
	u.done, u.closed, u.buf = true, true, nil
	switch {
	case u.completed:
		u.s.Remove(u.up)
	case u.id != "":
		u.s.b.abort(u.up, u.id)
	}
}
