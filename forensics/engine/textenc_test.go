package engine

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/flinkdx/flinkdx/forensics/ingest"
)

// runOne analyses one named stream and returns its manifest entry.
func runOne(t *testing.T, name string, data []byte) (ingest.Stream, *Result) {
	t.Helper()
	sent := false
	res, err := Run(Streams(func() (Input, error) {
		if sent {
			return Input{}, io.EOF
		}
		sent = true
		return Input{Name: name, R: bytes.NewReader(data)}, nil
	}), Options{Version: "test", Detect: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Manifest.Streams) != 1 {
		t.Fatalf("%s: %d streams, skipped %+v", name, len(res.Manifest.Streams), res.Manifest.Skipped)
	}
	return res.Manifest.Streams[0], res
}

func flinkLines(n int, end string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "2024-03-01 10:%02d:%02d,000 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor [] - line %d%s", i/60%60, i%60, i, end)
	}
	return b.String()
}

func utf16Bytes(s string, big, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xfeff}, units...)
	}
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if big {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// Text as it arrives from real machines: a hole of NULs where
// copytruncate cut the file, NULs in the first 8 KiB, CR-only line ends,
// UTF-16 with and without a byte order mark. Every line is kept.
func TestTextAsItArrives(t *testing.T) {
	lines := flinkLines(10000, "\n")
	hole := bytes.Repeat([]byte{0}, 3<<20)
	for _, c := range []struct {
		name     string
		data     []byte
		events   int64
		nuls     int64
		encoding string
		cr       bool
	}{
		{"a 3 MiB hole before the text (copytruncate)", append(append([]byte{}, hole...), lines...), 10000, 3 << 20, "", false},
		{"NULs among the first lines", []byte(strings.Replace(flinkLines(20, "\n"), "line 3\n", "line 3\n\x00\x00\x00\x00", 1) + "\x00\x00" + flinkLines(5, "\n")), 25, 6, "", false},
		{"a preallocated tail of NULs", append([]byte(flinkLines(50, "\n")), bytes.Repeat([]byte{0}, 1<<16)...), 50, 1 << 16, "", false},
		{"CR-only line ends", []byte(flinkLines(20, "\r")), 20, 0, "", true},
		{"mixed line ends", []byte(flinkLines(10, "\r\n") + flinkLines(10, "\r") + flinkLines(10, "\n")), 30, 0, "", true},
		{"UTF-16LE with a BOM", utf16Bytes(flinkLines(40, "\r\n"), false, true), 40, 0, "utf-16le", false},
		{"UTF-16BE with a BOM", utf16Bytes(flinkLines(40, "\n"), true, true), 40, 0, "utf-16be", false},
		{"UTF-16LE without a BOM", utf16Bytes(flinkLines(40, "\n"), false, false), 40, 0, "utf-16le", false},
	} {
		st, _ := runOne(t, "taskmanager.log", c.data)
		if st.Kind != "flink-log" || st.Events != c.events || st.Unparsed != 0 || st.NulBytes != c.nuls || st.Encoding != c.encoding || st.CRLineEnds != c.cr {
			t.Errorf("%s: %s, %d events (want %d), %d unparsed, %d NUL bytes (want %d), encoding %q (want %q), CR line ends %v",
				c.name, st.Kind, st.Events, c.events, st.Unparsed, st.NulBytes, c.nuls, st.Encoding, c.encoding, st.CRLineEnds)
		}
	}
	// Binary stays binary.
	bin := make([]byte, 8192)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	res, err := Run(Streams(func() func() (Input, error) {
		done := false
		return func() (Input, error) {
			if done {
				return Input{}, io.EOF
			}
			done = true
			return Input{Name: "blob.bin", R: bytes.NewReader(bin)}, nil
		}
	}()), Options{Version: "test"})
	if err != nil || len(res.Manifest.Skipped) != 1 || res.Manifest.Skipped[0].Format != "binary" {
		t.Errorf("binary: %v, skipped %+v", err, res.Manifest.Skipped)
	}
}
