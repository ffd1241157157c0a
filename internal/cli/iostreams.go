package cli

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"
)

// IO is what a command reads and writes, and what it knows about the
// terminal. Tests build it from buffers.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// StdinTTY, StdoutTTY and StderrTTY say whether the streams are
	// terminals.
	StdinTTY  bool
	StdoutTTY bool
	StderrTTY bool
	// TerminalWidth is the width of stdout's terminal, 0 when unknown.
	TerminalWidth int
	// Getenv reads the environment.
	Getenv func(string) string
}

// SystemIO returns the process's standard streams and environment.
func SystemIO() IO { return fileIO(os.Stdin, os.Stdout, os.Stderr, os.Getenv) }

// fileIO describes the given streams: which are terminals, and the width
// of stdout's terminal, so that tables fit it.
func fileIO(in, out, errOut *os.File, getenv func(string) string) IO {
	ios := IO{
		In:        in,
		Out:       out,
		ErrOut:    errOut,
		StdinTTY:  isTerminal(in),
		StdoutTTY: isTerminal(out),
		StderrTTY: isTerminal(errOut),
		Getenv:    getenv,
	}
	if ios.StdoutTTY {
		if width, _, err := term.GetSize(int(out.Fd())); err == nil && width > 0 {
			ios.TerminalWidth = width
		}
	}
	return ios
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// colorEnabled follows the NO_COLOR convention (https://no-color.org).
func (io IO) colorEnabled() bool {
	return io.StdoutTTY && io.Getenv("NO_COLOR") == ""
}

// canPrompt reports whether a person can answer a question: stdin and
// stderr (where the question goes) are terminals.
func (io IO) canPrompt() bool { return io.StdinTTY && io.StderrTTY }
