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
	// Encoding is the encoding R was decoded from ("utf-16le",
	// "utf-16be"; "" for UTF-8 and ASCII, read as they are).
	Encoding string
	// CRLineEnds says lines ended by a CR alone are split (each such CR
	// reads as a LF; offsets are unchanged).
	CRLineEnds bool
	// Nuls is the length of the run of NUL bytes before the text (the
	// hole logrotate's copytruncate leaves), passed over: R starts after
	// it, and offsets count it.
	Nuls int64
}

// LineReader reads f's lines; offsets are the stream's, NULs before the
// text included.
func (f *File) LineReader(maxLine int) *LineReader {
	l := NewLineReader(f.R, maxLine)
	l.next, l.nuls = f.Nuls, f.Nuls
	return l
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
	// MaxDepth bounds how deep archives nest (a .tar.gz is one level), and
	// how many compression layers may wrap one another (default 8).
	MaxDepth int
	// BufferSize is the read buffer of each text stream (default 1 MiB);
	// lines longer than it are handled by the parser's line reader.
	BufferSize int
	// MaxRatio bounds how much an input may expand: the bytes all its
	// decompression layers produce may not pass MaxRatio times the bytes
	// read from it (plus 64 MiB), which stops decompression bombs, nested
	// or not (default 1000; gzip itself cannot pass about 1030, and logs
	// compress 10 to 100 times).
	MaxRatio int
	// MaxBytes bounds the bytes an input's decompression layers produce
	// in all (default 1 TiB).
	MaxBytes int64
	// MaxWindow bounds the window a zstd frame may ask the decoder to
	// allocate (default 128 MiB, what zstd --long uses).
	MaxWindow int
	// NoHash leaves Input.SHA256 empty, for readers that write no dataset
	// the hash would identify inputs of: the browser's analysis, and the
	// second pass that reads the evidence's context. (WebAssembly has no
	// SHA instructions: hashing is a third of the browser's work.)
	NoHash bool

	guard *guard
	slack int64 // bombSlack if 0 (tests make it small)
	// encoding is the text encoding a stream was decoded from.
	encoding string
	// codecs counts the compression layers over a stream since the
	// archive it is in.
	codecs int
}

// skipNuls passes over a run of NUL bytes at br's start and returns its
// length.
func skipNuls(br *bufio.Reader) int64 {
	var n int64
	for {
		p, err := br.Peek(1)
		if err != nil || p[0] != 0 {
			return n
		}
		buf, _ := br.Peek(br.Buffered())
		k := 0
		for k < len(buf) && buf[k] == 0 {
			k++
		}
		br.Discard(k)
		n += int64(k)
	}
}

func (o Options) maxRatio() int64 {
	if o.MaxRatio <= 0 {
		return 1000
	}
	return int64(o.MaxRatio)
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return 1 << 40
	}
	return o.MaxBytes
}

func (o Options) maxWindow() uint64 {
	if o.MaxWindow <= 0 {
		return 128 << 20
	}
	return uint64(o.MaxWindow)
}

// guard counts what one input's decompression layers produce against what
// was read from it.
type guard struct {
	raw      countingReader
	produced int64
}

// bombSlack is what any input may expand to, whatever its size.
const bombSlack = 64 << 20

func (o Options) bombSlack() int64 {
	if o.slack > 0 {
		return o.slack
	}
	return bombSlack
}

// BombError says an input expanded past a limit.
type BombError struct {
	Path            string
	Produced, Input int64
	Limit           string
}

func (e *BombError) Error() string {
	return fmt.Sprintf("%s: stopped after %d decompressed bytes from %d bytes of input: %s (a decompression bomb, or a limit to raise)",
		e.Path, e.Produced, e.Input, e.Limit)
}

// guarded counts a decompression layer's output into the input's guard.
type guarded struct {
	r    io.Reader
	name string
	opt  Options
}

