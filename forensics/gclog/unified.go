package gclog

import "math"

// JDK 9+ unified logging: "[0.207s][info][gc] GC(0) Pause Young (Normal)
// (G1 Evacuation Pause) 14M->12M(128M) 7.033ms", with any decorations
// (time, utctime, uptime, timemillis, uptimemillis, level, tags, pid, tid,
// hostname) in any order.

// decor is what the decorations of a line say.
type decor struct {
	time      int64
	hasTime   bool
	uptime    float64
	hasUptime bool
	tags      []byte
	msg       []byte
	groups    int // how many decorations
}

// decorations reads the leading "[...]" groups of a unified-logging line.
func (p *Parser) decorations(b []byte) (decor, bool) {
	var d decor
	n := 0
	for len(b) > 0 && b[0] == '[' {
		j := 1
		for j < len(b) && b[j] != ']' && b[j] != '[' {
			j++
		}
		if j >= len(b) || b[j] != ']' {
			break
		}
		c := trimSpace(b[1:j])
		if !p.decoration(c, &d) {
			break
		}
		n++
		b = b[j+1:]
	}
	if n == 0 || !(d.hasTime || d.hasUptime || d.tags != nil) {
		return d, false
	}
	if len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	d.msg, d.groups = b, n
	return d, true
}

func (p *Parser) decoration(c []byte, d *decor) bool {
	if len(c) == 0 {
		return false
	}
	if ms, n := datestamp(c, p.loc); n > 0 && n == len(c) {
		d.time, d.hasTime = ms, true
		return true
	}
	if isDigit(c[0]) {
		v, n := number(c)
		switch string(c[n:]) {
		case "s":
			d.uptime, d.hasUptime = v, true
			return true
		case "ms":
			if v > 1e11 { // timemillis
				d.time, d.hasTime = int64(v), true
			} else {
				d.uptime, d.hasUptime = v/1e3, true
			}
			return true
		case "ns":
			if v > 1e17 { // timenanos
				d.time, d.hasTime = int64(v/1e6), true
			} else {
				d.uptime, d.hasUptime = v/1e9, true
			}
			return true
		case "", "T": // pid, tid
			return n > 0
		}
		return false
	}
	switch string(c) {
	case "trace", "debug", "info", "warning", "error", "develop":
		return true
	}
	// Tags: gc, gc,heap, safepoint, os,cpu, gc,phases,start ...
	tags := true
	for _, ch := range c {
		if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == ',' || ch == '_' || ch == '+' || ch == ' ') {
			tags = false
			break
		}
	}
	if tags {
		d.tags = c
		return true
	}
	// A host name.
	for _, ch := range c {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || isDigit(ch) || ch == '.' || ch == '-' || ch == '_') {
			return false
		}
	}
	return true
}

// unified handles one unified-logging line.
func (p *Parser) unified(b []byte, d *decor, num, off int64) {
	msg := d.msg
	id := int64(-1)
	if hasPrefix(msg, "GC(") {
		if v, n := integer(msg[3:]); n > 0 && 3+n < len(msg) && msg[3+n] == ')' {
			id = v
			msg = trimLeftSpace(msg[4+n:])
		}
	}
	// CPU times follow the summary of their GC.
	if hasPrefix(msg, "User=") {
		if p.hasPend && p.pend.GCID == id {
			cpuTimes(msg, &p.pend)
			p.pend.Lines++
			p.counts.EventLines++
			return
		}
		p.counts.Noise++
		return
	}
	p.flush()
	e := &p.ev
	e.reset()
	e.Line, e.Offset, e.Lines, e.GCID, e.Unified = num, off, 1, id, true
	if d.hasTime {
		e.Time, e.HasTime = d.time, true
	}
	if d.hasUptime {
		e.Uptime = d.uptime
	}
	p.learnStart(e)
	switch {
	case hasPrefix(msg, "Using "):
		p.usingLine(msg[len("Using "):])
		p.counts.Noise++
	case hasPrefix(msg, "Total time for which application threads were stopped: "):
		p.stopped(msg, e)
	case hasPrefix(msg, "Safepoint \""):
		p.safepoint(msg, e)
	case hasPrefix(msg, "Allocation Stall (") || hasPrefix(msg, "Relocation Stall ("):
		p.stall(msg, e)
	case id >= 0:
		p.gcLine(msg, d, e)
	default:
		p.counts.Noise++
	}
}

// usingLine reads "Using G1" and its kin.
func (p *Parser) usingLine(b []byte) {
	switch {
	case hasPrefix(b, "G1"):
		p.collector = "G1"
	case hasPrefix(b, "Parallel"):
		p.collector = "Parallel"
	case hasPrefix(b, "Serial"):
		p.collector = "Serial"
	case hasPrefix(b, "Concurrent Mark Sweep"):
		p.collector = "CMS"
	case hasPrefix(b, "Shenandoah"):
		p.collector = "Shenandoah"
	case hasPrefix(b, "The Z Garbage Collector"):
		p.collector = "ZGC"
	case hasPrefix(b, "Epsilon"):
		p.collector = "Epsilon"
	}
}

