package ingest

import (
	"bytes"
	"strings"

	"github.com/flinkdx/flinkdx/forensics/flinkrest"
	"github.com/flinkdx/flinkdx/forensics/input"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// Flink's configuration file: flink-conf.yaml (flat "key: value" lines,
// Flink 1.x) or config.yaml (nested YAML, Flink 1.19+), into the config
// table, one row per option with its dotted key, as the REST API's
// /jobmanager/config gives it. An operator reads it for the memory sizes,
// the restart strategy, the checkpoint timeout; secrets in it are masked
// like the REST payloads'.
func init() {
	register(Format{
		Kind: "flink-conf", Rank: 65,
		Sniff: func(h *Head) bool {
			if h.Log {
				return false
			}
			options, top := flinkOptions(h.Bytes)
			return options >= 2 && options*10 >= top*8
		},
		Read: readFlinkConf,
	})
}

// flinkSections are the first words of Flink's options.
var flinkSections = []string{"jobmanager", "taskmanager", "state", "execution", "restart-strategy", "high-availability",
	"rest", "parallelism", "env", "metrics", "security", "akka", "pekko", "web", "blob", "classloader", "io",
	"kubernetes", "yarn", "fs", "table", "pipeline", "heartbeat", "cluster", "slot", "query", "historyserver", "s3"}

// flinkOptions counts the unindented lines of head that are Flink options
// ("taskmanager.numberOfTaskSlots: 4") or sections ("taskmanager:"), of
// top unindented lines that are not comments: a file that is mostly
// options is a configuration, whatever line in it is broken.
func flinkOptions(head []byte) (n, top int) {
	for len(head) > 0 {
		line, rest, _ := bytes.Cut(head, []byte("\n"))
		head = rest
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 || line[0] == ' ' || line[0] == '#' || string(line) == "---" {
			continue
		}
		top++
		k, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		first, _, _ := bytes.Cut(k, []byte("."))
		for _, s := range flinkSections {
			if string(first) == s {
				n++
				break
			}
		}
	}
	return n, top
}

// confKey is an open section of a nested file: its indent and dotted key.
type confKey struct {
	indent int
	key    string
	list   []string // "- item" lines under it
	line   int64
	offset int64
}

func readFlinkConf(l *lane, f *input.File, _ *Head, st *Stream) error {
	st.Format = "yaml"
	b := l.rest()
	lr := f.LineReader(l.opt.MaxLine)
	var open []confKey
	emit := func(key, value string, offset int64) {
		b.Config(&flinkrest.Config{Origin: flinkrest.Origin{Source: f.Path, Offset: offset}, Key: key, Value: value})
		st.Events++
		l.cut(schema.Config)
	}
	// close ends the sections at or deeper than indent: a section that
	// held a list is an option whose value is the list.
	close := func(indent int) {
		for len(open) > 0 && open[len(open)-1].indent >= indent {
			k := open[len(open)-1]
			open = open[:len(open)-1]
			if len(k.list) > 0 {
				emit(k.key, strings.Join(k.list, ";"), k.offset)
			}
		}
	}
	for lr.Next() {
		st.Lines++
		line := bytes.TrimRight(lr.Line(), " \t\r")
		body := bytes.TrimLeft(line, " ")
		indent := len(line) - len(body)
		if len(body) == 0 || body[0] == '#' || string(body) == "---" {
			st.Noise++
			continue
		}
		if body[0] == '-' && (len(body) == 1 || body[1] == ' ') && len(open) > 0 && indent >= open[len(open)-1].indent {
			item := unquote(stripComment(bytes.TrimSpace(body[1:])))
			open[len(open)-1].list = append(open[len(open)-1].list, item)
			continue
		}
		k, v, ok := bytes.Cut(body, []byte(":"))
		if !ok || len(k) == 0 || bytes.IndexAny(k, "\t\"'{}[]") >= 0 || len(v) > 0 && v[0] != ' ' && v[0] != '\t' {
			l.raw.Append(f.Path, lr.Num(), lr.Offset(), lr.Line(), "not a key: value line of a Flink configuration", lr.Truncated())
			st.Unparsed++
			l.cut(schema.Raw)
			continue
		}
		close(indent)
		key := string(k)
		if len(open) > 0 {
			key = open[len(open)-1].key + "." + key
		}
		value := stripComment(bytes.TrimSpace(v))
		if len(value) == 0 {
			open = append(open, confKey{indent: indent, key: key, line: lr.Num(), offset: lr.Offset()})
			continue
		}
		emit(key, unquote(value), lr.Offset())
	}
	close(0)
	st.Bytes, st.NulBytes = lr.End(), lr.NulBytes()
	return lr.Err()
}

// stripComment cuts a YAML comment (" #…") off a value.
func stripComment(v []byte) []byte {
	if len(v) > 0 && v[0] == '#' {
		return nil
	}
	if i := bytes.Index(v, []byte(" #")); i >= 0 {
		v = bytes.TrimRight(v[:i], " \t")
	}
	return v
}

// unquote takes the quotes off a quoted value.
func unquote(v []byte) string {
	if len(v) >= 2 && (v[0] == '"' && v[len(v)-1] == '"' || v[0] == '\'' && v[len(v)-1] == '\'') {
		v = v[1 : len(v)-1]
	}
	return string(v)
}
