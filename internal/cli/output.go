package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/report"
)

// output is where a report goes: stdout, or a file written atomically (a
// temporary file in the same directory, synced and renamed into place on
// Commit), so a reader never sees half a report and a failed run leaves no
// file behind.
type output struct {
	io.Writer
	tmp  *os.File
	path string
}

func openOutput(stdout io.Writer, path string) (*output, error) {
	if path == "" {
		return &output{Writer: stdout}, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &output{Writer: tmp, tmp: tmp, path: path}, nil
}

// Commit puts the file in place.
func (o *output) Commit() error {
	if o.tmp == nil {
		return nil
	}
	err := o.tmp.Chmod(0o644)
	if err == nil {
		err = o.tmp.Sync()
	}
	if cerr := o.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(o.tmp.Name(), o.path)
	}
	if err != nil {
		os.Remove(o.tmp.Name())
		return fmt.Errorf("write %s: %w", o.path, err)
	}
	o.tmp = nil
	return nil
}

// Abort drops the file; after Commit it does nothing.
func (o *output) Abort() {
	if o.tmp != nil {
		o.tmp.Close()
		os.Remove(o.tmp.Name())
		o.tmp = nil
	}
}

// newWriter returns the report writer the configuration asks for.
func newWriter(cfg config.Config, ios IO, w io.Writer) report.Writer {
	switch cfg.Output {
	case "json":
		return report.NewJSON(w)
	case "csv":
		return report.NewCSV(w)
	default:
		to := report.TableOptions{All: cfg.All}
		if cfg.Out == "" {
			to.Color = ios.colorEnabled()
			if ios.StdoutTTY {
				to.Width = ios.TerminalWidth
			}
		}
		return report.NewTable(w, to)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
