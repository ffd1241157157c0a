package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// childEnv marks a run of the test binary as the iamsweep command itself
// (see TestMain): the kill test runs apply in a process it can kill -9.
const childEnv = "IAMSWEEP_TEST_RUN_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], SystemIO()))
	}
	os.Exit(m.Run())
}

// appliedMutations counts the mutating calls the fake carried out.
func appliedMutations(srv *fakeaws.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.ErrorCode == "" && slices.Contains(mutatingCalls, c.Action) {
			n++
		}
	}
	return n
}

// killConfig deletes up to three unused roles of the example account.
const killConfig = "allow: [\"/breakglass/*\"]\nremediation:\n  roles: delete\n  max-deletions-per-account: 3\n"

// killSession is a session with a scan and a plan recorded.
func killSession(t *testing.T) (*session, string) {
	t.Helper()
	s := newSession(t)
	cfg := filepath.Join(t.TempDir(), "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte(killConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	s.scanAndPlan("--config", cfg)
	return s, cfg
}

// TestApply_killedAndRerun kills an apply process with SIGKILL after its
// k-th mutating call reached IAM and before the answer came back (the call
// went through; the process never learned it: the fake holds the answer),
// for every k of the deletion of three roles, and runs apply again. The
// rerun must say where the killed run stood, finish the plan, make exactly
// the calls an uninterrupted apply makes in all (none twice, none lost),
// and leave one backup of every role; once, a third apply must find
// nothing to do and restore must bring a role back from its backup.
func TestApply_killedAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs apply in a child process")
	}

	// An uninterrupted apply, for the number of calls the plan takes.
	control, cfg := killSession(t)
	if r := control.run("", "apply", "--yes", "--config", cfg, "--as-of", asOf); r.code != ExitOK {
		t.Fatalf("control apply: exit %d, stderr %s", r.code, r.stderr)
	}
	want := appliedMutations(control.srv)
	deleted := []string{}
	for _, r := range exampleAccount(t).Roles {
		if control.role(r.Name) == nil {
			deleted = append(deleted, r.Name)
		}
	}
	if len(deleted) != 3 || want < 9 {
		t.Fatalf("the control apply deleted %v with %d calls; want 3 roles and a plan long enough to kill inside", deleted, want)
	}

	for k := 1; k < want; k++ {
		t.Run(fmt.Sprintf("killed after call %d of %d", k, want), func(t *testing.T) {
			s, cfg := killSession(t)
			// The fake carries out the k-th call and never answers it.
			holding := s.srv.HoldResponsesAfter(k, mutatingCalls...)
			var stderr bytes.Buffer
			child := exec.Command(os.Args[0], "apply", "--yes", "--config", cfg, "--as-of", asOf,
				"--state", s.state, "--endpoint-url", s.srv.URL)
			child.Env = append(os.Environ(), childEnv+"=1")
			child.Stderr = &stderr
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-holding:
			case <-time.After(60 * time.Second):
				_ = child.Process.Kill()
				t.Fatalf("the child made %d calls in 60 s; stderr:\n%s", appliedMutations(s.srv), stderr.String())
			}
			if err := child.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = child.Wait()
			s.srv.StopHolding()
			if got := appliedMutations(s.srv); got != k {
				t.Fatalf("%d calls went through before the kill, want %d", got, k)
			}

			r := s.run("", "apply", "--yes", "--config", cfg, "--as-of", asOf)
			if r.code != ExitOK {
				t.Fatalf("apply after the kill: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "resuming: an earlier apply was interrupted during") {
				t.Errorf("the rerun does not say where the killed apply stood:\n%s", r.stderr)
			}
			if got := appliedMutations(s.srv); got != want {
				t.Errorf("%d calls in all, want %d as without the kill", got, want)
			}
			for _, name := range deleted {
				if s.role(name) != nil {
					t.Errorf("role %s still exists", name)
				}
				arn := "arn:aws:iam::" + exampleAccountID + ":role" + roleARNPath(t, name) + name
				b := s.run("", "backups", arn, "-o", "json")
				var backups []json.RawMessage
				if b.code != ExitOK || json.Unmarshal([]byte(b.stdout), &backups) != nil || len(backups) != 1 {
					t.Errorf("backups %s: exit %d, want one backup; stdout %s", arn, b.code, b.stdout)
				}
			}
			if k != want/2 {
				return
			}
			// Nothing is left to do, and a role comes back from its backup.
			again := s.run("", "apply", "--yes", "--config", cfg, "--as-of", asOf, "-o", "json")
			if again.code != ExitOK || appliedMutations(s.srv) != want {
				t.Errorf("third apply: exit %d, %d calls in all (want %d); stderr %s", again.code, appliedMutations(s.srv), want, again.stderr)
			}
			arn := "arn:aws:iam::" + exampleAccountID + ":role" + roleARNPath(t, deleted[0]) + deleted[0]
			back := s.run("", "restore", arn, "--yes")
			if back.code != ExitOK || !strings.Contains(back.stdout, "every restorable field matches the backup") {
				t.Errorf("restore %s: exit %d, stdout %s, stderr %s", arn, back.code, back.stdout, back.stderr)
			}
		})
	}
}

// roleARNPath returns the path of a role of the example account.
func roleARNPath(t *testing.T, name string) string {
	t.Helper()
	for _, r := range exampleAccount(t).Roles {
		if r.Name == name {
			if r.Path == "" {
				return "/"
			}
			return r.Path
		}
	}
	t.Fatalf("no role %s in the example account", name)
	return ""
}
