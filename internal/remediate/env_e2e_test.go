package remediate_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/detect"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/remediate"
	"github.com/iamsweep/iamsweep/internal/store"
)

// The end-to-end tests in this package's *_e2e_test.go files drive
// remediate.Service over the real stack: the SDK adapter (internal/awsapi)
// against the fake AWS endpoint (internal/fakeaws), and the SQLite store
// (internal/store) in a temporary directory.

const (
	acct = "111122223333"
	// caller is the ARN the quarantine tags name.
	caller = "arn:aws:iam::" + acct + ":user/ops/iamsweep"
)

var (
	// now is the clock of the service and of the fake (the creation time
	// of what it creates).
	now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	// old is long before now: the seeded principals were created then.
	old = time.Date(2024, 1, 15, 8, 0, 0, 0, time.UTC)
)

// deletePolicy deletes unused roles and users, without limits.
var deletePolicy = iamsweep.RemediationPolicy{
	Roles: iamsweep.ActionDelete, Users: iamsweep.ActionDelete,
	MaxDeletionsPerRun: -1, MaxDeletionsPerAccount: -1,
}

// quarantinePolicy quarantines unused roles and users.
var quarantinePolicy = iamsweep.RemediationPolicy{
	Roles: iamsweep.ActionQuarantine, Users: iamsweep.ActionQuarantine,
	MaxDeletionsPerRun: -1, MaxDeletionsPerAccount: -1,
}

// env is one fake account, a state database and a client for both.
type env struct {
	srv   *fakeaws.Server
	store *store.Store
	// m is the adapter's Mutator, unwrapped: the test's own reads and
	// changes go through it.
	m iamsweep.Mutator
	// cfg is the SDK configuration m was made from.
	cfg aws.Config
}

func newEnv(t testing.TB, a *fakeaws.Account, opts ...fakeaws.Option) *env {
	t.Helper()
	opts = append([]fakeaws.Option{fakeaws.WithAccounts(a), fakeaws.WithClock(func() time.Time { return now })}, opts...)
	srv := fakeaws.New(t, opts...)
	st := openStore(t)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer:      awsapi.NewRetryer(awsapi.RetryOptions{NoBackoff: true}),
	}
	e := &env{srv: srv, store: st, cfg: cfg}
	e.m = e.client(awsapi.Options{SLRPoll: time.Millisecond})
	return e
}

// client returns another adapter on the environment's fake.
func (e *env) client(o awsapi.Options) iamsweep.Mutator {
	return awsapi.New(e.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), o)
}

// emptyDB is the files of a state database just created: the migrations
// are the slowest part of opening one (under the race detector above all),
// and the store's own tests cover them.
var emptyDB struct {
	once  sync.Once
	files map[string][]byte
	err   error
}

// openStore opens a new, empty state database in a temporary directory.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	emptyDB.once.Do(func() {
		dir, err := os.MkdirTemp("", "iamsweep-e2e-")
		if err != nil {
			emptyDB.err = err
			return
		}
		defer os.RemoveAll(dir)
		st, err := store.Open(context.Background(), filepath.Join(dir, "state.db"))
		if err == nil {
			err = st.Close()
		}
		if err != nil {
			emptyDB.err = err
			return
		}
		emptyDB.files = map[string][]byte{}
		for _, name := range []string{"state.db", "state.db-wal"} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			switch {
			case errors.Is(err, fs.ErrNotExist):
			case err != nil:
				emptyDB.err = err
				return
			default:
				emptyDB.files[name] = data
			}
		}
	})
	if emptyDB.err != nil {
		t.Fatal(emptyDB.err)
	}
	dir := t.TempDir()
	for name, data := range emptyDB.files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st, err := store.Open(t.Context(), filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return st
}

