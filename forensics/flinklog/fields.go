package flinklog

import "bytes"

var (
	switchedFrom      = []byte(" switched from ")
	jobWord           = []byte("Job ")
	heckpoint         = []byte("heckpoint ")
	taskManagerWithID = []byte("TaskManager with id ")
	resourceID        = []byte("ResourceID ")
	workerWord        = []byte("Worker ")
	containerPrefix   = []byte("container_")
	onWord            = []byte(" on ")
	atHost            = []byte(" @ ")
	causedBy          = []byte("Caused by: ")
)

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func isWord(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// hex32At says whether b[i:] starts with a 32-digit hex id standing alone.
func hex32At(b []byte, i int) bool {
	if i+32 > len(b) || i > 0 && isWord(b[i-1]) || i+32 < len(b) && isWord(b[i+32]) {
		return false
	}
	for _, c := range b[i : i+32] {
		if !isHex(c) {
			return false
		}
	}
	return true
}

// extract fills f from an event's first line (the message).
func extract(msg []byte, f *Fields) {
	if i := indexFrom(msg, switchedFrom, 2); i >= 0 {
		if bytes.HasPrefix(msg[i+len(switchedFrom):], []byte("state ")) {
			jobTransition(msg, i, f)
		} else {
			taskTransition(msg, i, f)
		}
	}
	if f.JobID == nil {
		f.JobID, f.JobName = findJob(msg)
	}
	if f.Checkpoint < 0 {
		f.Checkpoint = findCheckpoint(msg)
	}
	if f.TaskManager == nil {
		f.TaskManager = findTaskManager(msg)
	}
	if f.Container == nil {
		f.Container = findContainer(msg)
	}
	if f.Host == nil && f.TaskManager != nil {
		f.Host = hostOfResource(f.TaskManager)
	}
}

// jobTransition reads "Job NAME (ID) switched from state A to B."
func jobTransition(msg []byte, at int, f *Fields) {
	from, to := states(msg[at+len(switchedFrom)+len("state "):])
	if from == nil {
		return
	}
	f.StateOf, f.From, f.To = []byte("job"), from, to
	head := msg[:at]
	// The name may itself hold "Job ": take the first one that starts a word.
	j := 0
	if !bytes.HasPrefix(head, jobWord) {
		if j = bytes.Index(head, []byte(" Job ")); j < 0 {
			return
		}
		j++
	}
	head = head[j+len(jobWord):]
	if n := len(head); n >= 34 && head[n-1] == ')' && head[n-34] == '(' && hex32At(head, n-33) {
		f.JobID = head[n-33 : n-1]
		f.JobName = bytes.TrimSpace(head[:n-34])
	}
}

// taskTransition reads "NAME (i/n)#a (ATTEMPT) switched from A to B[ on TM @ HOST (dataPort=…)]."
func taskTransition(msg []byte, at int, f *Fields) {
	from, to := states(msg[at+len(switchedFrom):])
	if from == nil {
		return
	}
	f.StateOf, f.From, f.To = []byte("task"), from, to
	head := bytes.TrimSpace(msg[:at])
	// (ATTEMPT)
	if n := len(head); n > 2 && head[n-1] == ')' {
		if o := bytes.LastIndexByte(head, '('); o >= 0 && bytes.IndexByte(head[o:], ' ') < 0 {
			f.Attempt = head[o+1 : n-1]
			head = bytes.TrimSpace(head[:o])
		}
	}
	// #attempt number
	if h := bytes.LastIndexByte(head, '#'); h >= 0 && allDigits(head[h+1:]) {
		head = head[:h]
	}
	// (i/n)
	if n := len(head); n > 4 && head[n-1] == ')' {
		if o := bytes.LastIndexByte(head, '('); o >= 0 {
			if sub, par, ok := fraction(head[o+1 : n-1]); ok {
				f.Subtask, f.Parallelism = sub-1, par
				head = bytes.TrimSpace(head[:o])
			}
		}
	}
	f.Task = head
	rest := msg[at:]
	if i := bytes.Index(rest, onWord); i >= 0 {
		tm := rest[i+len(onWord):]
		if e := bytes.IndexByte(tm, ' '); e >= 0 {
			f.TaskManager = trimPunct(tm[:e])
			if bytes.HasPrefix(tm[e:], atHost) {
				host := tm[e+len(atHost):]
				if e := bytes.IndexByte(host, ' '); e >= 0 {
					host = host[:e]
				}
				f.Host = trimPunct(host)
			}
		} else {
			f.TaskManager = trimPunct(tm)
		}
	}
}

func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func fraction(b []byte) (int32, int32, bool) {
	s := bytes.IndexByte(b, '/')
	if s <= 0 || !allDigits(b[:s]) || !allDigits(b[s+1:]) || len(b) > 20 {
		return 0, 0, false
	}
	return int32(atoi(b[:s])), int32(atoi(b[s+1:])), true
}

func atoi(b []byte) int64 {
	var n int64
	for _, c := range b {
		n = n*10 + int64(c-'0')
	}
	return n
}

// states reads "A to B" where A and B are upper-case state words.
func states(b []byte) (from, to []byte) {
	e := 0
	for e < len(b) && b[e] >= 'A' && b[e] <= 'Z' || e < len(b) && b[e] == '_' {
		e++
	}
	if e == 0 || !bytes.HasPrefix(b[e:], []byte(" to ")) {
		return nil, nil
	}
	from, b = b[:e], b[e+4:]
	e = 0
	for e < len(b) && (b[e] >= 'A' && b[e] <= 'Z' || b[e] == '_') {
		e++
	}
	if e == 0 {
		return nil, nil
	}
	return from, b[:e]
}

func trimPunct(b []byte) []byte {
	return bytes.TrimRight(b, ".,;:")
}

// findJob finds a job id in the forms Flink logs it: "job ID", "Job ID",
// "job 'NAME' (ID)", "JobGraph submission 'NAME' (ID)", "(ID)" after a job.
func findJob(msg []byte) (id, name []byte) {
	for i := 0; i+32 <= len(msg); {
		// The next 'j' or 'J': both are rare, so two scans beat one for "ob".
		j, J := bytes.IndexByte(msg[i:], 'j'), bytes.IndexByte(msg[i:], 'J')
		if j < 0 || J >= 0 && J < j {
			j = J
		}
		if j < 0 {
			return nil, nil
		}
		i += j
		rest := msg[i:]
		if len(rest) < 4 || rest[1] != 'o' || rest[2] != 'b' {
			i++
			continue
		}
		k := 3
		// "job", "Job", "jobs/", "JobID", "job id", "job with id", "jobId"
		for _, w := range [][]byte{[]byte("ID"), []byte("Id"), []byte("s/"), []byte(" with id"), []byte(" id")} {
			if bytes.HasPrefix(rest[k:], w) {
				k += len(w)
				break
			}
		}
		for k < len(rest) && (rest[k] == ' ' || rest[k] == ':' || rest[k] == '=' || rest[k] == '(') {
			k++
		}
		if hex32At(msg, i+k) {
			return msg[i+k : i+k+32], nil
		}
		// job 'NAME' (ID)
		if k < len(rest) && rest[k] == '\'' {
			if q := bytes.IndexByte(rest[k+1:], '\''); q >= 0 {
				after := rest[k+1+q+1:]
				if len(after) >= 35 && after[0] == ' ' && after[1] == '(' && hex32At(after, 2) {
					return after[2:34], rest[k+1 : k+1+q]
				}
			}
		}
		// job NAME (ID), the name unquoted: "Could not restart the job
		// Monitor run (2df2…) because …" (Flink 1.4–1.6).
		if k > 3 && rest[k-1] == ' ' {
			if p := bytes.Index(rest[k:min(len(rest), k+256)], []byte(" (")); p > 0 {
				at := k + p + 2
				if hex32At(rest, at) && at+32 < len(rest) && rest[at+32] == ')' {
					return rest[at : at+32], rest[k : k+p]
				}
			}
		}
		i += 3
	}
	return nil, nil
}

// findCheckpoint reads the number after "checkpoint " or "Checkpoint ".
func findCheckpoint(msg []byte) int64 {
	for i := 0; ; {
		j := indexFrom(msg[i:], heckpoint, 3)
		if j < 0 {
			return -1
		}
		i += j + len(heckpoint)
		if i-len(heckpoint)-1 < 0 || msg[i-len(heckpoint)-1]|0x20 != 'c' {
			continue
		}
		if i < len(msg) && isDigit(msg[i]) {
			e := i
			for e < len(msg) && isDigit(msg[e]) && e-i < 18 {
				e++
			}
			if e == len(msg) || !isWord(msg[e]) {
				return atoi(msg[i:e])
			}
		}
	}
}

// findTaskManager reads a TaskManager resource id after "TaskManager with
// id", "ResourceID" or "Worker".
func findTaskManager(msg []byte) []byte {
	for _, w := range [][]byte{taskManagerWithID, resourceID, workerWord} {
		if i := bytes.Index(msg, w); i >= 0 {
			tok := msg[i+len(w):]
			if e := bytes.IndexAny(tok, " ,)"); e >= 0 {
				tok = tok[:e]
			}
			tok = trimPunct(tok)
			if len(tok) > 0 {
				return tok
			}
		}
	}
	return nil
}

// findContainer reads a YARN container id: container_[eNN_]CLUSTERTS_APP_ATTEMPT_CONTAINER.
func findContainer(msg []byte) []byte {
	for i := 0; ; {
		j := indexFrom(msg[i:], containerPrefix, 6)
		if j < 0 {
			return nil
		}
		i += j
		if i > 0 && isWord(msg[i-1]) && msg[i-1] != '_' {
			i += len(containerPrefix)
			continue
		}
		e := i + len(containerPrefix)
		groups := 0
		for e < len(msg) {
			s := e
			if msg[e] == 'e' && groups == 0 {
				e++
			}
			for e < len(msg) && isDigit(msg[e]) {
				e++
			}
			if e == s {
				break
			}
			groups++
			if e < len(msg) && msg[e] == '_' && e+1 < len(msg) && (isDigit(msg[e+1])) {
				e++
				continue
			}
			break
		}
		if groups >= 5 || groups == 4 && msg[i+len(containerPrefix)] != 'e' {
			return msg[i:e]
		}
		i = e
		if i >= len(msg) {
			return nil
		}
	}
}

// hostOfResource takes the host from a standalone resource id
// "HOST:PORT-SUFFIX".
func hostOfResource(id []byte) []byte {
	c := bytes.LastIndexByte(id, ':')
	if c <= 0 {
		return nil
	}
	rest := id[c+1:]
	d := bytes.IndexByte(rest, '-')
	if d <= 0 || !allDigits(rest[:d]) {
		return nil
	}
	return id[:c]
}

// exceptionLine reads "pkg.SomeException: message" or "pkg.SomeError" (a
// throwable's toString) and returns class and message.
func exceptionLine(b []byte) (class, msg []byte, ok bool) {
	end := bytes.IndexByte(b, ':')
	cls := b
	if end >= 0 {
		cls = b[:end]
	}
	if len(cls) < 5 || bytes.IndexByte(cls, '.') < 0 || bytes.IndexByte(cls, ' ') >= 0 {
		return nil, nil, false
	}
	for _, c := range cls {
		if !(isWord(c) || c == '.' || c == '$') {
			return nil, nil, false
		}
	}
	last := cls[bytes.LastIndexByte(cls, '.')+1:]
	if !(bytes.HasSuffix(last, []byte("Exception")) || bytes.HasSuffix(last, []byte("Error")) ||
		bytes.HasSuffix(last, []byte("Throwable")) || bytes.HasSuffix(last, []byte("Failure")) ||
		bytes.Contains(last, []byte("Exception"))) {
		return nil, nil, false
	}
	if end >= 0 {
		msg = bytes.TrimSpace(b[end+1:])
	}
	return cls, msg, true
}

// indexFrom is bytes.Index(s, word), but it scans for word[skip:], a part
// that starts with a rarer byte than word does (" switched" starts with a
// blank, found every few bytes), and then checks the rest.
func indexFrom(s, word []byte, skip int) int {
	tail := word[skip:]
	for i := skip; i <= len(s)-len(tail); {
		j := bytes.Index(s[i:], tail)
		if j < 0 {
			return -1
		}
		i += j
		if string(s[i-skip:i]) == string(word[:skip]) {
			return i - skip
		}
		i++
	}
	return -1
}
