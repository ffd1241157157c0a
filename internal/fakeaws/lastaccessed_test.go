package fakeaws_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	appARN = "arn:aws:iam::" + accountB + ":role/app"
	// appInline allows S3 wholly, DynamoDB reads and, through NotAction,
	// every Lambda action but the deleting ones; it denies IAM.
	appInline = `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Effect":"Allow","Action":["dynamodb:GetItem","DynamoDB:Query"],"Resource":"*"},
		{"Effect":"Allow","NotAction":["lambda:Delete*","s3:*","dynamodb:*","ec2:*","sqs:*","sns:*","kms:*","logs:*","cloudwatch:*","sts:*","ssm:*","iam:*","custom:*"],"Resource":"*"},
		{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`
	// appManaged allows EC2 descriptions and a service the fake's
	// catalogue does not hold.
	appManaged = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ec2:Describe*","custom:Do"],"Resource":"*"}}`
)

// lastAccessedServer seeds accountA (where keyA acts) and accountB with
// the scanner role to assume and the app role to report on, with its use.
func lastAccessedServer(t *testing.T, clock *testClock, opts ...fakeaws.Option) *fakeaws.Server {
	t.Helper()
	opts = append([]fakeaws.Option{
		fakeaws.WithClock(clock.Now),
		fakeaws.WithAccounts(
			&fakeaws.Account{ID: accountA},
			&fakeaws.Account{ID: accountB,
				Roles: []*fakeaws.Role{
					{Name: "scanner", Path: "/iamsweep/", ID: scannerID},
					{Name: "app", Inline: []fakeaws.InlinePolicy{{Name: "app", Document: appInline}},
						Attached: []fakeaws.AttachedPolicy{{Name: "describe", ARN: "arn:aws:iam::" + accountB + ":policy/describe"}}},
				},
				Policies: []*fakeaws.ManagedPolicy{{Name: "describe", Document: appManaged}},
			}),
	}, opts...)
	srv := fakeaws.New(t, opts...)
	srv.SetAccess(appARN,
		fakeaws.AccessUse{Action: "s3:ListAllMyBuckets", When: t0.Add(-24 * time.Hour), Region: "eu-west-1"},
		fakeaws.AccessUse{Action: "s3", When: t0.Add(-2 * time.Hour), Region: "us-east-1"},      // GetObject: not tracked
		fakeaws.AccessUse{Action: "ec2:DescribeInstances", When: t0.Add(-500 * 24 * time.Hour)}, // before the window
		fakeaws.AccessUse{Action: "lambda:InvokeFunction", When: t0.Add(-time.Hour), Region: "eu-west-1"},
	)
	return srv
}

// session assumes the scanner role with the given session name.
func session(t *testing.T, srv *fakeaws.Server, name string) *iam.Client {
	t.Helper()
	out, err := stsClient(srv, static(keyA)).AssumeRole(t.Context(), assumeInput(scannerARN, name, 0))
	if err != nil {
		t.Fatal(err)
	}
	return iamClientWith(srv, issued(out.Credentials))
}

