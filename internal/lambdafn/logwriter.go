package lambdafn

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// lineLogger is the error stream of a command run in the function: lines
// that are JSON log records already (the command's logs, in JSON by
// default here) go to out as they are; any other line (a command's
// warning in words: "iamsweep: warning: ...") becomes a warning record of
// log, so that the function's log holds JSON only.
type lineLogger struct {
	mu      sync.Mutex
	out     io.Writer
	log     *slog.Logger
	pending []byte
}

func newLineLogger(out io.Writer, log *slog.Logger) *lineLogger {
	return &lineLogger{out: out, log: log}
}

// Write logs the complete lines of p; a line's end may come in a later
// write.
func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending = append(l.pending, p...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := l.pending[:i+1]
		l.pending = l.pending[i+1:]
		if err := l.line(line); err != nil {
			return len(p), err
		}
	}
}

func (l *lineLogger) line(line []byte) error {
	text := strings.TrimRight(string(line), "\r\n")
	switch {
	case strings.TrimSpace(text) == "":
		return nil
	case strings.HasPrefix(text, "{"):
		_, err := l.out.Write(line)
		return err
	default:
		l.log.Warn(strings.TrimPrefix(strings.TrimPrefix(text, "iamsweep: "), "warning: "))
		return nil
	}
}
