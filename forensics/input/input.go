package input

import (
	"archive/tar"
	"bufio"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// File is one text stream found in the inputs.
type File struct {
	// Path names the stream for people: a file path, or for an archive
	// member "outer.tar.gz!dir/member.log" (nested archives chain the "!").
	Path string
	// R yields the stream's decompressed bytes. Its buffer holds at least
	// the first 64 KiB, so a parser may Peek that much to classify content.
	R *bufio.Reader
}

// Handler receives what Open finds.
type Handler interface {
	// Text is called for each text stream; it reads f.R (to the end, or
	// Open drains the rest). An error it returns is passed to Fail and the
	// walk goes on with the next stream.
	Text(f *File) error
	// Skip is called for a stream that is not text: binary, encrypted or in
	// a format flinkdx cannot read. Nothing of it is parsed.
	Skip(path string, format Format, reason string)
	// Fail is called when a stream breaks part-way (a truncated archive, a
	// bad checksum). What was read before the error has been handed on.
	Fail(path string, err error)
}

// Options bound the walk.
type Options struct {
	// MaxDepth bounds how deep compression and archives nest (default 8).
	MaxDepth int
	// BufferSize is the read buffer of each text stream (default 1 MiB);
	// lines longer than it are handled by the parser's line reader.
	BufferSize int
}

func (o Options) maxDepth() int {
	if o.MaxDepth <= 0 {
		return 8
	}
	return o.MaxDepth
}

func (o Options) bufferSize() int {
	if o.BufferSize < 64<<10 {
		return 1 << 20
	}
	return o.BufferSize
}

// Open expands one stream named name: it decompresses it, descends into
// archives, and hands every text stream inside to h. Errors of one member
// go to h.Fail and the walk continues; the returned error says the stream
// as a whole could not be read to its end.
func Open(name string, r io.Reader, h Handler, opt Options) error {
	return open(name, bufio.NewReaderSize(r, opt.bufferSize()), h, opt, 0)
}

func open(name string, br *bufio.Reader, h Handler, opt Options, depth int) error {
	if depth > opt.maxDepth() {
		h.Skip(name, Binary, fmt.Sprintf("archives nested deeper than %d levels", opt.maxDepth()))
		return nil
	}
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return fmt.Errorf("cannot read %s: %w", name, err)
	}
	format := Sniff(head)
	switch format {
	case Text:
		f := &File{Path: name, R: br}
		if err := h.Text(f); err != nil {
			h.Fail(name, err)
		}
		// Drain what the handler left so the enclosing archive can go on;
		// a read error here is the stream's own.
		if _, err := io.Copy(io.Discard, br); err != nil {
			return fmt.Errorf("cannot read %s: %w", name, err)
		}
		return nil
	case Empty:
		h.Skip(name, Empty, "empty")
		return nil
	case Binary:
		h.Skip(name, Binary, "binary content (not log text)")
		return nil
	case Xz:
		h.Skip(name, Xz, "xz compression is not supported; recompress with gzip or zstd")
		return nil
	case Gzip:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("cannot read gzip %s: %w", name, err)
		}
		defer zr.Close()
		return decompressed(name, zr, h, opt, depth)
	case Zstd:
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(1<<30))
		if err != nil {
			return fmt.Errorf("cannot read zstd %s: %w", name, err)
		}
		defer zr.Close()
		return decompressed(name, zr, h, opt, depth)
	case Bzip2:
		return decompressed(name, bzip2.NewReader(br), h, opt, depth)
	case Tar:
		return openTar(name, br, h, opt, depth)
	case Zip:
		return openZip(name, br, h, opt, depth)
	}
	return fmt.Errorf("cannot read %s: unknown format %v", name, format)
}

// decompressed continues with the content of a compressed stream, which
// keeps its name: "app.log.gz" holds the text of "app.log.gz".
func decompressed(name string, r io.Reader, h Handler, opt Options, depth int) error {
	cr := &countingReader{r: r}
	err := open(name, bufio.NewReaderSize(cr, opt.bufferSize()), h, opt, depth+1)
	if err != nil {
		var off *OffsetError
		if !errors.As(err, &off) {
			err = &OffsetError{Path: name, Offset: cr.n, Err: err}
		}
	}
	return err
}

// OffsetError says where in a decompressed stream reading failed.
type OffsetError struct {
	Path   string
	Offset int64 // decompressed bytes read before the failure
	Err    error
}

func (e *OffsetError) Error() string {
	return fmt.Sprintf("%s: after %d decompressed bytes: %v", e.Path, e.Offset, e.Err)
}

func (e *OffsetError) Unwrap() error { return e.Err }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func member(archive, name string) string { return archive + "!" + name }

func openTar(name string, br *bufio.Reader, h Handler, opt Options, depth int) error {
	tr := tar.NewReader(br)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read tar %s: %w", name, err)
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		default:
			continue // directories, links, devices: nothing to read
		}
		mpath := member(name, cleanMember(hdr.Name))
		if err := open(mpath, bufio.NewReaderSize(tr, opt.bufferSize()), h, opt, depth+1); err != nil {
			// The member is reported; if the archive itself is broken the
			// next header says so.
			h.Fail(mpath, err)
		}
	}
}

// cleanMember makes an archive member name a label: never a path to write
// to, and free of "./" noise.
func cleanMember(n string) string {
	c := path.Clean("/" + n)
	return c[1:]
}
