package ingest

import "bytes"

// YAML documents that are no Kubernetes object: configuration or test
// fixtures, nothing flinkdx reads. They are listed as skipped.
func init() {
	register(Format{
		Kind: "yaml", Rank: 70,
		Sniff: func(h *Head) bool { return !h.Log && looksLikeYAML(h.Bytes) },
		Skip:  "a YAML document that is not a Kubernetes object",
	})
}

// looksLikeYAML says a stream is a YAML document: its unindented lines are
// "key: value" or "key:", or "---".
//
// A Java stack trace pasted on its own ("org.example.FooException: it
// broke" and its "\tat" frames) is not YAML: it is read as a log.
func looksLikeYAML(head []byte) bool {
	keys, top := 0, 0
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if t := bytes.TrimLeft(line, " \t"); bytes.HasPrefix(t, []byte("at ")) && bytes.IndexByte(t, '(') > 0 ||
			bytes.HasPrefix(t, []byte("Caused by: ")) {
			return false
		}
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' || line[0] == '-' && len(line) > 1 && line[1] == ' ' || line[0] == '#' {
			continue
		}
		top++
		if string(line) == "---" {
			keys++
			continue
		}
		k, _, ok := bytes.Cut(line, []byte(":"))
		if ok && len(k) > 0 && bytes.IndexAny(k, " \t\"'{[") < 0 && !isDigitByte(k[0]) &&
			!bytes.HasSuffix(k, []byte("Exception")) && !bytes.HasSuffix(k, []byte("Error")) {
			keys++
		}
	}
	return top > 0 && keys == top
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }
