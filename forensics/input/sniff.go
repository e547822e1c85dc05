// Package input turns what users have (files, directory trees, compressed
// files, archives nested in archives, rotated logs) into a sequence of text
// streams, each with the path it came from. Everything streams through
// io.Reader: nothing is extracted to disk and no input is held whole in memory.
package input

import (
	"bytes"
	"unicode/utf8"
)

// Format is what the first bytes of a stream say it is.
type Format uint8

const (
	Text Format = iota
	Gzip
	Zstd
	Bzip2
	Xz
	Zip
	Tar
	Binary
	Empty
)

var formatNames = [...]string{"text", "gzip", "zstd", "bzip2", "xz", "zip", "tar", "binary", "empty"}

func (f Format) String() string { return formatNames[f] }

// sniffLen is how many bytes Sniff wants to see (a tar header is 512 bytes).
const sniffLen = 8192

// Sniff tells a stream's format from its first bytes, never from a name.
// head is the stream's first bytes (up to sniffLen); eof says the stream ends
// there.
func Sniff(head []byte) Format {
	switch {
	case len(head) == 0:
		return Empty
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		return Gzip
	case len(head) >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd:
		return Zstd
	case len(head) >= 10 && bytes.HasPrefix(head, []byte("BZh")) && head[3] >= '1' && head[3] <= '9' &&
		bytes.Equal(head[4:10], []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}):
		return Bzip2
	case len(head) >= 6 && bytes.Equal(head[:6], []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return Xz
	case len(head) >= 4 && bytes.Equal(head[:4], []byte("PK\x03\x04")),
		len(head) >= 4 && bytes.Equal(head[:4], []byte("PK\x05\x06")):
		return Zip
	case isTarHeader(head):
		return Tar
	case looksBinary(head):
		return Binary
	}
	return Text
}

// isTarHeader accepts a POSIX/GNU header by its magic and an old v7 header
// by its checksum.
func isTarHeader(h []byte) bool {
	if len(h) < 512 {
		return false
	}
	if bytes.Equal(h[257:262], []byte("ustar")) {
		return true
	}
	// v7: the checksum field (octal, at 148..156) equals the sum of all header
	// bytes with the checksum field read as spaces.
	want, ok := parseOctal(h[148:156])
	if !ok || want == 0 {
		return false
	}
	var sum int64
	for i, c := range h[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum == want && h[0] != 0
}

func parseOctal(b []byte) (int64, bool) {
	b = bytes.Trim(b, " \x00")
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '7' {
			return 0, false
		}
		n = n*8 + int64(c-'0')
	}
	return n, true
}

// looksBinary says a head is not log text: more than one byte in sixteen
// of those that are not NUL is a control character or not valid UTF-8. A
// Latin-1 word inside a log does not make it binary, and NULs do not
// either: a run of them is the hole copytruncate or a crashed writer
// leaves in a log (LineReader passes over it), so a head of NULs alone is
// text still to come.
func looksBinary(head []byte) bool {
	bad, nuls := 0, 0
	for i := 0; i < len(head); {
		c := head[i]
		if c < utf8.RuneSelf {
			if c == 0 {
				nuls++
			} else if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b {
				bad++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 {
			if len(head)-i < utf8.UTFMax { // a rune cut by the end of the head
				break
			}
			bad++
		}
		i += n
	}
	return bad*16 > len(head)-nuls
}
