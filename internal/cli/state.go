package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/store"
)

// killSwitchEnv names the environment variable that, when not empty,
// stops an apply before its next step.
const killSwitchEnv = "IAMSWEEP_KILL_SWITCH"

// statePath returns the state database's path: --state (or its variable or
// config key), else the default. ok is false when there is neither.
func statePath(cfg config.Config, d deps) (path string, ok bool, err error) {
	if cfg.State != "" {
		return cfg.State, true, nil
	}
	if d.statePath == nil {
		return "", false, nil
	}
	p, err := d.statePath()
	if err != nil {
		return "", false, err
	}
	return p, true, nil
}

// openState opens the state database the commands after scan need.
func openState(ctx context.Context, cfg config.Config, d deps) (*store.Store, string, error) {
	path, ok, err := statePath(cfg, d)
	if err != nil {
		return nil, "", usageError{fmt.Errorf("%w: give the state database with --state", err)}
	}
	if !ok {
		return nil, "", usageError{errors.New("no state database: give one with --state")}
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, "", err
	}
	return st, path, nil
}

// stateReader is what the commands that only read the state need.
type stateReader interface {
	LoadBackup(ctx context.Context, id string) (iamsweep.Backup, error)
	Backups(ctx context.Context, arn string) ([]iamsweep.Backup, error)
	History(ctx context.Context, arn string) ([]iamsweep.HistoryEntry, error)
	Close() error
}

// readState opens the state database read-only, for the commands that
// never write (backups, history): they work on a database the user may
// not write, and create none. Where there is no database yet, nothing has
// been recorded: it reads as empty.
func readState(ctx context.Context, cfg config.Config, d deps) (stateReader, error) {
	path, ok, err := statePath(cfg, d)
	if err != nil {
		return nil, usageError{fmt.Errorf("%w: give the state database with --state", err)}
	}
	if !ok {
		return nil, usageError{errors.New("no state database: give one with --state")}
	}
	st, err := store.OpenReadOnly(ctx, path)
	if errors.Is(err, fs.ErrNotExist) {
		return emptyState{}, nil
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// emptyState is a state database with nothing recorded.
type emptyState struct{}

func (emptyState) LoadBackup(context.Context, string) (iamsweep.Backup, error) {
	return iamsweep.Backup{}, iamsweep.ErrNotFound
}
func (emptyState) Backups(context.Context, string) ([]iamsweep.Backup, error) { return nil, nil }
func (emptyState) History(context.Context, string) ([]iamsweep.HistoryEntry, error) {
	return nil, nil
}
func (emptyState) Close() error { return nil }

// killSwitch returns the check apply runs before every action and step:
// the variable IAMSWEEP_KILL_SWITCH set to anything, or the kill-switch
// file (default: STOP beside the state database) existing.
func killSwitch(cfg config.Config, d deps, state string) func() (string, bool) {
	file := cfg.KillSwitchFile
	if file == "" {
		file = filepath.Join(filepath.Dir(state), "STOP")
	}
	return func() (string, bool) {
		if v := d.io.Getenv(killSwitchEnv); v != "" {
			return "environment variable " + killSwitchEnv + " is set", true
		}
		if _, err := os.Stat(file); err == nil {
			return "file " + file + " exists", true
		}
		return "", false
	}
}
