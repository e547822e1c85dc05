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
func looksLikeYAML(head []byte) bool {
	keys, top := 0, 0
	for _, line := range bytes.Split(head, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 || line[0] == ' ' || line[0] == '-' && len(line) > 1 && line[1] == ' ' || line[0] == '#' {
			continue
		}
		top++
		if string(line) == "---" {
			keys++
			continue
		}
		k, _, ok := bytes.Cut(line, []byte(":"))
		if ok && len(k) > 0 && bytes.IndexAny(k, " \t\"'{[") < 0 {
			keys++
		}
	}
	return top > 0 && keys == top
}
