package input

import (
	"io"
	"sync"
)

// readAhead reads r on its own goroutine into a few blocks, so that reading
// (and whatever r does: hashing, decompressing) overlaps with the parsing
// that consumes the blocks. Memory is blocks × size, whatever the input.
type readAhead struct {
	full chan block    // filled blocks, in order
	free chan []byte   // blocks given back
	done chan struct{} // closed by Close: the reader stops
	exit chan struct{} // closed when the reader goroutine has returned
	cur  block         // the block being consumed
	pos  int           // read position in cur
	err  error         // the error that ended the stream, once seen
}

type block struct {
	b   []byte
	err error // after b: the error that ended the stream
}

const (
	readAheadBlocks = 4
	readAheadSize   = 1 << 20
)

func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{
		full: make(chan block, readAheadBlocks),
		free: make(chan []byte, readAheadBlocks),
		done: make(chan struct{}),
		exit: make(chan struct{}),
	}
	for range readAheadBlocks {
		ra.free <- nil // taken from blockPool when first needed
	}
	go ra.fill(r)
	return ra
}

func (ra *readAhead) fill(r io.Reader) {
	defer close(ra.exit)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.done:
			return
		}
		if buf == nil {
			buf = blockPool.Get().([]byte)
		}
		// Fill the block (a reader may return short counts); hand it on
		// with the error that stopped it, if any.
		n, err := io.ReadFull(r, buf[:cap(buf)])
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case ra.full <- block{b: buf[:n], err: err}:
		case <-ra.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for ra.pos == len(ra.cur.b) {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.cur.b != nil {
			ra.err = ra.cur.err
			ra.free <- ra.cur.b[:0]
			ra.cur, ra.pos = block{}, 0
			if ra.err != nil {
				return 0, ra.err
			}
		}
		ra.cur, ra.pos = <-ra.full, 0
	}
	n := copy(p, ra.cur.b[ra.pos:])
	ra.pos += n
	return n, nil
}

// Close stops the reader goroutine and waits for it: after Close, nothing
// reads r any more.
func (ra *readAhead) Close() {
	close(ra.done)
	<-ra.exit
	put := func(b []byte) {
		if b != nil {
			blockPool.Put(b[:0]) //nolint:staticcheck // a slice header is small
		}
	}
	put(ra.cur.b)
	ra.cur = block{}
	for {
		select {
		case b := <-ra.free:
			put(b)
		case b := <-ra.full:
			put(b.b)
		default:
			return
		}
	}
}

// blockPool recycles read-ahead blocks across files: an archive of many
// small members does not allocate 4 MiB for each.
var blockPool = sync.Pool{New: func() any { return make([]byte, readAheadSize) }}