// service returns a Service on the environment: the fixed clock, policy p,
// the 90-day threshold, lease owner owner. Its Mutator is m when given,
// else the environment's.
func (e *env) service(owner string, p iamsweep.RemediationPolicy, m ...iamsweep.Mutator) *remediate.Service {
	mut := e.m
	if len(m) > 0 {
		mut = m[0]
	}
	return &remediate.Service{
		Store: e.store,
		Open: func(_ context.Context, accountID string) (iamsweep.Mutator, error) {
			if accountID != acct {
				return nil, fmt.Errorf("no account %s", accountID)
			}
			return mut, nil
		},
		Now:    func() time.Time { return now },
		Policy: p,
		Detect: detect.Options{UnusedDays: 90},
		Caller: caller,
		Owner:  owner,
	}
}

func (e *env) role(t testing.TB, name string) iamsweep.RoleState {
	t.Helper()
	r, err := e.m.ReadRole(t.Context(), name)
	if err != nil {
		t.Fatalf("ReadRole(%s): %v", name, err)
	}
	return r
}

func (e *env) user(t testing.TB, name string) iamsweep.UserState {
	t.Helper()
	u, err := e.m.ReadUser(t.Context(), name)
	if err != nil {
		t.Fatalf("ReadUser(%s): %v", name, err)
	}
	return u
}

// roleGone checks that role name and the instance profiles named do not
// exist.
func (e *env) roleGone(t testing.TB, name string, profiles ...string) {
	t.Helper()
	if r, err := e.m.ReadRole(t.Context(), name); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("role %s: err %v (ID %s), want it gone", name, err, r.ID)
	}
	for _, p := range profiles {
		if _, err := e.m.ReadInstanceProfile(t.Context(), p); !errors.Is(err, iamsweep.ErrNotFound) {
			t.Errorf("instance profile %s: err %v, want it gone", p, err)
		}
	}
}

// userGone checks that user name and the virtual MFA devices named do not
// exist. IAM has no call to read one virtual device; deleting it again
// tells (NoSuchEntity when it is gone).
func (e *env) userGone(t testing.TB, name string, virtualMFA ...string) {
	t.Helper()
	if u, err := e.m.ReadUser(t.Context(), name); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("user %s: err %v (ID %s), want it gone", name, err, u.ID)
	}
	for _, serial := range virtualMFA {
		err := e.m.Do(t.Context(), iamsweep.Step{Op: iamsweep.OpDeleteVirtualMFADevice, Target: serial})
		if !errors.Is(err, iamsweep.ErrNotFound) {
			t.Errorf("virtual MFA device %s: DeleteVirtualMFADevice err %v, want NoSuchEntity (deleted before)", serial, err)
		}
	}
}

// mutations returns the IAM calls the fake answered that change
// something, in order ("DeleteRole", with " <code>" when it failed).
func (e *env) mutations() []string {
	var out []string
	for _, c := range e.srv.Calls() {
		if strings.HasPrefix(c.Action, "Get") || strings.HasPrefix(c.Action, "List") {
			continue
		}
		s := c.Action
		if c.ErrorCode != "" {
			s += " " + c.ErrorCode
		}
		out = append(out, s)
	}
	return out
}

