package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/awsapi"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/lastaccess"
	"github.com/iamsweep/iamsweep/internal/planfile"
)

// TestRefine_planApplyRestore is the user's path of docs/refine.md "Apply
// and roll back", through the real SDK client and the fake IAM endpoint:
// refine --plan writes a plan of refine actions, apply runs it (the
// shared customer managed policy stays as it is, attached to the other
// role), restore gives the roles their policies back and deletes the
// refined copies.
func TestRefine_planApplyRestore(t *testing.T) {
	isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	const acct = "111122223333"
	created := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	queueARN := "arn:aws:iam::111122223333:policy/etl-queue"
	glueARN := "arn:aws:iam::111122223333:policy/etl-glue"
	adminARN := "arn:aws:iam::aws:policy/AdministratorAccess"
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: acct,
		Policies: []*fakeaws.ManagedPolicy{
			{Name: "etl-queue", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:111122223333:etl-*"},{"Effect":"Deny","Action":"sqs:DeleteQueue","Resource":"*"}]}`},
			{Name: "etl-glue", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:StartJobRun","glue:GetJobRun","glue:GetJob*"],"Resource":"*"}]}`},
		},
		Roles: []*fakeaws.Role{
			{Name: "etl", Path: "/data/", Created: created, Attached: []fakeaws.AttachedPolicy{
				{Name: "etl-queue", ARN: queueARN}, {Name: "etl-glue", ARN: glueARN}}},
			{Name: "ci", Path: "/", Created: created, Attached: []fakeaws.AttachedPolicy{{Name: "AdministratorAccess", ARN: adminARN}}},
			{Name: "reports", Path: "/", Created: created, Attached: []fakeaws.AttachedPolicy{{Name: "etl-glue", ARN: glueARN}}},
		},
	}))
	saved, err := lastaccess.LoadAccessDir(refineAccess)
	if err != nil {
		t.Fatal(err)
	}
	generated := time.Date(2026, 11, 22, 20, 0, 0, 0, time.UTC)
	reports := map[string]iamsweep.AccessReport{
		"arn:aws:iam::111122223333:role/data/etl": saved["arn:aws:iam::111122223333:role/data/etl"],
		"arn:aws:iam::111122223333:role/ci": {ARN: "arn:aws:iam::111122223333:role/ci", Granularity: iamsweep.GranularityAction,
			Generated: generated, Since: generated.AddDate(-1, 0, 0), Services: []iamsweep.ServiceAccess{
				{Namespace: "cloudformation", LastAccessed: generated.AddDate(0, 0, -1)}, {Namespace: "ec2"}}},
	}
	dir := t.TempDir()
	state, planPath := filepath.Join(dir, "state.db"), filepath.Join(dir, "refine-plan.json")
	cli := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		d := deps{io: IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }},
			now: func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }, retry: awsapi.RetryOptions{NoBackoff: true},
			accessReports: func(context.Context, *RefineOptions, *awsapi.Client, []string, time.Time, *slog.Logger) (map[string]iamsweep.AccessReport, error) {
				return reports, nil
			}}
		code := run(t.Context(), append(args, "--endpoint-url", srv.URL, "--region", "us-east-1", "--state", state), d)
		return code, out.String(), errOut.String()
	}
	code, _, stderr := cli("refine", "arn:aws:iam::111122223333:role/data/etl", "arn:aws:iam::111122223333:role/ci", "--plan", planPath)
	if code != ExitUnused || !strings.Contains(stderr, "2 refine actions (0 refused) saved to "+planPath) {
		t.Fatalf("refine --plan: exit %d, stderr %s", code, stderr)
	}
	f, err := os.Open(planPath)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planfile.Read(f, planPath)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Actions) != 2 || plan.Actions[0].Kind != iamsweep.ActionRefine || plan.Actions[0].Finding.PrincipalID == "" {
		t.Fatalf("plan %+v", plan)
	}

	// The plan as a reviewer sees it (apply shows it before asking).
	var shown strings.Builder
	if err := writePlan(&shown, plan, planPath); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"~ a002 refine role /data/etl in 111122223333",
		"managed " + glueARN + ": create arn:aws:iam::111122223333:policy/iamsweep/refined/etl-glue-etl-refined (",
		"characters) for this role, attach it, detach " + glueARN,
		"Plan: 2 refine.",
		"refined to what was used in a 90-day window",
	} {
		if !strings.Contains(shown.String(), want) {
			t.Errorf("the plan shown does not say %q:\n%s", want, shown.String())
		}
	}

	m := awsapi.New(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "secret", "")}, slog.New(slog.DiscardHandler), awsapi.Options{})
	before := map[string]iamsweep.RoleState{}
	for _, name := range []string{"etl", "ci"} {
		if before[name], err = m.ReadRole(t.Context(), name); err != nil {
			t.Fatal(err)
		}
	}

	code, stdout, stderr := cli("apply", planPath, "--yes")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"refine role /data/etl", "CreatePolicy arn:aws:iam::111122223333:policy/iamsweep/refined/etl-glue-etl-refined", "Apply: 2 applied."} {
		if !strings.Contains(stdout, want) {
			t.Errorf("apply output does not say %q:\n%s\n%s", want, stdout, stderr)
		}
	}
	etl, err := m.ReadRole(t.Context(), "etl")
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(etl.AttachedPolicies, glueARN) || !slices.Contains(etl.AttachedPolicies, "arn:aws:iam::111122223333:policy/iamsweep/refined/etl-glue-etl-refined") {
		t.Errorf("etl after apply holds %v", etl.AttachedPolicies)
	}
	shared, err := m.ReadPolicy(t.Context(), glueARN)
	if err != nil || shared.DefaultVersionID != "v1" || shared.AttachmentCount != 1 {
		t.Errorf("the shared policy after apply: %+v %v; want it as it was, attached to reports", shared, err)
	}

	for _, name := range []string{"etl", "ci"} {
		code, stdout, stderr = cli("restore", before[name].ARN, "--yes")
		if code != 0 || !strings.Contains(stdout, "every restorable field matches the backup") {
			t.Fatalf("restore %s: exit %d\n%s\n%s", name, code, stdout, stderr)
		}
		after, err := m.ReadRole(t.Context(), name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(after.AttachedPolicies, before[name].AttachedPolicies) {
			t.Errorf("%s after restore holds %v, want %v", name, after.AttachedPolicies, before[name].AttachedPolicies)
		}
	}
	for _, arn := range []string{"arn:aws:iam::111122223333:policy/iamsweep/refined/etl-glue-etl-refined", "arn:aws:iam::111122223333:policy/iamsweep/refined/AdministratorAccess-ci-refined"} {
		if _, err := m.ReadPolicy(t.Context(), arn); !errors.Is(err, iamsweep.ErrNotFound) {
			t.Errorf("%s after restore: %v, want it deleted", arn, err)
		}
	}
}

