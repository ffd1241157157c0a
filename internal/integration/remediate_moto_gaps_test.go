//go:build integration

package integration

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// fillMotoGaps answers, as IAM does, the calls of the remediation commands
// that moto 5.2.1 does not implement (it answers them HTTP 500 with an
// HTML page, which the product rightly takes as a failure: a backup must
// be complete), from moto's own state:
//
//   - ListInstanceProfileTags: the tags moto's GetInstanceProfile shows;
//   - ListServiceSpecificCredentials: none (moto has no way to make one).
//
// Every other request, and these once moto answers them otherwise, go to
// moto unchanged. TestMoto_differences checks that moto still lacks them.
func fillMotoGaps(next http.RoundTripper) http.RoundTripper { return motoGaps{next} }

type motoGaps struct{ next http.RoundTripper }

// filledRequestID marks the responses fillMotoGaps made, in the recording.
const filledRequestID = "filled-in-by-the-test-proxy-moto-lacks-this-call"

func (g motoGaps) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	act := action(req, body)
	if act != "ListInstanceProfileTags" && act != "ListServiceSpecificCredentials" {
		return g.next.RoundTrip(req)
	}
	resp, err := g.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusInternalServerError {
		return resp, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	form, _ := url.ParseQuery(string(body))
	if act == "ListServiceSpecificCredentials" {
		return iamResponse(req, act, "<ServiceSpecificCredentials/><IsTruncated>false</IsTruncated>"), nil
	}
	get := url.Values{"Action": {"GetInstanceProfile"}, "Version": {"2010-05-08"}, "InstanceProfileName": {form.Get("InstanceProfileName")}}
	greq, err := http.NewRequestWithContext(req.Context(), http.MethodPost, req.URL.String(), strings.NewReader(get.Encode()))
	if err != nil {
		return nil, err
	}
	greq.Host = req.Host
	greq.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	// The same credentials: moto picks the account by the access key.
	// (moto checks no signature here: TestScan_motoAuth alone turns that
	// on, and it runs no remediation.)
	greq.Header.Set("Authorization", req.Header.Get("Authorization"))
	greq.Header.Set("X-Amz-Date", req.Header.Get("X-Amz-Date"))
	gresp, err := g.next.RoundTrip(greq)
	if err != nil || gresp.StatusCode != http.StatusOK {
		// NoSuchEntity, as ListInstanceProfileTags answers it.
		return gresp, err
	}
	data, err := io.ReadAll(gresp.Body)
	gresp.Body.Close()
	if err != nil {
		return nil, err
	}
	var out struct {
		Tags []struct{ Key, Value string } `xml:"GetInstanceProfileResult>InstanceProfile>Tags>member"`
	}
	if err := xml.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("fill in ListInstanceProfileTags: GetInstanceProfile answered %q: %w", data, err)
	}
	var b strings.Builder
	b.WriteString("<Tags>")
	for _, tg := range out.Tags {
		b.WriteString("<member><Key>")
		xml.EscapeText(&b, []byte(tg.Key))
		b.WriteString("</Key><Value>")
		xml.EscapeText(&b, []byte(tg.Value))
		b.WriteString("</Value></member>")
	}
	b.WriteString("</Tags><IsTruncated>false</IsTruncated>")
	return iamResponse(req, act, b.String()), nil
}

