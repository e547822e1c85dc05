package input

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"
)

// crReference turns every CR not followed by a LF into a LF.
func crReference(b []byte) []byte {
	out := append([]byte(nil), b...)
	for i, c := range out {
		if c == '\r' && (i+1 == len(out) || out[i+1] != '\n') {
			out[i] = '\n'
		}
	}
	return out
}

func utf16Reference(b []byte, big bool) string {
	units := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if big {
			units = append(units, uint16(b[i])<<8|uint16(b[i+1]))
		} else {
			units = append(units, uint16(b[i])|uint16(b[i+1])<<8)
		}
	}
	if len(units) > 0 && units[0] == 0xfeff {
		units = units[1:]
	}
	s := string(utf16.Decode(units))
	if len(b)%2 == 1 {
		s += string(utf8.RuneError)
	}
	return s
}

// The CR and UTF-16 readers give what their one-shot references give,
// whatever sizes the reads come in.
func FuzzText(f *testing.F) {
	f.Add([]byte("a\rb\r\nc\r"), false)
	f.Add([]byte("\r\r\n\r"), true)
	f.Add([]byte{0xff, 0xfe, 'a', 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xdc, 'b'}, false)
	f.Fuzz(func(t *testing.T, data []byte, big bool) {
		for _, wrap := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.HalfReader} {
			got, err := io.ReadAll(&crReader{r: wrap(bytes.NewReader(data))})
			if err != nil || !bytes.Equal(got, crReference(data)) {
				t.Fatalf("CR: %q -> %q (%v), want %q", data, got, err, crReference(data))
			}
			dec, err := io.ReadAll(newUTF16Reader(wrap(bytes.NewReader(data)), big))
			if want := utf16Reference(data, big); err != nil || string(dec) != want {
				t.Fatalf("UTF-16 (big %v): %x -> %q (%v), want %q", big, data, dec, err, want)
			}
		}
	})
}

func TestHasLoneCR(t *testing.T) {
	for in, want := range map[string]bool{"a\r\nb\r\n": false, "a\rb": true, "a\r\nb\rc": true, "a\r": false, "plain\n": false} {
		if got := hasLoneCR([]byte(in)); got != want {
			t.Errorf("%q: %v", in, got)
		}
	}
}

type endless struct{ line []byte }

func (e endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], e.line)
	}
	return n, nil
}

type countText struct {
	lines int64
	fails []string
}

func (c *countText) Text(f *File) error {
	lr := f.LineReader(0)
	for lr.Next() {
		c.lines++
	}
	return lr.Err()
}
func (c *countText) Skip(name string, format Format, reason string) {}
func (c *countText) Fail(name string, err error)                    { c.fails = append(c.fails, err.Error()) }

// An input that never ends (/dev/zero, /dev/urandom, a pipe) stops at
// MaxBytes, saying so, after reading what came before.
func TestEndlessInput(t *testing.T) {
	for _, c := range []struct {
		name string
		r    io.Reader
	}{
		{"zeros", endless{[]byte{0}}},
		{"a log line forever", endless{[]byte("2024-01-01 00:00:00,000 INFO  x [] - y\n")}},
	} {
		h := &countText{}
		in := Read(c.name, c.r, h, Options{MaxBytes: 4 << 20, NoHash: true}, nil)
		if in.Size != 4<<20 || !bytes.Contains([]byte(in.Error), []byte("--max-size")) {
			t.Errorf("%s: %d bytes, error %q", c.name, in.Size, in.Error)
		}
		if c.name != "zeros" && h.lines < 100000 {
			t.Errorf("%s: %d lines read before the limit", c.name, h.lines)
		}
	}
}
