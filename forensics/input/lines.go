package input

import (
	"bufio"
	"bytes"
	"io"
)

// DefaultMaxLine is the longest line kept whole; the rest of a longer line
// is counted, not kept.
const DefaultMaxLine = 1 << 20

// LineReader splits a stream into lines and says where each one starts.
// Line returns a slice that aliases the reader's buffer until the next call
// to Next.
type LineReader struct {
	r       *bufio.Reader
	max     int
	line    []byte
	long    []byte
	num     int64
	off     int64
	next    int64
	origLen int64
	nuls    int64
	err     error
}

// NewLineReader reads lines from r; lines longer than maxLine bytes are cut
// (maxLine <= 0 means DefaultMaxLine).
func NewLineReader(r *bufio.Reader, maxLine int) *LineReader {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	return &LineReader{r: r, max: maxLine}
}

// Next advances to the next line; it returns false at the end of the stream
// or on a read error (see Err).
func (l *LineReader) Next() bool {
	if l.err != nil {
		return false
	}
	l.skipNuls()
	l.off = l.next
	l.origLen = 0
	b, err := l.r.ReadSlice('\n')
	long := err == bufio.ErrBufferFull
	if long {
		b, err = l.readLong(b) // advances l.next by the whole line
	}
	if len(b) == 0 && err != nil {
		if err != io.EOF {
			l.err = err
		} else {
			l.err = io.EOF
		}
		return false
	}
	if err != nil && err != io.EOF {
		l.err = err // the partial last line is still returned
	}
	if !long {
		l.next += int64(len(b))
	}
	l.num++
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	l.line = b
	return true
}

// skipNuls passes over NUL bytes where a line starts: the hole that
// logrotate's copytruncate or a crashed writer's preallocation leaves
// before (or after) the text. They are counted (NulBytes), not read as a
// line, so the text after a hole of any length starts a line of its own.
func (l *LineReader) skipNuls() {
	for {
		p, err := l.r.Peek(1)
		if err != nil || p[0] != 0 {
			return
		}
		buf, _ := l.r.Peek(l.r.Buffered())
		k := 0
		for k < len(buf) && buf[k] == 0 {
			k++
		}
		l.r.Discard(k)
		l.next += int64(k)
		l.nuls += int64(k)
	}
}

// NulBytes counts the NUL bytes passed over where lines start.
func (l *LineReader) NulBytes() int64 { return l.nuls }

// readLong gathers a line longer than the buffer, keeping at most max bytes.
func (l *LineReader) readLong(first []byte) ([]byte, error) {
	l.long = append(l.long[:0], first...)
	total := int64(len(first))
	var err error
	var b []byte
	for {
		b, err = l.r.ReadSlice('\n')
		total += int64(len(b))
		if room := l.max - len(l.long); room > 0 {
			l.long = append(l.long, b[:min(room, len(b))]...)
		}
		if err != bufio.ErrBufferFull {
			break
		}
	}
	l.next += total
	if n := total - int64(len(l.long)); n > 0 || total > int64(l.max) {
		l.origLen = total
		if bytes.HasSuffix(b, []byte("\n")) {
			l.origLen--
		}
	}
	if err == io.EOF {
		err = nil
		if len(l.long) == 0 {
			err = io.EOF
		}
	}
	return l.long, err
}

// Line is the current line without its line end.
func (l *LineReader) Line() []byte { return l.line }

// Num is the current line's number, from 1.
func (l *LineReader) Num() int64 { return l.num }

// Offset is the byte offset of the current line's first byte.
func (l *LineReader) Offset() int64 { return l.off }

// End is the byte offset just past the current line.
func (l *LineReader) End() int64 { return l.next }

// Truncated is the original length of the current line if it was longer
// than the limit and cut, else 0.
func (l *LineReader) Truncated() int64 { return l.origLen }

// Err is the read error that ended the lines, or nil at a clean end.
func (l *LineReader) Err() error {
	if l.err == io.EOF {
		return nil
	}
	return l.err
}
