package gclog

// Detect counts, in the first bytes of a stream, the lines that only a GC
// log has (events, safepoint lines, the JVM's header, unified-logging lines
// tagged gc or safepoint) and the non-empty lines looked at.
//
// Unified-logging lines of other tags count only beside a line about GC:
// a console where the JVM warned it could not start a thread
// ("[0.009s][warning][os,thread] …") is not a GC log.
func Detect(head []byte) (gcLines, lines int) {
	p := &Parser{}
	var e Event
	gcTagged := false
	defer func() {
		if !gcTagged {
			gcLines = 0
		}
	}()
	for len(head) > 0 && lines < 400 {
		i := index(head, "\n")
		line := head
		if i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(trimSpace(line)) == 0 {
			continue
		}
		lines++
		if len(line) > 1 && line[0] == '[' {
			if d, ok := p.decorations(line); ok {
				m := d.msg
				about := hasTag(d.tags, "gc") || hasTag(d.tags, "safepoint") || d.tags == nil &&
					(hasPrefix(m, "GC(") || hasPrefix(m, "Using ") || hasPrefix(m, "Safepoint \"") ||
						hasPrefix(m, "Total time for which application threads were stopped: ") || hasPrefix(m, "GC STATISTICS"))
				gcTagged = gcTagged || about
				if about || d.groups >= 2 {
					gcLines++
				}
				continue
			}
		}
		if undecorated(line) {
			gcLines++
			gcTagged = true
			continue
		}
		e.reset()
		rest := p.prefix(line, &e)
		switch {
		case hasPrefix(rest, "[GC") || hasPrefix(rest, "[Full GC") || hasPrefix(rest, "[CMS-concurrent") ||
			hasPrefix(rest, "[Pause ") || hasPrefix(rest, "[Concurrent "):
			gcLines++
			gcTagged = true
		case rotationLine(rest, p):
			gcLines++
			gcTagged = true
		case hasPrefix(rest, "Total time for which application threads were stopped: "),
			hasPrefix(rest, "CommandLine flags: "), hasPrefix(rest, "Desired survivor size "), hasPrefix(rest, "GC STATISTICS"):
			gcLines++
			gcTagged = true
		}
	}
	return gcLines, lines
}

// hasTag says a tag set like "gc,heap" holds tag.
func hasTag(tags []byte, tag string) bool {
	for len(tags) > 0 {
		i := index(tags, ",")
		t := tags
		if i >= 0 {
			t, tags = tags[:i], tags[i+1:]
		} else {
			tags = nil
		}
		if string(trimSpace(t)) == tag {
			return true
		}
	}
	return false
}
