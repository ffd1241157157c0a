package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os/user"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/store"
)

// ExceptionsOptions are the inputs of the exceptions commands.
type ExceptionsOptions struct {
	deps
	Config config.Config
	// All lists expired and revoked exceptions too (list).
	All bool
	// ARN, Until, For, Reason, KeyID and Password describe a new
	// exception (add); Until and For as given, "" when not.
	ARN      string
	Until    string
	For      string
	Reason   string
	KeyID    string
	Password bool
	// ID is the exception to revoke (revoke).
	ID string
	// By names who decides (add, revoke); "" for the OS user.
	By string
}

// NewCmdExceptions returns the exceptions command and its subcommands
// list (the default), add and revoke. runF, when not nil, runs in place of
// the subcommand's run function, with its name (a test seam).
func NewCmdExceptions(d deps, runF func(context.Context, string, *ExceptionsOptions) error) *cobra.Command {
	opts := &ExceptionsOptions{deps: d, Config: config.Default()}
	run := func(name string, f func(context.Context, *ExceptionsOptions) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			if err := resolveSettings(cmd, &opts.Config, d); err != nil {
				return err
			}
			switch name {
			case "add":
				opts.ARN = args[0]
			case "revoke":
				opts.ID = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), name, opts)
			}
			return f(cmd.Context(), opts)
		}
	}
	const listLong = `List shows the exceptions in force: the principals (and credentials) owners
or operators decided to keep, until when and why. Scans judge them exempt,
rule "exception", "kept by OWNER until DATE: REASON". --all lists expired
and revoked ones too.`
	cmd := &cobra.Command{
		Use:   "exceptions",
		Short: "List, add and revoke exceptions (Keeps) of principals",
		Long: `Exceptions are Keeps: a principal, a password or an access key that must stay,
with a reason and an end date no further than escalation.keep-max (default
180 days). Until it ends, scans judge the finding exempt ("kept by OWNER
until DATE: REASON") and the owner workflow neither notifies nor escalates
it; then it is judged again. Owners make them through the Keep link of a
notice; operators with these commands. Every add and revoke is recorded as
a decision (who, when, from "cli", why).

Without a subcommand, exceptions lists the exceptions in force.

` + listLong,
		Example: `  iamsweep exceptions
  iamsweep exceptions list --all -o json
  iamsweep exceptions add arn:aws:iam::111122223333:role/dr-restore --for 90d --reason "disaster recovery, tested quarterly"
  iamsweep exceptions add arn:aws:iam::111122223333:user/ci --key-id AKIAIOSFODNN7EXAMPLE --until 2027-03-01 --reason "yearly audit export"
  iamsweep exceptions revoke x-3f9a0c1b2d4e5f60`,
		Args: cobra.NoArgs,
		RunE: run("list", runExceptionsList),
	}
	bindSettings(cmd, &opts.Config, "state", "output", "log-level", "log-format")
	setUsage(cmd, "output", "output format: table or json")
	cmd.Flags().BoolVar(&opts.All, "all", false, "list expired and revoked exceptions too")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the exceptions in force",
		Long:  listLong,
		Args:  cobra.NoArgs,
		RunE:  run("list", runExceptionsList),
	}
	bindSettings(list, &opts.Config, "state", "output", "log-level", "log-format")
	setUsage(list, "output", "output format: table or json")
	list.Flags().BoolVar(&opts.All, "all", false, "list expired and revoked exceptions too")

	add := &cobra.Command{
		Use:   "add ARN (--until DATE | --for DURATION) --reason TEXT",
		Short: "Keep a principal, its password or an access key until a date",
		Long: `Add keeps the role or user ARN (with --key-id, one of its access keys; with
--password, its console password) until --until DATE (a date, midnight UTC,
or an RFC 3339 time) or for --for DURATION (90d, 720h) from now: no further
than escalation.keep-max from now. --reason is required. A Keep of a user
keeps its password and access keys too.

The decision is recorded as made from "cli" by --by, or by the OS user.`,
		Args: cobra.ExactArgs(1),
		RunE: run("add", runExceptionsAdd),
	}
	bindSettings(add, &opts.Config, "state", "log-level", "log-format")
	add.Flags().StringVar(&opts.Until, "until", "", "keep until this `DATE` (2027-03-01, midnight UTC) or RFC 3339 time")
	add.Flags().StringVar(&opts.For, "for", "", "keep for this `DURATION` from now: 90d or a Go duration such as 720h")
	add.Flags().StringVar(&opts.Reason, "reason", "", "why the principal must stay (required)")
	add.Flags().StringVar(&opts.KeyID, "key-id", "", "keep this access key of the user (AKIA...) rather than the user")
	add.Flags().BoolVar(&opts.Password, "password", false, "keep the user's console password rather than the user")
	add.Flags().StringVar(&opts.By, "by", "", "who decides (default: the OS user)")

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "End an exception now",
		Long: `Revoke ends the exception ID (see exceptions list) now: the next scan judges
its finding again, and the owner workflow notifies its owner again. The
decision is recorded as made from "cli" by --by, or by the OS user.`,
		Args: cobra.ExactArgs(1),
		RunE: run("revoke", runExceptionsRevoke),
	}
	bindSettings(revoke, &opts.Config, "state", "log-level", "log-format")
	revoke.Flags().StringVar(&opts.By, "by", "", "who decides (default: the OS user)")

	cmd.AddCommand(list, add, revoke)
	return cmd
}

