package flinklog

import "testing"

func TestIndexFrom(t *testing.T) {
	for _, tc := range []struct {
		s, word string
		skip    int
		want    int
	}{
		{"a switched from b", " switched from ", 2, 1},
		{"witched from x switched from ", " switched from ", 2, 14},
		{"no match here", " switched from ", 2, -1},
		{"Checkpoint 5", "heckpoint ", 3, 1},
		{"kpoint 5", "heckpoint ", 3, -1},
		{"x container_e1_2", "container_", 6, 2},
		{"", "abc", 1, -1},
	} {
		if got := indexFrom([]byte(tc.s), []byte(tc.word), tc.skip); got != tc.want {
			t.Errorf("indexFrom(%q, %q) = %d; want %d", tc.s, tc.word, got, tc.want)
		}
	}
}

// Field extraction on message shapes the excerpts do not all show.
func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want Fields
	}{
		{"Completed checkpoint 5 for job 0123456789abcdef0123456789abcdef (48211730 bytes).",
			Fields{Checkpoint: 5, JobID: []byte("0123456789abcdef0123456789abcdef")}},
		{"Trigger checkpoint 7@1741942933418 for 9b1e_bc76_0_0.", Fields{Checkpoint: 7}},
		{"Checkpoint id is next", Fields{Checkpoint: -1}},
		{"Submitting job 'clickstream' (5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3).",
			Fields{JobID: []byte("5f3c2a9d8e7b41c6a0d2e4f6b8c0a1d3"), JobName: []byte("clickstream"), Checkpoint: -1}},
		{"Registering TaskManager with ResourceID 10.0.3.21:35011-7a1c2e (pekko.tcp://x) at ResourceManager",
			Fields{TaskManager: []byte("10.0.3.21:35011-7a1c2e"), Host: []byte("10.0.3.21"), Checkpoint: -1}},
		{"Worker container_e10_1634010428940_125776_01_000003 is terminated.",
			Fields{TaskManager: []byte("container_e10_1634010428940_125776_01_000003"),
				Container: []byte("container_e10_1634010428940_125776_01_000003"), Checkpoint: -1}},
		{"Requesting container_1634010428940_0001_01_000002 now", Fields{Container: []byte("container_1634010428940_0001_01_000002"), Checkpoint: -1}},
		{"my_container_x is not a container", Fields{Checkpoint: -1}},
		// Flink 1.4–1.6 name the job unquoted.
		{"Could not restart the job Monitor run (2df26ee10d34f33c88b852c9e2c3fff2) because the restart strategy prevented it.",
			Fields{JobID: []byte("2df26ee10d34f33c88b852c9e2c3fff2"), JobName: []byte("Monitor run"), Checkpoint: -1}},
	} {
		var f Fields
		f.reset()
		extract([]byte(tc.msg), &f)
		tc.want.Subtask, tc.want.Parallelism = -1, -1
		if string(f.JobID) != string(tc.want.JobID) || string(f.JobName) != string(tc.want.JobName) ||
			f.Checkpoint != tc.want.Checkpoint || string(f.TaskManager) != string(tc.want.TaskManager) ||
			string(f.Host) != string(tc.want.Host) || string(f.Container) != string(tc.want.Container) {
			t.Errorf("extract(%q):\n got  job %q %q cp %d tm %q host %q container %q\n want job %q %q cp %d tm %q host %q container %q",
				tc.msg, f.JobID, f.JobName, f.Checkpoint, f.TaskManager, f.Host, f.Container,
				tc.want.JobID, tc.want.JobName, tc.want.Checkpoint, tc.want.TaskManager, tc.want.Host, tc.want.Container)
		}
	}
}
