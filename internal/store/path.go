package store

import (
	"errors"
	"os"
	"path"
	"runtime"
	"strings"
)

// DefaultPath returns where the state database lives when --state does not
// say: see DefaultPathFrom. It reads the environment and the user's home
// directory of the running system.
func DefaultPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		home = "" // DefaultPathFrom says so if it needs it
	}
	return DefaultPathFrom(os.Getenv, home, runtime.GOOS)
}

// DefaultPathFrom returns the state database's default path for an
// environment (getenv), a home directory and an operating system (a
// runtime.GOOS value):
//
//   - $XDG_DATA_HOME/iamsweep/state.db when XDG_DATA_HOME is an absolute
//     path, on any system (the XDG spec ignores a relative one);
//   - on Windows, %LOCALAPPDATA%\iamsweep\state.db, else
//     <home>\AppData\Local\iamsweep\state.db;
//   - on macOS, <home>/Library/Application Support/iamsweep/state.db;
//   - elsewhere, <home>/.local/share/iamsweep/state.db.
//
// It returns an error when the path depends on an empty home directory.
func DefaultPathFrom(getenv func(string) string, home, goos string) (string, error) {
	windows := goos == "windows"
	if dir := getenv("XDG_DATA_HOME"); dir != "" && isAbs(dir, windows) {
		return joinPath(windows, dir, "iamsweep", "state.db"), nil
	}
	if windows {
		if dir := getenv("LOCALAPPDATA"); dir != "" && isAbs(dir, windows) {
			return joinPath(windows, dir, "iamsweep", "state.db"), nil
		}
	}
	if home == "" {
		return "", errors.New("default state path: no home directory: set --state or XDG_DATA_HOME")
	}
	switch goos {
	case "windows":
		return joinPath(windows, home, "AppData", "Local", "iamsweep", "state.db"), nil
	case "darwin", "ios":
		return joinPath(windows, home, "Library", "Application Support", "iamsweep", "state.db"), nil
	default:
		return joinPath(windows, home, ".local", "share", "iamsweep", "state.db"), nil
	}
}

// isAbs reports whether p is absolute on the given kind of system,
// whatever system the code runs on.
func isAbs(p string, windows bool) bool {
	if !windows {
		return strings.HasPrefix(p, "/")
	}
	if strings.HasPrefix(p, `\\`) || strings.HasPrefix(p, "//") {
		return true // UNC
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		('a' <= p[0]|0x20 && p[0]|0x20 <= 'z')
}

// joinPath joins a directory and names with the given system's separator,
// whatever system the code runs on. A Unix directory is cleaned; a Windows
// one only loses its trailing separators (cleaning with "/" rules would
// break a UNC prefix).
func joinPath(windows bool, dir string, elem ...string) string {
	if !windows {
		return path.Join(append([]string{dir}, elem...)...)
	}
	return strings.Join(append([]string{strings.TrimRight(dir, `\/`)}, elem...), `\`)
}