func (e *env) backups(t testing.TB, arn string) []iamsweep.Backup {
	t.Helper()
	bs, err := e.store.Backups(t.Context(), arn)
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// roleFinding is the unused finding of a scan that read role r.
func roleFinding(r iamsweep.RoleState) iamsweep.Finding {
	return iamsweep.Finding{
		Type: iamsweep.TypeUnusedIAMRole, AccountID: r.AccountID, ARN: r.ARN, PrincipalID: r.ID,
		Name: r.Name, Path: r.Path, Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse,
		Reason: "no recorded use", Created: r.Created, LastUsed: r.LastUsed, Tags: r.Tags,
	}
}

// userFinding is the unused user finding of a scan that read user u.
func userFinding(u iamsweep.UserState) iamsweep.Finding {
	return iamsweep.Finding{
		Type: iamsweep.TypeUnusedIAMUser, AccountID: u.AccountID, ARN: u.ARN, PrincipalID: u.ID,
		Name: u.Name, Path: u.Path, Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse,
		Reason: "no recorded use", Created: u.Created, Tags: u.Tags,
	}
}

// keyFinding is the unused finding of access key id of user u.
func keyFinding(u iamsweep.UserState, id string) iamsweep.Finding {
	f := userFinding(u)
	f.Type, f.AccessKeyID = iamsweep.TypeUnusedIAMUserAccessKey, id
	return f
}

// passwordFinding is the unused finding of user u's console password.
func passwordFinding(u iamsweep.UserState) iamsweep.Finding {
	f := userFinding(u)
	f.Type = iamsweep.TypeUnusedIAMUserPassword
	return f
}

// makePlan plans findings by policy p as of an hour before now.
func makePlan(id string, p iamsweep.RemediationPolicy, findings ...iamsweep.Finding) iamsweep.Plan {
	asOf := now.Add(-time.Hour)
	return remediate.MakePlan(remediate.PlanInput{ID: id, Created: asOf,
		Scan: iamsweep.ScanResult{AsOf: asOf, UnusedDays: 90, Findings: findings}}, p)
}

// statuses returns the status of each outcome.
func statuses(outs []remediate.Outcome) []remediate.Status {
	out := make([]remediate.Status, len(outs))
	for i, o := range outs {
		out[i] = o.Status
	}
	return out
}

// wantStatuses checks the outcomes' statuses, printing them in full when
// they differ.
func wantStatuses(t testing.TB, outs []remediate.Outcome, want ...remediate.Status) {
	t.Helper()
	if diff := cmp.Diff(want, statuses(outs)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s\noutcomes:\n%s", diff, describe(outs))
	}
}

func describe(outs []remediate.Outcome) string {
	var b strings.Builder
	for _, o := range outs {
		fmt.Fprintf(&b, "  %s %s %s: %s: %s; steps %v; notes %v\n", o.Action.ID, o.Action.Kind, o.Action.Name, o.Status, o.Detail, o.Steps, o.Notes)
	}
	return b.String()
}

// restorableRole is the part of a role a restore brings back: what IAM
// generates (unique IDs, creation times) and records (last use) cleared,
// instance profiles in name order.
func restorableRole(r iamsweep.RoleState) iamsweep.RoleState {
	r.ID, r.Created, r.LastUsed = "", time.Time{}, iamsweep.Usage{}
	r.InstanceProfiles = slices.Clone(r.InstanceProfiles)
	for i := range r.InstanceProfiles {
		r.InstanceProfiles[i].ID = ""
	}
	slices.SortFunc(r.InstanceProfiles, func(a, b iamsweep.InstanceProfileState) int { return strings.Compare(a.Name, b.Name) })
	return r
}

// restorableUser is the part of a user a restore brings back: no access
// keys, MFA devices, service-specific credentials (their secrets are
// gone) or dates; SSH keys and certificates without their IDs, in body
// order. The login profile is kept, without its date.
func restorableUser(u iamsweep.UserState) iamsweep.UserState {
	u.ID, u.Created, u.PasswordLastUsed = "", time.Time{}, time.Time{}
	u.AccessKeys, u.MFADevices, u.ServiceCredentials = nil, nil, nil
	if u.LoginProfile != nil {
		lp := *u.LoginProfile
		lp.Created = time.Time{}
		u.LoginProfile = &lp
	}
	u.SSHPublicKeys = slices.Clone(u.SSHPublicKeys)
	for i := range u.SSHPublicKeys {
		u.SSHPublicKeys[i].ID = ""
	}
	slices.SortFunc(u.SSHPublicKeys, func(a, b iamsweep.SSHPublicKeyState) int { return strings.Compare(a.Body, b.Body) })
	u.SigningCertificates = slices.Clone(u.SigningCertificates)
	for i := range u.SigningCertificates {
		u.SigningCertificates[i].ID = ""
	}
	slices.SortFunc(u.SigningCertificates, func(a, b iamsweep.SigningCertificateState) int { return strings.Compare(a.Body, b.Body) })
	return u
}

// equateEmpty treats nil and empty slices alike: IAM does not tell them
// apart.
var equateEmpty = cmpopts.EquateEmpty()

// call is one Do call a spy saw.
type call struct {
	// principal is the role or user the call names (Step.Name).
	principal string
	step      string
	// err is what the adapter returned; injected when the spy failed
	// the call without making it.
	err      error
	injected bool
}

// errInjected is the failure a spy injects: IAM refusing the call, which
// tells that it did not run.
var errInjected = &iamsweep.APIError{Code: "ValidationError", Message: "injected failure (test)", HTTPStatus: 400}

// crash is what a spy panics with to simulate a process killed right
// after an IAM call went through.
type crash struct{ step string }

// spy wraps a Mutator, recording every Do call into a log shared between
// runs. It can fail the failAt-th call without making it, or make the
// crashAt-th call and then panic (after calling onCrash).
type spy struct {
	iamsweep.Mutator
	log     *callLog
	failAt  int
	crashAt int
	onCrash func()
	// before, when set, runs before every call with its 1-based number.
	before func(n int)

	mu sync.Mutex
	n  int
}

// callLog is the calls of several spies.
type callLog struct {
	mu    sync.Mutex
	calls []call
}

func (l *callLog) add(c call) {
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.mu.Unlock()
}

// succeeded counts the calls that went through, per step.
func (l *callLog) succeeded() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for _, c := range l.calls {
		if c.err == nil && !c.injected {
			out[c.step]++
		}
	}
	return out
}

