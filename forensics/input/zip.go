package input

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// openZip reads a zip archive front to back through its local file headers,
// so a zip inside a tar, a gzip or an HTTP body streams like any other input
// (archive/zip needs random access to the central directory). The
// decompressors are the libraries'; this only walks the container.
func openZip(name string, br *bufio.Reader, h Handler, opt Options, depth int) error {
	for {
		var sig [4]byte
		if _, err := io.ReadFull(br, sig[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("cannot read zip %s: %w", name, err)
		}
		switch binary.LittleEndian.Uint32(sig[:]) {
		case 0x04034b50: // local file header
		case 0x02014b50, 0x06054b50, 0x06064b50: // central directory: all members seen
			return nil
		default:
			return fmt.Errorf("cannot read zip %s: unexpected signature %x; want a local file header", name, sig)
		}
		var fixed [26]byte
		if _, err := io.ReadFull(br, fixed[:]); err != nil {
			return fmt.Errorf("cannot read zip %s: truncated local header: %w", name, err)
		}
		flags := binary.LittleEndian.Uint16(fixed[2:])
		method := binary.LittleEndian.Uint16(fixed[4:])
		crc := binary.LittleEndian.Uint32(fixed[10:])
		csize := uint64(binary.LittleEndian.Uint32(fixed[14:]))
		usize := uint64(binary.LittleEndian.Uint32(fixed[18:]))
		nameLen := int(binary.LittleEndian.Uint16(fixed[22:]))
		extraLen := int(binary.LittleEndian.Uint16(fixed[24:]))
		buf := make([]byte, nameLen+extraLen)
		if _, err := io.ReadFull(br, buf); err != nil {
			return fmt.Errorf("cannot read zip %s: truncated local header: %w", name, err)
		}
		mname := cleanMember(string(buf[:nameLen]))
		zip64 := false
		for extra := buf[nameLen:]; len(extra) >= 4; {
			tag, size := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
			if size > len(extra)-4 {
				break
			}
			if tag == 0x0001 { // zip64 sizes
				zip64 = true
				f := extra[4 : 4+size]
				if usize == 0xffffffff && len(f) >= 8 {
					usize, f = binary.LittleEndian.Uint64(f), f[8:]
				}
				if csize == 0xffffffff && len(f) >= 8 {
					csize = binary.LittleEndian.Uint64(f)
				}
			}
			extra = extra[4+size:]
		}
		_ = usize
		descriptor := flags&0x8 != 0
		mpath := member(name, mname)
		isDir := nameLen > 0 && buf[nameLen-1] == '/'

		// body is exactly the compressed bytes of this member.
		var body io.Reader
		if descriptor {
			switch method {
			case 8:
				body = br // deflate ends itself; br is a ByteReader so flate reads no further
			case 0:
				body = &storedBody{br: br, crc: crc32.NewIEEE()}
			default:
				return fmt.Errorf("cannot read zip %s: member %s (method %d) has no size up front; it cannot be streamed", name, mname, method)
			}
		} else {
			body = io.LimitReader(br, int64(csize))
		}
		var content io.Reader
		var closer io.Closer
		switch {
		case flags&0x1 != 0:
			h.Skip(mpath, Zip, "encrypted zip member")
		case isDir:
		case method == 0:
			content = body
		case method == 8:
			fr := flate.NewReader(body)
			content, closer = fr, fr
		case method == 12:
			content = bzip2.NewReader(body)
		case method == 93:
			zr, err := zstd.NewReader(body, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
				zstd.WithDecoderMaxWindow(opt.maxWindow()))
			if err != nil {
				return fmt.Errorf("cannot read zip %s member %s: %w", name, mname, err)
			}
			content, closer = zr, zstdCloser{zr}
		default:
			h.Skip(mpath, Zip, fmt.Sprintf("zip compression method %d is not supported", method))
		}
		var sum hash.Hash32
		if content != nil {
			if method != 0 {
				content = guarded{r: content, name: mpath, opt: opt}
			}
			sum = crc32.NewIEEE()
			tee := io.TeeReader(content, sum)
			member := opt
			member.codecs = 0
			if err := open(mpath, bufio.NewReaderSize(tee, opt.bufferSize()), h, member, depth+1); err != nil {
				h.Fail(mpath, err)
			}
			// Whatever the handler left, the CRC needs all of it.
			if _, err := io.Copy(io.Discard, tee); err != nil {
				if closer != nil {
					closer.Close()
				}
				return fmt.Errorf("cannot read zip %s member %s: %w", name, mname, err)
			}
			if closer != nil {
				closer.Close()
			}
		}
		if !descriptor {
			// Skip what was not consumed (skipped members, or a stored body).
			if _, err := io.Copy(io.Discard, body); err != nil {
				return fmt.Errorf("cannot read zip %s member %s: %w", name, mname, err)
			}
		} else {
			var err error
			crc, err = readDescriptor(br, zip64)
			if err != nil {
				return fmt.Errorf("cannot read zip %s member %s: %w", name, mname, err)
			}
		}
		if sum != nil && sum.Sum32() != crc {
			h.Fail(mpath, fmt.Errorf("zip member %s: CRC-32 mismatch (content is corrupt)", mname))
		}
	}
}

// readDescriptor reads the data descriptor after a member whose sizes were
// not known up front, and returns its CRC-32.
func readDescriptor(br *bufio.Reader, zip64 bool) (uint32, error) {
	head, err := br.Peek(4)
	if err != nil {
		return 0, fmt.Errorf("truncated data descriptor: %w", err)
	}
	if binary.LittleEndian.Uint32(head) == 0x08074b50 {
		br.Discard(4)
	}
	n := 12
	if zip64 {
		n = 20
	}
	d := make([]byte, n)
	if _, err := io.ReadFull(br, d); err != nil {
		return 0, errors.New("truncated data descriptor")
	}
	return binary.LittleEndian.Uint32(d), nil
}

type zstdCloser struct{ d *zstd.Decoder }

func (z zstdCloser) Close() error { z.d.Close(); return nil }

// storedBody reads a stored member whose size comes after it: the data
// ends where a data descriptor follows whose CRC and size match the bytes
// read so far.
type storedBody struct {
	br  *bufio.Reader
	crc hash.Hash32
	n   uint64
	eof bool
}

var descriptorSig = []byte("PK\x07\x08")

func (s *storedBody) Read(p []byte) (int, error) {
	if s.eof {
		return 0, io.EOF
	}
	buf, err := s.br.Peek(min(len(p), s.br.Size()))
	if len(buf) == 0 {
		if err == nil || err == io.EOF {
			err = errors.New("no data descriptor matches the stored member's CRC and size (corrupt or truncated)")
		}
		return 0, err
	}
	i := bytes.Index(buf, descriptorSig)
	switch {
	case i < 0:
		// Keep the last 3 bytes back: a signature may straddle reads.
		i = max(len(buf)-3, 1)
		if err != nil { // end of input: nothing can straddle
			i = len(buf)
		}
	case i == 0:
		d, _ := s.br.Peek(16)
		if len(d) >= 12 && binary.LittleEndian.Uint32(d[4:]) == s.crc.Sum32() &&
			uint64(binary.LittleEndian.Uint32(d[8:])) == s.n&0xffffffff {
			s.eof = true
			return 0, io.EOF
		}
		i = 1
	}
	n := copy(p, buf[:i])
	s.br.Discard(n)
	s.crc.Write(p[:n])
	s.n += uint64(n)
	return n, nil
}