// exceptionState says where an exception is at now.
func exceptionState(e iamsweep.Exception, now time.Time) string {
	switch {
	case !e.Revoked.IsZero() && !now.Before(e.Revoked):
		return "revoked"
	case !now.Before(e.Until):
		return "expired"
	case now.Before(e.Created):
		return "future"
	}
	return "active"
}

// keyParts splits a finding key into its type and its record: the ARN,
// and the key ID of an access key.
func keyParts(k iamsweep.FindingKey) (typ, record string) {
	parts := strings.SplitN(string(k), " ", 3)
	if len(parts) < 3 {
		return "", string(k)
	}
	return parts[1], parts[2]
}

// runExceptionsList lists exceptions.
func runExceptionsList(ctx context.Context, opts *ExceptionsOptions) error {
	d, cfg := opts.deps, opts.Config
	if err := tableOrJSON(&cfg, "exceptions"); err != nil {
		return err
	}
	st, _, err := openState(ctx, cfg, d)
	if err != nil {
		return err
	}
	defer st.Close()
	now := d.now().UTC()
	f := store.ExceptionFilter{ActiveAt: now}
	if opts.All {
		f = store.ExceptionFilter{}
	}
	es, err := st.Exceptions(ctx, f)
	if err != nil {
		return err
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	if cfg.Output == "json" {
		type row struct {
			ID      string `json:"id"`
			State   string `json:"state"`
			Key     string `json:"key"`
			Type    string `json:"type"`
			ARN     string `json:"arn"`
			By      string `json:"by"`
			Reason  string `json:"reason"`
			Created string `json:"created"`
			Until   string `json:"until"`
			Revoked string `json:"revoked,omitempty"`
		}
		rows := []row{}
		for _, e := range es {
			typ, _ := keyParts(e.Key)
			rows = append(rows, row{ID: e.ID, State: exceptionState(e, now), Key: string(e.Key), Type: typ, ARN: e.ARN,
				By: e.By, Reason: e.Reason, Created: stamp(e.Created), Until: stamp(e.Until), Revoked: stamp(e.Revoked)})
		}
		return writeJSON(d.io.Out, rows)
	}
	if len(es) == 0 {
		msg := "No exception is in force.\n"
		if opts.All {
			msg = "No exception was ever made.\n"
		}
		_, err := fmt.Fprint(d.io.Out, msg)
		return err
	}
	tw := tabwriter.NewWriter(d.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tUNTIL\tBY\tTYPE\tRECORD\tREASON")
	for _, e := range es {
		typ, record := keyParts(e.Key)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, exceptionState(e, now), stamp(e.Until), e.By, typ, record, e.Reason)
	}
	return tw.Flush()
}

// exceptionKey returns the key of the finding an exception for arn keeps:
// the role, the user, or with keyID or password one of the user's
// credentials.
func exceptionKey(arn, keyID string, password bool) (iamsweep.FindingKey, error) {
	a, err := iamsweep.ParseARN(arn)
	if err != nil {
		return "", iamsweep.NewInputError("ARN", "", err)
	}
	f := iamsweep.Finding{AccountID: a.AccountID, ARN: arn}
	if a.Service == "iam" && a.Resource == "root" {
		return "", iamsweep.NewInputError("ARN", "", errors.New("the root user cannot be kept: its access keys should not exist at all"))
	}
	if !iamsweep.IsAccountID(a.AccountID) {
		return "", iamsweep.NewInputError("ARN", "", fmt.Errorf("%s has no account ID", iamsweep.Quote(arn)))
	}
	if _, _, err := a.IAMResource("role"); err == nil {
		if keyID != "" || password {
			return "", usageError{errors.New("--key-id and --password name a user's credentials; " + arn + " is a role")}
		}
		f.Type = iamsweep.TypeUnusedIAMRole
		return iamsweep.KeyOf(f), nil
	}
	if _, _, err := a.IAMResource("user"); err != nil {
		return "", iamsweep.NewInputError("ARN", "", fmt.Errorf("%s is neither an IAM role nor an IAM user ARN", iamsweep.Quote(arn)))
	}
	switch {
	case keyID != "" && password:
		return "", usageError{errors.New("--key-id and --password cannot be combined: an exception keeps one record")}
	case keyID != "":
		if !accessKeyID.MatchString(keyID) {
			return "", iamsweep.NewInputError("--key-id", "", fmt.Errorf("want an access key ID such as AKIAIOSFODNN7EXAMPLE, got %s", iamsweep.Quote(keyID)))
		}
		f.Type, f.AccessKeyID = iamsweep.TypeUnusedIAMUserAccessKey, keyID
	case password:
		f.Type = iamsweep.TypeUnusedIAMUserPassword
	default:
		f.Type = iamsweep.TypeUnusedIAMUser
	}
	return iamsweep.KeyOf(f), nil
}

// exceptionUntil returns the end of a new exception from --until or
// --for, checked against now and escalation.keep-max.
func exceptionUntil(opts *ExceptionsOptions, now time.Time) (time.Time, error) {
	cfg := opts.Config
	var (
		until time.Time
		flag  string
	)
	switch {
	case opts.Until != "" && opts.For != "":
		return time.Time{}, usageError{errors.New("give --until or --for, not both")}
	case opts.Until != "":
		t, err := config.ParseTime(opts.Until)
		if err != nil {
			return time.Time{}, iamsweep.NewInputError("--until", "", err)
		}
		until, flag = t, "--until"
	case opts.For != "":
		d, err := config.ParseDuration(opts.For)
		if err != nil {
			return time.Time{}, iamsweep.NewInputError("--for", "", err)
		}
		if d > cfg.Escalation.KeepMax {
			return time.Time{}, iamsweep.NewInputError("--for", "", fmt.Errorf("%s is longer than escalation.keep-max, %s", opts.For, days(cfg.Escalation.KeepMax)))
		}
		until, flag = now.Add(d), "--for"
	default:
		return time.Time{}, usageError{errors.New("give the end of the exception: --until DATE or --for DURATION")}
	}
	if !until.After(now) {
		return time.Time{}, iamsweep.NewInputError(flag, "", fmt.Errorf("%s is not in the future", until.UTC().Format(time.RFC3339)))
	}
	if last := now.Add(cfg.Escalation.KeepMax); until.After(last) {
		return time.Time{}, iamsweep.NewInputError(flag, "", fmt.Errorf("%s is further than escalation.keep-max (%s) from now: at most %s",
			until.UTC().Format(time.RFC3339), days(cfg.Escalation.KeepMax), last.UTC().Format(time.RFC3339)))
	}
	return until.UTC(), nil
}

// days says a duration in days when it is whole days.
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// runExceptionsAdd records a Keep.
func runExceptionsAdd(ctx context.Context, opts *ExceptionsOptions) error {
	d := opts.deps
	now := d.now().UTC()
	key, err := exceptionKey(opts.ARN, opts.KeyID, opts.Password)
	if err != nil {
		return err
	}
	until, err := exceptionUntil(opts, now)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(opts.Reason)
	if reason == "" {
		return usageError{errors.New("give the reason the principal must stay: --reason TEXT")}
	}
	by, err := decider(opts)
	if err != nil {
		return err
	}
	xid, err := newID("x-")
	if err != nil {
		return err
	}
	did, err := newID("d-")
	if err != nil {
		return err
	}
	e := iamsweep.Exception{ID: xid, Key: key, ARN: opts.ARN, By: by, Reason: reason, Created: now, Until: until}
	dec := iamsweep.Decision{ID: did, Key: key, ARN: opts.ARN, Kind: iamsweep.DecisionKeep, By: by, From: "cli",
		At: now, Reason: reason, Until: until}
	st, _, err := openState(ctx, opts.Config, d)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.KeepException(ctx, dec, e); err != nil {
		return err
	}
	if err := st.AddEvent(ctx, store.Event{Key: key, ARN: opts.ARN, At: now, Kind: store.EventException,
		Text: detect.KeptReason(e) + " (exception " + xid + ", from the CLI)"}); err != nil {
		return fmt.Errorf("the exception %s was recorded, but not its history event: %w", xid, err)
	}
	typ, record := keyParts(key)
	_, err = fmt.Fprintf(d.io.Out, "Exception %s: %s %s is %s.\n", xid, typ, record, detect.KeptReason(e))
	return err
}

// runExceptionsRevoke ends an exception now.
func runExceptionsRevoke(ctx context.Context, opts *ExceptionsOptions) error {
	d := opts.deps
	now := d.now().UTC()
	by, err := decider(opts)
	if err != nil {
		return err
	}
	st, _, err := openState(ctx, opts.Config, d)
	if err != nil {
		return err
	}
	defer st.Close()
	es, err := st.Exceptions(ctx, store.ExceptionFilter{})
	if err != nil {
		return err
	}
	var e *iamsweep.Exception
	for i := range es {
		if es[i].ID == opts.ID {
			e = &es[i]
		}
	}
	if e == nil {
		return iamsweep.NewInputError("ID", "", fmt.Errorf("no exception %s (exceptions list --all shows them all)", iamsweep.Quote(opts.ID)))
	}
	if s := exceptionState(*e, now); s != "active" && s != "future" {
		return iamsweep.NewInputError("ID", "", fmt.Errorf("exception %s is %s already", e.ID, s))
	}
	did, err := newID("d-")
	if err != nil {
		return err
	}
	dec := iamsweep.Decision{ID: did, Key: e.Key, ARN: e.ARN, Kind: iamsweep.DecisionRevoke, By: by, From: "cli", At: now,
		Reason: "exception " + e.ID + " revoked"}
	if err := st.RevokeWithDecision(ctx, e.ID, dec); err != nil {
		return err
	}
	if err := st.AddEvent(ctx, store.Event{Key: e.Key, ARN: e.ARN, At: now, Kind: store.EventException,
		Text: "exception " + e.ID + " revoked by " + by + " (from the CLI)"}); err != nil {
		return fmt.Errorf("the exception %s was revoked, but its history event not recorded: %w", e.ID, err)
	}
	typ, record := keyParts(e.Key)
	_, err = fmt.Fprintf(d.io.Out, "Revoked exception %s: %s %s is judged again from the next scan.\n", e.ID, typ, record)
	return err
}

// decider returns who decides: --by, else the OS user (USER, USERNAME,
// then the account database).
func decider(opts *ExceptionsOptions) (string, error) {
	if by := strings.TrimSpace(opts.By); by != "" {
		return by, nil
	}
	for _, v := range []string{"USER", "USERNAME"} {
		if u := strings.TrimSpace(opts.io.Getenv(v)); u != "" {
			return u, nil
		}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username, nil
	}
	return "", usageError{errors.New("cannot tell who you are: give --by NAME")}
}

// newID returns prefix and 16 random hex digits.
func newID(prefix string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make an ID: %w", err)
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

// accessKeyID matches an IAM access key ID: 16 to 128 upper-case letters
// and digits (AKIA... for a user's long-lived key).
var accessKeyID = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
