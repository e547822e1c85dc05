package scan

import "strings"

// Keyword marks: the log detectors look for words in messages. Rather
// than each detector searching every candidate message for its own words,
// the Scanner reads each candidate message once, marking the words it
// holds, and a detector reads a message only when it carries the mark of
// the detector's words.

type mark uint16

const (
	markOOM mark = 1 << iota
	markFatal
	markConnection
	markBatch
	markHeartbeat
	markTopology
	markCheckpoint
)

var keywords = []struct {
	word string
	mark mark
}{
	{"OutOfMemoryError", markOOM},
	{"Fatal", markFatal}, {"FATAL", markFatal}, {"shutting down JVM", markFatal},
	{"onnect", markConnection}, {"Broker", markConnection},
	{"atch", markBatch}, {"ulk", markBatch},
	{"eartbeat", markHeartbeat},
	{"artition", markTopology}, {"chema", markTopology},
	{"heckpoint", markCheckpoint},
}

// byFirst lists, per first byte, the keywords that start with it.
var byFirst = func() (t [256][]uint8) {
	for k, w := range keywords {
		t[w.word[0]] = append(t[w.word[0]], uint8(k))
	}
	return t
}()

// marksOf reads a message once and marks the keywords it holds.
func marksOf(s string) mark {
	var m mark
	for i := 0; i < len(s); i++ {
		ks := byFirst[s[i]]
		for _, k := range ks {
			if strings.HasPrefix(s[i:], keywords[k].word) {
				m |= keywords[k].mark
			}
		}
	}
	return m
}
