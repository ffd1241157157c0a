//go:build integration

package integration

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/cli"
)

// TestRemediateQuarantine_moto quarantines an unused role and user (and
// deactivates the user's key, the default policy's action for it) through
// scan, plan and apply, checks what IAM holds then, applies the plan again
// and a new plan of the quarantined account (no change either time), and
// releases both back to what they were.
func TestRemediateQuarantine_moto(t *testing.T) {
	e := newRemediationEnv(t)
	ctx := t.Context()
	p := seedPolicies(t, e.IAM)
	if err := seedGroup(ctx, e.IAM, groupSpec{Name: "devs", Path: "/eng/", Attached: []string{awsReadOnly}}); err != nil {
		t.Fatal(err)
	}
	role, err := seedRole(ctx, e.IAM, fullRole("etl-runner", p))
	if err != nil {
		t.Fatal(err)
	}
	user, err := seedUser(ctx, e.IAM, userSpec{
		Name: "bob", Path: "/people/", Password: "Corr3ct-Horse-Battery!", Keys: []iamtypes.StatusType{iamtypes.StatusTypeActive},
		Groups: []string{"devs"}, Inline: []policySpec{{"read-reports", policyRead}}, Attached: []string{p.AppRead},
		Tags: []tag{{"team", "data platform"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	checkNeverUsed(t, e.IAM, []string{"etl-runner"}, []string{"bob"})
	origRole, err := readRole(ctx, e.IAM, "etl-runner")
	if err != nil {
		t.Fatal(err)
	}
	origUser, err := readUser(ctx, e.IAM, "bob")
	if err != nil {
		t.Fatal(err)
	}
	e.judgeLater()
	e.scan(t)
	// The default remediation policy: quarantine roles and users,
	// deactivate keys.
	file, plan := e.plan(t)
	key := user.Keys[0].ID
	if diff := cmp.Diff([]string{"a001 quarantine role etl-runner", "a002 quarantine user bob", "a003 deactivate-key user bob " + key}, plan.actions()); diff != "" {
		t.Fatalf("plan (-want +got):\n%s", diff)
	}

	// quarantinedAt is when apply quarantined each principal, by name.
	quarantinedAt := map[string]time.Time{}
	t.Run("apply", func(t *testing.T) {
		e.Rec.watch(t)
		before := time.Now().UTC().Truncate(time.Second)
		d, calls := e.apply(t, cli.ExitOK, file)
		after := time.Now().UTC()
		if diff := cmp.Diff([]string{"a001 applied", "a002 applied", "a003 applied"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s\n%+v", diff, d.Outcomes)
		}
		checkAnswered(t, e, calls)
		wantCalls := []string{
			"PutRolePolicy RoleName=etl-runner PolicyName=" + quarantinePolicy,
			"TagRole RoleName=etl-runner Tag=" + strings.Join(quarantineTags, " Tag="),
			"PutUserPolicy UserName=bob PolicyName=" + quarantinePolicy,
			"TagUser UserName=bob Tag=" + strings.Join(quarantineTags, " Tag="),
			"UpdateAccessKey UserName=bob AccessKeyId=" + key + " Status=Inactive",
		}
		if diff := cmp.Diff(wantCalls, mutations(calls)); diff != "" {
			t.Errorf("changes apply made, in order (-want +got):\n%s", diff)
		}
		caller := callerARN(t, calls)

		// What IAM holds now, read with the SDK: the deny-all policy and
		// the tags, next to everything the principals held before.
		for _, q := range []struct {
			principal, name, action string
			// tags are those the principal had before.
			tags map[string]string
			read func() (map[string]any, map[string]string, error)
		}{
			{"role", "etl-runner", "a001", origRole.Tags, func() (map[string]any, map[string]string, error) {
				st, err := readRole(ctx, e.IAM, "etl-runner")
				return st.InlinePolicies, st.Tags, err
			}},
			{"user", "bob", "a002", origUser.Tags, func() (map[string]any, map[string]string, error) {
				st, err := readUser(ctx, e.IAM, "bob")
				return st.InlinePolicies, st.Tags, err
			}},
		} {
			inline, tags, err := q.read()
			if err != nil {
				t.Fatal(err)
			}
			doc, ok := inline[quarantinePolicy]
			if !ok {
				t.Errorf("%s %s has no inline policy %s: %v\n%s", q.principal, q.name, quarantinePolicy, inline, e.Rec.excerpt(quarantinePolicy))
				continue
			}
			at := checkQuarantineDoc(t, q.principal+" "+q.name, doc, before, after)
			quarantinedAt[q.name] = at
			want := map[string]string{
				"iamsweep:quarantined-at": at.Format(time.RFC3339),
				"iamsweep:quarantined-by": caller,
				// The plan ID is the plan's creation time: checked by shape.
				"iamsweep:quarantine-reason": reasonLike(tags["iamsweep:quarantine-reason"], q.action),
				"iamsweep:quarantine-policy": "inline",
			}
			for k, v := range q.tags {
				want[k] = v
			}
			if diff := cmp.Diff(want, tags); diff != "" {
				t.Errorf("tags of %s %s (-want +got):\n%s", q.principal, q.name, diff)
			}
		}
		// Nothing else changed but the key's status.
		gotRole, err := readRole(ctx, e.IAM, "etl-runner")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(origRole, unquarantinedRole(gotRole)); diff != "" {
			t.Errorf("role etl-runner, but for the quarantine (-before +after):\n%s", diff)
		}
		gotUser, err := readUser(ctx, e.IAM, "bob")
		if err != nil {
			t.Fatal(err)
		}
		wantUser := origUser
		wantUser.AccessKeys = map[string]string{key: "Inactive"}
		if diff := cmp.Diff(wantUser, unquarantinedUser(gotUser)); diff != "" {
			t.Errorf("user bob, but for the quarantine (-before +after):\n%s", diff)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("the same plan again changes nothing", func(t *testing.T) {
		e.Rec.watch(t)
		d, calls := e.apply(t, cli.ExitOK, file)
		if diff := cmp.Diff([]string{"a001 already-applied", "a002 already-applied", "a003 already-applied"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		if m := mutations(calls); len(m) != 0 {
			t.Errorf("a second apply of the plan changed the account: %q", m)
		}
	})

	t.Run("a new plan of the quarantined account changes nothing", func(t *testing.T) {
		e.Rec.watch(t)
		e.scan(t)
		file, plan := e.plan(t)
		// The key is inactive now: exempt, no action.
		if diff := cmp.Diff([]string{"a001 quarantine role etl-runner", "a002 quarantine user bob"}, plan.actions()); diff != "" {
			t.Fatalf("plan (-want +got):\n%s", diff)
		}
		d, calls := e.apply(t, cli.ExitOK, file)
		if diff := cmp.Diff([]string{"a001 applied", "a002 applied"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		for _, o := range d.Outcomes {
			if !strings.Contains(o.Detail, "nothing to change") || len(o.Calls) != 0 {
				t.Errorf("outcome %s: detail %q, calls %q; want nothing to change", o.ID, o.Detail, o.Calls)
			}
		}
		if m := mutations(calls); len(m) != 0 {
			t.Errorf("quarantining quarantined principals changed the account: %q", m)
		}
		// The quarantines kept their time.
		role, err := readRole(ctx, e.IAM, "etl-runner")
		if err != nil {
			t.Fatal(err)
		}
		user, err := readUser(ctx, e.IAM, "bob")
		if err != nil {
			t.Fatal(err)
		}
		for name, tags := range map[string]map[string]string{"etl-runner": role.Tags, "bob": user.Tags} {
			if got, want := tags["iamsweep:quarantined-at"], quarantinedAt[name].Format(time.RFC3339); got != want {
				t.Errorf("%s: iamsweep:quarantined-at %q, want the first quarantine's %s", name, got, want)
			}
		}
	})

	t.Run("release", func(t *testing.T) {
		e.Rec.watch(t)
		for _, r := range []struct {
			arn       string
			wantCalls []string
		}{
			{role.ARN, []string{
				"DeleteRolePolicy RoleName=etl-runner PolicyName=" + quarantinePolicy,
				"UntagRole RoleName=etl-runner TagKeys=" + strings.Join(sorted(quarantineTags), " TagKeys="),
			}},
			{user.ARN, []string{
				"DeleteUserPolicy UserName=bob PolicyName=" + quarantinePolicy,
				"UntagUser UserName=bob TagKeys=" + strings.Join(sorted(quarantineTags), " TagKeys="),
			}},
		} {
			steps, calls := e.release(t, r.arn)
			checkAnswered(t, e, calls)
			if diff := cmp.Diff(r.wantCalls, mutations(calls)); diff != "" {
				t.Errorf("release %s: changes (-want +got):\n%s", r.arn, diff)
			}
			if len(steps) != len(r.wantCalls) {
				t.Errorf("release %s reports calls %q", r.arn, steps)
			}
		}
		// Back to what they were before the quarantine (the key stays
		// inactive: release lifts only the quarantine).
		gotRole, err := readRole(ctx, e.IAM, "etl-runner")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(origRole, gotRole); diff != "" {
			t.Errorf("role etl-runner after release (-before the quarantine +after):\n%s", diff)
		}
		gotUser, err := readUser(ctx, e.IAM, "bob")
		if err != nil {
			t.Fatal(err)
		}
		wantUser := origUser
		wantUser.AccessKeys = map[string]string{key: "Inactive"}
		if diff := cmp.Diff(wantUser, gotUser); diff != "" {
			t.Errorf("user bob after release (-before the quarantine +after):\n%s", diff)
		}
		// Releasing again: nothing to release.
		for _, arn := range []string{role.ARN, user.ARN} {
			steps, calls := e.release(t, arn)
			if m := mutations(calls); len(m) != 0 || len(steps) != 0 {
				t.Errorf("releasing %s a second time: calls %q, changes %q; want none", arn, steps, m)
			}
		}
	})
}

// TestRemediateServiceLinked_moto deletes an unused service-linked role:
// refused without --allow-service-linked, at plan time and again at apply
// time, and with it deleted through DeleteServiceLinkedRole, following
// the deletion task with GetServiceLinkedRoleDeletionStatus.
func TestRemediateServiceLinked_moto(t *testing.T) {
	e := newRemediationEnv(t)
	ctx := t.Context()
	slr, err := seedServiceLinkedRole(ctx, e.IAM, "autoscaling.amazonaws.com", "fleet")
	if err != nil {
		t.Fatal(err)
	}
	checkNeverUsed(t, e.IAM, []string{slr.Spec.Name}, nil)
	e.judgeLater()
	cfg := e.config(t, "  roles: delete\n  users: delete\n")
	// Service-linked roles are exempt unless the scan evaluates them.
	e.scan(t, "--include-managed")
	wantAction := "a001 delete role " + slr.Spec.Name

	t.Run("refused without --allow-service-linked", func(t *testing.T) {
		e.Rec.watch(t)
		file, plan := e.plan(t, "--config", cfg)
		if diff := cmp.Diff([]string{wantAction + " refused"}, plan.actions()); diff != "" {
			t.Fatalf("plan (-want +got):\n%s", diff)
		}
		if r := plan.Actions[0].Refused; !strings.Contains(r, "--allow-service-linked") {
			t.Errorf("refusal %q does not name --allow-service-linked", r)
		}
		mark := e.Rec.count()
		res := e.run(t, cli.ExitOK, "apply", file, "--yes", "--config", cfg, "--as-of", e.asOf)
		if !strings.Contains(res.stdout, "has no action to run") {
			t.Errorf("apply of a plan whose only action is refused: %q", res.stdout)
		}
		if m := mutations(e.cliCalls(mark)); len(m) != 0 {
			t.Errorf("the apply changed the account: %q", m)
		}

		// Planned with the flag, applied without it: apply's own
		// configuration refuses it again.
		file, plan = e.plan(t, "--config", cfg, "--allow-service-linked")
		if diff := cmp.Diff([]string{wantAction}, plan.actions()); diff != "" {
			t.Fatalf("plan with --allow-service-linked (-want +got):\n%s", diff)
		}
		d, calls := e.apply(t, cli.ExitOK, file, "--config", cfg)
		if diff := cmp.Diff([]string{"a001 refused"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s", diff)
		}
		if m := mutations(calls); len(m) != 0 {
			t.Errorf("the apply changed the account: %q", m)
		}
		if _, err := e.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(slr.Spec.Name)}); err != nil {
			t.Errorf("GetRole %s: %v; the role must still exist", slr.Spec.Name, err)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("deleted with --allow-service-linked", func(t *testing.T) {
		e.Rec.watch(t)
		file, plan := e.plan(t, "--config", cfg, "--allow-service-linked")
		if diff := cmp.Diff([]string{wantAction}, plan.actions()); diff != "" {
			t.Fatalf("plan (-want +got):\n%s", diff)
		}
		mark := e.Rec.count()
		d, calls := e.apply(t, cli.ExitOK, file, "--config", cfg, "--allow-service-linked")
		if diff := cmp.Diff([]string{"a001 applied"}, d.statuses()); diff != "" {
			t.Errorf("outcomes (-want +got):\n%s\n%+v", diff, d.Outcomes)
		}
		checkAnswered(t, e, calls)
		if diff := cmp.Diff([]string{"DeleteServiceLinkedRole RoleName=" + slr.Spec.Name}, mutations(calls)); diff != "" {
			t.Errorf("changes (-want +got):\n%s", diff)
		}
		// The deletion task the answer named is the one followed, after it
		// was started, until it ended.
		var task string
		var polled []string
		for _, ex := range e.Rec.since(mark) {
			switch {
			case ex.via != "cli":
			case ex.action == "DeleteServiceLinkedRole":
				var out struct {
					Task string `xml:"DeleteServiceLinkedRoleResult>DeletionTaskId"`
				}
				if err := xml.Unmarshal(ex.resp, &out); err != nil || out.Task == "" {
					t.Fatalf("DeleteServiceLinkedRole answered %q: %v", ex.resp, err)
				}
				task = out.Task
			case ex.action == "GetServiceLinkedRoleDeletionStatus":
				v, _ := url.ParseQuery(string(ex.req))
				if task == "" {
					t.Errorf("GetServiceLinkedRoleDeletionStatus before DeleteServiceLinkedRole answered")
				}
				polled = append(polled, v.Get("DeletionTaskId"))
				if !bytes.Contains(ex.resp, []byte("<Status>SUCCEEDED</Status>")) {
					t.Errorf("GetServiceLinkedRoleDeletionStatus answered %s", ex.resp)
				}
			}
		}
		if task == "" || !slices.Equal(polled, []string{task}) {
			t.Errorf("deletion task %q, polled %q: want it polled once (moto ends the task at once)", task, polled)
		}
		if _, err := e.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(slr.Spec.Name)}); !notFound(err) {
			t.Errorf("GetRole %s after the delete: %v, want NoSuchEntity", slr.Spec.Name, err)
		}
	})
}
