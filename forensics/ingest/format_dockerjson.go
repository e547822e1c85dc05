package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// Logs that arrive wrapped in JSON, a line of the log per JSON line:
// Docker's json-file driver ({"log": "…\n", "stream": "stdout", "time":
// …}) and the log shippers that keep its shape (Fluent Bit, Vector, Loki
// exports with "log" or "message"). The wrapped lines are read as a Flink
// log; a JSON line without one is kept in raw as it is. Line numbers are
// those of the JSON lines.
func init() {
	register(Format{
		Kind: "flink-log", Rank: 15,
		Sniff: func(h *Head) bool { return h.JSON() && wrappedLog(firstLine(h.Bytes)) },
		Read:  readWrappedLog,
	})
}

// wrapped is what of a JSON line a wrapper holds.
type wrapped struct {
	Log        *string `json:"log"`
	Message    *string `json:"message"`
	Kubernetes *struct {
		PodName string `json:"pod_name"`
		Host    string `json:"host"`
	} `json:"kubernetes"`
}

func firstLine(b []byte) []byte {
	b = bytes.TrimLeft(b, " \t\r\n\xef\xbb\xbf")
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}

// wrappedLog says a JSON line wraps a log line: an object with "log", or
// with "message" beside a stream, a time or Kubernetes labels.
func wrappedLog(line []byte) bool {
	var w struct {
		wrapped
		Stream *string         `json:"stream"`
		Time   json.RawMessage `json:"time"`
		TS     json.RawMessage `json:"@timestamp"`
	}
	if json.Unmarshal(line, &w) != nil {
		return false
	}
	return w.Log != nil || w.Message != nil && (w.Stream != nil || w.Time != nil || w.TS != nil || w.Kubernetes != nil)
}

func readWrappedLog(l *lane, f *input.File, h *Head, st *Stream) error {
	st.Format = "json-lines"
	s := l.flinkLog()
	st.Role, st.Host = string(h.Role), h.Host
	s.b.SetFile(f.Path, h.Role, h.Host)
	s.parser.SetLayout(l.opt.Layout)
	u := &unwrapper{r: bufio.NewReaderSize(f.R, 64<<10)}
	lr := input.NewLineReader(bufio.NewReaderSize(u, 64<<10), l.opt.MaxLine)
	err := s.parser.Parse(f.Path, lr)
	st.Bytes = u.n
	st.Lines, st.Events, st.Unparsed, st.OutOfOrder = s.b.Lines, s.b.Events, s.b.RawLines, s.b.OutOfOrder
	timeSpan(st, s.b.HasTime, s.b.MinTime, s.b.MaxTime)
	if st.Events > 0 {
		st.Kind = "flink-log"
	} else {
		st.Kind = "text"
	}
	return err
}

// unwrapper reads JSON lines and gives the log lines they wrap, one line
// each (a line that wraps none is given as it is).
type unwrapper struct {
	r   *bufio.Reader
	buf []byte
	n   int64 // bytes of JSON read
	err error
}

func (u *unwrapper) Read(p []byte) (int, error) {
	for len(u.buf) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		line, err := u.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// A JSON line longer than the buffer: read it whole.
			long := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = u.r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		u.n += int64(len(line))
		if err != nil {
			u.err = err
			if len(line) == 0 {
				return 0, err
			}
		}
		u.buf = unwrap(u.buf[:0], bytes.TrimRight(line, "\r\n"))
	}
	n := copy(p, u.buf)
	u.buf = u.buf[n:]
	return n, nil
}

// unwrap appends the log line a JSON line wraps, with one line end.
func unwrap(dst, line []byte) []byte {
	var w wrapped
	if len(line) > 0 && line[0] == '{' && json.Unmarshal(line, &w) == nil {
		text := w.Log
		if text == nil {
			text = w.Message
		}
		if text != nil {
			t := bytes.TrimRight([]byte(*text), "\r\n")
			// One JSON line, one log line: a wrapped line holding a line
			// end keeps the line numbers by becoming one line.
			t = bytes.ReplaceAll(t, []byte("\n"), []byte("\\n"))
			return append(append(dst, t...), '\n')
		}
	}
	return append(append(dst, line...), '\n')
}

var _ io.Reader = (*unwrapper)(nil)
