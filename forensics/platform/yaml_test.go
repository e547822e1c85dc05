package platform

import (
	"reflect"
	"testing"
)

func TestYAML(t *testing.T) {
	src := `apiVersion: v1
kind: Pod   # a comment
metadata:
  name: "tm-1"
  annotations:
    expected-status: OOMKilled
spec:
  containers:
    - name: flink
      args:
        - --vm
        - "1"
      resources:
        limits: {memory: 2Gi}
      ports: []
status:
  message: |
    line one
    line two
  containerStatuses:
  - name: flink
    restartCount: 9
---
kind: Other
`
	docs := parseYAML(src)
	if len(docs) != 2 {
		t.Fatalf("%d docs", len(docs))
	}
	pod := docs[0].(map[string]any)
	want := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "tm-1", "annotations": map[string]any{"expected-status": "OOMKilled"}},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "flink", "args": []any{"--vm", "1"},
			"resources": map[string]any{"limits": "{memory: 2Gi}"}, "ports": []any{}}}},
		"status": map[string]any{"message": "line one\nline two", "containerStatuses": []any{map[string]any{"name": "flink", "restartCount": "9"}}},
	}
	if !reflect.DeepEqual(pod, want) {
		t.Errorf("got  %#v\nwant %#v", pod, want)
	}
}

func TestYAMLFoldedQuote(t *testing.T) {
	docs := parseYAML("status:\n  message: 'The node was low on resource: memory. Threshold quantity: 750Mi,\n    available: 0Ki.'\n  reason: Evicted\n")
	st := docs[0].(map[string]any)["status"].(map[string]any)
	if st["message"] != "The node was low on resource: memory. Threshold quantity: 750Mi, available: 0Ki." || st["reason"] != "Evicted" {
		t.Errorf("%#v", st)
	}
}