func (l *callLog) all() []call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

func (s *spy) Do(ctx context.Context, st iamsweep.Step) error {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	if s.before != nil {
		s.before(n)
	}
	if n == s.failAt {
		s.log.add(call{principal: st.Name, step: st.String(), err: errInjected, injected: true})
		return fmt.Errorf("%s: %w", st, errInjected)
	}
	err := s.Mutator.Do(ctx, st)
	s.log.add(call{principal: st.Name, step: st.String(), err: err})
	if n == s.crashAt {
		if s.onCrash != nil {
			s.onCrash()
		}
		panic(crash{step: st.String()})
	}
	return err
}

// applyCatching runs svc.Apply, recovering a spy's crash.
func applyCatching(ctx context.Context, svc *remediate.Service, p iamsweep.Plan) (outs []remediate.Outcome, crashed *crash, err error) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(crash)
			if !ok {
				panic(r)
			}
			crashed = &c
		}
	}()
	outs, err = svc.Apply(ctx, p)
	return outs, nil, err
}

// dyingStore is a Store that stops writing once its process has died:
// after die, every write is lost, as the writes a killed process would
// have made after its last call (releasing its lease above all).
type dyingStore struct {
	iamsweep.Store
	mu   sync.Mutex
	dead bool
}

var errDead = errors.New("the process is dead (test)")

func (d *dyingStore) die() {
	d.mu.Lock()
	d.dead = true
	d.mu.Unlock()
}

func (d *dyingStore) isDead() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dead
}

func (d *dyingStore) FinishStep(ctx context.Context, id int64, outcome iamsweep.StepOutcome, detail string, at time.Time) error {
	if d.isDead() {
		return errDead
	}
	return d.Store.FinishStep(ctx, id, outcome, detail, at)
}

func (d *dyingStore) BeginStep(ctx context.Context, planID, actionID string, step iamsweep.JournalStep, at time.Time) (int64, error) {
	if d.isDead() {
		return 0, errDead
	}
	return d.Store.BeginStep(ctx, planID, actionID, step, at)
}

func (d *dyingStore) ReleaseLease(ctx context.Context, arn, owner string) error {
	if d.isDead() {
		return errDead
	}
	return d.Store.ReleaseLease(ctx, arn, owner)
}

func (d *dyingStore) SaveBackup(ctx context.Context, b iamsweep.Backup) error {
	if d.isDead() {
		return errDead
	}
	return d.Store.SaveBackup(ctx, b)
}

func (d *dyingStore) AcquireLease(ctx context.Context, arn, owner string, at, expiry time.Time) error {
	if d.isDead() {
		return errDead
	}
	return d.Store.AcquireLease(ctx, arn, owner, at, expiry)
}
