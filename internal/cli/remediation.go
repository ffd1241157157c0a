package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/remediate"
	"github.com/iamsweep/iamsweep/internal/store"
)

// remediationSettings are the settings of the commands that change AWS.
var remediationSettings = []string{
	"state", "allow-service-linked", "allow", "as-of", "profile", "region", "endpoint-url",
	"assume-role", "external-id", "output", "log-level", "log-format",
}

// remediationPolicy is the configured policy with the flags that widen it.
func remediationPolicy(cfg config.Config) iamsweep.RemediationPolicy {
	p := cfg.Remediation
	p.AllowServiceLinked = p.AllowServiceLinked || cfg.AllowServiceLinked
	return p
}

// remediationEnv is what apply, release and restore share.
type remediationEnv struct {
	store *store.Store
	svc   *remediate.Service
	log   *slog.Logger
}

// accountAlias returns a lookup of account aliases for the confirmation of
// a deletion. An alias that cannot be read (no iam:ListAccountAliases, a
// role that cannot be assumed) is logged and left out: the account ID is
// always accepted.
func (e *remediationEnv) accountAlias(ctx context.Context) func(string) string {
	return func(accountID string) string {
		m, err := e.svc.Open(ctx, accountID)
		if err != nil {
			e.log.Warn("cannot read the account alias: type the account ID", "account_id", accountID, "err", err)
			return ""
		}
		a, ok := m.(interface {
			AccountAlias(context.Context) (string, error)
		})
		if !ok {
			return ""
		}
		name, err := a.AccountAlias(ctx)
		if err != nil {
			e.log.Warn("cannot read the account alias: type the account ID", "account_id", accountID, "err", err)
			return ""
		}
		return name
	}
}

// openRemediation connects the remediation service to AWS and to the state
// database st (at path), which the caller keeps and closes.
func openRemediation(ctx context.Context, d deps, cfg config.Config, st *store.Store, path string, unusedDays int) (*remediationEnv, error) {
	log := newLogger(d.io.ErrOut, cfg.LogLevel, cfg.LogFormat)
	awsCfg, err := loadAWSConfig(ctx, cfg, d.retry, log)
	if err != nil {
		return nil, err
	}
	org := awsapi.NewOrg(awsCfg, log, awsapi.OrgOptions{Role: cfg.AssumeRole, ExternalID: cfg.ExternalID})
	caller, err := org.CallerARN(ctx)
	if err != nil {
		return nil, err
	}
	allow, err := detect.NewAllowlist(cfg.Allow)
	if err != nil {
		return nil, usageError{err}
	}
	// The re-check before each action honours owners' Keeps, those made
	// since the plan too.
	keeps, err := st.Exceptions(ctx, store.ExceptionFilter{})
	if err != nil {
		return nil, err
	}
	svc := &remediate.Service{
		Store:      st,
		Open:       cachedMutators(org),
		Now:        func() time.Time { return d.now().UTC() },
		Policy:     remediationPolicy(cfg),
		Detect:     detect.Options{UnusedDays: unusedDays, Allowlist: allow, Exceptions: detect.NewExceptions(keeps)},
		Caller:     caller,
		Owner:      leaseOwner(),
		OwnerGone:  ownerGone,
		KillSwitch: killSwitch(cfg, d, path),
		Log:        log,
	}
	if !cfg.AsOf.IsZero() {
		// --as-of is the evaluation time of the re-checks; the journal and
		// the backups keep the real time.
		asOf := cfg.AsOf
		svc.JudgeAt = func() time.Time { return asOf }
	}
	return &remediationEnv{store: st, svc: svc, log: log}, nil
}

// cachedMutators opens each account once: one AssumeRole per member
// account per run, whose credentials the SDK renews as they near expiry.
func cachedMutators(org *awsapi.Org) func(context.Context, string) (iamsweep.Mutator, error) {
	var mu sync.Mutex
	open := map[string]iamsweep.Mutator{}
	return func(ctx context.Context, accountID string) (iamsweep.Mutator, error) {
		mu.Lock()
		defer mu.Unlock()
		if m, ok := open[accountID]; ok {
			return m, nil
		}
		m, err := org.Mutator(ctx, iamsweep.Account{ID: accountID})
		if err != nil {
			return nil, err
		}
		open[accountID] = m
		return m, nil
	}
}

func leaseOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// confirm asks a yes/no question on a terminal.
func confirm(ios IO, question string) error {
	if !ios.canPrompt() {
		return usageError{errors.New("this changes AWS and needs confirmation: run it on a terminal, or pass --yes")}
	}
	fmt.Fprint(ios.ErrOut, question+" Only 'yes' is accepted: ")
	line, err := bufio.NewReader(ios.In).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return fmt.Errorf("read the confirmation: %w", err)
	}
	if strings.TrimSpace(line) != "yes" {
		return errors.New("canceled: nothing was changed")
	}
	return nil
}

// confirmedChange checks the ARN (when not ""), asks the question unless
// yes, and opens what a change needs.
func confirmedChange(ctx context.Context, d deps, cfg config.Config, arn, question string, yes bool) (*remediationEnv, error) {
	if arn != "" {
		if _, err := remediate.ParseTarget(arn); err != nil {
			return nil, iamsweep.NewInputError("ARN", "", err)
		}
	}
	if !yes {
		if err := confirm(d.io, question); err != nil {
			return nil, err
		}
	}
	st, path, err := openState(ctx, cfg, d)
	if err != nil {
		return nil, err
	}
	env, err := openRemediation(ctx, d, cfg, st, path, cfg.UnusedDays)
	if err != nil {
		st.Close()
		return nil, err
	}
	return env, nil
}