func TestServer_ServiceLastAccessed(t *testing.T) {
	clock := &testClock{now: t0}
	srv := lastAccessedServer(t, clock, fakeaws.WithAccessJobPolls(2))
	c := session(t, srv, "iamsweep-scan")
	ctx := t.Context()

	gen, err := c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(appARN), Granularity: types.AccessAdvisorUsageGranularityTypeActionLevel})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(aws.ToString(gen.JobId)); n != 36 {
		t.Errorf("JobId %q of %d characters, want 36", aws.ToString(gen.JobId), n)
	}
	get := func(in *iam.GetServiceLastAccessedDetailsInput) *iam.GetServiceLastAccessedDetailsOutput {
		t.Helper()
		in.JobId = gen.JobId
		out, err := c.GetServiceLastAccessedDetails(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for i := range 2 {
		out := get(&iam.GetServiceLastAccessedDetailsInput{})
		if out.JobStatus != types.JobStatusTypeInProgress || out.JobCompletionDate != nil || len(out.ServicesLastAccessed) != 0 {
			t.Fatalf("poll %d: status %s, completed %v, %d services; want IN_PROGRESS, none, none", i, out.JobStatus, out.JobCompletionDate, len(out.ServicesLastAccessed))
		}
		if !aws.ToTime(out.JobCreationDate).Equal(t0) {
			t.Errorf("JobCreationDate %v, want %v", out.JobCreationDate, t0)
		}
	}
	clock.Advance(5 * time.Second)
	out := get(&iam.GetServiceLastAccessedDetailsInput{})
	if out.JobStatus != types.JobStatusTypeCompleted || out.JobType != types.AccessAdvisorUsageGranularityTypeActionLevel || out.IsTruncated {
		t.Fatalf("status %s, type %s, truncated %v; want COMPLETED ACTION_LEVEL, whole", out.JobStatus, out.JobType, out.IsTruncated)
	}
	if got, want := aws.ToTime(out.JobCompletionDate), t0.Add(5*time.Second); !got.Equal(want) {
		t.Errorf("JobCompletionDate %v, want %v", got, want)
	}
	used := func(when time.Time, region string) (*time.Time, *string, *string, *int32) {
		return &when, aws.String(appARN), aws.String(region), aws.Int32(1)
	}
	unused := func(names ...string) []types.TrackedActionLastAccessed {
		var out []types.TrackedActionLastAccessed
		for _, n := range names {
			out = append(out, types.TrackedActionLastAccessed{ActionName: aws.String(n)})
		}
		return out
	}
	s3 := types.ServiceLastAccessed{ServiceName: aws.String("Amazon S3"), ServiceNamespace: aws.String("s3")}
	s3.LastAuthenticated, s3.LastAuthenticatedEntity, s3.LastAuthenticatedRegion, s3.TotalAuthenticatedEntities = used(t0.Add(-2*time.Hour), "us-east-1")
	s3.TrackedActionsLastAccessed = unused("CreateBucket", "DeleteBucket", "DeleteBucketPolicy", "GetBucketAcl", "GetBucketLocation", "GetBucketPolicy",
		"GetBucketVersioning", "ListAllMyBuckets", "PutBucketAcl", "PutBucketPolicy", "PutBucketVersioning", "PutEncryptionConfiguration")
	s3.TrackedActionsLastAccessed[7] = types.TrackedActionLastAccessed{ActionName: aws.String("ListAllMyBuckets"), LastAccessedEntity: aws.String(appARN),
		LastAccessedRegion: aws.String("eu-west-1"), LastAccessedTime: aws.Time(t0.Add(-24 * time.Hour))}
	lambda := types.ServiceLastAccessed{ServiceName: aws.String("AWS Lambda"), ServiceNamespace: aws.String("lambda"),
		TrackedActionsLastAccessed: unused("CreateFunction", "GetFunction", "InvokeFunction", "ListFunctions", "UpdateFunctionCode")}
	lambda.LastAuthenticated, lambda.LastAuthenticatedEntity, lambda.LastAuthenticatedRegion, lambda.TotalAuthenticatedEntities = used(t0.Add(-time.Hour), "eu-west-1")
	lambda.TrackedActionsLastAccessed[2] = types.TrackedActionLastAccessed{ActionName: aws.String("InvokeFunction"), LastAccessedEntity: aws.String(appARN),
		LastAccessedRegion: aws.String("eu-west-1"), LastAccessedTime: aws.Time(t0.Add(-time.Hour))}
	want := []types.ServiceLastAccessed{
		{ServiceName: aws.String("custom"), ServiceNamespace: aws.String("custom"), TotalAuthenticatedEntities: aws.Int32(0)},
		{ServiceName: aws.String("Amazon DynamoDB"), ServiceNamespace: aws.String("dynamodb"), TotalAuthenticatedEntities: aws.Int32(0)},
		{ServiceName: aws.String("Amazon EC2"), ServiceNamespace: aws.String("ec2"), TotalAuthenticatedEntities: aws.Int32(0),
			TrackedActionsLastAccessed: unused("DescribeInstances", "DescribeSecurityGroups")},
		lambda,
		s3,
	}
	if diff := cmp.Diff(want, out.ServicesLastAccessed, cmpopts.IgnoreUnexported(types.ServiceLastAccessed{}, types.TrackedActionLastAccessed{})); diff != "" {
		t.Errorf("ServicesLastAccessed (-want +got):\n%s", diff)
	}

	t.Run("pages", func(t *testing.T) {
		var names []string
		in := &iam.GetServiceLastAccessedDetailsInput{MaxItems: aws.Int32(2)}
		for pages := 1; ; pages++ {
			out := get(in)
			for _, s := range out.ServicesLastAccessed {
				names = append(names, aws.ToString(s.ServiceNamespace))
			}
			if !out.IsTruncated {
				if pages != 3 {
					t.Errorf("%d pages, want 3", pages)
				}
				break
			}
			in.Marker = out.Marker
		}
		if diff := cmp.Diff([]string{"custom", "dynamodb", "ec2", "lambda", "s3"}, names); diff != "" {
			t.Errorf("services over the pages (-want +got):\n%s", diff)
		}
		_, err := c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: gen.JobId, Marker: aws.String("bogus")})
		if apiCode(err) != "ValidationError" {
			t.Errorf("a bad Marker: %v, want ValidationError", err)
		}
	})

	t.Run("service level", func(t *testing.T) {
		gen, err := c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(appARN)})
		if err != nil {
			t.Fatal(err)
		}
		var out *iam.GetServiceLastAccessedDetailsOutput
		for range 3 {
			if out, err = c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: gen.JobId}); err != nil {
				t.Fatal(err)
			}
		}
		if out.JobStatus != types.JobStatusTypeCompleted || out.JobType != types.AccessAdvisorUsageGranularityTypeServiceLevel {
			t.Fatalf("status %s type %s", out.JobStatus, out.JobType)
		}
		for _, s := range out.ServicesLastAccessed {
			if len(s.TrackedActionsLastAccessed) > 0 {
				t.Errorf("%s lists tracked actions in a SERVICE_LEVEL report", aws.ToString(s.ServiceNamespace))
			}
		}
	})
}

