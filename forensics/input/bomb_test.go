package input

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
)

// Decompression bombs are stopped by the ratio and size limits, with an
// error that says so and names the stream; nothing like their expansion
// reaches the handler.
func TestDecompressionBombs(t *testing.T) {
	// A text "log" of 32 MiB of 'a's, gzipped three times over: a few
	// hundred bytes that expand a hundred-thousandfold. (The tests let
	// any input expand by 1 MiB whatever its size, not 64 MiB, to keep
	// the bombs small.)
	text := bytes.Repeat([]byte("aaaaaaaaaaaaaaa\n"), 4<<20/16)
	var big bytes.Buffer
	w, _ := gzip.NewWriterLevel(&big, gzip.BestCompression)
	for range 8 {
		w.Write(text)
	}
	w.Close()
	nested := gz(t, gz(t, big.Bytes()))

	// One layer of zeros-like text in a zip member: about 1000 to 1.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	fw, _ := zw.CreateHeader(&zip.FileHeader{Name: "bomb.log", Method: zip.Deflate})
	for range 8 {
		fw.Write(text)
	}
	zw.Close()

	for _, c := range []struct {
		name string
		data []byte
		opt  Options
		want string
	}{
		{"nested.log.gz", nested, Options{slack: 1 << 20}, "more than 1000 times its size"},
		{"bomb.zip", zb.Bytes(), Options{MaxRatio: 100, slack: 1 << 20}, "more than 100 times its size"},
		{"big.log.gz", gz(t, text), Options{MaxBytes: 1 << 20}, "more than the 1048576 bytes"},
	} {
		r := newRecorder()
		err := Open(c.name, bytes.NewReader(c.data), r, c.opt)
		var bomb *BombError
		msg := ""
		if err != nil {
			msg = err.Error()
		}
		for p, f := range r.failed {
			msg += " " + p + ": " + f
		}
		if !strings.Contains(msg, c.want) || !strings.Contains(msg, c.name) || !strings.Contains(msg, "decompression bomb") {
			t.Errorf("%s: error %q; want it to say %q", c.name, msg, c.want)
		}
		if err != nil && !errors.As(err, &bomb) && !strings.Contains(c.name, ".zip") {
			t.Errorf("%s: %T is not a BombError", c.name, err)
		}
		var handed int
		for _, text := range r.texts {
			handed += len(text)
		}
		if limit := 1<<20 + 1000*len(c.data) + 2<<20; handed > limit {
			t.Errorf("%s: %d bytes handed on; the limits allow about %d", c.name, handed, limit)
		}
	}
}

// A zstd frame that asks for a 2 GiB window is refused before the decoder
// allocates it.
func TestZstdWindowBomb(t *testing.T) {
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, // magic
		0x00,             // no content size, not single segment, no checksum, no dictionary
		21 << 3,          // window: 2^(10+21) bytes
		0x09, 0x00, 0x00, // last block, raw, 1 byte
		'x'}
	r := newRecorder()
	err := Open("window.log.zst", bytes.NewReader(frame), r, Options{})
	if err == nil || !strings.Contains(err.Error(), "window larger than the 128 MiB allowed") || !strings.Contains(err.Error(), "window.log.zst") {
		t.Errorf("err = %v", err)
	}
	// An ordinary frame still reads.
	r = newRecorder()
	if err := Open("ok.log.zst", bytes.NewReader(zst(t, []byte(logA))), r, Options{}); err != nil || r.texts["ok.log.zst"] != logA {
		t.Errorf("err = %v, texts %v", err, r.texts)
	}
	_ = io.EOF
}
