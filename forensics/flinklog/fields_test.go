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
