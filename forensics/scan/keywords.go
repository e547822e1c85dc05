package scan

import (
	"sort"
	"strings"
	"sync"
)

// Keyword marks: the log detectors look for words in messages. Rather
// than each detector searching every candidate message for its own words,
// the Scanner reads each candidate message once, marking the words it
// holds, and a detector reads a message only when it carries the mark of
// the detector's words. The words are the Keywords of the detectors'
// Specs: each distinct group of words has a bit, and each detector that
// names loggers another (loggerMark).

type mark uint64

// keyword is a word and the marks of the groups that hold it.
type keyword struct {
	word string
	mark mark
}

var (
	keywords []keyword
	// byFirst lists, per first byte, the keywords that start with it.
	byFirst [256][]uint8
	// groupBits is the mark of each keyword group, by groupKey.
	groupBits map[string]mark
)

func groupKey(g []string) string { return strings.Join(g, "\x00") }

// keywordBits gives every distinct keyword group of the specs a bit, the
// low ones; detectors' logger marks take the bits above them.
func keywordBits() map[string]mark {
	bitsOnce.Do(assignBits)
	return groupBits
}

var bitsOnce sync.Once

func assignBits() {
	groupBits = map[string]mark{}
	var groups []string
	for _, sp := range specs {
		for _, g := range sp.Keywords {
			if _, ok := groupBits[groupKey(g)]; !ok {
				groupBits[groupKey(g)] = 0
				groups = append(groups, groupKey(g))
			}
		}
	}
	sort.Strings(groups)
	if len(groups)+len(specs) > 64 {
		panic("scan: more keyword groups and detectors than marks")
	}
	byWord := map[string]mark{}
	for k, g := range groups {
		groupBits[g] = 1 << k
		for _, w := range strings.Split(g, "\x00") {
			byWord[w] |= 1 << k
		}
	}
	words := make([]string, 0, len(byWord))
	for w := range byWord {
		words = append(words, w)
	}
	sort.Strings(words)
	for _, w := range words {
		byFirst[w[0]] = append(byFirst[w[0]], uint8(len(keywords)))
		keywords = append(keywords, keyword{w, byWord[w]})
	}
}

// loggerMark is the mark of detector k's loggers: a bit above the keyword
// groups'.
func loggerMark(k int) mark { return 1 << (63 - k) }

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