// iamResponse is IAM's answer to action with this result.
func iamResponse(req *http.Request, action, result string) *http.Response {
	body := `<` + action + `Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><` + action + `Result>` + result + `</` + action +
		`Result><ResponseMetadata><RequestId>` + filledRequestID + `</RequestId></ResponseMetadata></` + action + `Response>`
	return &http.Response{
		Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/xml"}, "Content-Length": {strconv.Itoa(len(body))}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// remediateDifferences are where moto differs from AWS in the calls of
// plan, apply, release and restore.
func remediateDifferences(env *awsEnv) []difference {
	status := func(t *testing.T, fn func() error) (int, []byte) {
		t.Helper()
		before := env.Rec.count()
		err := fn()
		calls := env.Rec.since(before)
		if len(calls) == 0 {
			t.Fatalf("no request recorded (%v)", err)
		}
		last := calls[len(calls)-1]
		return last.status, last.resp
	}
	return []difference{
		{
			name: "ListInstanceProfileTags and ListServiceSpecificCredentials are not implemented",
			aws: "IAM lists an instance profile's tags and a user's service-specific credentials (CodeCommit, Keyspaces...). " +
				"moto implements neither and answers HTTP 500 with an HTML page. The product reads both for a backup and fails " +
				"rather than back up less; the remediation tests' proxy (fillMotoGaps) answers them as IAM does from moto's state: " +
				"the tags GetInstanceProfile shows, and no service-specific credentials (moto cannot make any).",
			check: func(t *testing.T) {
				ctx := t.Context()
				if _, err := env.IAM.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("diff-profile-tags"),
					Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("x")}}}); err != nil {
					t.Fatal(err)
				}
				if code, body := status(t, func() error {
					_, err := env.IAM.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("diff-profile-tags")})
					return err
				}); code != http.StatusInternalServerError {
					t.Errorf("ListInstanceProfileTags answered %d %s; moto used to answer 500", code, clip(body, 1<<10))
				}
				if _, err := seedUser(ctx, env.IAM, userSpec{Name: "diff-service-credentials"}); err != nil {
					t.Fatal(err)
				}
				if code, body := status(t, func() error {
					_, err := env.IAM.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("diff-service-credentials")})
					return err
				}); code != http.StatusInternalServerError {
					t.Errorf("ListServiceSpecificCredentials answered %d %s; moto used to answer 500", code, clip(body, 1<<10))
				}
			},
		},
		{
			name: "users have no permissions boundary",
			aws: "IAM sets a user's permissions boundary with CreateUser or PutUserPermissionsBoundary and shows it in GetUser. " +
				"moto ignores CreateUser's and answers PutUserPermissionsBoundary and DeleteUserPermissionsBoundary HTTP 500: " +
				"backing up, deleting and restoring a user's boundary is tested against internal/fakeaws only.",
			check: func(t *testing.T) {
				ctx := t.Context()
				arn, err := seedPolicy(ctx, env.IAM, "/boundaries/", "diff-user-boundary", policyBoundary)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("diff-bounded"), PermissionsBoundary: aws.String(arn)}); err != nil {
					t.Fatal(err)
				}
				out, err := env.IAM.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("diff-bounded")})
				if err != nil {
					t.Fatal(err)
				}
				if out.User.PermissionsBoundary != nil {
					t.Errorf("GetUser shows boundary %s; moto used to ignore CreateUser's", aws.ToString(out.User.PermissionsBoundary.PermissionsBoundaryArn))
				}
				if code, body := status(t, func() error {
					_, err := env.IAM.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("diff-bounded"), PermissionsBoundary: aws.String(arn)})
					return err
				}); code != http.StatusInternalServerError {
					t.Errorf("PutUserPermissionsBoundary answered %d %s; moto used to answer 500", code, clip(body, 1<<10))
				}
				if code, body := status(t, func() error {
					_, err := env.IAM.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: aws.String("diff-bounded")})
					return err
				}); code != http.StatusInternalServerError {
					t.Errorf("DeleteUserPermissionsBoundary answered %d %s; moto used to answer 500", code, clip(body, 1<<10))
				}
			},
		},
		{
			name: "DeleteUser does not check what the user still has",
			aws: "IAM refuses DeleteUser (DeleteConflict) while the user has a console password, access keys, signing " +
				"certificates, SSH public keys, service-specific credentials, MFA devices or groups. moto checks only inline and " +
				"attached policies, and its groups keep listing the deleted user. The product removes everything first either " +
				"way; against moto the delete test checks the order of the calls the recording proxy saw.",
			check: func(t *testing.T) {
				ctx := t.Context()
				if err := seedGroup(ctx, env.IAM, groupSpec{Name: "diff-delete-group"}); err != nil {
					t.Fatal(err)
				}
				if _, err := seedUser(ctx, env.IAM, userSpec{Name: "diff-delete", Password: "Corr3ct-Horse-Battery!",
					Keys: []iamtypes.StatusType{iamtypes.StatusTypeActive}, Groups: []string{"diff-delete-group"}}); err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("diff-delete")}); err != nil {
					t.Errorf("DeleteUser of a user with a password, a key and a group: %v; moto used to delete it", err)
				}
				out, err := env.IAM.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("diff-delete-group")})
				if err != nil {
					t.Fatal(err)
				}
				if len(out.Users) != 1 {
					t.Errorf("the group lists %d users after its member was deleted; moto used to list the deleted user", len(out.Users))
				}
			},
		},
		{
			name: "CreateLoginProfile ignores PasswordResetRequired",
			aws: "IAM records PasswordResetRequired (GetLoginProfile says true after CreateLoginProfile with it). moto " +
				"always says false; the restore test checks that restore --reset-password sends it.",
			check: func(t *testing.T) {
				ctx := t.Context()
				if _, err := seedUser(ctx, env.IAM, userSpec{Name: "diff-reset"}); err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("diff-reset"),
					Password: aws.String("Corr3ct-Horse-Battery!"), PasswordResetRequired: true}); err != nil {
					t.Fatal(err)
				}
				out, err := env.IAM.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("diff-reset")})
				if err != nil {
					t.Fatal(err)
				}
				if out.LoginProfile.PasswordResetRequired {
					t.Error("GetLoginProfile says PasswordResetRequired; moto used to say false")
				}
			},
		},
		{
			name: "service-linked roles are deleted at once",
			aws: "IAM deletes a service-linked role in a task that GetServiceLinkedRoleDeletionStatus reports IN_PROGRESS, " +
				"then SUCCEEDED, or FAILED with the resources that still use the role. moto deletes the role within " +
				"DeleteServiceLinkedRole and answers SUCCEEDED for any task ID, even one it never issued. The product polls " +
				"until the task ends; its waiting, timeout and failure paths are tested against internal/fakeaws.",
			check: func(t *testing.T) {
				ctx := t.Context()
				r, err := seedServiceLinkedRole(ctx, env.IAM, "elasticbeanstalk.amazonaws.com", "diff")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String(r.Spec.Name)}); err != nil {
					t.Fatal(err)
				}
				if _, err := env.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Spec.Name)}); !notFound(err) {
					t.Errorf("GetRole right after DeleteServiceLinkedRole: %v; moto used to have deleted it (NoSuchEntity)", err)
				}
				out, err := env.IAM.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{
					DeletionTaskId: aws.String("task/aws-service-role/elasticbeanstalk.amazonaws.com/never-issued/00000000-0000-0000-0000-000000000000")})
				if err != nil || out.Status != iamtypes.DeletionTaskStatusTypeSucceeded {
					t.Errorf("GetServiceLinkedRoleDeletionStatus of a task never issued: %v, %v; moto used to answer SUCCEEDED", err, out)
				}
			},
		},
	}
}

// reasonLike returns got when it is the reason tag of a never-used
// principal quarantined by some plan's action, else what it should be.
func reasonLike(got, action string) string {
	want := regexp.MustCompile(`^unused rule=no-recorded-use created=\d{4}-\d\d-\d\d plan=p-\d{8}T\d{6}Z(-\d+)? action=` + regexp.QuoteMeta(action) + `$`)
	if want.MatchString(got) {
		return got
	}
	return want.String()
}
