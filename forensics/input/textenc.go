package input

import (
	"bytes"
	"io"
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Of says whether a head is UTF-16 text, and its byte order: by its
// byte order mark, else when it is clearly UTF-16 (in its first 512
// bytes, nine in ten of the code units are ASCII with their zero byte on
// the same side).
func utf16Of(head []byte) (ok, big bool) {
	switch {
	case len(head) >= 2 && head[0] == 0xff && head[1] == 0xfe:
		return true, false
	case len(head) >= 2 && head[0] == 0xfe && head[1] == 0xff:
		return true, true
	}
	n := min(len(head), 512) &^ 1
	if n < 32 {
		return false, false
	}
	var le, be int
	for i := 0; i < n; i += 2 {
		switch {
		case head[i+1] == 0 && head[i] != 0 && head[i] < utf8.RuneSelf:
			le++
		case head[i] == 0 && head[i+1] != 0 && head[i+1] < utf8.RuneSelf:
			be++
		}
	}
	switch units := n / 2; {
	case le*10 >= units*9:
		return true, false
	case be*10 >= units*9:
		return true, true
	}
	return false, false
}

// utf16Reader decodes UTF-16 to UTF-8 as it is read; a byte order mark is
// dropped, an unpaired surrogate or an odd last byte becomes U+FFFD.
type utf16Reader struct {
	r     io.Reader
	big   bool
	in    []byte
	n     int // undecoded bytes in in
	buf   []byte
	out   []byte
	hi    rune // a high surrogate waiting for its pair
	start bool // the next unit is the stream's first
	err   error
}

func newUTF16Reader(r io.Reader, big bool) *utf16Reader {
	return &utf16Reader{r: r, big: big, in: make([]byte, 32<<10), buf: make([]byte, 0, 48<<10), start: true}
}

func (u *utf16Reader) Read(p []byte) (int, error) {
	for len(u.out) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		m, err := u.r.Read(u.in[u.n:])
		u.n += m
		if err != nil {
			u.err = err
		}
		out := u.buf[:0]
		k := u.n &^ 1
		for i := 0; i < k; i += 2 {
			c := rune(u.in[i]) | rune(u.in[i+1])<<8
			if u.big {
				c = rune(u.in[i])<<8 | rune(u.in[i+1])
			}
			first := u.start
			u.start = false
			switch {
			case first && c == 0xfeff:
				continue
			case c >= 0xd800 && c < 0xdc00:
				if u.hi != 0 {
					out = utf8.AppendRune(out, utf8.RuneError)
				}
				u.hi = c
				continue
			case c >= 0xdc00 && c < 0xe000:
				if u.hi == 0 {
					c = utf8.RuneError
				} else {
					c = utf16.DecodeRune(u.hi, c)
				}
				u.hi = 0
			case u.hi != 0:
				out = utf8.AppendRune(out, utf8.RuneError)
				u.hi = 0
			}
			out = utf8.AppendRune(out, c)
		}
		u.n = copy(u.in, u.in[k:u.n])
		if u.err != nil {
			// At the end: a high surrogate without its pair, an odd byte.
			if u.hi != 0 {
				out = utf8.AppendRune(out, utf8.RuneError)
			}
			if u.n > 0 {
				out = utf8.AppendRune(out, utf8.RuneError)
			}
			u.n, u.hi = 0, 0
		}
		u.buf, u.out = out, out
	}
	n := copy(p, u.out)
	u.out = u.out[n:]
	return n, nil
}

// hasLoneCR says a head ends some lines with a CR alone (classic Mac OS,
// some Windows tools, a progress bar): a CR not followed by a LF.
func hasLoneCR(head []byte) bool {
	for i := bytes.IndexByte(head, '\r'); i >= 0 && i+1 < len(head); {
		if head[i+1] != '\n' {
			return true
		}
		j := bytes.IndexByte(head[i+1:], '\r')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// crReader turns each CR that is not followed by a LF into a LF, so the
// lines it ends split as every other line does; the stream's length and
// every offset stay as they are.
type crReader struct {
	r       io.Reader
	pending bool // a CR held back: the next byte decides
	err     error
}

func (c *crReader) Read(p []byte) (int, error) {
	for {
		if len(p) == 0 {
			return 0, nil
		}
		n := 0
		if c.pending {
			p[0], n, c.pending = '\r', 1, false
		}
		if c.err == nil {
			m, err := c.r.Read(p[n:])
			n += m
			c.err = err
		}
		for i := 0; i < n; {
			j := bytes.IndexByte(p[i:n], '\r')
			if j < 0 {
				break
			}
			i += j
			switch {
			case i+1 < n:
				if p[i+1] != '\n' {
					p[i] = '\n'
				}
			case c.err == nil:
				// The last byte: hold it back until the next one is known.
				c.pending = true
				n--
			default:
				p[i] = '\n' // a CR that ends the stream ends its last line
			}
			i++
		}
		if n > 0 {
			return n, nil
		}
		if c.err != nil {
			return 0, c.err
		}
	}
}
