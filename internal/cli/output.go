package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/report"
)

// output is where a report goes: stdout, or the --out path. What the path
// names decides how it is written:
//
//   - a regular file, or nothing yet: atomically. The report goes to a
//     temporary file in the same directory, which Commit syncs and renames
//     into place, so a reader never sees half a report and a failed run
//     leaves the old file (or none). An existing file keeps its mode; a
//     new one gets 0644.
//   - a symbolic link: its target, by the rules here (a link to a regular
//     file replaces the target atomically and the link stays a link; a
//     dangling link creates its target).
//   - a character device or a pipe (/dev/stdout, /dev/null, a FIFO):
//     written directly; nothing is replaced, and a write error (/dev/full)
//     is reported.
//   - a directory, or anything else: refused, as an input error.
type output struct {
	io.Writer
	file *os.File // the temporary file, or the device written through
	path string   // where the temporary file goes on Commit; "" for a device
	mode fs.FileMode
}

// newFileMode is the mode of a report file that did not exist.
const newFileMode fs.FileMode = 0o644

func openOutput(stdout io.Writer, path string) (*output, error) {
	if path == "" {
		return &output{Writer: stdout}, nil
	}
	fi, err := os.Stat(path) // follows links
	switch {
	case err == nil && fi.IsDir():
		return nil, iamsweep.NewInputError(path, "", errors.New("is a directory: the output must be a file"))
	case err == nil && fi.Mode()&(fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", path, unwrapPathError(err))
		}
		return &output{Writer: f, file: f}, nil
	case err == nil && !fi.Mode().IsRegular():
		return nil, iamsweep.NewInputError(path, "", fmt.Errorf("is a %s: the output must be a regular file, a character device or a pipe", fileKind(fi.Mode())))
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("write %s: %w", path, unwrapPathError(err))
	}
	mode := newFileMode
	if err == nil {
		mode = fi.Mode().Perm()
	}
	target, err := linkTarget(path)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, unwrapPathError(err))
	}
	return &output{Writer: tmp, file: tmp, path: target, mode: mode}, nil
}

// linkTarget follows path's symbolic links, if any, to the path they end
// at, which need not exist.
func linkTarget(path string) (string, error) {
	for range 40 { // as Linux's limit of links in one lookup
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink == 0) {
			return path, nil
		}
		if err != nil {
			return "", unwrapPathError(err)
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", unwrapPathError(err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", errors.New("too many levels of symbolic links")
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeDevice != 0:
		return "block device"
	case m&fs.ModeSocket != 0:
		return "socket"
	default:
		return "special file"
	}
}

// Commit puts the file in place, or closes the device written through.
func (o *output) Commit() error {
	if o.file == nil {
		return nil
	}
	f := o.file
	o.file = nil
	if o.path == "" {
		if err := f.Close(); err != nil {
			return fmt.Errorf("write %s: %w", f.Name(), unwrapPathError(err))
		}
		return nil
	}
	err := f.Chmod(o.mode)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), o.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", o.path, unwrapPathError(err))
	}
	return nil
}

// Abort drops the temporary file (a device keeps what was written); after
// Commit it does nothing.
func (o *output) Abort() {
	if o.file == nil {
		return
	}
	o.file.Close()
	if o.path != "" {
		os.Remove(o.file.Name())
	}
	o.file = nil
}

// newWriter returns the report writer the configuration asks for.
func newWriter(cfg config.Config, ios IO, w io.Writer) report.Writer {
	switch cfg.Output {
	case "json":
		return report.NewJSON(w)
	case "csv":
		return report.NewCSV(w)
	case "html":
		return report.NewHTML(w, report.HTMLOptions{OwnerTags: cfg.OwnerTags})
	case "asff":
		// cfg.Region is settled by exportRegion.
		return report.NewASFF(w, report.ASFFOptions{Region: cfg.Region, OwnerTags: cfg.OwnerTags})
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

// tableOrJSON fits the output setting to a command that writes a table or
// JSON, not CSV, HTML or ASFF. Any of those given to the command itself
// (--output csv) is refused; from the environment or the config file, where
// it is set for scan, it means the table here.
func tableOrJSON(cfg *config.Config, command string) error {
	if cfg.Output != "csv" && cfg.Output != "html" && cfg.Output != "asff" {
		return nil
	}
	if o, ok := cfg.OriginOf("output"); ok && strings.HasPrefix(o.Source, "--") {
		return cfg.Invalid("output", fmt.Errorf("%s writes table or json", command))
	}
	cfg.Output = "table"
	return nil
}
