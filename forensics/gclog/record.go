package gclog

// Parsing of one JDK 8-style record: the bracketed text of an event, such
// as "[GC (Allocation Failure) [PSYoungGen: 328070K->55019K(503808K)]
// 649122K->396284K(1078272K), 0.3093583 secs] [Times: user=0.43 sys=0.12,
// real=0.31 secs]", once the lines it spans have been joined.

// closing returns the index of the ']' closing the '[' at b[0], or -1.
func closing(b []byte) int {
	depth := 0
	for i, c := range b {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// header reads the name of a record and its parenthesised qualifiers:
// "GC pause (G1 Evacuation Pause) (young)" gives "GC pause" and
// [G1 Evacuation Pause, young]. It stops at a digit, '[', ',' or ':'.
func header(b []byte, quals [][]byte) (name []byte, q [][]byte, n int) {
	q = quals[:0]
	i, nameEnd := 0, 0
	for i < len(b) {
		c := b[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(':
			depth, j := 0, i
			for ; j < len(b); j++ {
				if b[j] == '(' {
					depth++
				} else if b[j] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if j >= len(b) {
				return b[:nameEnd], q, i
			}
			q = append(q, b[i+1:j])
			i = j + 1
		case isDigit(c) && len(q) > 0 && skipTimestamp(b[i:]) > 0:
			// "[GC pause (young)2012-02-24T03:50:08.554-0800:  (initial-mark)":
			// another thread's timestamp in the middle.
			i += skipTimestamp(b[i:])
		case c == '[' || c == ',' || c == ':' || c == ']' || isDigit(c):
			return b[:nameEnd], q, i
		default:
			if len(q) > 0 {
				// A word after a qualifier: "GC pause (young) (initial-mark)"
				// has none, but "Pause Init Mark (unload classes) xxx" might.
				return b[:nameEnd], q, i
			}
			for i < len(b) && b[i] != ' ' && b[i] != '(' && b[i] != '[' && b[i] != ',' && b[i] != ':' && b[i] != ']' && b[i] != '\n' {
				if isDigit(b[i]) && skipTimestamp(b[i:]) > 0 {
					break // "GC2014-04-09T15:27:23.456+0200: 0.304: [ParNew"
				}
				i++
			}
			nameEnd = i
		}
	}
	return b[:nameEnd], q, i
}

// generation says which part of the heap a nested "[Name: ...]" is about.
type generation uint8

const (
	genNone generation = iota
	genYoung
	genOld
	genMeta
)

func classifyGeneration(name []byte) (generation, string) {
	// Qualifiers like "ParNew (promotion failed)" were cut off already.
	switch string(name) {
	case "DefNew", "Young":
		return genYoung, "Serial"
	case "ParNew", "ASParNew":
		return genYoung, "ParNew"
	case "PSYoungGen", "ASPSYoungGen":
		return genYoung, "Parallel"
	case "Tenured":
		return genOld, ""
	case "CMS", "ASCMS", "1 CMS-initial-mark", "1 CMS-remark":
		return genOld, "CMS"
	case "PSOldGen", "ParOldGen", "ASPSOldGen":
		return genOld, "Parallel"
	case "Perm", "PSPermGen", "CMS Perm", "Metaspace", "ASCMS Perm":
		return genMeta, ""
	}
	return genNone, ""
}

// recordInfo is what parseRecord finds besides the Event fields, and the
// strings it made before.
type recordInfo struct {
	name  []byte
	quals [][]byte
	start bool // "..., start]" or "-start]": the beginning of a phase
	strs  map[string]string
}

// str returns b as a string, made once for each distinct value: event
// names and causes repeat.
func (ri *recordInfo) str(b []byte) string {
	if s, ok := ri.strs[string(b)]; ok {
		return s
	}
	if ri.strs == nil || len(ri.strs) >= 4096 {
		ri.strs = map[string]string{} // bounded, whatever the input
	}
	s := string(b)
	ri.strs[s] = s
	return s
}

// parseRecord fills e from the record text b (starting at its '[') and
// returns the record's name. e must be reset by the caller; its timestamps
// are set by the caller too.
func parseRecord(b []byte, e *Event, ri *recordInfo) {
	inner := b[1:]
	name, quals, n := header(inner, ri.quals)
	ri.name, ri.quals = name, quals
	body := inner[n:]
	tail := []byte(nil)
	if len(name) > 0 && name[len(name)-1] == ',' {
		name = name[:len(name)-1]
	}

	// The body at depth 0: sizes, durations; nested records at depth 1.
	var secs float64 = -1
	var concWall float64 = -1
	depth := 0
scan:
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == ']' && depth == 0:
			// The record's own closing bracket.
			inner, tail, body = inner[:n+i], body[i+1:], body[:i]
			break scan
		case c == '[':
			if depth == 0 {
				j := closing(body[i:])
				if j < 0 {
					j = len(body) - i
				}
				nested(body[i+1:i+j], e, ri)
				i += j
				continue
			}
			depth++
		case c == ']':
			depth--
		case depth == 0 && isDigit(c) && (i == 0 || !isDigit(body[i-1]) && body[i-1] != '.'):
			v, m := number(body[i:])
			next := byte(0)
			if i+m < len(body) {
				next = body[i+m]
			}
			if next == ' ' && i+m+1 < len(body) {
				next = body[i+m+1] // "369 K", "0.0123 secs"
			}
			switch {
			case unit(next) > 0:
				if s, n := sizes(body[i:]); n > 0 {
					if s.After >= 0 || s.Before >= 0 {
						e.Heap = s
					}
					i += n - 1
					continue
				}
			case next == 's' || next == 'm' || next == 'u' || next == 'n':
				if d, n := duration(body[i:]); n > 0 {
					secs = d
					i += n - 1
					continue
				}
			case next == '/':
				// "0.042/0.042 secs": CPU and wall time of a concurrent phase.
				if d, n := duration(body[i+m+1:]); n > 0 {
					concWall = d
					i += m + n
					continue
				}
			}
			// An inner timestamp "1.799: ", or a duration without a unit
			// ("[GC concurrent-root-region-scan-end, 0.0000684]").
			if i >= 2 && body[i-2] == ',' && i+m == len(body) {
				secs = v
			}
			i += m - 1
		}
	}
	ri.start = hasSuffixTrim(inner, "-start") || hasSuffixTrim(inner, ", start")

	e.Name = ri.str(name)
	switch {
	case e.Kind == InitialMark && e.Name == "GC":
		e.Name = "CMS-initial-mark"
	case e.Kind == Remark && e.Name == "GC":
		e.Name = "CMS-remark"
	}
	for _, q := range quals {
		qualifier(q, e, ri)
	}
	classify(e, name, secs, concWall)
	if k := index(tail, "[Times: "); k >= 0 {
		times(tail[k:], e)
	} else if k := index(inner, "[Times: "); k >= 0 {
		times(inner[k:], e)
	}
}

func hasSuffixTrim(b []byte, s string) bool {
	b = trimSpace(b)
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}

// nested reads a nested "[DefNew: 3967K->0K(4032K), 0.0279814 secs]",
// "[Metaspace: 2902K->2902K(1056768K)]" or "[Eden: ... Heap: ...]".
func nested(b []byte, e *Event, ri *recordInfo) {
	colon := index(b, ":")
	if colon < 0 {
		return
	}
	name := b[:colon]
	if p := index(name, " ("); p >= 0 && name[len(name)-1] == ')' { // "ParNew (promotion failed)"
		qualifier(name[p+2:len(name)-1], e, ri)
		name = name[:p]
	}
	// Inner timestamps: "CMS1.2: [CMS-concurrent-..." was cut out before.
	for len(name) > 0 && (name[len(name)-1] == ' ' || name[len(name)-1] == '\n' || isDigit(name[len(name)-1]) && !hasPrefix(name, "1 ")) {
		name = name[:len(name)-1]
	}
	rest := trimSpace(b[colon+1:])
	gen, coll := classifyGeneration(trimSpace(name))
	if coll != "" && e.Collector == "" {
		e.Collector = coll
	}
	switch {
	case gen != genNone:
		s, _ := sizes(rest)
		switch gen {
		case genYoung:
			e.Young = s
		case genOld:
			e.Old = s
			switch {
			case hasPrefix(name, "1 CMS-initial-mark"):
				e.Kind = InitialMark
			case hasPrefix(name, "1 CMS-remark"):
			default:
				// "[GC [DefNew: ...] [CMS: ...]": the young collection fell
				// back to collecting the old generation, stopping the world.
				e.oldCollected = true
			}
		case genMeta:
			e.Meta = s
		}
	case string(name) == "Eden":
		g1Eden(b, e)
	case hasPrefix(name, "YG occupancy"), hasPrefix(name, "Rescan"), hasPrefix(name, "weak refs"),
		hasPrefix(name, "class unloading"), hasPrefix(name, "scrub"), hasPrefix(name, "grey object"):
	}
	if contains(b, "CMS-remark") {
		e.Kind = Remark
	}
	if contains(b, "concurrent mode failure") || contains(b, "concurrent mode interrupted") {
		e.Flags |= ConcurrentModeFailure
	}
	if contains(b, "promotion failed") {
		e.Flags |= PromotionFailed
	}
}

// g1Eden reads "Eden: 20.0G(20.0G)->0.0B(17.5G) Survivors: 0.0B->2560.0M
// Heap: 21.5G(80.0G)->14.5G(80.0G)".
func g1Eden(b []byte, e *Event) {
	if k := index(b, "Heap: "); k >= 0 {
		if s, n := sizes(b[k+6:]); n > 0 {
			e.Heap = s
		}
	}
	if s, n := sizes(b[len("Eden: "):]); n > 0 {
		e.Young = s
	}
}

// qualifier reads one parenthesised qualifier of a record name.
func qualifier(q []byte, e *Event, ri *recordInfo) {
	switch string(q) {
	case "young":
		return
	case "mixed", "partial":
		e.Kind = Mixed
		return
	case "initial-mark":
		e.Flags |= InitialMarkCycle
		return
	case "promotion failed":
		e.Flags |= PromotionFailed
		return
	case "to-space overflow", "to-space exhausted":
		e.Flags |= ToSpaceExhausted
		return
	case "System", "System.gc()":
		e.Flags |= SystemGC
		e.Cause = "System.gc()"
		return
	case "concurrent mode failure":
		e.Flags |= ConcurrentModeFailure
		return
	}
	if contains(q, "Humongous") {
		e.Flags |= Humongous
	}
	// JDK 21+ names G1's to-space exhaustion on the pause line itself:
	// "Pause Young (Normal) (G1 Evacuation Pause) (Evacuation Failure:
	// Allocation)"; it is not the collection's cause.
	if hasPrefix(q, "Evacuation Failure") {
		e.Flags |= ToSpaceExhausted
		return
	}
	if e.Cause == "" {
		e.Cause = ri.str(q)
	}
}

// classify sets the kind, pause and concurrent time of a record.
func classify(e *Event, name []byte, secs, concWall float64) {
	n := string(name)
	if n == "GC--" {
		e.Flags |= PromotionFailed // Parallel's mark of a failed promotion
	}
	switch {
	case hasPrefix(name, "Full GC") || n == "Full" || hasPrefix(name, "Pause Full"):
		e.Kind = Full
	case e.oldCollected && (n == "GC" || n == "GC--"):
		e.Kind = Full
	case contains(name, "oncurrent"):
		e.Kind = Concurrent
	case e.Kind == Remark || contains(name, "remark"):
		e.Kind = Remark
	case e.Kind == InitialMark:
	case contains(name, "cleanup"):
		e.Kind = Cleanup
	case hasPrefix(name, "Pause "):
		e.Kind = Pause
	case e.Kind == Mixed:
	default:
		e.Kind = Young
	}
	switch {
	case hasPrefix(name, "GC pause"), n == "GC remark", n == "GC cleanup", hasPrefix(name, "GC concurrent"):
		e.Collector = "G1"
	case hasPrefix(name, "CMS-"), hasPrefix(name, "ASCMS-"):
		e.Collector = "CMS"
	case hasPrefix(name, "Pause "), hasPrefix(name, "Concurrent "):
		e.Collector = "Shenandoah"
	}
	if e.Kind == Concurrent {
		switch {
		case concWall >= 0:
			e.Concurrent = concWall
		case secs >= 0:
			e.Concurrent = secs
		}
		if hasSuffixTrim(name, "-end") || contains(name, "concurrent-reset") && !hasSuffixTrim(name, "-start") {
			e.Flags |= CycleEnd
		}
		return
	}
	if secs >= 0 {
		e.Pause = secs
	}
}

// times reads "[Times: user=0.43 sys=0.12, real=0.31 secs]".
func times(b []byte, e *Event) {
	get := func(key string) float64 {
		k := index(b, key)
		if k < 0 {
			return -1
		}
		v, n := number(b[k+len(key):])
		if n == 0 {
			return -1
		}
		return v
	}
	if v := get("user="); v >= 0 {
		e.User = v
	}
	if v := get("sys="); v >= 0 {
		e.Sys = v
	}
	if v := get("real="); v >= 0 {
		e.Real = v
	}
}

// skipTimestamp returns the length of "2012-02-24T03:50:08.554-0800: " or
// "371.856: " at the start of b (0 if there is none).
func skipTimestamp(b []byte) int {
	n := 0
	if _, m := datestamp(b, nil); m > 0 {
		n = m
	} else if _, m := number(b); m > 0 && m < len(b) && (b[m-1] != '.' && m+1 < len(b)) {
		n = m
	}
	if n == 0 || n >= len(b) || b[n] != ':' {
		return 0
	}
	n++
	for n < len(b) && b[n] == ' ' {
		n++
	}
	return n
}