func TestServer_ServiceLastAccessed_jobPerPrincipal(t *testing.T) {
	clock := &testClock{now: t0}
	srv := lastAccessedServer(t, clock, fakeaws.WithAccessJobPolls(0))
	ctx := t.Context()
	creator := session(t, srv, "iamsweep-scan")
	gen, err := creator.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(appARN)})
	if err != nil {
		t.Fatal(err)
	}
	read := func(c *iam.Client) error {
		_, err := c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: gen.JobId})
		return err
	}
	tests := []struct {
		name   string
		client *iam.Client
		want   string
	}{
		{"the creating session", creator, "<nil>"},
		{"new credentials of the same role session name", session(t, srv, "iamsweep-scan"), "<nil>"},
		{"another session of the same role", session(t, srv, "other"), "NoSuchEntity"},
		{"a user of the same account", iamClient(srv, "AKIAUNKNOWNUNKNOWN01"), "NoSuchEntity"}, // unknown keys act in accountA
		{"an unknown job", nil, "NoSuchEntity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			if tt.client == nil {
				_, err = creator.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: aws.String("00000000-0000-4000-a000-000000000000")})
			} else {
				err = read(tt.client)
			}
			if got := apiCode(err); got != tt.want { // "<nil>" for none
				t.Errorf("read: %v (code %q), want code %q", err, got, tt.want)
			}
		})
	}
}

func TestServer_ServiceLastAccessed_errors(t *testing.T) {
	clock := &testClock{now: t0}
	srv := lastAccessedServer(t, clock, fakeaws.WithAccessJobPolls(0))
	ctx := t.Context()
	c := session(t, srv, "iamsweep-scan")

	t.Run("failed job", func(t *testing.T) {
		srv.FailAccessJob(appARN, "InternalFailure", "the job could not finish")
		gen, err := c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(appARN)})
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: gen.JobId})
		if err != nil {
			t.Fatal(err)
		}
		if out.JobStatus != types.JobStatusTypeFailed || out.Error == nil || aws.ToString(out.Error.Code) != "InternalFailure" || out.JobCompletionDate == nil {
			t.Errorf("status %s, error %+v, completed %v; want FAILED with the error and a date", out.JobStatus, out.Error, out.JobCompletionDate)
		}
		// Only the next job fails.
		gen, _ = c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(appARN)})
		out, err = c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: gen.JobId})
		if err != nil || out.JobStatus != types.JobStatusTypeCompleted {
			t.Errorf("the job after: %v, %v; want COMPLETED", out, err)
		}
	})
	for _, tt := range []struct {
		name string
		in   *iam.GenerateServiceLastAccessedDetailsInput
		want string
	}{
		{"no such role", &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::" + accountB + ":role/nope")}, "NoSuchEntity"},
		{"role with another path", &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::" + accountB + ":role/x/app")}, "NoSuchEntity"},
		{"another account", &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("arn:aws:iam::" + accountA + ":role/app")}, "NoSuchEntity"},
		{"not an ARN", &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String("role/app-and-more-text")}, "InvalidInput"},
		{"bad granularity", &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(appARN), Granularity: "POLICY_LEVEL"}, "ValidationError"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.GenerateServiceLastAccessedDetails(ctx, tt.in)
			if err == nil || apiCode(err) != tt.want {
				t.Errorf("Generate: %v, want code %q", err, tt.want)
			}
		})
	}
	t.Run("throttled", func(t *testing.T) {
		srv.InjectFault("", "GetServiceLastAccessedDetails", 1, 400, "Throttling", "Rate exceeded")
		gen, err := c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: aws.String(appARN)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: gen.JobId})
		if apiCode(err) != "Throttling" {
			t.Errorf("Get: %v, want Throttling", err)
		}
	})
}
