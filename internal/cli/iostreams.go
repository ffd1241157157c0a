package cli

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
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
func SystemIO() IO {
	return IO{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		StdinTTY:  isatty.IsTerminal(os.Stdin.Fd()) || isatty.IsCygwinTerminal(os.Stdin.Fd()),
		StdoutTTY: isatty.IsTerminal(os.Stdout.Fd()) || isatty.IsCygwinTerminal(os.Stdout.Fd()),
		StderrTTY: isatty.IsTerminal(os.Stderr.Fd()) || isatty.IsCygwinTerminal(os.Stderr.Fd()),
		Getenv:    os.Getenv,
	}
}

// colorEnabled follows the NO_COLOR convention (https://no-color.org).
func (io IO) colorEnabled() bool {
	return io.StdoutTTY && io.Getenv("NO_COLOR") == ""
}

// canPrompt reports whether a person can answer a question: stdin and
// stderr (where the question goes) are terminals.
func (io IO) canPrompt() bool { return io.StdinTTY && io.StderrTTY }
