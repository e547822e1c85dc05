// Package flinklog parses Flink JobManager and TaskManager logs: the log4j 1
// and log4j2 layouts Flink has shipped and the variants operators use,
// multi-line events folded into the event they belong to, and the fields the
// detectors need (jobs, state transitions, tasks, TaskManagers, checkpoints,
// exceptions and their deepest cause).
package flinklog

// Level is a log level, normalised: WARNING is WARN, SEVERE is ERROR,
// CRITICAL is FATAL.
type Level uint8

const (
	NoLevel Level = iota
	Trace
	Debug
	Info
	Warn
	Error
	Fatal
)

var levelNames = [...]string{"", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

func (l Level) String() string { return levelNames[l] }

// Event is one log event: a header line and the lines folded into it.
// Its byte slices are valid until the Sink's Event method returns.
type Event struct {
	// Time is milliseconds since the Unix epoch (UTC); HasTime is false for
	// a headless event (lines of a stack trace whose header line is not in
	// the file).
	Time    int64
	HasTime bool
	Level   Level
	Logger  []byte
	Thread  []byte
	Context []byte // the MDC/NDC column when it is not empty
	Prefix  []byte // "docker compose logs" service or "kubectl logs --prefix" pod/container
	Message []byte // the header line's message
	Detail  []byte // the folded lines, joined by '\n'

	Line      int64 // first line's number, from 1
	Offset    int64 // first line's byte offset
	Lines     int32 // physical lines in the event
	Truncated bool  // a line of the event was cut at the line length limit
	// OutOfOrder says the timestamp is earlier than one before it in the
	// same stream. Events are never re-sorted.
	OutOfOrder bool
	// Continued says the event is the rest of the one before it, split
	// because it grew past the event size limit.
	Continued bool

	Fields
}

// Fields are what the detectors need, extracted from an event's text.
// Empty slices and negative numbers mean "not found".
type Fields struct {
	JobID, JobName []byte
	// StateOf is "job" or "task" when the event is a state transition from
	// From to To.
	StateOf, From, To []byte
	// Task is a vertex (task chain) name; Subtask is its zero-based index
	// ("Map (2/4)" is subtask 1 of parallelism 4).
	Task                        []byte
	Subtask, Parallelism        int32
	Attempt                     []byte // execution attempt id
	TaskManager                 []byte // TaskManager resource id
	Container                   []byte // YARN container id
	Host                        []byte
	Checkpoint                  int64
	Exception, ExceptionMessage []byte
	// RootCause is the deepest "Caused by:" of the event.
	RootCause, RootCauseMessage []byte
	// Causes are the exception's chain: each "Caused by:" line of the
	// trace ("class: message", the message cut at 300 bytes), one per
	// line, the deepest last. A failure is often named only in the middle
	// of the chain ("Recovery is suppressed by …").
	Causes []byte
}

func (f *Fields) reset() {
	*f = Fields{Subtask: -1, Parallelism: -1, Checkpoint: -1}
}

// RawLine is a line no parser understood. Text is valid until the Sink's
// Raw method returns.
type RawLine struct {
	Line   int64
	Offset int64
	Text   []byte
	Reason string
	// OriginalLength is set when the line was cut at the length limit.
	OriginalLength int64
}

// Sink receives what the parser finds.
type Sink interface {
	Event(e *Event)
	Raw(r *RawLine)
}