// safepoint reads JDK 13+'s `Safepoint "G1CollectForAllocation", Time
// since last: 1634200 ns, Reaching safepoint: 92800 ns, At safepoint:
// 11173200 ns, Total: 11266000 ns`.
func (p *Parser) safepoint(msg []byte, e *Event) {
	rest := msg[len("Safepoint \""):]
	q := index(rest, "\"")
	if q < 0 {
		p.rawLine(msg, e.Line, e.Offset, "safepoint line without an operation", 0)
		return
	}
	e.Kind, e.Name, e.SafepointOp = Safepoint, "Safepoint", string(rest[:q])
	ns := func(key string) float64 {
		k := index(rest, key)
		if k < 0 {
			return math_NaN
		}
		d, n := duration(rest[k+len(key):])
		if n == 0 {
			return math_NaN
		}
		return d
	}
	e.TTSP = ns("Reaching safepoint: ")
	e.Pause = ns("Total: ")
	if e.Pause != e.Pause {
		e.Pause = ns("At safepoint: ")
	}
	p.counts.EventLines++
	p.emit(e)
}

// stall reads ZGC's "Allocation Stall (thread) 0.706ms".
func (p *Parser) stall(msg []byte, e *Event) {
	e.Kind, e.Flags = Stall, AllocationStall
	e.Name = p.ri.str(msg[:index(msg, " (")])
	if k := lastIndexByte(msg, ' '); k >= 0 {
		if d, n := duration(msg[k+1:]); n > 0 {
			e.Concurrent = d
		}
	}
	if c := index(msg, "("); c >= 0 {
		if j := lastIndexByte(msg, ')'); j > c {
			e.Cause = p.ri.str(msg[c+1 : j]) // the thread
		}
	}
	p.counts.EventLines++
	p.emit(e)
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

var math_NaN = math.NaN()

// gcLine handles a line about one GC id.
func (p *Parser) gcLine(msg []byte, d *decor, e *Event) {
	// Generational ZGC prefixes the generation: "Y: Pause Mark Start".
	// (JDK 25 writes "y: ").
	if len(msg) > 3 && (msg[0] == 'Y' || msg[0] == 'O' || msg[0] == 'y' || msg[0] == 'o') && msg[1] == ':' && msg[2] == ' ' {
		msg = msg[3:]
		if p.collector == "" {
			p.collector = "ZGC"
		}
	}
	switch {
	case hasPrefix(msg, "Pause "), hasPrefix(msg, "Concurrent "), hasPrefix(msg, "Garbage Collection "),
		hasPrefix(msg, "Major Collection "), hasPrefix(msg, "Minor Collection "), hasPrefix(msg, "Young Collection "),
		hasPrefix(msg, "Young Generation"), hasPrefix(msg, "Old Generation"):
		p.phase(msg, d, e)
	case hasPrefix(msg, "To-space exhausted"), hasPrefix(msg, "Evacuation Failure"):
		p.detailOf(e.GCID).Flags |= ToSpaceExhausted
		p.counts.EventLines++
	case hasPrefix(trimLeftSpace(msg), "Capacity: "):
		// ZGC's heap table: the first column is the capacity at mark start.
		if v, n := size(trimLeftSpace(trimLeftSpace(msg)[len("Capacity: "):])); n > 0 {
			p.detailOf(e.GCID).Heap.Capacity = v
		}
		p.counts.Noise++
	default:
		if p.collector == "" && hasPrefix(msg, "Eden regions: ") {
			p.collector = "G1" // only G1 counts regions
		}
		if k := index(msg, ": "); k > 0 {
			name := msg[:k]
			gen, coll := classifyGeneration(name)
			if gen != genNone {
				det := p.detailOf(e.GCID)
				s, _ := sizes(msg[k+2:])
				switch gen {
				case genYoung:
					det.Young = s
				case genOld:
					det.Old = s
				case genMeta:
					det.Meta = s
				}
				if coll != "" && det.Collector == "" {
					det.Collector = coll
				}
			}
		}
		p.counts.Noise++
	}
}

// detailOf returns what detail lines said about a GC id so far.
func (p *Parser) detailOf(id int64) *Event {
	if det, ok := p.details[id]; ok {
		return det
	}
	if len(p.detOrd) >= 64 {
		if old, ok := p.details[p.detOrd[0]]; ok {
			p.detFree = append(p.detFree, old)
			delete(p.details, p.detOrd[0])
		}
		p.detOrd = p.detOrd[1:]
	}
	var det *Event
	if n := len(p.detFree); n > 0 {
		det, p.detFree = p.detFree[n-1], p.detFree[:n-1]
	} else {
		det = &Event{}
	}
	det.reset()
	p.details[id] = det
	p.detOrd = append(p.detOrd, id)
	return det
}

// phase reads "Pause Young (Normal) (G1 Evacuation Pause) 14M->12M(128M)
// 7.033ms", "Concurrent Mark 2.667ms", "Concurrent Cycle", "Garbage
// Collection (Warmup) 112M(11%)->36M(4%)".
func (p *Parser) phase(msg []byte, d *decor, e *Event) {
	name, quals, n := header(msg, p.ri.quals)
	p.ri.quals = quals
	rest := msg[n:]
	e.Name = p.ri.str(name)
	secs := -1.0
	for i := 0; i < len(rest); i++ {
		if !isDigit(rest[i]) || i > 0 && (isDigit(rest[i-1]) || rest[i-1] == '.') {
			continue
		}
		if s, m := zsizes(rest[i:]); m > 0 {
			e.Heap = s
			i += m - 1
			continue
		}
		if v, m := duration(rest[i:]); m > 0 {
			secs = v
			i += m - 1
		}
	}
	for _, q := range quals {
		switch string(q) {
		case "Normal", "Prepare Mixed":
			continue
		case "Mixed":
			e.Kind = Mixed
			continue
		case "Concurrent Start":
			e.Flags |= InitialMarkCycle
			continue
		}
		qualifier(q, e, &p.ri)
	}
	mixed := e.Kind == Mixed
	switch {
	case hasPrefix(name, "Pause Young"):
		e.Kind = Young
		if mixed {
			e.Kind = Mixed
		}
	case hasPrefix(name, "Pause Mixed"):
		e.Kind = Mixed
	case hasPrefix(name, "Pause Full"):
		e.Kind = Full
	case hasPrefix(name, "Pause Initial Mark"):
		if p.collector == "CMS" {
			e.Kind = InitialMark
		} else {
			e.Kind, e.Flags = Young, e.Flags|InitialMarkCycle
		}
	case hasPrefix(name, "Pause Remark"):
		e.Kind = Remark
	case hasPrefix(name, "Pause Cleanup"):
		e.Kind = Cleanup
	case hasPrefix(name, "Pause "):
		e.Kind = Pause
	default:
		e.Kind = Concurrent
	}
	if hasSuffixTrim(name, "Statistics") {
		p.counts.Noise++ // ZGC's statistics tables
		return
	}
	if secs < 0 {
		// The start of a pause (gc,start) or of a phase: its end is the event.
		// A ZGC cycle summary has sizes and no duration: it is the event.
		if e.Kind != Concurrent || !e.Heap.Known() {
			if e.Kind != Concurrent || contains(d.tags, "start") {
				p.counts.Noise++
				return
			}
			p.counts.PhaseStarts++
			e.Flags |= PhaseStart
		}
	}
	if e.Kind == Concurrent {
		if secs >= 0 {
			e.Concurrent = secs
		}
		if e.Flags&PhaseStart == 0 && (hasPrefix(name, "Concurrent Cycle") || hasPrefix(name, "Concurrent Sweep") || hasPrefix(name, "Concurrent Reset")) {
			e.Flags |= CycleEnd
		}
	} else {
		e.Pause = secs
	}
	if det, ok := p.details[e.GCID]; ok && e.Kind == Concurrent && e.Heap.Known() && e.Heap.Capacity < 0 {
		e.Heap.Capacity = det.Heap.Capacity // a ZGC cycle
	}
	if det, ok := p.details[e.GCID]; ok && e.Kind != Concurrent {
		e.Young, e.Old, e.Meta = det.Young, det.Old, det.Meta
		e.Flags |= det.Flags
		if e.Collector == "" {
			e.Collector = det.Collector
		}
		delete(p.details, e.GCID)
		p.detFree = append(p.detFree, det)
	}
	if e.Collector == "" {
		e.Collector = p.collector
	}
	p.counts.EventLines++
	p.pend, p.hasPend = *e, true
}

// zsizes reads sizes, also ZGC's "3334M(84%)->2230M(56%)".
func zsizes(b []byte) (Sizes, int) {
	if s, n := sizes(b); n > 0 {
		return s, n
	}
	v, n := size(b)
	if n == 0 {
		return noSizes, 0
	}
	skip := func(i int) int {
		if i < len(b) && b[i] == '(' {
			for j := i; j < len(b); j++ {
				if b[j] == ')' {
					return j + 1
				}
			}
		}
		return i
	}
	i := skip(n)
	if i+2 > len(b) || b[i] != '-' || b[i+1] != '>' {
		return noSizes, 0
	}
	a, m := size(b[i+2:])
	if m == 0 {
		return noSizes, 0
	}
	return Sizes{Before: v, After: a, Capacity: -1}, skip(i + 2 + m)
}

// cpuTimes reads "User=0.00s Sys=0.06s Real=0.01s".
func cpuTimes(b []byte, e *Event) {
	get := func(key string) float64 {
		k := index(b, key)
		if k < 0 {
			return math_NaN
		}
		v, n := number(b[k+len(key):])
		if n == 0 {
			return math_NaN
		}
		return v
	}
	e.User, e.Sys, e.Real = get("User="), get("Sys="), get("Real=")
}
