package ingest

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

// The lines of a real JobManager log (testdata/flinklog), wrapped as
// Docker's json-file driver writes them, and as Kubernetes' CRI files do:
// read as the log itself, an event per header, the exception kept, the
// line numbers those of the file.
func TestWrappedLogs(t *testing.T) {
	log := string(readFile(t, "../../testdata/flinklog/excerpts/DTStack_chunjun_issue1750_failing_to_failed_recovery_suppressed.log"))
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	var docker, cri strings.Builder
	for _, l := range lines {
		b, _ := json.Marshal(map[string]string{"log": l + "\n", "stream": "stdout", "time": "2024-03-01T10:00:00.000000000Z"})
		docker.Write(append(b, '\n'))
		cri.WriteString("2024-03-01T10:00:00.123456789Z stdout F " + l + "\n")
	}
	plain, _ := runIngest(t, fstest.MapFS{"jobmanager.log": {Data: []byte(log)}}, []string{"jobmanager.log"}, Options{Version: "test"})
	for name, data := range map[string]string{"docker/jobmanager.log": docker.String(), "cri/jobmanager.log": cri.String()} {
		m, _ := runIngest(t, fstest.MapFS{name: {Data: []byte(data)}}, []string{name}, Options{Version: "test"})
		st, want := m.Streams[0], plain.Streams[0]
		if st.Kind != "flink-log" || st.Events != want.Events || st.Unparsed != want.Unparsed || st.Lines != want.Lines || st.First != want.First {
			t.Errorf("%s: %+v\nwant %+v", name, st, want)
		}
	}
	// A JSON line that wraps nothing is kept, not lost.
	bad := docker.String() + "{\"stream\":\"stdout\"}\n"
	m, _ := runIngest(t, fstest.MapFS{"d.log": {Data: []byte(bad)}}, []string{"d.log"}, Options{Version: "test"})
	if m.Streams[0].Lines != int64(len(lines)+1) {
		t.Errorf("lines %d; want %d", m.Streams[0].Lines, len(lines)+1)
	}
}
