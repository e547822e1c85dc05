package platform

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flinkdx/flinkdx/forensics/input"
)

// Kernel OOM-killer lines, YARN container diagnostics and Flink's
// "Worker … is terminated". These lines are rare, so regular expressions
// read them once a cheap test said the line may be one.
var (
	syslogPrefix = regexp.MustCompile(`^([A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d) (\S+) (?:kernel: )?`)
	isoPrefix    = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)) (\S+) (?:kernel: )?`)
	dmesgStamp   = regexp.MustCompile(`^\[\s*[0-9.]+\]\s*`)
	dmesgT       = regexp.MustCompile(`^\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d \d{4})\]\s*`)

	invoked  = regexp.MustCompile(`^(.+?) invoked oom-killer: .*`)
	outOfMem = regexp.MustCompile(`^(Memory cgroup out of memory|Out of memory): Kill(?:ed)? process (\d+) \((.*?)\)(.*)$`)
	killed   = regexp.MustCompile(`^Killed process (\d+) \((.*?)\) total-vm:(\d+)kB, anon-rss:(\d+)kB, file-rss:(\d+)kB(?:, shmem-rss:(\d+)kB)?`)
	oomKill  = regexp.MustCompile(`^oom-kill:(.*)$`)
	// Hadoop 2: "is running beyond physical memory limits"; Hadoop 3: "is
	// running 168853504B beyond the 'PHYSICAL' memory limit".
	yarnLimit = regexp.MustCompile(`Container \[pid=(\d+),\s*containerID=(\S+?)\] is running (\d+B )?beyond (?:the ')?(physical|virtual|PHYSICAL|VIRTUAL)'? memory limits?\. Current usage: ([0-9.]+ [KMGT]?B) of ([0-9.]+ [KMGT]?B) physical memory used; ([0-9.]+ [KMGT]?B) of ([0-9.]+ [KMGT]?B) virtual memory used`)
	yarnExit  = regexp.MustCompile(`(?:Container killed on request\. Exit code is|Container exited with a non-zero exit code|Exit code:?|exitCode=)\s*(-?\d+)`)
	yarnID    = regexp.MustCompile(`container_(?:e\d+_)?\d+_\d+_\d+_\d+`)
	worker    = regexp.MustCompile(`Worker (\S+) is terminated\. Diagnostics: (.*)`)
	k8sStatus = regexp.MustCompile(`(\S+)\(exitCode=(-?\d+), reason=([^,]*), message=`)
	memcgPod  = regexp.MustCompile(`pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})`)
)

// LineMayBe is the cheap test: the line may be one these parsers read.
func LineMayBe(b []byte) bool {
	s := string(b)
	return strings.Contains(s, "oom") || strings.Contains(s, "Out of memory") || strings.Contains(s, "out of memory") ||
		strings.Contains(s, "Killed process") || strings.Contains(s, "Container") || strings.Contains(s, "is terminated")
}

// Lines reads a text stream of kernel or YARN lines; lines that are none
// of those go to raw.
type Lines struct {
	sink   Sink
	loc    *time.Location
	year   int
	raw    RawLine
	Counts struct{ Lines, Rows, Unparsed, Blank int64 }
}

// NewLines makes a line reader; loc is the zone of syslog times, year
// the year they lack (the current one if 0).
func NewLines(sink Sink, loc *time.Location, year int) *Lines {
	if loc == nil {
		loc = time.UTC
	}
	if year == 0 {
		year = time.Now().Year()
	}
	return &Lines{sink: sink, loc: loc, year: year}
}

// Parse reads a stream.
func (l *Lines) Parse(name string, lr *input.LineReader) error {
	for lr.Next() {
		l.Counts.Lines++
		b := lr.Line()
		if c, ok := l.Line(b); ok {
			c.Line, c.Offset = lr.Num(), lr.Offset()
			l.Counts.Rows++
			l.sink.Container(&c)
			continue
		}
		if len(strings.TrimSpace(string(b))) == 0 {
			l.Counts.Blank++
			continue
		}
		l.Counts.Unparsed++
		l.raw = RawLine{Line: lr.Num(), Offset: lr.Offset(), Text: b, Reason: "not a kernel, YARN or container line", OriginalLength: lr.Truncated()}
		l.sink.Raw(&l.raw)
	}
	return lr.Err()
}

// Line reads one line (no origin set).
func (l *Lines) Line(b []byte) (Container, bool) {
	t := string(b)
	var c Container
	host, when, ok := "", int64(0), false
	if m := syslogPrefix.FindStringSubmatch(t); m != nil {
		host = m[2]
		if tm, err := time.ParseInLocation("2006 Jan _2 15:04:05", strconv.Itoa(l.year)+" "+m[1], l.loc); err == nil {
			when, ok = tm.UnixMilli(), true
		}
		t = t[len(m[0]):]
	} else if m := isoPrefix.FindStringSubmatch(t); m != nil {
		host = m[2]
		if tm, err := time.Parse(time.RFC3339Nano, m[1]); err == nil {
			when, ok = tm.UnixMilli(), true
		}
		t = t[len(m[0]):]
	}
	if m := dmesgT.FindStringSubmatch(t); m != nil {
		if tm, err := time.ParseInLocation("Mon Jan _2 15:04:05 2006", m[1], l.loc); err == nil {
			when, ok = tm.UnixMilli(), true
		}
		t = t[len(m[0]):]
	} else if m := dmesgStamp.FindString(t); m != "" {
		t = t[len(m):]
	}
	switch {
	case invoked.MatchString(t):
		m := invoked.FindStringSubmatch(t)
		c = newContainer("kernel-oom")
		c.State, c.Reason, c.Process = "oom-invoked", "invoked oom-killer", m[1]
	case outOfMem.MatchString(t):
		m := outOfMem.FindStringSubmatch(t)
		c = newContainer("kernel-oom")
		c.State, c.Reason, c.Process = "killed", strings.ToLower(m[1]), m[3]
		c.PID, _ = strconv.ParseInt(m[2], 10, 64)
		c.ExitCode, c.HasExit = 137, true
	case killed.MatchString(t):
		m := killed.FindStringSubmatch(t)
		c = newContainer("kernel-oom")
		c.State, c.Reason, c.Process = "killed", "killed process", m[2]
		c.PID, _ = strconv.ParseInt(m[1], 10, 64)
		anon, _ := strconv.ParseInt(m[4], 10, 64)
		file, _ := strconv.ParseInt(m[5], 10, 64)
		shmem, _ := strconv.ParseInt(m[6], 10, 64)
		c.MemoryUsage = (anon + file + shmem) << 10
		c.ExitCode, c.HasExit = 137, true
	case oomKill.MatchString(t):
		c = newContainer("kernel-oom")
		c.State, c.Reason = "killed", "oom-kill"
		for _, kv := range strings.Split(oomKill.FindStringSubmatch(t)[1], ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "task":
				c.Process = v
			case "pid":
				c.PID, _ = strconv.ParseInt(v, 10, 64)
			case "task_memcg":
				c.Cgroup = v
			case "constraint":
				c.Message = v
			}
		}
		if c.Cgroup != "" {
			last := c.Cgroup[strings.LastIndexByte(c.Cgroup, '/')+1:]
			if len(last) == 64 {
				c.Container = last
			}
			if m := memcgPod.FindStringSubmatch(c.Cgroup); m != nil {
				c.Pod = strings.ReplaceAll(m[1], "_", "-")
			}
		}
		c.ExitCode, c.HasExit = 137, true
	case yarnLimit.MatchString(t):
		m := yarnLimit.FindStringSubmatch(t)
		c = newContainer("yarn")
		c.State, c.Reason = "killed", "running beyond "+strings.ToLower(m[4])+" memory limits"
		c.PID, _ = strconv.ParseInt(m[1], 10, 64)
		c.Container = m[2]
		if m[4] == "physical" {
			c.MemoryUsage, c.MemoryLimit = memory(strings.ReplaceAll(m[5], " ", "")), memory(strings.ReplaceAll(m[6], " ", ""))
		} else {
			c.MemoryUsage, c.MemoryLimit = memory(strings.ReplaceAll(m[7], " ", "")), memory(strings.ReplaceAll(m[8], " ", ""))
		}
		if e := yarnExit.FindStringSubmatch(t); e != nil {
			c.ExitCode, _ = strconv.ParseInt(e[1], 10, 64)
			c.HasExit = true
		}
		c.Message = strings.TrimSpace(t)
	case worker.MatchString(t):
		m := worker.FindStringSubmatch(t)
		c = newContainer("flink")
		c.State, c.Container, c.Message = "terminated", m[1], m[2]
		if s := k8sStatus.FindStringSubmatch(m[2]); s != nil {
			c.ExitCode, _ = strconv.ParseInt(s[2], 10, 64)
			c.HasExit, c.Reason = true, s[3]
		} else if e := yarnExit.FindStringSubmatch(m[2]); e != nil {
			c.ExitCode, _ = strconv.ParseInt(e[1], 10, 64)
			c.HasExit = true
		}
		if c.Reason == "" {
			c.Reason = "worker terminated"
		}
	case yarnExit.MatchString(t) && strings.Contains(t, "ontainer"):
		e := yarnExit.FindStringSubmatch(t)
		c = newContainer("yarn")
		c.State, c.Reason, c.Message = "terminated", "container exit", strings.TrimSpace(t)
		c.ExitCode, _ = strconv.ParseInt(e[1], 10, 64)
		c.HasExit = true
		if id := yarnID.FindString(t); id != "" {
			c.Container = id
		}
	default:
		return c, false
	}
	if c.Host == "" {
		c.Host = host
	}
	c.Time, c.HasTime = when, ok
	return c, true
}
