package flinklog

import (
	"strings"
	"testing"
)

// Each known layout compiles, reads its example line, and is chosen for
// a stream of such lines; a Flink default log chooses none.
func TestKnownLayouts(t *testing.T) {
	for i, k := range knownLayouts {
		l := compiledLayouts()[i]
		var h header
		if !l.parse([]byte(k.example), &h) || h.level == NoLevel || len(h.logger) == 0 {
			t.Errorf("%s: does not read %q (level %v logger %q)", k.pattern, k.example, h.level, h.logger)
		}
		stream := strings.Repeat(k.example+"\n\tat com.example.Foo.bar(Foo.java:1)\n", 5)
		if got := InferLayout([]byte(stream)); got != l {
			t.Errorf("%s: a stream of its lines infers %v", k.pattern, got)
		}
	}
	flink := "2023-03-08 15:25:09,154 ERROR org.apache.flink.runtime.taskexecutor.TaskExecutor           [] - Task did not exit gracefully\n"
	if got := InferLayout([]byte(strings.Repeat(flink, 5))); got != nil {
		t.Errorf("Flink's default layout infers %v", got)
	}
}
