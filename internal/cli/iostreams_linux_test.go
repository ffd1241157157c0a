package cli

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal of the given size and returns its
// terminal end (the one a program writes to).
func openPTY(t *testing.T, cols, rows uint16) *os.File {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	if err := unix.IoctlSetPointerInt(int(ptm.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pts.Close() })
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows}); err != nil {
		t.Fatal(err)
	}
	return pts
}

// TestFileIO_terminalWidth: on a terminal, the table is cut to the
// terminal's width, read from the terminal itself.
func TestFileIO_terminalWidth(t *testing.T) {
	pts := openPTY(t, 100, 40)
	pipeR, pipeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pipeR.Close()
	defer pipeW.Close()

	ios := fileIO(pipeR, pts, pipeW, func(string) string { return "" })
	if !ios.StdoutTTY || ios.StdinTTY || ios.StderrTTY {
		t.Errorf("TTYs: stdin %t, stdout %t, stderr %t; want only stdout", ios.StdinTTY, ios.StdoutTTY, ios.StderrTTY)
	}
	if ios.TerminalWidth != 100 {
		t.Errorf("TerminalWidth = %d, want 100", ios.TerminalWidth)
	}
	if w := fileIO(pipeR, pipeW, pipeW, nil).TerminalWidth; w != 0 {
		t.Errorf("TerminalWidth of a pipe = %d, want 0", w)
	}

	// A scan at that terminal prints no line longer than it.
	ios.Out = new(strings.Builder)
	ios.ErrOut = new(strings.Builder)
	ios.Getenv = func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }
	code := run(t.Context(), []string{"scan", "--from-file", example, "--credential-report", exampleReport, "--as-of", asOf},
		deps{io: ios, now: time.Now})
	if code != ExitUnused {
		t.Fatalf("exit %d; stderr %s", code, ios.ErrOut)
	}
	out := ios.Out.(*strings.Builder).String()
	for _, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 100 && !strings.Contains(line, "evaluated") {
			t.Errorf("line of %d characters on a 100-column terminal: %q", n, line)
		}
	}
	if !strings.Contains(out, "…") {
		t.Errorf("nothing was cut to fit 100 columns:\n%s", out)
	}
}