// refineKillAccount holds role app, whose policies a refine plan narrows,
// and role other, which shares the customer managed policy shared-ops.
func refineKillAccount() *fakeaws.Account {
	created := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	shared := "arn:aws:iam::111122223333:policy/shared-ops"
	return &fakeaws.Account{ID: "111122223333",
		Policies: []*fakeaws.ManagedPolicy{{Name: "shared-ops", Document: killAllow("ec2:Describe*", "logs:*")}},
		Roles: []*fakeaws.Role{
			{Name: "app", Created: created, Inline: []fakeaws.InlinePolicy{{Name: "s3-rw", Document: killAllow("s3:*")}, {Name: "sqs-all", Document: killAllow("sqs:*")}},
				Attached: []fakeaws.AttachedPolicy{{Name: "shared-ops", ARN: shared}}},
			{Name: "other", Created: created, Attached: []fakeaws.AttachedPolicy{{Name: "shared-ops", ARN: shared}}},
		}}
}

func killAllow(actions ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["` + strings.Join(actions, `","`) + `"],"Resource":"*"}]}`
}

// refineMutations are the calls a refine action and its restore make.
var refineMutations = []string{"PutRolePolicy", "DeleteRolePolicy", "CreatePolicy", "DeletePolicy", "AttachRolePolicy", "DetachRolePolicy"}

func refineMutationCount(srv *fakeaws.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.ErrorCode == "" && slices.Contains(refineMutations, c.Action) {
			n++
		}
	}
	return n
}

// TestApply_refineKilledAndRerun kills an apply of a refine plan with
// SIGKILL after each of its calls reached IAM and before the answer came
// back, and runs apply again: the rerun finishes the refinement with the
// calls an uninterrupted apply makes (none twice), keeps one backup, and
// restore gives the role its policies back.
func TestApply_refineKilledAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs apply in a child process")
	}
	// Put, Create, Attach, Delete inline, Detach.
	const calls = 5
	for k := 1; k <= calls; k++ {
		t.Run(fmt.Sprintf("killed after call %d of %d", k, calls), func(t *testing.T) {
			isolateAWS(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
			srv := fakeaws.New(t, fakeaws.WithAccounts(refineKillAccount()))
			m := awsapi.New(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client(),
				Credentials: credentials.NewStaticCredentialsProvider("AKIAFAKEFAKEFAKEFAKE", "secret", "")}, slog.New(slog.DiscardHandler), awsapi.Options{})
			before, err := m.ReadRole(t.Context(), "app")
			if err != nil {
				t.Fatal(err)
			}
			shared := "arn:aws:iam::111122223333:policy/shared-ops"
			plan := iamsweep.Plan{ID: "p-refine", Actions: []iamsweep.Action{{ID: "a001", Kind: iamsweep.ActionRefine, Principal: "role",
				AccountID: "111122223333", ARN: before.ARN, Name: "app", Path: "/",
				Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedPermission, AccountID: "111122223333", ARN: before.ARN, PrincipalID: before.ID, Name: "app", Path: "/"},
				Changes: []iamsweep.PolicyChange{
					{Policy: "s3-rw", Inline: true, Document: killAllow("s3:*"), Refined: killAllow("s3:GetObject")},
					{Policy: "sqs-all", Inline: true, Document: killAllow("sqs:*")},
					{Policy: shared, Document: killAllow("ec2:Describe*", "logs:*"), Refined: killAllow("ec2:DescribeInstances"), RefinedName: "shared-ops-app-refined"},
				}}}}
			dir := t.TempDir()
			state, file := filepath.Join(dir, "state.db"), filepath.Join(dir, "plan.json")
			var buf bytes.Buffer
			if err := planfile.Write(&buf, plan); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}

			holding := srv.HoldResponsesAfter(k, refineMutations...)
			var stderr bytes.Buffer
			child := exec.Command(os.Args[0], "apply", file, "--yes", "--state", state, "--endpoint-url", srv.URL, "--region", "us-east-1")
			child.Env = append(os.Environ(), childEnv+"=1")
			child.Stderr = &stderr
			if err := child.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-holding:
			case <-time.After(60 * time.Second):
				_ = child.Process.Kill()
				t.Fatalf("the child made %d calls in 60 s; stderr:\n%s", refineMutationCount(srv), stderr.String())
			}
			if err := child.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = child.Wait()
			srv.StopHolding()
			if got := refineMutationCount(srv); got != k {
				t.Fatalf("%d calls went through before the kill, want %d", got, k)
			}

			var out, errOut bytes.Buffer
			d := deps{io: IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }},
				now: func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }, retry: awsapi.RetryOptions{NoBackoff: true}}
			cli := func(args ...string) int {
				out.Reset()
				errOut.Reset()
				return run(t.Context(), append(args, "--state", state, "--endpoint-url", srv.URL, "--region", "us-east-1"), d)
			}
			if code := cli("apply", file, "--yes"); code != ExitOK {
				t.Fatalf("apply after the kill: exit %d\n%s\n%s", code, out.String(), errOut.String())
			}
			if !strings.Contains(errOut.String(), "resuming: an earlier apply was interrupted during") {
				t.Errorf("the rerun does not say where the killed apply stood:\n%s", errOut.String())
			}
			if got := refineMutationCount(srv); got != calls {
				t.Errorf("%d calls in all, want %d as without the kill", got, calls)
			}
			app, err := m.ReadRole(t.Context(), "app")
			if err != nil {
				t.Fatal(err)
			}
			refined := "arn:aws:iam::111122223333:policy/iamsweep/refined/shared-ops-app-refined"
			if !slices.Equal(app.AttachedPolicies, []string{refined}) || len(app.InlinePolicies) != 1 {
				t.Errorf("app after the rerun: attached %v, inline %v", app.AttachedPolicies, app.InlinePolicies)
			}
			if code := cli("restore", before.ARN, "--yes"); code != ExitOK || !strings.Contains(out.String(), "every restorable field matches the backup") {
				t.Fatalf("restore: exit %d\n%s\n%s", code, out.String(), errOut.String())
			}
			if _, err := m.ReadPolicy(t.Context(), refined); !errors.Is(err, iamsweep.ErrNotFound) {
				t.Errorf("the refined policy after restore: %v", err)
			}
		})
	}
}
