package ingest

import (
	"bytes"
	"errors"
	"io"

	"github.com/flinkdx/flinkdx/forensics/dataset"
	"github.com/flinkdx/flinkdx/forensics/input"
	"github.com/flinkdx/flinkdx/forensics/platform"
	"github.com/flinkdx/flinkdx/forensics/table"

	"github.com/flinkdx/flinkdx/forensics/schema"
)

// Platform evidence: Kubernetes pods (kubectl get pods -o json or -o
// yaml) and kernel, YARN and container lines (dmesg, journal, NodeManager
// logs), into the containers table.
func init() {
	containers := TableSpec{Name: schema.Containers, Schema: platform.Schema, Layout: dataset.Layout{Time: "ts", Host: "host"}}
	register(Format{
		Kind: "pods", Rank: 10,
		Sniff: func(h *Head) bool {
			return h.JSON() && looksLikePods(h.Bytes) || !h.JSON() && looksLikePodsYAML(h.Bytes)
		},
		Tables: []TableSpec{containers},
		Read:   readPods,
	})
	register(Format{
		Kind: "platform-log", Rank: 60,
		Sniff:  func(h *Head) bool { return !h.Log && platformLines(h.Bytes) > 0 },
		Tables: []TableSpec{containers},
		Read:   readPlatform,
	})
}

// containers is the containers table's builder on a lane.
func (l *lane) containers() *platform.Builder {
	return stateOf(l, "containers", func() *platform.Builder {
		b := platform.NewBuilder(l.opt.Allocator, l.raw)
		builderOf(l, schema.Containers, func() *table.Rows { return b.Rows })
		return b
	})
}

// maxPods bounds a pod document read whole (kubectl output of a large
// cluster stays far below).
const maxPods = 256 << 20

var errTooLarge = errors.New("a Kubernetes document larger than 256 MiB")

func readPods(l *lane, f *input.File, _ *Head, st *Stream) error {
	st.Format = "kubernetes"
	pb := l.containers()
	pb.SetFile(f.Path)
	data, err := io.ReadAll(io.LimitReader(f.R, maxPods+1))
	st.Bytes = int64(len(data))
	st.Lines = int64(bytes.Count(data, []byte("\n")))
	if err == nil && len(data) > maxPods {
		err = errTooLarge
	}
	if err == nil {
		var pods, others int
		pods, others, err = platform.ReadPods(f.Path, data, pb)
		st.Events, st.Noise = pb.Rows_, int64(others)
		if pods == 0 && err == nil {
			st.Kind = "text"
			l.raw.Append(f.Path, 1, 0, nil, "Kubernetes objects, none of them a pod", 0)
			st.Unparsed++
		}
	}
	return err
}

func readPlatform(l *lane, f *input.File, _ *Head, st *Stream) error {
	st.Format = "lines"
	pb := l.containers()
	pb.SetFile(f.Path)
	lines := platform.NewLines(pb, l.opt.Location, 0)
	lr := f.LineReader(l.opt.MaxLine)
	err := lines.Parse(f.Path, lr)
	st.Bytes, st.Lines, st.Events, st.Unparsed, st.Noise = lr.End(), lines.Counts.Lines, lines.Counts.Rows, lines.Counts.Unparsed, lines.Counts.Blank
	l.cut(schema.Raw)
	return err
}

// looksLikePods says a JSON stream is a Kubernetes object.
func looksLikePods(head []byte) bool {
	return bytes.Contains(head, []byte(`"apiVersion"`)) && bytes.Contains(head, []byte(`"kind"`)) &&
		(bytes.Contains(head, []byte(`"Pod"`)) || bytes.Contains(head, []byte(`"PodList"`)) || bytes.Contains(head, []byte(`"List"`)))
}

// looksLikePodsYAML says a stream is Kubernetes YAML (kubectl -o yaml).
func looksLikePodsYAML(head []byte) bool {
	return (bytes.HasPrefix(head, []byte("apiVersion:")) || bytes.Contains(head, []byte("\napiVersion:"))) &&
		(bytes.Contains(head, []byte("\nkind: ")) || bytes.HasPrefix(head, []byte("kind: ")))
}

// platformLines counts the kernel, YARN and container lines in head.
func platformLines(head []byte) int {
	l := platform.NewLines(nil, nil, 0)
	n := 0
	for _, line := range bytes.Split(head, []byte("\n")) {
		if platform.LineMayBe(line) {
			if _, ok := l.Line(line); ok {
				n++
			}
		}
	}
	return n
}
