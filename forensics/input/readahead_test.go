package input

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// TestReadAhead reads streams of sizes around the block size through
// readers that return short counts, asks again after the end (the error
// repeats), and stops readers early.
func TestReadAhead(t *testing.T) {
	for _, size := range []int{0, 1, 548, readAheadSize - 1, readAheadSize, readAheadSize + 1, 5*readAheadSize + 3} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		ra := newReadAhead(iotest.HalfReader(bytes.NewReader(data)))
		got, err := io.ReadAll(ra)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: read %d bytes, %v", size, len(got), err)
		}
		for range 2 {
			if n, err := ra.Read(make([]byte, 10)); n != 0 || err != io.EOF {
				t.Fatalf("size %d: read after the end: %d, %v", size, n, err)
			}
		}
		ra.Close()

		// Closed before the end: the reader goroutine stops.
		ra = newReadAhead(bytes.NewReader(data))
		ra.Read(make([]byte, 100))
		ra.Close()
	}
	// An error after some data arrives after that data, and stays.
	boom := errors.New("boom")
	ra := newReadAhead(io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(boom)))
	got, err := io.ReadAll(ra)
	if string(got) != "abc" || err != boom {
		t.Fatalf("got %q, %v; want abc, boom", got, err)
	}
	if _, err := ra.Read(make([]byte, 1)); err != boom {
		t.Fatalf("read after the error: %v", err)
	}
	ra.Close()
}
