package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"time"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// Logs that arrive wrapped in JSON, a line of the log per JSON line:
// Docker's json-file driver ({"log": "…\n", "stream": "stdout", "time":
// …}) and the log shippers that keep its shape (Fluent Bit, Vector, Loki
// exports with "log" or "message"), and the JSON layouts themselves
// (log4j2's JsonLayout and JsonTemplateLayout, ECS, logstash-logback),
// whose events become lines of Flink's default layout and their stack
// traces. The lines are read as a Flink log; a JSON line that holds none is
// kept in raw as it is. Line numbers are those of the JSON lines, except
// after a JSON layout's stack trace, which adds lines.
func init() {
	register(Format{
		Kind: "flink-log", Rank: 15,
		Sniff: func(h *Head) bool { return h.JSON() && wrappedLog(firstLine(h.Bytes)) },
		Read:  readWrappedLog,
	})
}

// wrapped is what of a JSON line a wrapper holds: the line ("log"), or
// a JSON layout's event (log4j2's JsonLayout and JsonTemplateLayout,
// Elastic's ECS, logstash-logback): its message, time, level, logger,
// thread and stack trace.
type wrapped struct {
	Log        *string `json:"log"`
	Message    *string `json:"message"`
	Kubernetes *struct {
		PodName string `json:"pod_name"`
		Host    string `json:"host"`
	} `json:"kubernetes"`
	TimeMillis  *int64                                     `json:"timeMillis"`
	Instant     *struct{ EpochSecond, NanoOfSecond int64 } `json:"instant"`
	Timestamp   string                                     `json:"@timestamp"`
	Level       string                                     `json:"level"`
	ECSLevel    string                                     `json:"log.level"`
	LoggerName  string                                     `json:"loggerName"`
	LoggerName2 string                                     `json:"logger_name"`
	ECSLogger   string                                     `json:"log.logger"`
	Thread      string                                     `json:"thread"`
	ThreadName  string                                     `json:"thread_name"`
	ECSThread   string                                     `json:"process.thread.name"`
	StackTrace  string                                     `json:"stack_trace"`
	ECSTrace    string                                     `json:"error.stack_trace"`
	Thrown      *struct {
		ExtendedStackTrace any    `json:"extendedStackTrace"`
		Name               string `json:"name"`
		Message            string `json:"message"`
	} `json:"thrown"`
}

// layoutLine writes a JSON layout's event as a line of Flink's default
// layout ("2024-05-01 10:00:00,250 ERROR logger [thread] - message"),
// then its stack trace's lines; ok is false when it is no such event.
func (w *wrapped) layoutLine(dst []byte) ([]byte, bool) {
	level := first(w.Level, w.ECSLevel)
	if w.Message == nil || level == "" {
		return dst, false
	}
	var t time.Time
	switch {
	case w.TimeMillis != nil:
		t = time.UnixMilli(*w.TimeMillis)
	case w.Instant != nil:
		t = time.Unix(w.Instant.EpochSecond, w.Instant.NanoOfSecond)
	case w.Timestamp != "":
		var err error
		if t, err = time.Parse(time.RFC3339Nano, w.Timestamp); err != nil {
			return dst, false
		}
	default:
		return dst, false
	}
	dst = t.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	dst = append(dst, ' ')
	dst = append(dst, strings.ToUpper(level)...)
	dst = append(dst, ' ')
	if l := first(w.LoggerName, w.LoggerName2, w.ECSLogger); l != "" {
		dst = append(dst, l...)
		dst = append(dst, ' ')
	}
	dst = append(dst, '[')
	dst = append(dst, first(w.Thread, w.ThreadName, w.ECSThread)...)
	dst = append(dst, "] - "...)
	dst = append(dst, oneLine(*w.Message)...)
	dst = append(dst, '\n')
	trace := first(w.StackTrace, w.ECSTrace)
	if trace == "" && w.Thrown != nil && w.Thrown.Name != "" {
		trace = w.Thrown.Name
		if w.Thrown.Message != "" {
			trace += ": " + w.Thrown.Message
		}
	}
	for _, l := range strings.Split(strings.TrimRight(trace, "\n"), "\n") {
		if l != "" {
			dst = append(append(dst, strings.TrimRight(l, "\r")...), '\n')
		}
	}
	return dst, true
}

func first(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimRight(s, "\r\n"), "\n", "\\n") }

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
	if w.Log != nil || w.Message != nil && (w.Stream != nil || w.Time != nil || w.TS != nil || w.Kubernetes != nil) {
		return true
	}
	_, ok := w.wrapped.layoutLine(nil)
	return ok
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
		if w.Log == nil {
			if out, ok := w.layoutLine(dst); ok {
				return out
			}
		}
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