func (g guarded) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	gd := g.opt.guard
	if gd == nil {
		return n, err
	}
	gd.produced += int64(n)
	switch {
	case gd.produced > g.opt.maxBytes():
		return n, &BombError{Path: g.name, Produced: gd.produced, Input: gd.raw.n, Limit: fmt.Sprintf("more than the %d bytes an input may expand to", g.opt.maxBytes())}
	case gd.produced > g.opt.maxRatio()*gd.raw.n+g.opt.bombSlack():
		return n, &BombError{Path: g.name, Produced: gd.produced, Input: gd.raw.n, Limit: fmt.Sprintf("more than %d times its size", g.opt.maxRatio())}
	}
	return n, err
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
	opt.guard = &guard{raw: countingReader{r: r}}
	return open(name, bufio.NewReaderSize(&opt.guard.raw, opt.bufferSize()), h, opt, 0)
}

// open reads one stream; depth counts the archives it is inside (a
// compression layer is not a level: a .tar.gz is one), opt.codecs the
// compression layers over it since the last archive.
func open(name string, br *bufio.Reader, h Handler, opt Options, depth int) error {
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return fmt.Errorf("cannot read %s: %w", name, err)
	}
	var nuls int64
	if len(head) > 0 && head[0] == 0 {
		// A hole before the text: what follows it says what the stream is.
		nuls = skipNuls(br)
		head, err = br.Peek(sniffLen)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return fmt.Errorf("cannot read %s: %w", name, err)
		}
		if len(head) == 0 {
			h.Skip(name, Empty, fmt.Sprintf("only NUL bytes (%d)", nuls))
			return nil
		}
	}
	format := Sniff(head)
	if nuls > 0 && format != Text {
		h.Skip(name, format, fmt.Sprintf("%s after %d NUL bytes: not read", format, nuls))
		return nil
	}
	if format == Text || format == Binary {
		// UTF-16 (a Windows tool's log) looks like text with a NUL in
		// every other byte, or like binary: decoded, it is read as text.
		if ok, big := utf16Of(head); ok && opt.encoding == "" {
			opt.encoding = "utf-16le"
			if big {
				opt.encoding = "utf-16be"
			}
			return open(name, bufio.NewReaderSize(newUTF16Reader(br, big), opt.bufferSize()), h, opt, depth)
		}
	}
	switch {
	case (format == Tar || format == Zip) && depth >= opt.maxDepth():
		h.Skip(name, format, fmt.Sprintf("archives nested deeper than %d levels", opt.maxDepth()))
		return nil
	case (format == Gzip || format == Zstd || format == Bzip2) && opt.codecs >= opt.maxDepth():
		h.Skip(name, format, fmt.Sprintf("compressed more than %d times over", opt.maxDepth()))
		return nil
	}
	switch format {
	case Text:
		f := &File{Path: name, R: br, Encoding: opt.encoding, Nuls: nuls}
		if hasLoneCR(head) {
			f.R, f.CRLineEnds = bufio.NewReaderSize(&crReader{r: br}, opt.bufferSize()), true
		}
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
			zstd.WithDecoderMaxWindow(opt.maxWindow()))
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
	cr := &countingReader{r: guarded{r: r, name: name, opt: opt}}
	opt.codecs++
	err := open(name, bufio.NewReaderSize(cr, opt.bufferSize()), h, opt, depth)
	if err != nil {
		var off *OffsetError
		var bomb *BombError
		switch {
		case errors.As(err, &bomb):
		case errors.As(err, &off):
		case errors.Is(err, zstd.ErrWindowSizeExceeded):
			err = &OffsetError{Path: name, Offset: cr.n, Err: fmt.Errorf("a zstd frame asks for a window larger than the %d MiB allowed (a memory bomb, or compressed with --long beyond 27)", opt.maxWindow()>>20)}
		default:
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
		member := opt
		member.codecs = 0
		if err := open(mpath, bufio.NewReaderSize(tr, opt.bufferSize()), h, member, depth+1); err != nil {
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
